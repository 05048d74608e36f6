"""Ipernity provider for paysupport.

:class:`IpernityClient` (entry point ``paysupport.providers: ipernity``; :func:`connect` makes
one with its settings as typed arguments) makes signed,
catalogue-checked calls, runs both frob flows, walks list methods and uploads files. Shared
by the client and the emulator: :func:`sign` (request signatures), :func:`load_catalogue`
(Ipernity's method catalogue, typed) and :func:`satisfies` (permission levels). The emulator
lives in :mod:`paysupport_ipernity.emulator`; ``python -m paysupport_ipernity`` opens a
console with a ready client.
"""

from paysupport_ipernity.auth import AuthInfo, IpernityFrobFlow, authorize_endpoint
from paysupport_ipernity.catalogue import Catalogue, Method, Parameter, load_catalogue
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
from paysupport_ipernity.permissions import satisfies
from paysupport_ipernity.resources import Album, Doc, Member
from paysupport_ipernity.signing import sign, verify
from paysupport_ipernity.uploads import TicketStatus
from paysupport_ipernity.walks import element_path

__all__ = [
    "Album",
    "AuthInfo",
    "Catalogue",
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
    "load_catalogue",
    "satisfies",
    "sign",
    "verify",
]
