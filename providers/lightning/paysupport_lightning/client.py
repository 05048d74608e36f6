"""``LightningClient``: a wallet reached through Nostr Wallet Connect, and Lightning Addresses.

The class assembles the pieces, each in its own module: the connection URI and
its secret key (:mod:`.auth`), one NIP-47 request over the relay
(:mod:`.transport`), NIP-47's methods and codes (:mod:`.catalog`), errors
(:mod:`.errors`) and records (:mod:`.resources`). Lightning Addresses are read
over the core's HTTP layer, with its timeouts, deadline and a small body cap.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlsplit

from paysupport.errors import (
    ConfigError,
    InvalidRequest,
    NotFound,
    ResponseFormatError,
    Unsupported,
)
from paysupport.http import (
    EventHook,
    HttpClient,
    HttpOptions,
    decode_json,
    error_for_status,
    is_loopback,
)
from paysupport.provider import Client, User
from paysupport.tokens import TokenStore
from paysupport_lightning import catalog as cat
from paysupport_lightning.auth import NwcUri
from paysupport_lightning.errors import PROVIDER, LightningAddressError
from paysupport_lightning.info import INFO
from paysupport_lightning.resources import KeysendRecipient, Payment, WalletInfo, payment_hash_of
from paysupport_lightning.transport import NwcTransport

log = logging.getLogger("paysupport.lightning")

#: Seconds to wait for the wallet's answer to one request, unless ``request_timeout`` says.
DEFAULT_REQUEST_TIMEOUT = 30.0
#: How long a resolved Lightning Address is kept (seconds); ``client.lnaddress_ttl`` changes it.
LNADDRESS_TTL = 600.0
#: A keysend Lightning Address answer is a few hundred bytes; a larger one is refused unread.
LNADDRESS_MAX_BYTES = 64 * 1024
#: The whole Lightning Address request (every retry and the body) takes at most this long.
LNADDRESS_DEADLINE = 15.0

_NODE_PUBKEY = re.compile(r"^0[23][0-9a-f]{64}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_ADDRESS = re.compile(
    r"^(?P<user>[a-z0-9._+-]{1,64})@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"[a-z0-9-]{2,63}|localhost)(?::(?P<port>\d{1,5}))?$"
)


class LightningClient(Client):
    """Pays keysend payments from a wallet through Nostr Wallet Connect (NIP-47).

    ``nwc_uri`` is the wallet's connection URI, a secret (anyone holding it can
    spend the connection's budget): it is masked in every log line, error and
    ``repr``. Amounts are integers in millisatoshis, named ``*_msat``.
    ``request_timeout`` (seconds, 30 by default) bounds the wait for each answer.
    ``lnaddress_base_url`` (tests, the sandbox) resolves Lightning Addresses at
    ``{lnaddress_base_url}/.well-known/keysend/{user}?domain={domain}`` instead of
    ``https://{domain}/.well-known/keysend/{user}``.
    """

    info = INFO

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request_timeout = _seconds(self.settings.get("request_timeout"))
        self.lnaddress_base_url = _lnaddress_base(self.settings.get("lnaddress_base_url"))
        #: Seconds a resolved Lightning Address is kept by this client.
        self.lnaddress_ttl = LNADDRESS_TTL
        self._addresses: dict[str, tuple[float, KeysendRecipient]] = {}  # when fetched, what
        self._addresses_lock = threading.Lock()
        # HTTP serves only Lightning Addresses here: answers of a few hundred bytes.
        options = self.http.options
        capped = replace(
            options,
            max_body_bytes=min(options.max_body_bytes, LNADDRESS_MAX_BYTES),
            deadline=min(options.deadline, LNADDRESS_DEADLINE),
        )
        hooks = list(self.http.hooks)
        self.http.close()
        self.http = HttpClient(
            INFO.name, self.base_url, options=capped, redactor=self.redactor, hooks=hooks
        )
        raw_uri = self.settings.get("nwc_uri") or ""
        self.nwc: NwcUri | None = None
        self._transport: NwcTransport | None = None
        if raw_uri:
            self.nwc = NwcUri.parse(raw_uri)
            self.redactor.add(raw_uri, self.nwc.secret_hex())
            self._transport = NwcTransport(
                self.nwc, request_timeout=self.request_timeout, redactor=self.redactor
            )

    @property
    def transport(self) -> NwcTransport:
        """The NIP-47 transport; :class:`~paysupport.errors.ConfigError` without ``nwc_uri``."""
        if self._transport is None:
            raise ConfigError(
                "no wallet connection: set nwc_uri (the wallet's nostr+walletconnect:// URI)",
                provider=PROVIDER,
            )
        return self._transport

    # -- the wallet -------------------------------------------------------------------------

    def get_info(self) -> WalletInfo:
        """The wallet: methods and encryptions from its info event, the rest from ``get_info``.

        A wallet whose info event does not list ``get_info`` is described by the
        info event alone (no alias, no network).
        """
        transport = self.transport
        event = transport.info_event()
        methods = str(event.get("content", "")).split()
        result = transport.request("get_info", {}) if "get_info" in methods else None
        return WalletInfo.from_answers(transport.uri.wallet_pubkey, event, result)

    def identity(self) -> User:
        """The wallet as a user: its connection pubkey as ``id``, its alias as ``name``."""
        wallet = self.get_info()
        return User(provider=PROVIDER, id=wallet.pubkey, name=wallet.alias, raw=wallet)

    def balance_msat(self) -> int:
        """The wallet's spendable balance, in millisatoshis (``get_balance``)."""
        result = self.transport.request("get_balance", {})
        balance = result.get("balance")
        if isinstance(balance, bool) or not isinstance(balance, int):
            raise ResponseFormatError(
                f"get_balance sent balance={balance!r}, not a whole number of msat",
                provider=PROVIDER,
            )
        return balance

    def pay_keysend(
        self,
        pubkey: str,
        amount_msat: int,
        *,
        tlv_records: Mapping[int, bytes] | None = None,
        preimage: bytes | None = None,
    ) -> Payment:
        """Pay ``amount_msat`` to the node ``pubkey`` by keysend; returns the settled payment.

        The client always sends the preimage (32 random bytes unless ``preimage``
        is given), so the payment hash, ``sha256(preimage)``, is known before
        anything is sent. ``tlv_records`` maps a record type to its bytes (the
        podcast metadata, bLIP-10's 7629169, is UTF-8 JSON).

        **When this raises** :class:`~paysupport.errors.Timeout` (no answer within
        ``request_timeout``) or :class:`~paysupport.errors.TransportError` (the relay
        was lost), the payment may have been made: settle it with
        ``lookup(error.payment_hash)``, and never by paying again. A wallet that
        receives the request after its ``expiration`` tag ignores it. A
        :class:`~paysupport.errors.PaymentError` (``InsufficientBalance``,
        ``QuotaExceeded``, ``PaymentFailed``) means nothing was paid.
        """
        if not isinstance(pubkey, str) or not _NODE_PUBKEY.match(pubkey.lower()):
            raise InvalidRequest(
                f"pay_keysend: {pubkey!r} is not a node pubkey (66 hex digits, 02/03...)",
                provider=PROVIDER,
            )
        if isinstance(amount_msat, bool) or not isinstance(amount_msat, int) or amount_msat < 1:
            raise InvalidRequest(
                f"pay_keysend: amount_msat must be a positive whole number, not {amount_msat!r}",
                provider=PROVIDER,
            )
        records = _tlv_records(tlv_records or {})
        if preimage is None:
            preimage = os.urandom(32)
        if not isinstance(preimage, bytes) or len(preimage) != 32:
            raise InvalidRequest("pay_keysend: preimage must be 32 bytes", provider=PROVIDER)
        payment_hash = payment_hash_of(preimage)
        params: dict[str, Any] = {
            "amount": amount_msat,
            "pubkey": pubkey.lower(),
            "preimage": preimage.hex(),
        }
        if records:
            params["tlv_records"] = records
        log.debug("pay_keysend %s msat to %s, payment hash %s", amount_msat, pubkey, payment_hash)
        result = self.transport.request("pay_keysend", params, payment_hash=payment_hash)
        returned = str(result.get("preimage") or preimage.hex()).lower()
        if returned != preimage.hex():
            # Paid, but not with our preimage: report what the wallet paid, never fail a payment.
            log.warning("the wallet paid with another preimage than the one sent")
            try:
                payment_hash = payment_hash_of(bytes.fromhex(returned))
            except ValueError:
                returned = preimage.hex()
        fees = result.get("fees_paid")
        return Payment(
            payment_hash=payment_hash,
            preimage=returned,
            amount_msat=amount_msat,
            fees_paid_msat=fees if isinstance(fees, int) and not isinstance(fees, bool) else None,
            state="settled",
            raw=dict(result),
        )

    def lookup(self, payment_hash: str) -> Payment | None:
        """The payment with this hash (``lookup_invoice``); ``None`` when the wallet has none.

        After a :class:`~paysupport.errors.Timeout` of :meth:`pay_keysend`: ``settled``
        means paid; ``None`` (or ``failed``) means not paid, and paying again is safe.
        """
        wanted = str(payment_hash).lower()
        if not _HASH.match(wanted):
            raise InvalidRequest(
                f"lookup: {payment_hash!r} is not a payment hash (64 hex digits)",
                provider=PROVIDER,
            )
        try:
            result = self.transport.request("lookup_invoice", {"payment_hash": wanted})
        except NotFound:
            return None
        return Payment.from_lookup(result)

    def raw(
        self, target: str, params: Mapping[str, Any] | None = None, *, http_method: str = "POST"
    ) -> Any:
        """``paysupport call lightning <method>``: one NIP-47 request; returns its ``result``."""
        if target not in cat.METHODS:
            raise Unsupported(
                f"{target!r} is not a NIP-47 method ({', '.join(cat.METHODS)})",
                provider=PROVIDER,
                capability="call",
            )
        return dict(self.transport.request(target, dict(params or {})))

    # -- Lightning Addresses ----------------------------------------------------------------

    def resolve_lightning_address(self, address: str) -> KeysendRecipient:
        """Where keysend payments to ``user@domain`` go: a node pubkey and maybe a TLV record.

        Reads ``https://{domain}/.well-known/keysend/{user}`` (or the
        ``lnaddress_base_url`` override) and keeps the answer for ``lnaddress_ttl``
        seconds. Raises :class:`~paysupport.errors.InvalidRequest` for a malformed
        address (nothing sent), :class:`~paysupport.errors.NotFound` for an unknown
        user, :class:`~.errors.LightningAddressError` for a ``status: ERROR`` answer,
        :class:`~paysupport.errors.Unsupported` for an address that offers no
        keysend (another ``tag``), and :class:`~paysupport.errors.ResponseFormatError`
        for an answer that is not one (HTML, too large, no pubkey).
        """
        key = str(address).strip().lower()
        now = time.monotonic()
        with self._addresses_lock:
            cached = self._addresses.get(key)
            if cached is not None and now - cached[0] < self.lnaddress_ttl:
                return cached[1]
        recipient = self._fetch_address(key, str(address))
        with self._addresses_lock:
            self._addresses[key] = (time.monotonic(), recipient)
        return recipient

    def _fetch_address(self, key: str, given: str) -> KeysendRecipient:
        match = _ADDRESS.match(key)
        if not match:
            raise InvalidRequest(
                f"{given!r} is not a Lightning Address (user@domain)", provider=PROVIDER
            )
        user, domain = match["user"], match["domain"]
        if match["port"]:
            domain = f"{domain}:{match['port']}"
        path = f"/.well-known/keysend/{quote(user, safe='')}"
        if self.lnaddress_base_url:
            url, params = self.lnaddress_base_url + path, {"domain": domain}
        else:
            url, params = f"https://{domain}{path}", None
        response = self.http.request("GET", url, params=params, auth=None)
        if response.status_code == 404:
            raise NotFound(
                f"no Lightning Address {key}: {_reason(response) or 'unknown user'}",
                provider=PROVIDER,
                status=404,
            )
        if response.status_code >= 400:
            reason = _reason(response)
            raise error_for_status(
                response, PROVIDER, f"Lightning Address {key}: {reason or 'refused'}"
            )
        body = decode_json(response, PROVIDER, self.redactor)
        if not isinstance(body, Mapping):
            raise ResponseFormatError(
                f"Lightning Address {key}: the answer is not a JSON object", provider=PROVIDER
            )
        if str(body.get("status", "")).upper() == "ERROR":
            raise LightningAddressError(
                f"Lightning Address {key}: {body.get('reason') or 'refused'}",
                address=key,
                status=response.status_code,
            )
        tag = body.get("tag")
        if tag != "keysend":
            raise Unsupported(
                f"Lightning Address {key} offers {tag!r}, not keysend payments",
                provider=PROVIDER,
                capability="keysend",
            )
        pubkey = str(body.get("pubkey") or "").lower()
        if not _NODE_PUBKEY.match(pubkey):
            raise ResponseFormatError(
                f"Lightning Address {key}: no node pubkey in the answer", provider=PROVIDER
            )
        custom_key, custom_value = _custom_record(body.get("customData"), key)
        return KeysendRecipient(
            pubkey=pubkey,
            custom_key=custom_key,
            custom_value=custom_value,
            address=key,
            raw=dict(body),
        )

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Disconnect from the relay, stop the transport's thread, close the HTTP pool."""
        if self._transport is not None:
            self._transport.close()
        super().close()

    def __enter__(self) -> LightningClient:
        return self


