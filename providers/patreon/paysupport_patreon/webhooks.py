"""Receiving Patreon webhooks: verify the signature, parse the delivery, serve an endpoint.

A delivery is a POST whose body is a JSON:API document (the member or post),
with ``X-Patreon-Event: <trigger>`` and ``X-Patreon-Signature: <hex HMAC-MD5 of
the raw body keyed with the webhook's secret>``. Verify the *raw* bytes, before
any parsing: re-serialised JSON would not match.

Deliveries repeat. Patreon retries a delivery until it gets a 2xx, and after
an outage a resumed webhook sends what queued up, so a handler must be
idempotent: remember :attr:`WebhookEvent.delivery_key` (the trigger plus a
hash of the exact body) and skip a key already handled, or make the handler's
effect a pure function of the document (set the member's state to what the
document says rather than incrementing anything). Answer 2xx only after the
event is safely stored; a 5xx asks Patreon to try again.

The capped read, the HMAC check and the WSGI/Flask plumbing are the core's
(:mod:`paysupport.webhooks`); this module says what is Patreon's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from paysupport import webhooks as core
from paysupport.errors import PaySupportError, ResponseFormatError
from paysupport.jsonapi import JsonApiDocument
from paysupport_patreon.catalog import TRIGGERS
from paysupport_patreon.errors import PROVIDER, InvalidSignature, UnknownTrigger
from paysupport_patreon.resources import Member, Post

EVENT_HEADER = "X-Patreon-Event"
SIGNATURE_HEADER = "X-Patreon-Signature"

#: The largest delivery read by default: a member or post document is a few kilobytes,
#: and the body is read whole before its signature can be checked.
MAX_BODY = 5_000_000

Secret = core.Secret


def sign(raw_body: bytes, secret: Secret) -> str:
    """The signature Patreon sends for ``raw_body``: hex HMAC-MD5 keyed with the secret."""
    return core.hmac_hex(secret, raw_body, "md5")


def verify(raw_body: bytes, signature: str | bytes | None, secret: Secret) -> bool:
    """True when ``signature`` is the body's signature; compared in constant time."""
    return core.verify_hmac(secret, raw_body, signature, "md5")


@dataclass(frozen=True)
class WebhookEvent:
    """One verified delivery: its ``trigger`` and the JSON:API ``document`` it carried."""

    trigger: str
    document: JsonApiDocument = field(repr=False)
    raw_body: bytes = field(repr=False, default=b"")

    @property
    def delivery_key(self) -> str:
        """Same for a repeated delivery of the same event: use it to make handlers idempotent."""
        digest = hashlib.sha256(self.raw_body).hexdigest()
        return f"{self.trigger}:{digest}"

    @property
    def member(self) -> Member | None:
        """The member a ``members:*`` event is about (``None`` for post events)."""
        data = self.document.data()
        return (
            Member(data)
            if data is not None and not isinstance(data, list) and data.type == "member"
            else None
        )

    @property
    def post(self) -> Post | None:
        """The post a ``posts:*`` event is about (``None`` for member events)."""
        data = self.document.data()
        return (
            Post(data)
            if data is not None and not isinstance(data, list) and data.type == "post"
            else None
        )


_header = core.header


def parse(headers: core.Headers, raw_body: bytes, secret: Secret) -> WebhookEvent:
    """Verify and read a delivery.

    Raises :class:`InvalidSignature` for a missing or wrong signature (checked
    first, so nothing unverified is parsed), :class:`UnknownTrigger` for an
    ``X-Patreon-Event`` Patreon does not document, and ``ResponseFormatError``
    for a body that is not a JSON:API document.
    """
    if not verify(raw_body, _header(headers, SIGNATURE_HEADER), secret):
        raise InvalidSignature(
            f"{SIGNATURE_HEADER} is missing or does not match the body", provider=PROVIDER
        )
    trigger = _header(headers, EVENT_HEADER)
    if trigger not in TRIGGERS:
        raise UnknownTrigger(
            f"unknown webhook trigger {trigger!r}; known: {', '.join(TRIGGERS)}", trigger=trigger
        )
    document = JsonApiDocument.from_bytes(raw_body, provider=PROVIDER)
    if document.data() is None:
        raise ResponseFormatError("webhook body carries no data", provider=PROVIDER)
    return WebhookEvent(trigger, document, raw_body)


Handler = Callable[[WebhookEvent], Any]


def answer(
    headers: core.Headers, raw_body: bytes, secret: Secret, handler: Handler
) -> tuple[int, str]:
    """The status and message for one delivery, calling ``handler`` when it should be.

    200 when the handler returned, 403 for a bad signature, 400 for an unknown
    trigger or unreadable body (Patreon need not retry those), 500 when the
    handler raised, so Patreon delivers the event again.
    """
    try:
        event = parse(headers, raw_body, secret)
    except InvalidSignature:
        return 403, "bad signature"
    except PaySupportError as exc:
        return 400, str(exc)
    return core.run_handler(handler, event)


class WebhookReceiver(core.WebhookReceiver):
    """A WSGI app receiving deliveries: verifies, parses, calls ``handler(event)``.

    Answers as :func:`answer` says, plus 405 for anything but POST and 413 for a
    body over ``max_body`` bytes (refused unread). Mount it at the URI the
    webhook was registered with.
    """

    def __init__(self, secret: Secret, handler: Handler, *, max_body: int = MAX_BODY) -> None:
        self.secret = secret
        self.handler = handler
        self.max_body = max_body

    def answer(self, headers: core.Headers, raw_body: bytes) -> tuple[int, str]:
        return answer(headers, raw_body, self.secret, self.handler)

    def handle(self, environ: Mapping[str, Any]) -> tuple[str, str]:
        """The status line (``"403 Forbidden"``) and message for one request."""
        status, message = self.respond(environ)
        return core.status_line(status), message


def flask_view(secret: Secret, handler: Handler, *, max_body: int = MAX_BODY) -> Callable[[], Any]:
    """A Flask view for deliveries: ``app.add_url_rule("/patreon", view_func=flask_view(...),
    methods=["POST"])``. Flask is imported when the view runs, so it is not a dependency.

    Answers as :class:`WebhookReceiver` does, including 413 for a body over
    ``max_body`` bytes: the signature can only be checked on the whole body, so
    without a cap anyone could make the server hold any amount in memory. At most
    ``max_body + 1`` bytes are read, whether or not the request declares its length
    (a chunked body declares none). Flask's ``MAX_CONTENT_LENGTH`` caps every view
    of an app; set it too.
    """

    def patreon_answer(headers: core.Headers, raw_body: bytes) -> tuple[int, str]:
        return answer(headers, raw_body, secret, handler)

    return core.flask_view(patreon_answer, max_body=max_body, name="patreon_webhook")
