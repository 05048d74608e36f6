"""Receiving GitHub Sponsors webhooks: verify the signature, parse the event, serve an endpoint.

A delivery is a POST of a JSON body with ``X-GitHub-Event: sponsorship``,
``X-GitHub-Delivery: <guid>`` and ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256
of the raw body keyed with the webhook's secret>``. Verify the *raw* bytes
before any parsing: re-serialised JSON would not match. The comparison is
constant-time, on bytes.

Each ``action`` (created, cancelled, edited, tier_changed, pending_cancellation,
pending_tier_change) becomes a typed :class:`SponsorshipEvent`: the sponsorship
as it is after the event, ``previous_tier`` (``changes.tier.from``) on tier
changes, ``previous_privacy_level`` on ``edited``, ``effective_date`` on the
pending ones (the change happens then, usually at the end of the billing cycle).

Deliveries repeat: GitHub redelivers a failed one (and a person can from the
settings page) with the *same* ``X-GitHub-Delivery``, which is
:attr:`SponsorshipEvent.id`. Remember the ids handled (a :class:`DeliveryLog`
does, in memory, for one process) and skip one seen before. Answer 2xx only
after the event is safely stored; an error status makes GitHub mark the
delivery failed.

The capped read, the HMAC check and the WSGI/Flask plumbing are the core's
(:mod:`paysupport.webhooks`); this module says what is GitHub's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from paysupport import webhooks as core
from paysupport.errors import ResponseFormatError
from paysupport_github.catalog import SPONSORSHIP_ACTIONS
from paysupport_github.errors import (
    PROVIDER,
    BodyTooLarge,
    InvalidSignature,
    UnknownEvent,
    WebhookError,
)
from paysupport_github.resources import SponsorEntity, Sponsorship, Tier, parse_time

EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"
HOOK_ID_HEADER = "X-GitHub-Hook-ID"
SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT = "sponsorship"

#: The largest delivery read by default. A sponsorship payload is a few kilobytes, and
#: the body is held whole until its signature is checked, so the cap is what an
#: unauthenticated sender can make the server hold.
MAX_BODY = 1_000_000

Secret = core.Secret
Headers = core.Headers
header = core.header


def sign(raw_body: bytes, secret: Secret) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``raw_body``: ``sha256=<hex>``."""
    return "sha256=" + core.hmac_hex(secret, raw_body, "sha256")


def verify(raw_body: bytes, signature: str | bytes | None, secret: Secret) -> bool:
    """True when ``signature`` is ``sha256=`` and the body's HMAC; compared in constant time."""
    return core.verify_hmac(secret, raw_body, signature, "sha256", prefix="sha256=")


@dataclass(frozen=True)
class SponsorshipEvent:
    """One verified ``sponsorship`` delivery.

    ``id`` is the delivery's ``X-GitHub-Delivery``, the same on a redelivery:
    the key to skip a delivery already handled.
    """

    action: str
    sponsorship: Sponsorship
    delivery_id: str | None = None
    hook_id: str | None = None
    sender: SponsorEntity | None = None
    effective_date: datetime | None = None
    previous_tier: Tier | None = None
    previous_privacy_level: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict, repr=False)
    raw_body: bytes = field(default=b"", repr=False)

    @property
    def id(self) -> str:
        """``X-GitHub-Delivery``; without one, a digest of the body (the same for a repeat)."""
        return self.delivery_id or "sha256:" + hashlib.sha256(self.raw_body).hexdigest()

    @property
    def raw(self) -> Mapping[str, Any]:
        return self.payload

    @property
    def sponsor(self) -> SponsorEntity | None:
        return self.sponsorship.sponsor

    @property
    def tier(self) -> Tier | None:
        """The tier after the event.

        For ``pending_tier_change``, the tier from ``effective_date`` on;
        ``previous_tier`` is the one in force until then.
        """
        return self.sponsorship.tier

    @property
    def pending(self) -> bool:
        """A change announced for ``effective_date``, not made yet."""
        return self.action.startswith("pending_")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "hook_id": self.hook_id,
            "sponsorship.id": self.sponsorship.id,
            "sponsor.login": self.sponsor.login if self.sponsor else None,
            "sponsorable.login": (
                self.sponsorship.sponsorable.login if self.sponsorship.sponsorable else None
            ),
            "privacy_level": self.sponsorship.privacy_level,
            "tier.name": self.tier.name if self.tier else None,
            "tier.monthly_price_in_cents": self.tier.monthly_price_in_cents if self.tier else None,
            "previous_tier.name": self.previous_tier.name if self.previous_tier else None,
            "previous_tier.monthly_price_in_cents": (
                self.previous_tier.monthly_price_in_cents if self.previous_tier else None
            ),
            "previous_privacy_level": self.previous_privacy_level,
            "effective_date": self.effective_date.isoformat() if self.effective_date else None,
        }


