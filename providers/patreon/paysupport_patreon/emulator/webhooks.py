"""Webhooks: registration, signed delivery, retries and pausing like Patreon's.

A delivery is a POST of a JSON:API document with ``X-Patreon-Event`` and
``X-Patreon-Signature`` (hex HMAC-MD5 of the raw body keyed with the webhook's
secret). Deliveries happen synchronously inside the admin request that caused
them, so tests see their effects at once. A failed delivery (connection error,
timeout or non-2xx) stays queued; the queue is flushed in order on the next
event for that webhook or by :meth:`WebhookHub.retry`. After ``max_failures``
consecutive failures the webhook is paused and receives nothing until it is
patched with ``paused: false``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

from paysupport_patreon.emulator.store import iso


def sign(secret: str, body: bytes) -> str:
    """Patreon's webhook signature: hex HMAC-MD5 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.md5).hexdigest()


@dataclass
class _Delivery:
    id: str
    trigger: str
    body: bytes
    attempts: int = 0


@dataclass
class Webhook:
    id: str
    client_id: str
    campaign_id: str
    uri: str
    triggers: list[str]
    secret: str
    scopes: frozenset[str]
    last_attempted_at: float
    paused: bool = False
    num_consecutive_times_failed: int = 0
    pending: deque[_Delivery] = field(default_factory=deque)

    def attributes(self) -> dict[str, Any]:
        return {
            "last_attempted_at": iso(self.last_attempted_at),
            "num_consecutive_times_failed": self.num_consecutive_times_failed,
            "paused": self.paused,
            "secret": self.secret,
            "triggers": list(self.triggers),
            "uri": self.uri,
        }


class WebhookHub:
    """All registered webhooks and their delivery log."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        max_failures: int = 3,
        timeout: float = 2.0,
    ) -> None:
        self._clock = clock
        self.max_failures = max_failures
        self.timeout = timeout
        self._lock = threading.Lock()
        self._deliver_lock = threading.Lock()  # one flush at a time keeps per-hook order
        self._ids = itertools.count(1)
        self._session = requests.Session()
        self.hooks: dict[str, Webhook] = {}
        self.log: list[dict[str, Any]] = []

    def create(
        self,
        client_id: str,
        campaign_id: str,
        uri: str,
        triggers: Iterable[str],
        scopes: frozenset[str],
    ) -> Webhook:
        with self._lock:
            hook_id = str(next(self._ids))
            hook = Webhook(
                hook_id,
                client_id,
                campaign_id,
                uri,
                list(triggers),
                secrets.token_urlsafe(32),
                scopes,
                self._clock(),
            )
            self.hooks[hook_id] = hook
            return hook

    def owned(self, client_id: str) -> list[Webhook]:
        with self._lock:
            return [hook for hook in self.hooks.values() if hook.client_id == client_id]

    def get(self, hook_id: str, client_id: str) -> Webhook | None:
        with self._lock:
            hook = self.hooks.get(hook_id)
            return hook if hook is not None and hook.client_id == client_id else None

    def update(self, hook: Webhook, changes: dict[str, Any]) -> Webhook:
        with self._lock:
            if "uri" in changes:
                hook.uri = changes["uri"]
            if "triggers" in changes:
                hook.triggers = list(changes["triggers"])
            if "paused" in changes:
                hook.paused = bool(changes["paused"])
                if not hook.paused:
                    hook.num_consecutive_times_failed = 0
            return hook

    def delete(self, hook: Webhook) -> None:
        with self._lock:
            self.hooks.pop(hook.id, None)

    # ------------------------------------------------------------ delivery
    def fire(
        self, campaign_id: str, trigger: str, body_for: Callable[[Webhook], bytes]
    ) -> list[dict[str, Any]]:
        """Queue ``trigger`` for every matching webhook, then flush those webhooks' queues."""
        with self._lock:
            targets = [
                hook
                for hook in self.hooks.values()
                if hook.campaign_id == campaign_id and trigger in hook.triggers
            ]
        for hook in targets:
            delivery = _Delivery(f"delivery-{next(self._ids)}", trigger, body_for(hook))
            with self._lock:
                hook.pending.append(delivery)
        return self._flush(targets)

    def retry(self) -> list[dict[str, Any]]:
        """Flush every unpaused webhook's queue of failed deliveries."""
        with self._lock:
            targets = [hook for hook in self.hooks.values() if hook.pending]
        return self._flush(targets)

    def _flush(self, hooks: list[Webhook]) -> list[dict[str, Any]]:
        attempts: list[dict[str, Any]] = []
        with self._deliver_lock:
            for hook in hooks:
                while True:
                    with self._lock:
                        if hook.paused or not hook.pending or hook.id not in self.hooks:
                            break
                        delivery = hook.pending[0]
                        uri, secret = hook.uri, hook.secret
                    entry = self._post(hook.id, uri, secret, delivery)
                    attempts.append(entry)
                    with self._lock:
                        self.log.append(entry)
                        hook.last_attempted_at = self._clock()
                        if entry["ok"]:
                            hook.pending.popleft()
                            hook.num_consecutive_times_failed = 0
                            continue
                        hook.num_consecutive_times_failed += 1
                        if hook.num_consecutive_times_failed >= self.max_failures:
                            hook.paused = True
                    break
        return attempts

    def _post(self, hook_id: str, uri: str, secret: str, delivery: _Delivery) -> dict[str, Any]:
        delivery.attempts += 1
        entry: dict[str, Any] = {
            "delivery_id": delivery.id,
            "webhook_id": hook_id,
            "trigger": delivery.trigger,
            "attempt": delivery.attempts,
            "at": iso(self._clock()),
            "status": None,
            "ok": False,
            "error": None,
        }
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Patreon HTTP Robot (paysupport emulator)",
            "X-Patreon-Event": delivery.trigger,
            "X-Patreon-Signature": sign(secret, delivery.body),
        }
        try:
            response = self._session.post(
                uri, data=delivery.body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
            return entry
        entry["status"] = response.status_code
        entry["ok"] = 200 <= response.status_code < 300
        if not entry["ok"]:
            entry["error"] = f"HTTP {response.status_code}"
        return entry

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "webhooks": [
                    {
                        "id": hook.id,
                        "client_id": hook.client_id,
                        "campaign_id": hook.campaign_id,
                        "uri": hook.uri,
                        "triggers": list(hook.triggers),
                        "paused": hook.paused,
                        "num_consecutive_times_failed": hook.num_consecutive_times_failed,
                        "last_attempted_at": iso(hook.last_attempted_at),
                        "pending": len(hook.pending),
                    }
                    for hook in self.hooks.values()
                ],
                "deliveries": list(self.log),
            }
