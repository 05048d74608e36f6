"""The sandbox's Nostr relay on 127.0.0.1: nostr-sdk's LocalRelay behind a front door we control.

The wallet service talks to the LocalRelay directly (its internal URL). Clients
get the front door's URL (in the NWC URI): a plain TCP pass-through to the same
relay whose connections the emulator can cut at once, which is how the
"relay disconnect" fault looks from a client (its websocket closes) without
restarting the relay (a restarted rust-nostr client waits seconds to reconnect,
and a restart would forget the stored info events).
"""

from __future__ import annotations

import asyncio
import contextlib

from nostr_sdk import LocalRelay, LocalRelayBuilder, RateLimit

from .eventloop import BackgroundLoop


class Relay:
    """A running relay: :attr:`url` for clients, :attr:`internal_url` for the wallet service."""

    def __init__(self, loop: BackgroundLoop, *, port: int = 0) -> None:
        self._loop = loop
        self._local: LocalRelay = loop.run(self._start_local())
        self.internal_url = str(loop.run(self._local.url()))
        self._upstream_port = int(self.internal_url.rsplit(":", 1)[1])
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server = loop.run(
            asyncio.start_server(self._accept, "127.0.0.1", port)
        )
        self.port: int = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}"
        self.disconnects = 0

    @staticmethod
    async def _start_local() -> LocalRelay:
        # nostr-sdk's local relay accepts about 60 events a minute per connection by
        # default, a public relay's anti-spam rule: the wallet service alone answers
        # more than that in a podcatcher run. The sandbox's relay is the user's own,
        # so it lets the wallet and its clients speak as fast as they can.
        limit = RateLimit(max_reqs=10_000, notes_per_minute=1_000_000)
        relay = LocalRelayBuilder().addr("127.0.0.1").rate_limit(limit).build()
        await relay.run()
        return relay

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream_port)
        except OSError:
            writer.close()
            return
        self._links.update((writer, up_writer))
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._links.discard(w)
                w.close()

    @property
    def connections(self) -> int:
        """How many client connections are open through the front door."""
        return len(self._links) // 2

    def disconnect_clients(self) -> None:
        """Cut every client connection (the wallet service's own link stays up)."""

        async def cut() -> None:
            for writer in list(self._links):
                writer.close()

        self._loop.run(cut())
        self.disconnects += 1

    def close(self) -> None:
        """Stop listening, cut the connections and shut the LocalRelay down."""

        async def stop() -> None:
            self._server.close()
            for writer in list(self._links):
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)

        if self._loop.alive:
            self._loop.run(stop())
        self._local.shutdown()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.CancelledError):
        pass
    finally:
        writer.close()