def read_event(payload: Mapping[str, Any], headers: Headers = ()) -> SponsorshipEvent:
    """A ``sponsorship`` payload (already verified and decoded) as a :class:`SponsorshipEvent`."""
    action = payload.get("action")
    if action not in SPONSORSHIP_ACTIONS:
        raise UnknownEvent(
            f"unknown sponsorship action {action!r}; known: {', '.join(SPONSORSHIP_ACTIONS)}",
            event=EVENT,
            action=action if isinstance(action, str) else None,
        )
    body = payload.get("sponsorship")
    if not isinstance(body, Mapping):
        raise ResponseFormatError("the delivery carries no sponsorship", provider=PROVIDER)
    sponsorship = Sponsorship.from_webhook(body, active=action != "cancelled")
    changes = payload.get("changes")
    changes = changes if isinstance(changes, Mapping) else {}
    tier_change = changes.get("tier")
    before = tier_change.get("from") if isinstance(tier_change, Mapping) else None
    privacy_change = changes.get("privacy_level")
    privacy_before = privacy_change.get("from") if isinstance(privacy_change, Mapping) else None
    sender = payload.get("sender")
    return SponsorshipEvent(
        action=action,
        sponsorship=sponsorship,
        delivery_id=header(headers, DELIVERY_HEADER),
        hook_id=header(headers, HOOK_ID_HEADER),
        sender=SponsorEntity.from_webhook(sender) if isinstance(sender, Mapping) else None,
        effective_date=parse_time(payload.get("effective_date")),
        previous_tier=Tier.from_webhook(before) if isinstance(before, Mapping) else None,
        previous_privacy_level=(
            privacy_before.upper() if isinstance(privacy_before, str) and privacy_before else None
        ),
        payload=payload,
    )


def parse(headers: Headers, raw_body: bytes, secret: Secret) -> SponsorshipEvent:
    """Verify and read a delivery.

    Raises :class:`InvalidSignature` for a missing or wrong signature (checked
    first, so nothing unverified is parsed), :class:`UnknownEvent` for another
    event than ``sponsorship`` (``ping`` included) or an unknown action, and
    ``ResponseFormatError`` for a body that is not a JSON object.
    """
    if not verify(raw_body, header(headers, SIGNATURE_HEADER), secret):
        raise InvalidSignature(
            f"{SIGNATURE_HEADER} is missing or does not match the body", provider=PROVIDER
        )
    event = header(headers, EVENT_HEADER)
    if event != EVENT:
        raise UnknownEvent(f"not a sponsorship event: {EVENT_HEADER} is {event!r}", event=event)
    try:
        payload = json.loads(raw_body)
    except (ValueError, RecursionError):
        raise ResponseFormatError("the delivery is not JSON", provider=PROVIDER) from None
    if not isinstance(payload, Mapping):
        raise ResponseFormatError("the delivery is not a JSON object", provider=PROVIDER)
    parsed = read_event(payload, headers)
    return replace(parsed, raw_body=raw_body)


