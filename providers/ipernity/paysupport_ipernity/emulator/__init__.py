"""A local Ipernity for tests, the sandbox server and the demo.

``create_emulator(settings)`` (entry point ``paysupport.sandboxes: ipernity``) returns an
:class:`IpernityEmulator`, a WSGI app serving Ipernity's own paths (``/api/<method>/json``,
``/apps/authorize``) at its root. See :mod:`paysupport_ipernity.emulator.app` for the routes,
the order of checks and the rate limit, and :mod:`paysupport_ipernity.emulator.errors` for
the error codes. The other modules, by job: ``store`` (records, indexes, the lock),
``seed`` (the seeded world), ``auth`` (the app, frobs, tokens, the consent flow), ``api``
(the API methods), ``documented`` (the documented answers of the other methods),
``views`` (JSON shapes), ``pages`` (HTML), ``admin`` (``/_admin/state``) and
``ratelimit``.
"""

from paysupport_ipernity.emulator.app import (
    DEFAULT_CALLBACK_URL,
    IpernityEmulator,
    create_emulator,
)
from paysupport_ipernity.emulator.errors import ApiError

__all__ = ["DEFAULT_CALLBACK_URL", "ApiError", "IpernityEmulator", "create_emulator"]
