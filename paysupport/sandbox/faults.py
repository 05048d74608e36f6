"""Fault injection and latency for the sandbox, as WSGI middleware.

Faults are decided *before* the emulator sees the request and the emulator is
then not called at all, so a faulted write never half-happens: a client that
retries, or a ledger that records intent, can be checked for exactly-once
behaviour. The kinds:

``500``, ``503``
    an error status with a JSON body;
``429``
    too many requests, with ``Retry-After``;
``reset``
    the connection is dropped without an answer;
``truncate``
    a 200 whose body stops before its announced ``Content-Length``;
``slow``
    no answer for ``slow_seconds`` (longer than a client's read timeout), then a 503.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from paysupport._wsgi import StartResponse, WSGIApp, WSGIEnvironment
from paysupport.errors import ConfigError

FAULT_KINDS: tuple[str, ...] = ("500", "503", "429", "reset", "truncate", "slow")


@dataclass(frozen=True)
class FaultPlan:
    """How often and which faults to inject; ``exempt`` path prefixes are never faulted."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    slow_seconds: float = 35.0
    retry_after: int = 1
    exempt: tuple[str, ...] = ("/_admin",)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ConfigError(f"fault rate must be between 0 and 1, not {self.rate}")
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown or not self.kinds:
            raise ConfigError(
                f"unknown fault kind(s) {', '.join(sorted(unknown)) or '(none given)'}; "
                f"choose from {', '.join(FAULT_KINDS)}"
            )


def parse_kinds(spec: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"500,429,reset"`` or a sequence into a tuple of kinds; empty means every kind."""
    if not spec:
        return FAULT_KINDS
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    return tuple(p.strip() for p in parts if p.strip())


class FaultInjector:
    """Wraps an emulator; counts what it injected in :attr:`injected`."""

    def __init__(self, app: WSGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan
        self.injected: Counter[str] = Counter()
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()

    def _draw(self, path: str) -> str | None:
        if self.plan.rate <= 0 or path.startswith(self.plan.exempt):
            return None
        with self._lock:
            if self._random.random() >= self.plan.rate:
                return None
            kind = self._random.choice(self.plan.kinds)
            self.injected[kind] += 1
            return kind

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        kind = self._draw(environ.get("PATH_INFO", ""))
        if kind is None:
            return self.app(environ, start_response)
        if kind in ("500", "503"):
            return _json(start_response, f"{kind} Injected Fault", {"error": "injected fault"})
        if kind == "429":
            return _json(
                start_response,
                "429 Too Many Requests",
                {"error": "rate limited (injected)"},
                [("Retry-After", str(self.plan.retry_after))],
            )
        if kind == "truncate":
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", "4096"),
                    ("Connection", "close"),
                ],
            )
            return [b'{"data": [{"id": "1", "type": "cut']
        if kind == "slow":
            time.sleep(self.plan.slow_seconds)
            return _json(start_response, "503 Injected Fault", {"error": "injected slow fault"})
        _drop_connection(environ)
        return []


def _json(
    start_response: StartResponse,
    status: str,
    body: object,
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            *(headers or []),
        ],
    )
    return [data]


def _drop_connection(environ: WSGIEnvironment) -> None:
    """Close the client's connection abruptly (RST) so it gets no answer at all."""
    sock = environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        raise ConfigError("the 'reset' fault needs werkzeug's development server")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.shutdown(socket.SHUT_RDWR)


class Latency:
    """Adds ``milliseconds`` before every answer."""

    def __init__(self, app: WSGIApp, milliseconds: float) -> None:
        self.app = app
        self.seconds = milliseconds / 1000.0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        time.sleep(self.seconds)
        return self.app(environ, start_response)
