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

:data:`triggers` (the ``paysupport.triggers`` entry point) builds one delivery
of any action from the emulator's data without registering a hook or changing
the data, for ``paysupport trigger github sponsorship.<action> --to URL``:
the payload and headers a hook gets, signed by the receiving side's own
:func:`paysupport_github.webhooks.sign`.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from paysupport.emulation.webhooks import DeliveryHub, Outgoing
from paysupport.errors import ConfigError
from paysupport.webhooks import hmac_hex
from paysupport_github import webhooks as receiving
from paysupport_github.catalog import SPONSORSHIP_ACTIONS
from paysupport_github.emulator import views
from paysupport_github.emulator.seed import MAINTAINER
from paysupport_github.emulator.store import Sponsorship, Store, Tier, iso
from paysupport_github.errors import PROVIDER

if TYPE_CHECKING:
    from paysupport.provider import Client

#: Where a triggered delivery's URLs point: no request tells the emulator's own root.
PUBLIC_API = "https://api.github.com"
PUBLIC_HTML = "https://github.com"


def sign(secret: str, body: bytes) -> str:
    """GitHub's ``X-Hub-Signature-256`` value: ``sha256=`` and the hex HMAC-SHA256 of the body.

    The receiving side's own code (:func:`paysupport_github.webhooks.sign`), so
    what the emulator signs is what the verifier checks.
    """
    return receiving.sign(body, secret)


def sign_sha1(secret: str, body: bytes) -> str:
    """The legacy ``X-Hub-Signature`` value (``sha1=...``)."""
    return "sha1=" + hmac_hex(secret, body, "sha1")


