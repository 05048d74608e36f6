"""Flattr provider for paysupport: the client (REST API v2, OAuth 2) and a local emulator.

``paysupport.connect("flattr", ...)`` returns a :class:`FlattrClient`, typed as the
core's ``Client``; :func:`connect` here (or ``paysupport.connect("flattr",
FlattrClient)``) gives it its own type. The names below are its public API; the
modules behind them are private by convention.
"""

from .autosubmit import (
    URL_PATTERNS,
    AutoSubmit,
    build_autosubmit_url,
    is_autosubmit_url,
    parse_autosubmit_url,
    thing_id_from_url,
)
from .client import FlattrClient, connect
from .errors import (
    AlreadyFlattred,
    AlreadySubscribed,
    Forbidden,
    NotEnoughMeans,
    OwnThing,
    ThingNotFound,
    ValidationFailed,
)
from .models import Activity, Flattr, FlattrResult, FlattrUser, MiniThing, MiniUser
from .ratelimit import RateLimit
from .register import Registration
from .subscriptions import Subscription
from .things import Thing
from .users import AuthenticatedUser, LazyUser
from .vocabulary import Choice, Vocabulary

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
