"""One NIP-47 request and its response, over the connection's relays, with nostr-sdk.

nostr-sdk is asynchronous (asyncio and Rust underneath); the library is not. So
each :class:`NwcTransport` runs a private event loop in a daemon thread, and its
public methods hand coroutines to it and wait, the way the core's walks use
threads. All cryptography (signatures, NIP-44 v2, NIP-04) and all relay work are
nostr-sdk's; nothing here is hand-written crypto.

A request, step by step:

1. connect (once, and again after a failure) and subscribe to the wallet's
   responses addressed to this connection (kind 23195, ``p`` = our key);
2. read the wallet's info event (kind 13194) once, and choose the encryption:
   NIP-44 v2 when offered, NIP-04 only when the wallet offers nothing else (or
   has no ``encryption`` tag, which NIP-47 says means NIP-04);
3. send the request (kind 23194) with ``p`` = the wallet, an ``expiration`` tag
   (now + ``request_timeout``: a wallet that receives it later ignores it) and
   the ``encryption`` tag;
4. wait for the response whose ``e`` tag names the request's id. Responses to
   other requests, to requests already answered (duplicates) or to requests
   given up (late) are ignored: a response is matched to its request by that tag
   alone, never by order.

Failures: no response within ``request_timeout`` is :class:`~.errors.NoAnswer`
(a core ``Timeout``); a relay that cannot be reached, refuses the event, or
drops the connection while a request waits is :class:`~.errors.RelayError`.
Responses are ephemeral events that relays do not keep, so an answer sent while
the connection was down is lost: the error comes at once, rather than after the
timeout, and the next call connects afresh.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import math
import threading
import time
import weakref
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import nostr_sdk

from paysupport.errors import ResponseFormatError, Unsupported
from paysupport.redact import Redactor
from paysupport_lightning.auth import NwcUri
from paysupport_lightning.catalog import (
    INFO_KIND,
    NIP04,
    NIP44,
    REQUEST_KIND,
    RESPONSE_KIND,
    choose_encryption,
)
from paysupport_lightning.errors import PROVIDER, NoAnswer, RelayError, wallet_error

log = logging.getLogger("paysupport.lightning")

T = TypeVar("T")

#: How often a waiting request looks at the relays' connections.
POLL_SECONDS = 0.05
#: Responses older than this (by their ``created_at``) are not asked of a relay on
#: subscribing: nothing of ours can be that old, and clocks differ by a few seconds.
SINCE_SLACK_SECONDS = 60


@dataclass
class _Pending:
    """A request waiting for its response (touched only on the transport's loop)."""

    method: str
    encryption: str
    future: asyncio.Future[Mapping[str, Any]]


class _Connection:
    """One nostr-sdk client connected to the relays, and what was learned through it."""

    def __init__(self, client: Any, relays: tuple[Any, ...]) -> None:
        self.client = client
        self.relays = relays
        self.broken = False
        self.reader: asyncio.Task[None] | None = None
        # The relays' successful connection counts: a change means the connection was
        # lost and made again, and whatever was sent in between is gone.
        self.generation = _generation(relays)


def _generation(relays: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(int(relay.stats().success()) for relay in relays)


def _connected(relays: tuple[Any, ...]) -> bool:
    return any(relay.status() == nostr_sdk.RelayStatus.CONNECTED for relay in relays)


class NwcTransport:
    """Sends NIP-47 requests to the wallet of one connection URI and reads the answers.

    Thread-safe: requests from several threads share the connection and wait
    for their own responses. :meth:`close` stops the loop thread; a transport is
    also stopped when it is garbage-collected.
    """

    def __init__(
        self,
        uri: NwcUri,
        *,
        request_timeout: float,
        redactor: Redactor,
        connect_timeout: float | None = None,
    ) -> None:
        self.uri = uri
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout or min(request_timeout, 10.0)
        self.redactor = redactor
        self._keys = uri.keys()
        self._wallet = nostr_sdk.PublicKey.parse(uri.wallet_pubkey)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        # Loop-side state: touched only by coroutines running on the loop.
        self._connection: _Connection | None = None
        self._connecting: asyncio.Lock | None = None
        self._pending: dict[str, _Pending] = {}
        self._info_event: dict[str, Any] | None = None
        self._finalizer: weakref.finalize[Any, NwcTransport] | None = None

    # -- the public, synchronous side ----------------------------------------------------

    @property
    def relay(self) -> str:
        """The relays, for messages (several are joined by spaces)."""
        return " ".join(self.uri.relays)

    def info_event(self) -> dict[str, Any]:
        """The wallet's info event (kind 13194) as JSON, read once per transport."""
        return self._run(self._info(), self.connect_timeout + self.request_timeout)

    def encryption(self) -> str:
        """The scheme requests use with this wallet (``nip44_v2`` or ``nip04``)."""
        return self._choose(self.info_event())

    def request(
        self, method: str, params: Mapping[str, Any], *, payment_hash: str | None = None
    ) -> Mapping[str, Any]:
        """Send ``method`` with ``params``; return the response's ``result``.

        Raises the library error for the wallet's ``error`` (:mod:`.errors`),
        :class:`~.errors.NoAnswer` after ``request_timeout`` without a response, and
        :class:`~.errors.RelayError` when the relay fails. ``payment_hash`` is
        carried by those two errors, to settle a payment with ``lookup``.
        """
        response, request_id = self._run(
            self._request(method, dict(params), payment_hash),
            2 * self.connect_timeout + self.request_timeout,
        )
        error = response.get("error")
        if error:
            if not isinstance(error, Mapping):
                error = {"code": "OTHER", "message": str(error)}
            raise wallet_error(error, method=method, request_id=request_id)
        result = response.get("result")
        if not isinstance(result, Mapping):
            raise ResponseFormatError(
                f"{method}: the wallet's response has no result object", provider=PROVIDER
            )
        return result

    def close(self) -> None:
        """Disconnect from the relays and stop the loop thread. Idempotent."""
        with self._lock:
            self._closed = True
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if self._finalizer is not None:
            self._finalizer.detach()
        if loop is not None:
            _stop(loop, thread, self._connection)
        self._connection = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("running" if self._loop else "idle")
        return f"<NwcTransport wallet={self.uri.wallet_pubkey[:12]}... relays={self.relay} {state}>"

    # -- running coroutines on the private loop -----------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RelayError("this client is closed", relay=self.relay)
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="paysupport-lightning-nwc", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                self._finalizer = weakref.finalize(self, loop.call_soon_threadsafe, loop.stop)
            return self._loop

    def _run(self, coroutine: Coroutine[Any, Any, T], seconds: float) -> T:
        loop = self._ensure_loop()
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result(seconds + 5.0)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise NoAnswer(
                f"the NIP-47 transport did not finish within {seconds + 5.0:.0f} s",
                method="transport",
            ) from None

    # -- loop side ------------------------------------------------------------------------

    async def _connect(self) -> _Connection:
        """The live connection, connecting (again) when there is none or it broke."""
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            current = self._connection
            if current is not None and not current.broken and _connected(current.relays):
                return current
            if current is not None:
                self._connection = None
                await _shutdown(current)
            client = nostr_sdk.Client()
            for url in self.uri.relays:
                await client.add_relay(nostr_sdk.RelayUrl.parse(url))
            try:
                await client.try_connect(timedelta(seconds=self.connect_timeout))
            except Exception as exc:  # nostr-sdk's errors have no usable common base
                await _shutdown_client(client)
                raise RelayError(
                    f"cannot connect to {self.relay}: {self.redactor.text(exc)}", relay=self.relay
                ) from None
            relays = tuple((await client.relays()).values())
            if not _connected(relays):
                await _shutdown_client(client)
                raise RelayError(
                    f"cannot reach the relay {self.relay} (within {self.connect_timeout:g} s)",
                    relay=self.relay,
                )
            connection = _Connection(client, relays)
            stream = client.notifications()  # before subscribing: nothing may slip by
            connection.reader = asyncio.ensure_future(self._read(connection, stream))
            since = nostr_sdk.Timestamp.from_secs(max(0, int(time.time()) - SINCE_SLACK_SECONDS))
            responses = (
                nostr_sdk.Filter()
                .kind(nostr_sdk.Kind(RESPONSE_KIND))
                .author(self._wallet)
                .pubkey(self._keys.public_key())
                .since(since)
            )
            try:
                await client.subscribe(nostr_sdk.ReqTarget.auto([responses]))
            except Exception as exc:
                await _shutdown(connection)
                raise RelayError(
                    f"the relay {self.relay} refused the subscription: {self.redactor.text(exc)}",
                    relay=self.relay,
                ) from None
            log.debug("connected to %s for wallet %s", self.relay, self.uri.wallet_pubkey)
            self._connection = connection
            return connection

    async def _info(self) -> dict[str, Any]:
        if self._info_event is not None:
            return self._info_event
        connection = await self._connect()
        wanted = nostr_sdk.Filter().kind(nostr_sdk.Kind(INFO_KIND)).author(self._wallet).limit(1)
        try:
            events = await connection.client.fetch_events(
                nostr_sdk.ReqTarget.auto([wanted]), timedelta(seconds=self.request_timeout)
            )
        except Exception as exc:
            connection.broken = True
            raise RelayError(
                f"reading the wallet's info event from {self.relay} failed: "
                f"{self.redactor.text(exc)}",
                relay=self.relay,
            ) from None
        found = [json.loads(event.as_json()) for event in events]
        if not found:
            raise NoAnswer(
                f"the wallet {self.uri.wallet_pubkey} published no info event (kind {INFO_KIND})"
                f" on {self.relay}: is the wallet service connected to this relay?",
                method="info event",
            )
        self._info_event = max(found, key=lambda event: int(event.get("created_at", 0)))
        return self._info_event

    def _choose(self, info_event: Mapping[str, Any]) -> str:
        tags = {str(t[0]): t[1:] for t in info_event.get("tags", ()) if t}
        offered = tuple(str(tags["encryption"][0]).split()) if tags.get("encryption") else None
        chosen = choose_encryption(offered)
        if chosen is None:
            raise Unsupported(
                f"the wallet offers only {', '.join(offered or ())} encryption;"
                f" this client speaks {NIP44} and {NIP04}",
                provider=PROVIDER,
                capability="encryption",
            )
        return chosen

    async def _request(
        self, method: str, params: dict[str, Any], payment_hash: str | None
    ) -> tuple[Mapping[str, Any], str]:
        encryption = self._choose(await self._info())
        connection = await self._connect()
        body = json.dumps({"method": method, "params": params}, separators=(",", ":"))
        secret = self._keys.secret_key()
        if encryption == NIP44:
            content = nostr_sdk.nip44_encrypt(secret, self._wallet, body, nostr_sdk.Nip44Version.V2)
        else:
            content = nostr_sdk.nip04_encrypt(secret, self._wallet, body)
        # Rounded up: a wallet compares whole seconds, and a request must not expire early.
        expires = math.ceil(time.time() + self.request_timeout)
        tags = [
            nostr_sdk.Tag.public_key(self._wallet),
            nostr_sdk.Tag.expiration(nostr_sdk.Timestamp.from_secs(expires)),
        ]
        if encryption == NIP44:
            tags.append(nostr_sdk.Tag.parse(["encryption", NIP44]))
        event = (
            nostr_sdk.EventBuilder(nostr_sdk.Kind(REQUEST_KIND), content)
            .tags(tags)
            .finalize(self._keys)
        )
        request_id = event.id().to_hex()
        future: asyncio.Future[Mapping[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(method, encryption, future)
        try:
            try:
                output = await connection.client.send_event(event)
            except Exception as exc:
                connection.broken = True
                raise RelayError(
                    f"{method}: sending the request to {self.relay} failed:"
                    f" {self.redactor.text(exc)}",
                    relay=self.relay,
                    payment_hash=payment_hash,
                ) from None
            if not output.success:
                reasons = "; ".join(self.redactor.text(r) for r in output.failed.values())
                connection.broken = not _connected(connection.relays)
                raise RelayError(
                    f"{method}: the relay {self.relay} did not take the request"
                    + (f": {reasons}" if reasons else ""),
                    relay=self.relay,
                    payment_hash=payment_hash,
                )
            log.debug("%s sent as request %s (%s)", method, request_id, encryption)
            answer = await self._wait(connection, future, method, request_id, payment_hash)
            return answer, request_id
        finally:
            self._pending.pop(request_id, None)

    async def _wait(
        self,
        connection: _Connection,
        future: asyncio.Future[Mapping[str, Any]],
        method: str,
        request_id: str,
        payment_hash: str | None,
    ) -> Mapping[str, Any]:
        ends = time.monotonic() + self.request_timeout
        while True:
            left = ends - time.monotonic()
            if left <= 0:
                break
            done, _ = await asyncio.wait({future}, timeout=min(POLL_SECONDS, left))
            if done:
                return future.result()
            if not _connected(connection.relays) or _generation(connection.relays) != (
                connection.generation
            ):
                connection.broken = True
                then = f"; settle it with lookup({payment_hash!r})" if payment_hash else ""
                raise RelayError(
                    f"{method}: the connection to {self.relay} was lost while waiting for the"
                    f" wallet's answer; the request's outcome is unknown{then}",
                    relay=self.relay,
                    sent=True,
                    payment_hash=payment_hash,
                )
        if future.done():
            return future.result()
        then = (
            f"; settle it with lookup({payment_hash!r}), never by paying again"
            if payment_hash
            else ""
        )
        raise NoAnswer(
            f"{method}: no answer from the wallet within {self.request_timeout:g} s; the"
            f" request's outcome is unknown{then}",
            method=method,
            request_id=request_id,
            payment_hash=payment_hash,
        )

    async def _read(self, connection: _Connection, stream: Any) -> None:
        """Hand each response to the request its ``e`` tag names; ignore everything else."""
        while True:
            try:
                note = await stream.next()
            except Exception:  # the client was shut down under us
                return
            if note is None or note.is_shutdown():
                return
            if note.is_new_event():
                try:
                    self._on_event(note.event)
                except Exception:  # a reader that dies leaves every request waiting
                    log.exception("a wallet response could not be handled")

    def _on_event(self, event: Any) -> None:
        if event.kind().as_u16() != RESPONSE_KIND or event.author().to_hex() != (
            self.uri.wallet_pubkey
        ):
            return
        answers = [tag.to_vec() for tag in event.tags()]
        request_id = next((t[1] for t in answers if len(t) > 1 and t[0] == "e"), None)
        pending = self._pending.get(request_id or "")
        if pending is None or pending.future.done():
            why = "already answered" if pending is not None else "not waiting (late or unknown)"
            log.debug("ignored response %s to request %s: %s", event.id().to_hex(), request_id, why)
            return
        try:
            secret = self._keys.secret_key()
            if pending.encryption == NIP44:
                text = nostr_sdk.nip44_decrypt(secret, self._wallet, event.content())
            else:
                text = nostr_sdk.nip04_decrypt(secret, self._wallet, event.content())
            response = json.loads(text)
        except Exception:
            pending.future.set_exception(
                ResponseFormatError(
                    f"{pending.method}: the wallet's response could not be decrypted or read",
                    provider=PROVIDER,
                )
            )
            return
        result_type = response.get("result_type") if isinstance(response, dict) else None
        if not isinstance(response, dict) or result_type not in (None, pending.method):
            pending.future.set_exception(
                ResponseFormatError(
                    f"{pending.method}: the wallet answered with result_type {result_type!r}",
                    provider=PROVIDER,
                )
            )
            return
        pending.future.set_result(response)


async def _shutdown_client(client: Any) -> None:
    try:
        await client.shutdown()
    except Exception:
        log.debug("shutting a nostr client down failed", exc_info=True)


async def _shutdown(connection: _Connection) -> None:
    await _shutdown_client(connection.client)
    if connection.reader is not None:
        connection.reader.cancel()


def _stop(
    loop: asyncio.AbstractEventLoop,
    thread: threading.Thread | None,
    connection: _Connection | None,
) -> None:
    if loop.is_closed():
        return
    if connection is not None and loop.is_running():
        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            asyncio.run_coroutine_threadsafe(_shutdown(connection), loop).result(5.0)
    loop.call_soon_threadsafe(loop.stop)
    if thread is not None and thread is not threading.current_thread():
        thread.join(5.0)
        if not thread.is_alive():
            loop.close()


__all__ = ["NwcTransport"]