class DeliveryLog:
    """The delivery ids handled lately, to skip a redelivery; in memory, thread-safe, bounded.

    One process only: several workers need a shared store (a database's unique
    key on the delivery id) instead. ``limit`` ids are kept, the oldest forgotten first.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, delivery_id: str) -> bool:
        with self._lock:
            return delivery_id in self._seen

    def remember(self, delivery_id: str) -> None:
        with self._lock:
            self._seen[delivery_id] = None
            self._seen.move_to_end(delivery_id)
            while len(self._seen) > self.limit:
                self._seen.popitem(last=False)


Handler = Callable[[SponsorshipEvent], Any]


def answer(
    headers: Headers,
    raw_body: bytes,
    secret: Secret,
    handler: Handler,
    deliveries: DeliveryLog | None = None,
) -> tuple[int, str]:
    """The status and message for one delivery, calling ``handler`` when it should be.

    200 when the handler returned (or for a ``ping``, or a delivery ``deliveries``
    already holds), 403 for a bad signature, 400 for another event or an
    unreadable body, 500 when the handler raised (GitHub marks the delivery
    failed, and it may be redelivered).
    """
    try:
        event = parse(headers, raw_body, secret)
    except InvalidSignature:
        return 403, "bad signature"
    except UnknownEvent as exc:
        if exc.event == "ping":
            return 200, "pong"
        return 400, str(exc)
    except (WebhookError, ResponseFormatError) as exc:
        return 400, str(exc)
    if deliveries is not None and deliveries.seen(event.id):
        return 200, "already handled"
    status, message = core.run_handler(handler, event)  # a 500 marks the delivery failed
    if deliveries is not None and status == 200:
        deliveries.remember(event.id)
    return status, message


def read_wsgi_body(environ: Mapping[str, Any], max_body: int) -> bytes:
    """The request body, at most ``max_body`` bytes; :class:`BodyTooLarge` beyond.

    A declared ``Content-Length`` above the cap is refused unread; a body without
    one (chunked) is read only up to one byte past the cap.
    """
    try:
        return core.read_wsgi_body(environ, max_body)
    except core.BodyTooLarge as exc:
        raise BodyTooLarge(str(exc), limit=exc.limit) from None
    except ResponseFormatError as exc:
        raise ResponseFormatError(str(exc), provider=PROVIDER) from None


class WebhookReceiver(core.WebhookReceiver):
    """A WSGI app receiving sponsorship deliveries: verifies, parses, calls ``handler(event)``.

    Answers as :func:`answer` says, plus 405 for anything but POST and 413 for
    a body over ``max_body`` bytes (refused unread). Give ``deliveries`` (a
    :class:`DeliveryLog`) to skip redeliveries. Mount it at the payload URL the
    webhook was registered with.
    """

    def __init__(
        self,
        secret: Secret,
        handler: Handler,
        *,
        max_body: int = MAX_BODY,
        deliveries: DeliveryLog | None = None,
    ) -> None:
        self.secret = secret
        self.handler = handler
        self.max_body = max_body
        self.deliveries = deliveries

    def answer(self, headers: Headers, raw_body: bytes) -> tuple[int, str]:
        return answer(headers, raw_body, self.secret, self.handler, self.deliveries)

    def handle(self, environ: Mapping[str, Any]) -> tuple[int, str]:
        """The status and message for one request (:meth:`respond`, by its older name)."""
        return self.respond(environ)


def flask_view(
    secret: Secret,
    handler: Handler,
    *,
    max_body: int = MAX_BODY,
    deliveries: DeliveryLog | None = None,
) -> Callable[[], Any]:
    """A Flask view for deliveries: ``app.add_url_rule("/github", view_func=flask_view(...),
    methods=["POST"])``. Flask is imported when the view runs, so it is not a dependency.

    Answers as :class:`WebhookReceiver` does; at most ``max_body + 1`` bytes are
    read, whether or not the request declares its length. Flask's
    ``MAX_CONTENT_LENGTH`` caps every view of an app; set it too.
    """

    def github_answer(headers: Headers, raw_body: bytes) -> tuple[int, str]:
        return answer(headers, raw_body, secret, handler, deliveries)

    return core.flask_view(github_answer, max_body=max_body, name="github_webhook")


__all__ = [
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "MAX_BODY",
    "SIGNATURE_HEADER",
    "DeliveryLog",
    "Handler",
    "SponsorshipEvent",
    "WebhookReceiver",
    "answer",
    "flask_view",
    "parse",
    "read_event",
    "sign",
    "verify",
]
