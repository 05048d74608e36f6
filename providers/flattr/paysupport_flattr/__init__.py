"""Flattr provider for paysupport: the client (REST API v2, OAuth 2) and a local emulator.

``paysupport.connect("flattr", ...)`` returns a :class:`FlattrClient`, typed as the
core's ``Client``; :func:`connect` here (or ``paysupport.connect("flattr",
FlattrClient)``) gives it its own type. The names below are its public API; the
modules behind them are private by convention: ``info`` (the declaration),
``client``, ``auth``, ``transport``, ``errors``, ``resources`` (the records),
``walks``, ``catalog`` (what the API allows), ``demo``, the calls of each kind
of resource (``thing_calls``, ``user_calls``, ``subscription_calls``,
``flattring``, ``register``), ``ratelimit``, ``autosubmit`` and ``emulator``.

The names below are imported on first use, so that reading the declaration
(``paysupport_flattr.info``, the ``paysupport.providers`` entry point, which
imports this package first) imports no client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paysupport.lazy import lazy_exports

if TYPE_CHECKING:
    from paysupport_flattr.autosubmit import (
        URL_PATTERNS,
        AutoSubmit,
        build_autosubmit_url,
        is_autosubmit_url,
        parse_autosubmit_url,
        thing_id_from_url,
    )
    from paysupport_flattr.catalog import Choice, Vocabulary
    from paysupport_flattr.client import FlattrClient, connect
    from paysupport_flattr.errors import (
        AlreadyFlattred,
        AlreadySubscribed,
        Forbidden,
        NotEnoughMeans,
        OwnThing,
        ThingNotFound,
        ValidationFailed,
    )
    from paysupport_flattr.ratelimit import RateLimit
    from paysupport_flattr.resources import (
        Activity,
        AuthenticatedUser,
        Flattr,
        FlattrResult,
        FlattrUser,
        LazyUser,
        MiniThing,
        MiniUser,
        Registration,
        Subscription,
        Thing,
    )

__all__ = [
    "URL_PATTERNS",
    "Activity",
    "AlreadyFlattred",
    "AlreadySubscribed",
    "AuthenticatedUser",
    "AutoSubmit",
    "Choice",
    "Flattr",
    "FlattrClient",
    "FlattrResult",
    "FlattrUser",
    "Forbidden",
    "LazyUser",
    "MiniThing",
    "MiniUser",
    "NotEnoughMeans",
    "OwnThing",
    "RateLimit",
    "Registration",
    "Subscription",
    "Thing",
    "ThingNotFound",
    "ValidationFailed",
    "Vocabulary",
    "build_autosubmit_url",
    "connect",
    "is_autosubmit_url",
    "parse_autosubmit_url",
    "thing_id_from_url",
]

#: Where each public name lives.
_HOMES = {
    "Activity": "resources",
    "AlreadyFlattred": "errors",
    "AlreadySubscribed": "errors",
    "AuthenticatedUser": "resources",
    "AutoSubmit": "autosubmit",
    "Choice": "catalog",
    "Flattr": "resources",
    "FlattrClient": "client",
    "FlattrResult": "resources",
    "FlattrUser": "resources",
    "Forbidden": "errors",
    "LazyUser": "resources",
    "MiniThing": "resources",
    "MiniUser": "resources",
    "NotEnoughMeans": "errors",
    "OwnThing": "errors",
    "RateLimit": "ratelimit",
    "Registration": "resources",
    "Subscription": "resources",
    "Thing": "resources",
    "ThingNotFound": "errors",
    "URL_PATTERNS": "autosubmit",
    "ValidationFailed": "errors",
    "Vocabulary": "catalog",
    "build_autosubmit_url": "autosubmit",
    "connect": "client",
    "is_autosubmit_url": "autosubmit",
    "parse_autosubmit_url": "autosubmit",
    "thing_id_from_url": "autosubmit",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