def _seconds(value: Any) -> float:
    if value is None or value == "":
        return DEFAULT_REQUEST_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ConfigError(
            f"request_timeout must be a positive number of seconds, not {value!r}",
            provider=PROVIDER,
        )
    return seconds


def _lnaddress_base(value: Any) -> str | None:
    if not value:
        return None
    url = str(value).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"lnaddress_base_url {url!r} is not an http(s) URL", provider=PROVIDER)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"lnaddress_base_url: refusing plain http:// for {parts.hostname}: only loopback"
            " hosts may skip TLS",
            provider=PROVIDER,
        )
    return url


def _tlv_records(records: Mapping[int, bytes]) -> list[dict[str, Any]]:
    out = []
    for kind, value in sorted(records.items()):
        if isinstance(kind, bool) or not isinstance(kind, int) or kind < 0 or kind >= 2**64:
            raise InvalidRequest(f"pay_keysend: TLV type {kind!r} is not a u64", provider=PROVIDER)
        if kind == cat.KEYSEND_PREIMAGE_TLV:
            raise InvalidRequest(
                "pay_keysend: the preimage record is the wallet's; pass preimage= instead",
                provider=PROVIDER,
            )
        if not isinstance(value, (bytes, bytearray)):
            raise InvalidRequest(
                f"pay_keysend: TLV record {kind} must be bytes, not {type(value).__name__}",
                provider=PROVIDER,
            )
        out.append({"type": kind, "value": bytes(value).hex()})
    return out


