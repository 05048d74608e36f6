"""Receiving webhooks: the capped body read, the constant-time HMAC check, WSGI and Flask answers.

What every provider's receiver does the same way lives here; what differs
(the signature's header and algorithm, the event's parsing, which refusals
are a 400 and which a 200) stays in the provider's ``webhooks`` module, which
gives its answer as a function of the headers and the raw body:
:class:`WebhookReceiver` and :func:`flask_view` turn that function into a
WSGI app and a Flask view.

A delivery's body is read whole before its signature can be checked, so
whoever can reach the endpoint chooses how much the server holds: every read
here stops one byte past ``max_body`` (413), whether the request declares its
length or not (a chunked body declares none). Signatures are compared in
constant time, on bytes (``hmac.compare_digest`` refuses a ``str`` with
non-ASCII characters, and a forged header may carry any).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from paysupport._wsgi import StartResponse, WSGIEnvironment
from paysupport.errors import PaySupportError, ResponseFormatError

log = logging.getLogger(__name__)

Secret = str | bytes
Headers = Mapping[str, str] | Iterable[tuple[str, str]]
#: A provider's answer to one delivery: ``(status, message)`` from its headers and raw body.
Answer = Callable[[Headers, bytes], tuple[int, str]]

E = TypeVar("E")

REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    405: "Method Not Allowed",
    413: "Content Too Large",
    500: "Internal Server Error",
}


class BodyTooLarge(PaySupportError):
    """A delivery larger than the receiver's cap (``limit`` bytes); not read, not verified."""

    def __init__(self, message: str, *, limit: int, provider: str | None = None) -> None:
        self.limit = limit
        super().__init__(message, provider=provider)


def secret_key(secret: Secret) -> bytes:
    """The HMAC key of a webhook secret given as text (UTF-8) or bytes."""
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def hmac_hex(secret: Secret, body: bytes, algorithm: str) -> str:
    """The hex HMAC of ``body`` keyed with ``secret``; ``algorithm`` is a hashlib name."""
    return hmac.new(secret_key(secret), body, getattr(hashlib, algorithm)).hexdigest()


def verify_hmac(
    secret: Secret,
    body: bytes,
    signature: str | bytes | None,
    algorithm: str,
    *,
    prefix: str = "",
) -> bool:
    """True when ``signature`` is ``prefix`` and the hex HMAC of ``body``; constant time.

    Compared as bytes, after stripping whitespace and ignoring the case of the hex
    digits (``sha256=AB..`` is the same signature as ``sha256=ab..``). A missing
    signature or an empty secret never verifies: an unconfigured receiver must
    refuse everything rather than accept what anyone signed with "".
    """
    if not signature or not secret:
        return False
    given = signature if isinstance(signature, bytes) else signature.encode("utf-8", "replace")
    expected = (prefix + hmac_hex(secret, body, algorithm)).encode("ascii")
    return hmac.compare_digest(expected.lower(), given.strip().lower())


def header(headers: Headers, name: str) -> str | None:
    """A header's value, whatever the case of its name (WSGI, Flask, a plain dict)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = name.lower()
    for key, value in items:
        if key.lower() == wanted:
            return value
    return None


def wsgi_headers(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The request's ``HTTP_*`` headers as (name, value) pairs, for :func:`header`."""
    return [
        (key[5:].replace("_", "-"), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]


def read_capped(stream: Any, declared: int | None, max_body: int) -> bytes:
    """The body from ``stream``, at most ``max_body`` bytes; :class:`BodyTooLarge` beyond.

    ``declared`` is the request's ``Content-Length`` (``None``: chunked): a length
    over the cap is refused unread, and no more than one byte past the cap is
    ever read.
    """
    too_large = BodyTooLarge(f"the body is larger than {max_body} bytes", limit=max_body)
    if declared is not None:
        if declared > max_body:
            raise too_large
        return bytes(stream.read(declared)) if declared else b""
    body = bytes(stream.read(max_body + 1))
    if len(body) > max_body:
        raise too_large
    return body


def read_wsgi_body(environ: Mapping[str, Any], max_body: int) -> bytes:
    """A WSGI request's body, at most ``max_body`` bytes; :class:`BodyTooLarge` beyond.

    A malformed or negative ``Content-Length`` is a ``ResponseFormatError``. A
    body without a length is read only when the server says the input ends
    (``wsgi.input_terminated``); otherwise reading could wait forever.
    """
    raw_length = environ.get("CONTENT_LENGTH")
    declared: int | None = None
    if raw_length:
        try:
            declared = int(raw_length)
        except ValueError:
            raise ResponseFormatError("bad Content-Length") from None
        if declared < 0:
            raise ResponseFormatError("bad Content-Length")
    elif not environ.get("wsgi.input_terminated"):
        return b""
    return read_capped(environ["wsgi.input"], declared, max_body)


def run_handler(handler: Callable[[E], object], event: E) -> tuple[int, str]:
    """Call ``handler(event)``: 200 when it returns, 500 when it raises.

    A 5xx tells the service the event was not stored, so it delivers it again;
    the handler's exception is logged, since the service only sees the status.
    """
    try:
        handler(event)
    except Exception:  # the handler's failure: the service delivers again
        log.exception("the webhook handler failed on %r", event)
        return 500, "handler failed"
    return 200, "ok"


def status_line(status: int) -> str:
    """``403`` as a WSGI status line, ``"403 Forbidden"``."""
    return f"{status} {REASONS.get(status, '')}".strip()


class WebhookReceiver:
    """A WSGI app receiving deliveries: POST only, the body read under a cap, then :meth:`answer`.

    Answers 405 for anything but POST, 413 for a body over ``max_body`` bytes
    (refused unread), 400 for a malformed ``Content-Length``, and otherwise
    what the provider's :meth:`answer` says, as ``{"status": message}``.
    """

    max_body: int

    def answer(self, headers: Headers, raw_body: bytes) -> tuple[int, str]:
        """The provider's status and message for one delivery (verify, parse, handle)."""
        raise NotImplementedError

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        status, message = self.respond(environ)
        body = json.dumps({"status": message}).encode()
        start_response(
            status_line(status),
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def respond(self, environ: Mapping[str, Any]) -> tuple[int, str]:
        """The status and message for the request ``environ`` carries."""
        if environ.get("REQUEST_METHOD") != "POST":
            return 405, "POST only"
        try:
            raw_body = read_wsgi_body(environ, self.max_body)
        except BodyTooLarge:
            return 413, "body too large"
        except PaySupportError as exc:
            return 400, str(exc)
        return self.answer(wsgi_headers(environ), raw_body)


def flask_view(answer: Answer, *, max_body: int, name: str) -> Callable[[], Any]:
    """A Flask view answering as :class:`WebhookReceiver` does, through ``answer``.

    Flask is imported when the view runs, so it is not a dependency. At most
    ``max_body + 1`` bytes are read, whether or not the request declares its
    length. Flask's ``MAX_CONTENT_LENGTH`` caps every view of an app; set it too.
    ``name`` is the view's ``__name__`` (Flask's endpoint name by default).
    """

    def view() -> Any:
        from flask import request

        try:
            raw_body = read_capped(request.stream, request.content_length, max_body)
        except BodyTooLarge:
            return {"status": "body too large"}, 413
        status, message = answer(list(request.headers.items()), raw_body)
        return {"status": message}, status

    view.__name__ = name
    return view
