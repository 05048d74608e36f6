"""Outgoing webhook deliveries for emulators: queued per hook, posted in order, retried.

Every service that sends webhooks does the same thing with a delivery: POST
the raw body with the service's signed headers, count a connection error, a
timeout or a non-2xx as a failure, keep the failed delivery at the head of its
hook's queue (later ones wait behind it, so a receiver sees them in order) and
try again on the hook's next event or when asked. :class:`DeliveryHub` does
that, and logs every attempt; an emulator says, per hook and delivery, where
it goes and with which headers (:meth:`DeliveryHub.prepare`), and may pause
a hook (:meth:`DeliveryHub.may_deliver`, :meth:`DeliveryHub.attempted`).

Deliveries happen inside the (admin) request that causes them, so tests see
their effects at once.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import requests


class Queued(Protocol):
    """A delivery waiting in a hook's queue: its raw body and how often it was tried."""

    body: bytes
    attempts: int


class HookLike(Protocol):
    """A registered hook: an id (a key of :attr:`DeliveryHub.hooks`) and its queue."""

    @property
    def id(self) -> Hashable: ...

    @property
    def pending(self) -> deque[Any]: ...


HookT = TypeVar("HookT", bound=HookLike)
DeliveryT = TypeVar("DeliveryT", bound=Queued)


class Outgoing(NamedTuple):
    """One attempt's request (``url``, ``headers``) and its log entry's own fields.

    :class:`DeliveryHub` adds ``status``, ``ok`` and ``error`` to ``entry``.
    """

    url: str
    headers: Mapping[str, str]
    entry: dict[str, Any]


class DeliveryHub(Generic[HookT, DeliveryT]):
    """Registered hooks (:attr:`hooks`) and the log of every delivery attempt (:attr:`log`).

    Subclasses register hooks, queue deliveries on ``hook.pending`` (under
    ``self._lock``) and call :meth:`flush`. One flush runs at a time, which
    keeps each hook's order; the lock is not held while posting, so a slow
    receiver does not stop the emulator from answering.
    """

    def __init__(self, clock: Callable[[], float], *, timeout: float = 2.0) -> None:
        self._clock = clock
        self.timeout = timeout
        self._lock = threading.Lock()
        self._deliver_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._session = requests.Session()
        self.hooks: dict[Any, HookT] = {}
        self.log: list[dict[str, Any]] = []

    def prepare(self, hook: HookT, delivery: DeliveryT) -> Outgoing:
        """Where ``delivery`` goes, its (signed) headers and its log entry; under the lock."""
        raise NotImplementedError

    def may_deliver(self, hook: HookT) -> bool:
        """False holds the hook's queue (a paused hook); called under the lock."""
        return True

    def attempted(self, hook: HookT, ok: bool) -> None:
        """Called under the lock after each attempt (count failures, pause a hook)."""

    def flush(self, hooks: list[HookT]) -> list[dict[str, Any]]:
        """Deliver each hook's queue in order up to its first failure; returns the attempts."""
        attempts: list[dict[str, Any]] = []
        with self._deliver_lock:
            for hook in hooks:
                while True:
                    with self._lock:
                        if (
                            not self.may_deliver(hook)
                            or not hook.pending
                            or hook.id not in self.hooks
                        ):
                            break
                        delivery: DeliveryT = hook.pending[0]
                        delivery.attempts += 1
                        outgoing = self.prepare(hook, delivery)
                    entry = self._post(outgoing, delivery.body)
                    attempts.append(entry)
                    with self._lock:
                        self.log.append(entry)
                        self.attempted(hook, entry["ok"])
                        if not entry["ok"]:
                            break  # later deliveries wait behind the failed one
                        hook.pending.popleft()
        return attempts

    def _post(self, outgoing: Outgoing, body: bytes) -> dict[str, Any]:
        entry = {**outgoing.entry, "status": None, "ok": False, "error": None}
        try:
            answer = self._session.post(
                outgoing.url, data=body, headers=dict(outgoing.headers), timeout=self.timeout
            )
        except requests.RequestException as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
            return entry
        entry["status"] = answer.status_code
        entry["ok"] = 200 <= answer.status_code < 300
        if not entry["ok"]:
            entry["error"] = f"HTTP {answer.status_code}"
        return entry