def _custom_record(data: Any, address: str) -> tuple[int | None, str | None]:
    if not data:
        return None, None
    entries = data if isinstance(data, Sequence) and not isinstance(data, str) else [data]
    first = entries[0] if entries else None
    if not isinstance(first, Mapping):
        raise ResponseFormatError(
            f"Lightning Address {address}: customData is not a list of objects", provider=PROVIDER
        )
    key, value = first.get("customKey"), first.get("customValue")
    if key in (None, "") or value is None:
        return None, None
    try:
        number = int(str(key))
    except ValueError:
        raise ResponseFormatError(
            f"Lightning Address {address}: customKey {key!r} is not a number", provider=PROVIDER
        ) from None
    return number, str(value)


def _reason(response: Any) -> str:
    """The ``reason`` of a Lightning Address error body, when it is JSON with one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("reason") or "")[:200] if isinstance(body, Mapping) else ""


def connect(
    *,
    nwc_uri: str | None = None,
    lnaddress_base_url: str | None = None,
    request_timeout: float | None = None,
    base_url: str | None = None,
    http_options: HttpOptions | None = None,
    token_store: TokenStore | str | None = None,
    account: str | None = None,
    app_name: str | None = None,
    hooks: Sequence[EventHook] = (),
) -> LightningClient:
    """A :class:`LightningClient`, typed: ``paysupport.connect("lightning", ...)`` with checks.

    ``None`` leaves a setting to the configuration chain (config file, then
    ``PAYSUPPORT_LIGHTNING_*`` variables and ``NWC_URI``).
    """
    return LightningClient(
        nwc_uri=nwc_uri,
        lnaddress_base_url=lnaddress_base_url,
        request_timeout=request_timeout,
        base_url=base_url,
        http_options=http_options,
        token_store=token_store,
        account=account,
        app_name=app_name,
        hooks=hooks,
    )


__all__ = [
    "DEFAULT_REQUEST_TIMEOUT",
    "LNADDRESS_MAX_BYTES",
    "LNADDRESS_TTL",
    "LightningClient",
    "connect",
]
