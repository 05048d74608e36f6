"""Webhooks: registration, signed delivery, retries and pausing like Patreon's.

A delivery is a POST of a JSON:API document with ``X-Patreon-Event`` and
``X-Patreon-Signature`` (hex HMAC-MD5 of the raw body keyed with the webhook's
secret). Deliveries happen synchronously inside the admin request that caused
them, so tests see their effects at once. A failed delivery (connection error,
timeout or non-2xx) stays queued; the queue is flushed in order on the next
event for that webhook or by :meth:`WebhookHub.retry`. After ``max_failures``
consecutive failures the webhook is paused and receives nothing until it is
patched with ``paused: false``.

:data:`triggers` (the ``paysupport.triggers`` entry point) builds one delivery
of any trigger from the emulator's data without registering a webhook, for
``paysupport trigger patreon <trigger> --to URL``: the same document and
headers a registered webhook gets, signed by the receiving side's own
:func:`paysupport_patreon.webhooks.sign`.
"""

from __future__ import annotations

import json
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from paysupport.emulation.webhooks import DeliveryHub, Outgoing
from paysupport.errors import ConfigError
from paysupport_patreon import catalog as cat, webhooks as receiving
from paysupport_patreon.emulator.store import MemberRecord, PostRecord, Store, Viewer, iso
from paysupport_patreon.emulator.views import Views, all_attributes, build_document
from paysupport_patreon.errors import PROVIDER

if TYPE_CHECKING:
    from paysupport.provider import Client

#: Where a triggered delivery's ``links.self`` points: no request tells the emulator's own root.
PUBLIC_ROOT = "https://www.patreon.com"


def sign(secret: str, body: bytes) -> str:
    """Patreon's webhook signature: hex HMAC-MD5 of the raw body (the verifier's own code)."""
    return receiving.sign(body, secret)


def headers_for(trigger: str, secret: str, body: bytes) -> dict[str, str]:
    """The headers of one delivery, as Patreon sends them."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "Patreon HTTP Robot (paysupport emulator)",
        receiving.EVENT_HEADER: trigger,
        receiving.SIGNATURE_HEADER: sign(secret, body),
    }


class HasViews(Protocol):
    """The emulator (or its admin routes): what a delivery's document is drawn with."""

    @property
    def views(self) -> Views: ...


def member_body(emulator: HasViews, member: MemberRecord, viewer: Viewer, root: str) -> bytes:
    """A ``members:*`` delivery's document: the member with its campaign, tiers and user."""
    include = ["campaign", "currently_entitled_tiers", "user"]
    if "campaigns.members.address" in viewer.scopes:
        include.append("address")
    resource = emulator.views.member(member, viewer)
    doc = build_document(resource, include, all_attributes)
    doc["links"] = {"self": f"{root}/api/oauth2/v2/members/{resource.id}"}
    return json.dumps(doc, separators=(",", ":")).encode()


def post_body(emulator: HasViews, post: PostRecord, viewer: Viewer, root: str) -> bytes:
    """A ``posts:*`` delivery's document: the post with its campaign and author."""
    doc = build_document(emulator.views.post(post, viewer), ["campaign", "user"], all_attributes)
    doc["links"] = {"self": f"{root}/api/oauth2/v2/posts/{post.id}"}
    return json.dumps(doc, separators=(",", ":")).encode()


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


class WebhookHub(DeliveryHub[Webhook, _Delivery]):
    """All registered webhooks and their delivery log (the core's :class:`DeliveryHub`)."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        max_failures: int = 3,
        timeout: float = 2.0,
    ) -> None:
        super().__init__(clock, timeout=timeout)
        self.max_failures = max_failures

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
        return self.flush(targets)

    def retry(self) -> list[dict[str, Any]]:
        """Flush every unpaused webhook's queue of failed deliveries."""
        with self._lock:
            targets = [hook for hook in self.hooks.values() if hook.pending]
        return self.flush(targets)

    def may_deliver(self, hook: Webhook) -> bool:
        return not hook.paused

    def prepare(self, hook: Webhook, delivery: _Delivery) -> Outgoing:
        entry: dict[str, Any] = {
            "delivery_id": delivery.id,
            "webhook_id": hook.id,
            "trigger": delivery.trigger,
            "attempt": delivery.attempts,
            "at": iso(self._clock()),
        }
        return Outgoing(hook.uri, headers_for(delivery.trigger, hook.secret, delivery.body), entry)

    def attempted(self, hook: Webhook, ok: bool) -> None:
        """Count consecutive failures; pause the webhook after ``max_failures`` of them."""
        hook.last_attempted_at = self._clock()
        if ok:
            hook.num_consecutive_times_failed = 0
            return
        hook.num_consecutive_times_failed += 1
        if hook.num_consecutive_times_failed >= self.max_failures:
            hook.paused = True

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


