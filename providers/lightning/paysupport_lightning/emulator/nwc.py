"""The wallet service's Nostr side: info events, NIP-47 requests in, encrypted responses out.

It listens on the relay for kind 23194 requests addressed to any of the
connections' wallet pubkeys, ignores expired ones (``expiration`` tag in the
past), decrypts with the scheme the request names (no ``encryption`` tag:
nip04), answers UNAUTHORIZED to a key that is not the connection's client and
UNSUPPORTED_ENCRYPTION to a scheme the connection does not offer, and applies
the store's faults to the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import logging
from typing import Any

from nostr_sdk import (
    Client,
    ClientBuilder,
    ClientNotification,
    Event,
    EventBuilder,
    Filter,
    Keys,
    Kind,
    Nip44Version,
    PublicKey,
    RelayUrl,
    ReqTarget,
    Tag,
    Timestamp,
    nip04_decrypt,
    nip04_encrypt,
    nip44_decrypt,
    nip44_encrypt,
)

from .eventloop import BackgroundLoop
from .relay import Relay
from .store import Connection, Store
from .wallet import Wallet, WalletError

log = logging.getLogger(__name__)

INFO_KIND = 13194
REQUEST_KIND = 23194
RESPONSE_KIND = 23195


def _tag(event: Event, name: str) -> str | None:
    for tag in event.tags():
        values = tag.to_vec()
        if len(values) >= 2 and values[0] == name:
            return str(values[1])
    return None


class WalletService:
    """Serves every seeded NWC connection of one wallet over one relay."""

    def __init__(self, loop: BackgroundLoop, relay: Relay, store: Store, wallet: Wallet) -> None:
        self._loop = loop
        self.relay = relay
        self.store = store
        self.wallet = wallet
        self._keys = {
            c.wallet_pubkey: Keys.parse(c.seed.wallet_secret) for c in store.connections.values()
        }
        self._client: Client = ClientBuilder().build()
        self._seen: set[str] = set()
        self._tasks: set[asyncio.Future[None]] = set()
        loop.run(self._start())

    async def _start(self) -> None:
        await self._client.add_relay(RelayUrl.parse(self.relay.internal_url))
        await self._client.connect(and_wait=datetime.timedelta(seconds=2))
        wanted = (
            Filter().kind(Kind(REQUEST_KIND)).pubkeys([PublicKey.parse(pk) for pk in self._keys])
        )
        self._stream = self._client.notifications()
        await self._client.subscribe(ReqTarget.auto([wanted.since(Timestamp.now())]))
        self._listener = asyncio.ensure_future(self._listen())
        for conn in self.store.connections.values():
            await self._client.send_event(self._info_event(conn))

    def _info_event(self, conn: Connection) -> Event:
        """The connection's replaceable info event (kind 13194)."""
        tags = []
        if conn.seed.encryptions is not None:
            tags.append(Tag.parse(["encryption", " ".join(conn.seed.encryptions)]))
        builder = EventBuilder(Kind(INFO_KIND), " ".join(conn.seed.methods)).tags(tags)
        return builder.finalize(self._keys[conn.wallet_pubkey])

    async def _listen(self) -> None:
        while True:
            note = await self._stream.next()
            if note is None:
                return
            if isinstance(note, ClientNotification.NEW_EVENT):
                event = note.event
                if event.kind().as_u16() == REQUEST_KIND:
                    task = asyncio.ensure_future(self._guarded(event))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)

    async def _guarded(self, event: Event) -> None:
        try:
            await self._on_request(event)
        except Exception:  # never let one bad request stop the wallet
            log.exception("NWC request failed")

    async def _on_request(self, event: Event) -> None:
        event_id = event.id().to_hex()
        if event_id in self._seen:
            return
        self._seen.add(event_id)
        with self.store.lock:
            self.store.requests_seen += 1
        expiration = _tag(event, "expiration")
        if (
            expiration is not None
            and expiration.isdigit()
            and int(expiration) < self.wallet.clock()
        ):
            with self.store.lock:
                self.store.expired_ignored += 1
            return
        wallet_pubkey = _tag(event, "p")
        conn = self.store.by_wallet_pubkey.get(wallet_pubkey or "")
        if conn is None:
            return  # not one of ours: nobody to answer as
        keys = self._keys[conn.wallet_pubkey]
        author = event.author()
        scheme = _tag(event, "encryption") or "nip04"
        try:
            plain = _decrypt(keys, author, event.content(), scheme)
            request = json.loads(plain)
            method = str(request.get("method", ""))
            params = request.get("params") or {}
        except Exception:
            method, params = "", {}
            plain = None
        fault = self.store.take_fault(method) if plain is not None else None
        body = self._answer(conn, author, scheme, plain, method, params, fault)
        if fault is not None and fault.kind == "drop":
            return
        if fault is not None and fault.kind == "disconnect":
            await asyncio.get_running_loop().run_in_executor(None, self.relay.disconnect_clients)
            return
        if fault is not None and fault.kind == "late":
            await asyncio.sleep(fault.delay)
        response = self._response(keys, author, event, scheme, body)
        await self._client.send_event(response)
        if fault is not None and fault.kind == "duplicate":
            await self._client.send_event(self._response(keys, author, event, scheme, body))
        with self.store.lock:
            self.store.answered += 1

    def _answer(
        self,
        conn: Connection,
        author: PublicKey,
        scheme: str,
        plain: str | None,
        method: str,
        params: Any,
        fault: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"result_type": method, "error": None, "result": None}
        try:
            if author.to_hex() != conn.client_pubkey:
                raise WalletError("UNAUTHORIZED", "no wallet is connected to this public key")
            if scheme not in conn.encryptions:
                raise WalletError("UNSUPPORTED_ENCRYPTION", f"{scheme} is not offered")
            if plain is None:
                raise WalletError("OTHER", "the request could not be decrypted or parsed")
            if not isinstance(params, dict):
                raise WalletError("OTHER", "params must be an object")
            if fault is not None and fault.kind == "error":
                raise WalletError(fault.code, fault.message)
            body["result"] = self.wallet.handle(conn, method, params)
        except WalletError as exc:
            body["error"] = {"code": exc.code, "message": exc.message}
        return body

    @staticmethod
    def _response(
        keys: Keys, author: PublicKey, request: Event, scheme: str, body: dict[str, Any]
    ) -> Event:
        content = _encrypt(keys, author, json.dumps(body), scheme)
        tags = [Tag.parse(["p", author.to_hex()]), Tag.parse(["e", request.id().to_hex()])]
        if scheme == "nip44_v2":
            tags.append(Tag.parse(["encryption", "nip44_v2"]))
        return EventBuilder(Kind(RESPONSE_KIND), content).tags(tags).finalize(keys)

    def close(self) -> None:
        async def stop() -> None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            await self._client.shutdown()

        if self._loop.alive:
            self._loop.run(stop())


def _decrypt(keys: Keys, author: PublicKey, content: str, scheme: str) -> str:
    if scheme == "nip44_v2":
        return str(nip44_decrypt(keys.secret_key(), author, content))
    return str(nip04_decrypt(keys.secret_key(), author, content))


def _encrypt(keys: Keys, author: PublicKey, text: str, scheme: str) -> str:
    if scheme == "nip44_v2":
        return str(nip44_encrypt(keys.secret_key(), author, text, Nip44Version.V2))
    return str(nip04_encrypt(keys.secret_key(), author, text))
