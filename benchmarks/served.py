"""The sandbox in a process of its own, so the emulators do not share a GIL with the client.

The parent gets each emulator's URL and credentials, connects real clients to
them and can ask for an emulator's admin state; leaving the block stops the
child.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import paysupport
from paysupport.provider import Client
from paysupport.tokens import MemoryTokenStore


def _serve(conn: Connection, options: dict[str, Any]) -> None:
    from paysupport.sandbox import Sandbox, SandboxOptions

    with Sandbox(SandboxOptions(**options)) as sb:
        conn.send({n: {"url": sb.url(n), "credentials": sb.credentials(n)} for n in sb.names})
        while True:
            message = conn.recv()
            if message == "stop":
                break
            kind, name = message
            if kind == "state":
                conn.send(sb.emulator(name).admin_state())
            elif kind == "injected":
                conn.send(dict(sb.injectors[name].injected))
    conn.send("stopped")


@dataclass
class Served:
    endpoints: dict[str, dict[str, Any]]
    _conn: Connection

    def url(self, name: str) -> str:
        return str(self.endpoints[name]["url"])

    def credentials(self, name: str) -> dict[str, str]:
        return dict(self.endpoints[name]["credentials"])

    def connect(self, name: str, **overrides: Any) -> Client:
        settings: dict[str, Any] = {
            "base_url": self.url(name),
            "token_store": MemoryTokenStore(),
            **self.credentials(name),
            **overrides,
        }
        return paysupport.connect(name, **settings)

    def state(self, name: str) -> dict[str, Any]:
        self._conn.send(("state", name))
        state: dict[str, Any] = self._conn.recv()
        return state


@contextlib.contextmanager
def served(**options: Any) -> Iterator[Served]:
    """A sandbox with :class:`~paysupport.sandbox.SandboxOptions` ``options``, in a child."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, options), daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + 300
        while not parent.poll(0.1):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox process did not start")
        yield Served(parent.recv(), parent)
    finally:
        with contextlib.suppress(OSError, EOFError):
            parent.send("stop")
            parent.poll(10)
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join(5)