class Triggers:
    """``paysupport trigger patreon``: one delivery of any trigger, from the emulator's data.

    Choices: ``campaign`` (an id; default the creator's first), ``member`` (an
    id; default the first member the trigger fits: an active patron for
    ``members:pledge:create``/``update``, a former one for
    ``members:pledge:delete``) and ``post`` (an id; default the campaign's
    latest post). The document is what a webhook registered with every scope
    receives. The stored secret of a URL is the one Patreon keeps for the
    webhook registered with that URI, read with the creator's client.
    """

    events: tuple[str, ...] = cat.TRIGGERS
    choices: tuple[str, ...] = ("campaign", "member", "post")

    def build(
        self, emulator: Any, event: str, secret: str, choices: Mapping[str, str]
    ) -> tuple[dict[str, str], bytes]:
        unknown = sorted(set(choices) - set(self.choices))
        if unknown:
            raise ConfigError(
                f"unknown choice {', '.join(unknown)}; patreon takes {', '.join(self.choices)}",
                provider=PROVIDER,
            )
        store: Store = emulator.store
        wanted = choices.get("campaign")
        campaign = store.campaigns_by_id.get(wanted) if wanted else store.campaigns[0]
        if campaign is None:
            raise ConfigError(f"no campaign {wanted}", provider=PROVIDER)
        viewer = Viewer(store.creator_id, emulator.client.client_id, cat.SCOPES)
        if event.startswith("posts:"):
            body = post_body(
                emulator, self._post(store, campaign.index, choices), viewer, PUBLIC_ROOT
            )
        else:
            member = self._member(store, campaign.index, event, choices)
            body = member_body(emulator, member, viewer, PUBLIC_ROOT)
        return headers_for(event, secret, body), body

    @staticmethod
    def _member(store: Store, c: int, event: str, choices: Mapping[str, str]) -> MemberRecord:
        if "member" in choices:
            found: MemberRecord | None = store.member_by_id(choices["member"])
            if found is None:
                raise ConfigError(f"no member {choices['member']}", provider=PROVIDER)
            return found
        wanted = {
            "members:pledge:create": "active_patron",
            "members:pledge:update": "active_patron",
            "members:pledge:delete": "former_patron",
        }.get(event)
        first: MemberRecord | None = None
        for i in store.live_member_indices(c)[:500]:
            member = store.member(c, i)
            if member is None:
                continue
            first = first or member
            if wanted is None or member.attributes.get("patron_status") == wanted:
                return member
        if first is None:
            raise ConfigError("the campaign has no member to send", provider=PROVIDER)
        return first

    @staticmethod
    def _post(store: Store, c: int, choices: Mapping[str, str]) -> PostRecord:
        post_id = choices.get("post") or next(iter(reversed(store.campaign_post_ids(c))), None)
        post: PostRecord | None = store.post(post_id) if post_id else None
        if post is None:
            raise ConfigError(f"no post {post_id or 'in the campaign'}", provider=PROVIDER)
        return post

    def stored_secret(self, client: Client, url: str) -> str | None:
        """The secret Patreon keeps for the webhook registered with ``url`` (``None``: none is)."""
        listing = getattr(client, "webhooks", None)
        if listing is None:
            return None
        for hook in listing():
            if hook.uri == url and hook.secret:
                return str(hook.secret)
        return None


#: The ``paysupport.triggers`` entry point ``patreon``.
triggers = Triggers()