def headers_for(
    event: str, guid: str, hook_id: int, target: tuple[str, int], secret: str, body: bytes
) -> dict[str, str]:
    """The headers of one delivery, as GitHub sends them."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/paysupport-emulator",
        receiving.EVENT_HEADER: event,
        receiving.DELIVERY_HEADER: guid,
        receiving.HOOK_ID_HEADER: str(hook_id),
        "X-GitHub-Hook-Installation-Target-Type": target[0],
        "X-GitHub-Hook-Installation-Target-ID": str(target[1]),
        receiving.SIGNATURE_HEADER: sign(secret, body),
        "X-Hub-Signature": sign_sha1(secret, body),
    }


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


class WebhookHub(DeliveryHub[Hook, Delivery]):
    """Registered hooks and the log of every delivery attempt (the core's :class:`DeliveryHub`)."""

    def __init__(
        self,
        clock: Callable[[], float],
        target: tuple[str, int],
        *,
        timeout: float = 2.0,
    ) -> None:
        super().__init__(clock, timeout=timeout)
        self.target = target  # (installation target type, id): the sponsors listing's owner

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
        return self.flush(targets)

    def redeliver(self) -> list[dict[str, Any]]:
        """Deliver again every delivery that failed (same ``X-GitHub-Delivery``)."""
        with self._lock:
            targets = [h for h in self.hooks.values() if h.pending]
        return self.flush(targets)

    def prepare(self, hook: Hook, delivery: Delivery) -> Outgoing:
        entry: dict[str, Any] = {
            "guid": delivery.guid,
            "hook_id": hook.id,
            "event": delivery.event,
            "action": delivery.action,
            "attempt": delivery.attempts,
            "redelivery": delivery.attempts > 1,
            "at": iso(self._clock()),
        }
        headers = headers_for(
            delivery.event, delivery.guid, hook.id, self.target, hook.secret, delivery.body
        )
        return Outgoing(hook.url, headers, entry)

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


def next_month(now: float) -> str:
    """The first day of next month, when pending changes take effect on GitHub."""
    today = datetime.fromtimestamp(now, timezone.utc)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return datetime(year, month, 1, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Triggers:
    """``paysupport trigger github sponsorship.<action>``: one delivery, from the emulator's data.

    Choices: ``maintainer`` (a login; default the sandbox's maintainer),
    ``sponsor`` (a login: their sponsorship of the maintainer; default the
    first active one), ``sponsorship`` (an id instead) and ``tier`` (a tier's
    name or id: where ``tier_changed``/``pending_tier_change`` move to; default
    another of the maintainer's tiers). The payload is what the admin API's
    trigger sends for the action, without changing the data. A URL's stored
    secret is the ``webhook_secret`` setting (GitHub never shows a hook's
    secret again).
    """

    events: tuple[str, ...] = tuple(f"{receiving.EVENT}.{a}" for a in SPONSORSHIP_ACTIONS)
    choices: tuple[str, ...] = ("maintainer", "sponsor", "sponsorship", "tier")

    def build(
        self, emulator: Any, event: str, secret: str, choices: Mapping[str, str]
    ) -> tuple[dict[str, str], bytes]:
        unknown = sorted(set(choices) - set(self.choices))
        if unknown:
            raise ConfigError(
                f"unknown choice {', '.join(unknown)}; github takes {', '.join(self.choices)}",
                provider=PROVIDER,
            )
        action = event.partition(".")[2]
        store: Store = emulator.store
        with store.lock:
            payload = self.payload(store, action, choices, emulator.now())
        body = json.dumps(payload, separators=(",", ":")).encode()
        target = emulator.webhooks.target
        headers = headers_for(receiving.EVENT, str(uuid.uuid4()), 1, target, secret, body)
        return headers, body

    def payload(
        self, store: Store, action: str, choices: Mapping[str, str], now: float
    ) -> dict[str, Any]:
        """The ``sponsorship`` payload of ``action``, as the sponsorship would be after it."""
        record = self._sponsorship(store, choices)
        shown = record
        extra: dict[str, Any] = {}
        if action == "edited":
            extra["changes"] = {"privacy_level": {"from": record.privacy.lower()}}
            shown = replace(record, privacy="PRIVATE" if record.privacy == "PUBLIC" else "PUBLIC")
        elif action in ("tier_changed", "pending_tier_change"):
            old = store.tiers[record.tier_id]
            extra["changes"] = {"tier": {"from": views.tier(old)}}
            shown = replace(record, tier_id=self._tier(store, record, choices).database_id)
        elif action == "cancelled":
            shown = replace(record, is_active=False)
        if action.startswith("pending_"):
            extra["effective_date"] = next_month(now)
        sponsor = store.account(record.sponsor)
        assert sponsor is not None
        return {
            "action": action,
            "sponsorship": views.sponsorship(store, shown, PUBLIC_API, PUBLIC_HTML),
            **extra,
            "sender": views.user(sponsor, PUBLIC_API, PUBLIC_HTML),
        }

    @staticmethod
    def _sponsorship(store: Store, choices: Mapping[str, str]) -> Sponsorship:
        wanted = choices.get("sponsorship")
        if wanted is not None:
            for record in store.sponsorships.values():
                if wanted in (record.node_id, str(record.database_id)):
                    return record
            raise ConfigError(f"no sponsorship {wanted}", provider=PROVIDER)
        maintainer = choices.get("maintainer", MAINTAINER)
        sponsor = choices.get("sponsor")
        for record in store.as_maintainer(maintainer):
            if record.is_active and sponsor in (None, record.sponsor):
                return record
        who = f"{sponsor}'s" if sponsor else "an"
        raise ConfigError(f"{maintainer} has no {who} active sponsorship", provider=PROVIDER)

    @staticmethod
    def _tier(store: Store, record: Sponsorship, choices: Mapping[str, str]) -> Tier:
        tiers = store.tiers_of(record.maintainer)
        wanted = choices.get("tier")
        if wanted is not None:
            for tier in tiers:
                if wanted in (tier.name, tier.node_id, str(tier.database_id)):
                    return tier
            raise ConfigError(f"no tier {wanted} of {record.maintainer}", provider=PROVIDER)
        for tier in tiers:
            usable = not (tier.is_custom_amount or tier.is_one_time)
            if usable and tier.database_id != record.tier_id:
                return tier
        raise ConfigError(f"{record.maintainer} has no other tier", provider=PROVIDER)

    def stored_secret(self, client: Client, url: str) -> str | None:
        """The ``webhook_secret`` setting: the secret the app verifies deliveries with."""
        secret = client.settings.get("webhook_secret")
        return str(secret) if secret else None


#: The ``paysupport.triggers`` entry point ``github``.
triggers = Triggers()
