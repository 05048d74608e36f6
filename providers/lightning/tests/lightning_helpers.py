"""The NIP-47 caller the Lightning tests share (plain classes live here, fixtures in conftest).

A module named ``conftest`` cannot be imported reliably when several test folders
each have one, so tests import ``from lightning_helpers import NwcCaller``.
"""

from __future__ import annotations

import datetime
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from nostr_sdk import (
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
from paysupport_lightning.emulator.eventloop import BackgroundLoop


class NwcCaller:
    """A minimal NIP-47 client: sign, encrypt, send kind 23194; collect kind 23195 answers.

    ``send`` returns the request's event id; ``responses(id)`` waits for the
    answers to it (all of them: a duplicated answer shows up as two). ``call``
    is send + the first answer, decrypted.
    """

    def __init__(self, uri: str, *, secret: str | None = None) -> None:
        parts = urlsplit(uri)
        query = parse_qs(parts.query)
        self.wallet = PublicKey.parse(parts.netloc or parts.path.lstrip("/"))
        self.relay_url = query["relay"][0]
        self.keys = Keys.parse(secret or query["secret"][0])
        self._loop = BackgroundLoop("nwc-test-caller")
        self._answers: dict[str, list[Event]] = {}
        self._schemes: dict[str, str] = {}
        self.client = ClientBuilder().build()
        self._loop.run(self._start())

    async def _start(self) -> None:
        await self.client.add_relay(RelayUrl.parse(self.relay_url))
        await self.client.connect(and_wait=datetime.timedelta(seconds=2))
        mine = Filter().kind(Kind(23195)).pubkey(self.keys.public_key())
        stream = self.client.notifications()
        await self.client.subscribe(ReqTarget.auto([mine.since(Timestamp.now())]))
        self._loop.spawn(self._collect(stream))

    async def _collect(self, stream: Any) -> None:
        while (note := await stream.next()) is not None:
            if isinstance(note, ClientNotification.NEW_EVENT):
                for tag in note.event.tags():
                    values = tag.to_vec()
                    if values[0] == "e":
                        self._answers.setdefault(values[1], []).append(note.event)

    def info(self, wallet: str | None = None) -> Event | None:
        """The wallet's info event (kind 13194), or None."""
        author = PublicKey.parse(wallet) if wallet else self.wallet
        wanted = Filter().kind(Kind(13194)).author(author)
        events = self._loop.run(
            self.client.fetch_events(
                ReqTarget.auto([wanted]), timeout=datetime.timedelta(seconds=2)
            )
        )
        return events[0] if events else None

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        encryption: str | None = "nip44_v2",
        expiration: int | None = None,
        raw_content: str | None = None,
    ) -> str:
        """Send a request; ``encryption=None`` sends no tag (then nip04, as NIP-47 says)."""
        plain = json.dumps({"method": method, "params": params or {}})
        scheme = encryption or "nip04"
        if raw_content is not None:
            content = raw_content
        elif scheme == "nip44_v2":
            content = nip44_encrypt(self.keys.secret_key(), self.wallet, plain, Nip44Version.V2)
        else:
            content = nip04_encrypt(self.keys.secret_key(), self.wallet, plain)
        tags = [Tag.parse(["p", self.wallet.to_hex()])]
        if encryption is not None:
            tags.append(Tag.parse(["encryption", encryption]))
        if expiration is not None:
            tags.append(Tag.parse(["expiration", str(expiration)]))
        event = EventBuilder(Kind(23194), content).tags(tags).finalize(self.keys)
        event_id = event.id().to_hex()
        self._schemes[event_id] = scheme
        self._loop.run(self.client.send_event(event))
        return str(event_id)

    def responses(
        self, request_id: str, *, wait: float = 2.0, count: int = 1
    ) -> list[dict[str, Any]]:
        """The decrypted answers to ``request_id``: up to ``wait`` seconds, or ``count`` answers."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and len(self._answers.get(request_id, [])) < count:
            time.sleep(0.01)
        return [self.decrypt(request_id, e) for e in self._answers.get(request_id, [])]

    def decrypt(self, request_id: str, event: Event) -> dict[str, Any]:
        assert event.author().to_hex() == self.wallet.to_hex(), "answer not from the wallet"
        if self._schemes.get(request_id) == "nip44_v2":
            text = nip44_decrypt(self.keys.secret_key(), self.wallet, event.content())
        else:
            text = nip04_decrypt(self.keys.secret_key(), self.wallet, event.content())
        answer: dict[str, Any] = json.loads(text)
        return answer

    def call(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Send and return the first answer; fails the test when none comes within 3 s."""
        request_id = self.send(method, params, **kw)
        answers = self.responses(request_id, wait=3.0)
        assert answers, f"no answer to {method}"
        assert answers[0]["result_type"] == method
        return answers[0]

    @property
    def connected(self) -> bool:
        relays = self._loop.run(self.client.relays())
        return any(r.is_connected() for r in relays.values())

    def close(self) -> None:
        try:
            self._loop.run(self.client.shutdown())
        finally:
            self._loop.close()
