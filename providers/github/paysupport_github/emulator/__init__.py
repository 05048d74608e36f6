"""A local GitHub for the Sponsors API: GraphQL, OAuth, webhooks and an admin API, as one WSGI app.

``create_emulator(settings)`` is the ``paysupport.sandboxes`` entry point
``github``. Point a client's base URL at wherever the app is served; it serves
``/graphql`` (GitHub's ``api.github.com/graphql``) and ``/login/oauth/...``
(``github.com``'s OAuth pages) at the same root.
"""

from paysupport_github.emulator.app import SANDBOX_REDIRECT_URI, GitHubEmulator, create_emulator
from paysupport_github.emulator.auth import s256
from paysupport_github.emulator.webhooks import sign as sign_webhook

__all__ = ["SANDBOX_REDIRECT_URI", "GitHubEmulator", "create_emulator", "s256", "sign_webhook"]
