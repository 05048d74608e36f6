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
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from paysupport.errors import PaySupportError, ResponseFormatError
from paysupport.jsonapi import JsonApiDocument
from paysupport_patreon.catalog import TRIGGERS
from paysupport_patreon.errors import PROVIDER, InvalidSignature, UnknownTrigger, WebhookError
from paysupport_patreon.resources import Member, Post

EVENT_HEADER = "X-Patreon-Event"
SIGNATURE_HEADER = "X-Patreon-Signature"

#: The largest delivery read by default: a member or post document is a few kilobytes,
#: and the body is read whole before its signature can be checked.
MAX_BODY = 5_000_000

Secret = str | bytes


def _key(secret: Secret) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def sign(raw_body: bytes, secret: Secret) -> str:
    """The signature Patreon sends for ``raw_body``: hex HMAC-MD5 keyed with the secret."""
    return hmac.new(_key(secret), raw_body, hashlib.md5).hexdigest()


def verify(raw_body: bytes, signature: str | bytes | None, secret: Secret) -> bool:
    """True when ``signature`` is the body's signature; compared in constant time."""
    if not signature or not secret:
        return False
    given = signature if isinstance(signature, bytes) else signature.encode("utf-8", "replace")
    return hmac.compare_digest(sign(raw_body, secret).encode("ascii"), given.strip().lower())


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


def _header(headers: Mapping[str, str] | Iterable[tuple[str, str]], name: str) -> str | None:
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = name.lower()
    for key, value in items:
        if key.lower() == wanted:
            return value
    return None


def parse(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], raw_body: bytes, secret: Secret
) -> WebhookEvent:
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


class WebhookReceiver:
    """A WSGI app receiving deliveries: verifies, parses, calls ``handler(event)``.

    Answers 200 when the handler returns, 403 for a bad signature, 400 for an
    unknown trigger or unreadable body (Patreon need not retry those), and 500
    when the handler raises, so Patreon delivers the event again. Mount it at
    the URI the webhook was registered with.
    """

    def __init__(self, secret: Secret, handler: Handler, *, max_body: int = MAX_BODY) -> None:
        self.secret = secret
        self.handler = handler
        self.max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        status, message = self.handle(environ)
        body = json.dumps({"status": message}).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    def handle(self, environ: Mapping[str, Any]) -> tuple[str, str]:
        if environ.get("REQUEST_METHOD") != "POST":
            return "405 Method Not Allowed", "POST only"
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return "400 Bad Request", "bad Content-Length"
        if length < 0 or length > self.max_body:
            return "413 Content Too Large", "body too large"
        raw_body = environ["wsgi.input"].read(length) if length else b""
        headers = [
            (key[5:].replace("_", "-"), str(value))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        try:
            event = parse(headers, raw_body, self.secret)
        except InvalidSignature:
            return "403 Forbidden", "bad signature"
        except (WebhookError, ResponseFormatError) as exc:
            return "400 Bad Request", str(exc)
        try:
            self.handler(event)
        except Exception:  # the handler's failure: ask Patreon to deliver again
            return "500 Internal Server Error", "handler failed"
        return "200 OK", "ok"


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

    def view() -> Any:
        from flask import request

        declared = request.content_length
        if declared is not None and declared > max_body:
            return {"status": "body too large"}, 413
        raw_body = request.stream.read(max_body + 1)
        if len(raw_body) > max_body:
            return {"status": "body too large"}, 413
        try:
            event = parse(list(request.headers.items()), raw_body, secret)
        except InvalidSignature:
            return {"status": "bad signature"}, 403
        except PaySupportError as exc:
            return {"status": str(exc)}, 400
        handler(event)
        return {"status": "ok"}, 200

    view.__name__ = "patreon_webhook"
    return view
