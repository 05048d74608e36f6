"""Ipernity provider for paysupport.

Shared by the client and the emulator: :func:`sign` (request signatures),
:func:`load_catalogue` (Ipernity's method catalogue, typed) and :func:`satisfies`
(permission levels). The emulator lives in :mod:`paysupport_ipernity.emulator`.
"""

from paysupport_ipernity.catalogue import Catalogue, Method, Parameter, load_catalogue
from paysupport_ipernity.permissions import satisfies
from paysupport_ipernity.signing import sign, verify

__all__ = ["Catalogue", "Method", "Parameter", "load_catalogue", "satisfies", "sign", "verify"]
