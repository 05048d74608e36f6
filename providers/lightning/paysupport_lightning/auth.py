"""The Nostr Wallet Connect URI: parsing it, and keeping its secret key out of sight.

``nostr+walletconnect://<wallet pubkey>?relay=<ws(s) url>&secret=<hex>[&lud16=...]``
is the whole credential: whoever holds the secret may spend the connection's
budget. :class:`NwcUri` keeps the secret in a private attribute that no
``repr``, ``str`` or error shows, and parsing errors never quote the URI.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from paysupport.errors import ConfigError
from paysupport.redact import MASK
from paysupport_lightning.errors import PROVIDER

if TYPE_CHECKING:
    import nostr_sdk

SCHEME = "nostr+walletconnect"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class NwcUri:
    """A parsed connection URI: the wallet's pubkey, its relays, the client's secret key.

    ``secret`` is reachable only through :meth:`keys` (and :meth:`secret_hex` for
    registering it with a redactor); ``repr()`` and ``str()`` show ``***`` instead.
    """

    __slots__ = ("_secret", "lud16", "relays", "wallet_pubkey")

    def __init__(
        self, wallet_pubkey: str, relays: Sequence[str], secret: str, lud16: str | None = None
    ) -> None:
        self.wallet_pubkey = wallet_pubkey
        self.relays = tuple(relays)
        self.lud16 = lud16
        self._secret = secret

    @classmethod
    def parse(cls, uri: str) -> NwcUri:
        """Parse and check ``uri``; :class:`~paysupport.errors.ConfigError` says what is wrong.

        The error names the part at fault (scheme, pubkey, relay, secret), never its value.
        """
        text = (uri or "").strip()
        if not text:
            raise ConfigError(
                "nwc_uri is not set: give the wallet's connection URI", provider=PROVIDER
            )
        parts = urlsplit(text)
        if parts.scheme.lower() != SCHEME:
            raise ConfigError(f"nwc_uri must start with {SCHEME}://", provider=PROVIDER)
        pubkey = (parts.netloc or parts.path.lstrip("/")).lower()
        if not _HEX64.match(pubkey):
            raise ConfigError(
                "nwc_uri: the wallet's pubkey (after ://) must be 64 hex digits", provider=PROVIDER
            )
        query = parse_qs(parts.query, keep_blank_values=True)
        relays = [r.strip() for r in query.get("relay", []) if r.strip()]
        if not relays:
            raise ConfigError("nwc_uri names no relay (relay=wss://...)", provider=PROVIDER)
        for relay in relays:
            scheme = urlsplit(relay).scheme.lower()
            if scheme not in ("ws", "wss") or not urlsplit(relay).hostname:
                raise ConfigError(
                    f"nwc_uri: relay {relay!r} is not a ws:// or wss:// URL", provider=PROVIDER
                )
        secrets = query.get("secret", [])
        if len(secrets) != 1 or not _HEX64.match(secrets[0].strip().lower()):
            raise ConfigError(
                "nwc_uri: secret must be given once, as 64 hex digits", provider=PROVIDER
            )
        lud16 = next(iter(query.get("lud16", [])), "") or None
        return cls(pubkey, relays, secrets[0].strip().lower(), lud16)

    def secret_hex(self) -> str:
        """The client's secret key in hex: only to register it with a redactor."""
        return self._secret

    def keys(self) -> nostr_sdk.Keys:
        """The client's key pair (signs requests, encrypts to the wallet)."""
        import nostr_sdk

        keys: nostr_sdk.Keys = nostr_sdk.Keys.parse(self._secret)
        return keys

    def client_pubkey(self) -> str:
        """The client's public key in hex: the one the wallet knows this connection by."""
        return str(self.keys().public_key().to_hex())

    def __repr__(self) -> str:
        return (
            f"NwcUri(wallet_pubkey={self.wallet_pubkey!r}, relays={self.relays!r}, "
            f"secret={MASK!r}, lud16={self.lud16!r})"
        )

    def __str__(self) -> str:
        relays = "&".join(f"relay={r}" for r in self.relays)
        return f"{SCHEME}://{self.wallet_pubkey}?{relays}&secret={MASK}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NwcUri):
            return NotImplemented
        return (self.wallet_pubkey, self.relays, self._secret, self.lud16) == (
            other.wallet_pubkey,
            other.relays,
            other._secret,
            other.lud16,
        )

    def __hash__(self) -> int:
        return hash((self.wallet_pubkey, self.relays))

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("an NwcUri holds a secret key and is not pickled")


__all__ = ["SCHEME", "NwcUri"]
