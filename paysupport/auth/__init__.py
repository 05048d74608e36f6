"""Authentication: OAuth 2 code flow (Patreon, Flattr) and signed frob requests (Ipernity)."""

from paysupport.auth.oauth2 import AuthorizationRequest, OAuth2Auth, OAuth2Endpoints
from paysupport.auth.signed import FrobFlow, Signer

__all__ = ["AuthorizationRequest", "FrobFlow", "OAuth2Auth", "OAuth2Endpoints", "Signer"]
