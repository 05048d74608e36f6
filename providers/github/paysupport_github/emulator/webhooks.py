"""Outgoing ``sponsorship`` webhook deliveries: signed, logged, redelivered on failure.

A delivery is a POST of the JSON payload with ``X-GitHub-Event``,
``X-GitHub-Delivery`` (a new GUID per event, the receiver's deduplication
key), ``X-GitHub-Hook-ID`` and ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256
of the raw body keyed with the hook's secret>`` (plus the legacy SHA-1
``X-Hub-Signature`` GitHub still sends). Deliveries happen inside the admin
request that triggers them, so tests see them at once. GitHub does not retry
a failed delivery by itself; one redelivers it, and a redelivery keeps the
GUID. Here a failed delivery (connection error, timeout, non-2xx) stays
queued and is redelivered, with its GUID, by ``/_admin/webhooks/redeliver``
or before the hook's next delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from paysupport_github.emulator.store import iso


def sign(secret: str, body: bytes) -> str:
    """GitHub's ``X-Hub-Signature-256`` value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_sha1(secret: str, body: bytes) -> str:
    """The legacy ``X-Hub-Signature`` value (``sha1=...``)."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@dataclass
class Delivery:
    guid: str
    event: str
    action: str
    body: bytes
    attempts: int = 0


@dataclass
class Hook:
    id: int
    url: str
    secret: str
    events: list[str]
    active: bool = True
    pending: deque[Delivery] = field(default_factory=deque)


class WebhookHub:
    """Registered hooks and the log of every delivery attempt."""

    def __init__(
        self,
        clock: Callable[[], float],
        target: tuple[str, int],
        *,
        timeout: float = 2.0,
    ) -> None:
        self._clock = clock
        self.target = target  # (installation target type, id): the sponsors listing's owner
        self.timeout = timeout
        self._lock = threading.Lock()
        self._deliver_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._session = requests.Session()
        self.hooks: dict[int, Hook] = {}
        self.log: list[dict[str, Any]] = []

    def register(self, url: str, secret: str, events: list[str] | None = None) -> Hook:
        with self._lock:
            hook = Hook(next(self._ids), url, secret, list(events or ["sponsorship"]))
            self.hooks[hook.id] = hook
            return hook

    def remove(self, hook_id: int) -> bool:
        with self._lock:
            return self.hooks.pop(hook_id, None) is not None

    def send(self, event: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Deliver ``payload`` to every active hook for ``event``; returns the attempts made."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        with self._lock:
            targets = [h for h in self.hooks.values() if h.active and event in h.events]
            for hook in targets:
                hook.pending.append(
                    Delivery(str(uuid.uuid4()), event, str(payload.get("action", "")), body)
                )
        return self._flush(targets)

    def redeliver(self) -> list[dict[str, Any]]:
        """Deliver again every delivery that failed (same ``X-GitHub-Delivery``)."""
        with self._lock:
            targets = [h for h in self.hooks.values() if h.pending]
        return self._flush(targets)

    def _flush(self, hooks: list[Hook]) -> list[dict[str, Any]]:
        attempts: list[dict[str, Any]] = []
        with self._deliver_lock:
            for hook in hooks:
                while True:
                    with self._lock:
                        if not hook.pending or hook.id not in self.hooks:
                            break
                        delivery = hook.pending[0]
                    entry = self._post(hook, delivery)
                    attempts.append(entry)
                    with self._lock:
                        self.log.append(entry)
                        if not entry["ok"]:
                            break  # keep order: later deliveries wait behind the failed one
                        hook.pending.popleft()
        return attempts

    def _post(self, hook: Hook, delivery: Delivery) -> dict[str, Any]:
        delivery.attempts += 1
        entry: dict[str, Any] = {
            "guid": delivery.guid,
            "hook_id": hook.id,
            "event": delivery.event,
            "action": delivery.action,
            "attempt": delivery.attempts,
            "redelivery": delivery.attempts > 1,
            "at": iso(self._clock()),
            "status": None,
            "ok": False,
            "error": None,
        }
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/paysupport-emulator",
            "X-GitHub-Event": delivery.event,
            "X-GitHub-Delivery": delivery.guid,
            "X-GitHub-Hook-ID": str(hook.id),
            "X-GitHub-Hook-Installation-Target-Type": self.target[0],
            "X-GitHub-Hook-Installation-Target-ID": str(self.target[1]),
            "X-Hub-Signature-256": sign(hook.secret, delivery.body),
            "X-Hub-Signature": sign_sha1(hook.secret, delivery.body),
        }
        try:
            answer = self._session.post(
                hook.url, data=delivery.body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
            return entry
        entry["status"] = answer.status_code
        entry["ok"] = 200 <= answer.status_code < 300
        if not entry["ok"]:
            entry["error"] = f"HTTP {answer.status_code}"
        return entry

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "webhooks": [
                    {
                        "id": h.id,
                        "url": h.url,
                        "events": list(h.events),
                        "active": h.active,
                        "pending": len(h.pending),
                    }
                    for h in self.hooks.values()
                ],
                "deliveries": list(self.log),
            }
