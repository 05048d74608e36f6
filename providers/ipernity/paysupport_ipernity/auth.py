"""How the client authenticates: frobs, the signed authorization link, tokens, permissions.

Two flows end in the same ``auth.getToken(frob)``:

- desktop: ``get_frob()``, send the user to ``auth_url(perms, frob)``, wait until they
  approve, then ``get_token(frob)``;
- web: send the user to ``auth_url(perms)`` (no frob); Ipernity calls the application's
  registered callback URL with ``?frob=...``, which goes to ``get_token(frob)``.

The authorization page is on the web site, not the API host: ``https://api.ipernity.com``
pairs with ``https://www.ipernity.com/apps/authorize``. Any other base URL (the emulator, a
proxy) serves both, so the page is looked for under the same root.

Tokens go to the core's token store as :class:`~paysupport.tokens.Token` with the granted
permissions and the user in ``extra``, so ``permissions()`` needs no request.

Permissions: an authorization link asks for ``perm_<category>=<level>``; a token then
carries one level per category (``none`` when not granted), and the catalog says which
level each method needs. Levels are ordered: ``delete`` implies ``write`` implies ``read``.
``profile`` stops at ``write``. Client and emulator both use :func:`satisfies` and
:func:`normalize`, so they agree on whether a call is allowed before it is sent.

The signature rule itself (``api_sig``) is in :mod:`~paysupport_ipernity.signing`: the
transport signs every call with it and the emulator verifies with it, so it sits below
both this module and :mod:`~paysupport_ipernity.transport` (which this module calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from paysupport.auth.signed import FrobFlow
from paysupport.errors import InvalidRequest, ResponseFormatError
from paysupport.redact import Redactor
from paysupport.tokens import Token, TokenStore
from paysupport_ipernity.errors import PROVIDER
from paysupport_ipernity.transport import ApiCaller

__all__ = [
    "CATEGORIES",
    "LEVELS",
    "MAX_LEVEL",
    "REAL_AUTHORIZE_URL",
    "AuthInfo",
    "IpernityFrobFlow",
    "IpernitySigner",
    "authorize_endpoint",
    "normalize",
    "parse_perms",
    "satisfies",
]

# -- permissions -----------------------------------------------------------------------

#: Levels from weakest to strongest.
LEVELS: tuple[str, ...] = ("none", "read", "write", "delete")

#: The highest level each category can be granted.
MAX_LEVEL: Mapping[str, str] = {
    "doc": "delete",
    "blog": "delete",
    "post": "delete",
    "network": "delete",
    "profile": "write",
}

#: Permission categories, in the order Ipernity lists them.
CATEGORIES: tuple[str, ...] = tuple(MAX_LEVEL)


def _rank(level: str) -> int:
    try:
        return LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown Ipernity permission level {level!r}") from None


def satisfies(granted: Mapping[str, str], required: Mapping[str, str]) -> bool:
    """Whether ``granted`` levels cover every ``required`` level (missing means ``none``)."""
    return all(
        _rank(granted.get(category, "none")) >= _rank(level) for category, level in required.items()
    )


def normalize(requested: Mapping[str, str]) -> dict[str, str]:
    """Full category -> level mapping for a grant, ``none`` where nothing was asked.

    Raises :class:`ValueError` for an unknown category, an unknown level, or a level above
    the category's maximum (``profile=delete``).
    """
    grant = dict.fromkeys(CATEGORIES, "none")
    for category, level in requested.items():
        if category not in MAX_LEVEL:
            raise ValueError(f"unknown Ipernity permission category {category!r}")
        if _rank(level) > _rank(MAX_LEVEL[category]):
            raise ValueError(f"{category!r} cannot be granted {level!r}")
        grant[category] = level
    return grant


# -- authorization ---------------------------------------------------------------------

REAL_API_HOST = "api.ipernity.com"
REAL_AUTHORIZE_URL = "https://www.ipernity.com/apps/authorize"
TOKEN_TYPE = "ipernity"


def authorize_endpoint(base_url: str) -> str:
    """Where the authorization page lives for an API base URL (see the module docstring)."""
    if urlsplit(base_url).hostname == REAL_API_HOST:
        return REAL_AUTHORIZE_URL
    return base_url.rstrip("/") + "/apps/authorize"


def parse_perms(perms: Mapping[str, str] | str) -> dict[str, str]:
    """Permissions as ``{"doc": "write"}`` from a mapping or from ``"doc=write,blog=read"``.

    Raises :class:`InvalidRequest` for an unknown category or level (``profile`` stops at
    ``write``), before any request.
    """
    if isinstance(perms, str):
        pairs: dict[str, str] = {}
        for item in perms.replace(" ", ",").split(","):
            if not item:
                continue
            category, sep, level = item.partition("=")
            if not sep:
                raise InvalidRequest(
                    f"permission {item!r} is not category=level", provider=PROVIDER
                )
            pairs[category.strip()] = level.strip()
        perms = pairs
    try:
        normalize(perms)
    except ValueError as exc:
        raise InvalidRequest(str(exc), provider=PROVIDER) from None
    return dict(perms)


@dataclass(frozen=True)
class AuthInfo:
    """The ``auth`` answer of ``auth.getToken`` and ``auth.checkToken``: token, grant, user."""

    token: str = field(repr=False)
    permissions: Mapping[str, str]
    user_id: str
    username: str | None = None
    realname: str | None = None

    @classmethod
    def from_answer(cls, body: Mapping[str, Any], method: str) -> AuthInfo:
        """Read an ``auth`` block; :class:`ResponseFormatError` when a part is missing."""
        auth = body.get("auth")
        if not isinstance(auth, dict):
            raise _bad(method, "no 'auth' block")
        token = auth.get("token")
        # auth.getToken names the grant "permissions", the checkToken example "perms".
        perms = auth.get("permissions", auth.get("perms"))
        user = auth.get("user")
        if not isinstance(token, str) or not token:
            raise _bad(method, "no token in the 'auth' block")
        if not isinstance(perms, dict):
            raise _bad(method, "no permissions in the 'auth' block")
        if not isinstance(user, dict) or not user.get("user_id"):
            raise _bad(method, "no user in the 'auth' block")
        levels = {str(k): str(v) for k, v in perms.items() if str(v) in LEVELS}
        return cls(
            token=token,
            permissions=levels,
            user_id=str(user["user_id"]),
            username=_text(user.get("username")),
            realname=_text(user.get("realname")),
        )

    @classmethod
    def from_token(cls, token: Token) -> AuthInfo | None:
        """What a stored token already knows (``None`` for a bare token from settings)."""
        perms = token.extra.get("permissions")
        user = token.extra.get("user")
        if not isinstance(perms, Mapping) or not isinstance(user, Mapping):
            return None
        if not user.get("user_id"):
            return None
        return cls(
            token=token.access_token,
            permissions={str(k): str(v) for k, v in perms.items()},
            user_id=str(user["user_id"]),
            username=_text(user.get("username")),
            realname=_text(user.get("realname")),
        )

    def to_token(self, previous: Token | None = None) -> Token:
        """A storable token; a settings token's seed marker is kept (see the client)."""
        extra: dict[str, Any] = {
            "permissions": dict(self.permissions),
            "user": {
                "user_id": self.user_id,
                "username": self.username,
                "realname": self.realname,
            },
        }
        same = previous is not None and previous.access_token == self.token
        if same and previous is not None and "seed" in previous.extra:
            extra["seed"] = previous.extra["seed"]
        granted = tuple(
            f"{c}:{lvl}" for c, lvl in sorted(self.permissions.items()) if lvl != "none"
        )
        return Token(self.token, token_type=TOKEN_TYPE, scope=granted, extra=extra)

    def allows(self, perms: Mapping[str, str]) -> bool:
        """Whether the grant covers ``perms`` (none < read < write < delete)."""
        return satisfies(self.permissions, perms)

    @property
    def name(self) -> str:
        return self.realname or self.username or self.user_id


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _bad(method: str, what: str) -> ResponseFormatError:
    return ResponseFormatError(f"{method}: {what}", provider=PROVIDER)


