"""Ipernity provider for paysupport: signed calls, frob login, walks and uploads.

:class:`IpernityClient` (declared by :data:`paysupport_ipernity.info.INFO`, the entry point
``paysupport.providers: ipernity``; :func:`connect` makes one with its settings as typed
arguments) makes signed, catalog-checked calls, runs both frob flows, walks list methods
and uploads files. Shared by the client and the emulator: :func:`sign` (request
signatures), :func:`load_catalog` (Ipernity's method catalog, typed) and :func:`satisfies`
(permission levels). The emulator lives in :mod:`paysupport_ipernity.emulator`;
``python -m paysupport_ipernity`` opens a console with a ready client.

The names below are imported on first use, so that reading the declaration
(``paysupport_ipernity.info``, which imports this package first) imports no client.
``Catalogue`` and ``load_catalogue`` are the old spellings of :class:`Catalog` and
:func:`load_catalog`: they warn and go in 0.3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paysupport.lazy import lazy_exports

if TYPE_CHECKING:
    from paysupport_ipernity.auth import AuthInfo, IpernityFrobFlow, authorize_endpoint, satisfies
    from paysupport_ipernity.catalog import Catalog, Method, Parameter, load_catalog
    from paysupport_ipernity.client import IpernityClient, connect
    from paysupport_ipernity.errors import (
        FrobNotAuthorized,
        InvalidApiKey,
        InvalidTicket,
        IpernityError,
        MissingParameter,
        NotPermitted,
        SignatureError,
        UnknownMethod,
        UploadTimeout,
    )
    from paysupport_ipernity.resources import Album, Doc, Member
    from paysupport_ipernity.signing import sign, verify
    from paysupport_ipernity.uploads import TicketStatus
    from paysupport_ipernity.walks import element_path

__all__ = [
    "Album",
    "AuthInfo",
    "Catalog",
    "Doc",
    "FrobNotAuthorized",
    "InvalidApiKey",
    "InvalidTicket",
    "IpernityClient",
    "IpernityError",
    "IpernityFrobFlow",
    "Member",
    "Method",
    "MissingParameter",
    "NotPermitted",
    "Parameter",
    "SignatureError",
    "TicketStatus",
    "UnknownMethod",
    "UploadTimeout",
    "authorize_endpoint",
    "connect",
    "element_path",
    "load_catalog",
    "satisfies",
    "sign",
    "verify",
]

#: Where each public name lives.
_HOMES = {
    "AuthInfo": "auth",
    "IpernityFrobFlow": "auth",
    "authorize_endpoint": "auth",
    "satisfies": "auth",
    "Catalog": "catalog",
    "Method": "catalog",
    "Parameter": "catalog",
    "load_catalog": "catalog",
    "IpernityClient": "client",
    "connect": "client",
    "FrobNotAuthorized": "errors",
    "InvalidApiKey": "errors",
    "InvalidTicket": "errors",
    "IpernityError": "errors",
    "MissingParameter": "errors",
    "NotPermitted": "errors",
    "SignatureError": "errors",
    "UnknownMethod": "errors",
    "UploadTimeout": "errors",
    "Album": "resources",
    "Doc": "resources",
    "Member": "resources",
    "sign": "signing",
    "verify": "signing",
    "TicketStatus": "uploads",
    "element_path": "walks",
}

#: Old spellings, kept for one release: old name -> new name.
_RENAMED = {"Catalogue": "Catalog", "load_catalogue": "load_catalog"}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, renamed=_RENAMED)
