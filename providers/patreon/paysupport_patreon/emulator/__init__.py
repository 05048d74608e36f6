"""A local Patreon: OAuth, the v2 and v1 APIs, webhooks and an admin API, as one WSGI app.

``create_emulator(settings)`` is registered as the ``paysupport.sandboxes``
entry point ``patreon``. Point a client's base URL at wherever the app is
served (``http://127.0.0.1:PORT`` or ``http://host/prefix``); it serves the
same paths as ``https://www.patreon.com``.
"""

from paysupport_patreon.emulator.app import PatreonEmulator, create_emulator
from paysupport_patreon.emulator.auth import SANDBOX_REDIRECT_URI
from paysupport_patreon.emulator.webhooks import sign as sign_webhook

__all__ = ["SANDBOX_REDIRECT_URI", "PatreonEmulator", "create_emulator", "sign_webhook"]
