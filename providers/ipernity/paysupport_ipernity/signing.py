"""Ipernity request signatures (``api_sig``).

Ipernity signs a call with ``md5(concat(name + value, sorted by name) + method + secret)``,
hex lower-case, over UTF-8 text. Two things are left out of the concatenation: ``api_sig``
itself and the uploaded file (``file``), whose content travels as a multipart part and is
never signed. An authorization link (``/apps/authorize``) is signed the same way but with no
method name. The client signs with :func:`sign` (every call, in
:mod:`~paysupport_ipernity.transport`, and the authorization links of
:mod:`~paysupport_ipernity.auth`, through the transport); the emulator checks with
:func:`verify`, so both sides share one definition of the rule. It is a module of its own,
below both ``auth`` and ``transport``, so that neither has to import the other to sign.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

__all__ = ["UNSIGNED_PARAMETERS", "sign", "verify"]

#: Parameters that never take part in a signature.
UNSIGNED_PARAMETERS = frozenset({"api_sig", "file"})


def sign(params: Mapping[str, str], secret: str, method: str | None = None) -> str:
    """Return the ``api_sig`` for ``params``.

    ``method`` is the API method name (``doc.get``); pass ``None`` for an authorization link.
    Parameters are ordered by name (code point order) so the caller's ordering never matters.
    """
    parts = [name + params[name] for name in sorted(params) if name not in UNSIGNED_PARAMETERS]
    payload = "".join(parts) + (method or "") + secret
    return hashlib.md5(payload.encode("utf-8")).hexdigest()


def verify(
    params: Mapping[str, str], secret: str, signature: str, method: str | None = None
) -> bool:
    """Whether ``signature`` is the right ``api_sig`` for ``params`` (constant-time compare)."""
    expected = sign(params, secret, method)
    # Bytes, not str: compare_digest raises TypeError on non-ASCII str, and a caller may
    # send anything as api_sig (it must be refused, not crash the verifier).
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8"))