class IpernitySigner:
    """The core's :class:`~paysupport.auth.signed.Signer` for Ipernity (the md5 rule of signing)."""

    def __init__(self, api: ApiCaller) -> None:
        self._api = api

    def sign(self, params: Mapping[str, str], method: str | None = None) -> str:
        return self._api.sign(params, method)


class IpernityFrobFlow(FrobFlow):
    """Both frob flows against the client's API caller; tokens land in the token store."""

    provider = PROVIDER
    default_perms: Mapping[str, str] = {"doc": "write"}

    def __init__(
        self,
        store: TokenStore,
        account: str,
        *,
        api: ApiCaller,
        authorize_url: str,
        redactor: Redactor,
    ) -> None:
        super().__init__(store, account)
        self.api = api
        self.signer = IpernitySigner(api)
        self.authorize_url = authorize_url
        self.redactor = redactor

    def get_frob(self) -> str:
        """A fresh frob from ``auth.getFrob`` (desktop flow)."""
        body = self.api.call("auth.getFrob", {})
        auth = body.get("auth")
        frob = auth.get("frob") if isinstance(auth, dict) else None
        if not isinstance(frob, str) or not frob:
            raise _bad("auth.getFrob", "no frob in the answer")
        return frob

    def auth_url(self, perms: Mapping[str, str] | str, frob: str | None = None) -> str:
        """The signed page where the user grants ``perms``; without ``frob``, the web flow."""
        wanted = {c: lvl for c, lvl in parse_perms(perms).items() if lvl != "none"}
        if not wanted:
            raise InvalidRequest(
                "ask for at least one permission, e.g. {'doc': 'read'}", provider=PROVIDER
            )
        params = {"api_key": self.api.require_key()}
        params.update({f"perm_{c}": lvl for c, lvl in sorted(wanted.items())})
        if frob is not None:
            params["frob"] = frob
        params["api_sig"] = self.signer.sign(params)
        return f"{self.authorize_url}?{urlencode(params)}"

    def exchange(self, frob: str) -> AuthInfo:
        """``auth.getToken``: the token, grant and user for an approved frob."""
        body = self.api.call("auth.getToken", {"frob": frob})
        info = AuthInfo.from_answer(body, "auth.getToken")
        self.redactor.add(info.token)
        return info

    def exchange_frob(self, frob: str) -> Token:
        return self.exchange(frob).to_token()
