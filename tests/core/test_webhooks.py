"""``paysupport.webhooks``: what every provider's webhook receiver does the same way.

A receiver reads the body under a cap before anything else (the signature can
only be checked on the whole body), checks the HMAC in constant time on bytes,
and answers in JSON whatever the provider's own ``answer`` says. These tests
use a tiny receiver whose ``answer`` checks an HMAC-SHA256 header, served over
real HTTP where the transfer (declared length or chunked) matters.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from typing import Any

import pytest
import requests
from hypothesis import given, strategies as st

from paysupport import webhooks
from paysupport.errors import ResponseFormatError
from paysupport.sandbox.serving import serve_wsgi

SECRET = "s3cret"


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Signature": "sha256=" + hmac.new(secret.encode(), body, "sha256").hexdigest()}


class Receiver(webhooks.WebhookReceiver):
    """Accepts a delivery signed with ``SECRET``; records the bodies it accepted."""

    def __init__(self, max_body: int = 1000) -> None:
        self.max_body = max_body
        self.bodies: list[bytes] = []

    def answer(self, headers: webhooks.Headers, raw_body: bytes) -> tuple[int, str]:
        signature = webhooks.header(headers, "x-signature")
        if not webhooks.verify_hmac(SECRET, raw_body, signature, "sha256", prefix="sha256="):
            return 403, "bad signature"
        return webhooks.run_handler(self.bodies.append, raw_body)


def environ(body: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **extra,
    }


# -- the signature ------------------------------------------------------------------


def test_hmac_hex_is_the_standard_hmac_of_the_body() -> None:
    body = b'{"id": 1}'
    assert webhooks.hmac_hex("k", body, "md5") == hmac.new(b"k", body, hashlib.md5).hexdigest()
    assert webhooks.hmac_hex(b"k", body, "sha256") == hmac.new(b"k", body, "sha256").hexdigest()


def test_verify_hmac_accepts_the_signature_and_nothing_else() -> None:
    body = b"payload"
    good = "sha256=" + webhooks.hmac_hex(SECRET, body, "sha256")
    assert webhooks.verify_hmac(SECRET, body, good, "sha256", prefix="sha256=")
    assert webhooks.verify_hmac(SECRET, body, f"  {good.upper()}\n", "sha256", prefix="sha256=")
    assert webhooks.verify_hmac(SECRET, body, good.encode(), "sha256", prefix="sha256=")
    assert not webhooks.verify_hmac(SECRET, body + b" ", good, "sha256", prefix="sha256=")
    assert not webhooks.verify_hmac("other", body, good, "sha256", prefix="sha256=")
    bare = good[len("sha256=") :]
    assert not webhooks.verify_hmac(SECRET, body, bare, "sha256", prefix="sha256=")
    assert not webhooks.verify_hmac(SECRET, body, None, "sha256")


def test_an_empty_secret_verifies_nothing_not_even_its_own_signature() -> None:
    # An unconfigured receiver must refuse, not accept whatever anyone signed with "".
    body = b"payload"
    assert not webhooks.verify_hmac("", body, webhooks.hmac_hex("", body, "md5"), "md5")


@given(st.binary(max_size=200), st.text(max_size=80))
def test_any_forged_header_is_refused_without_raising(body: bytes, header: str) -> None:
    # compare_digest raises TypeError on non-ASCII str: a forged header may carry any text.
    assert not webhooks.verify_hmac(SECRET, body, header, "md5")


@given(st.binary(max_size=200), st.text(min_size=1, max_size=40))
def test_what_hmac_hex_signs_verify_hmac_accepts(body: bytes, secret: str) -> None:
    signature = "sha1=" + webhooks.hmac_hex(secret, body, "sha1")
    assert webhooks.verify_hmac(secret, body, signature, "sha1", prefix="sha1=")


def test_header_finds_a_name_in_any_case_in_a_mapping_or_pairs() -> None:
    assert webhooks.header({"X-Event": "a"}, "x-event") == "a"
    assert webhooks.header([("x-event", "b")], "X-EVENT") == "b"
    assert webhooks.header({}, "x-event") is None


# -- the capped read ----------------------------------------------------------------


def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    stream = io.BytesIO(b"x" * 50)
    with pytest.raises(webhooks.BodyTooLarge) as caught:
        webhooks.read_capped(stream, 50, 10)
    assert caught.value.limit == 10 and stream.tell() == 0


def test_an_undeclared_length_is_read_one_byte_past_the_cap_at_most() -> None:
    stream = io.BytesIO(b"x" * 50)
    with pytest.raises(webhooks.BodyTooLarge):
        webhooks.read_capped(stream, None, 10)
    assert stream.tell() == 11
    assert webhooks.read_capped(io.BytesIO(b"x" * 10), None, 10) == b"x" * 10


def test_a_malformed_content_length_is_a_format_error() -> None:
    for bad in ("ten", "-1"):
        with pytest.raises(ResponseFormatError):
            webhooks.read_wsgi_body(environ(b"x", CONTENT_LENGTH=bad), 10)


def test_an_unterminated_input_without_a_length_is_not_read() -> None:
    # Reading could wait forever for a client that never closes: nothing is read.
    env = environ(b"abc", CONTENT_LENGTH="")
    assert webhooks.read_wsgi_body(env, 10) == b""
    env = environ(b"abc", CONTENT_LENGTH="", **{"wsgi.input_terminated": True})
    assert webhooks.read_wsgi_body(env, 10) == b"abc"


# -- the WSGI receiver --------------------------------------------------------------


def test_the_receiver_answers_405_413_400_then_what_answer_says() -> None:
    receiver = Receiver(max_body=100)
    body = b'{"ok": true}'
    assert receiver.respond({**environ(body), "REQUEST_METHOD": "GET"}) == (405, "POST only")
    assert receiver.respond(environ(b"x" * 101)) == (413, "body too large")
    assert receiver.respond(environ(body, CONTENT_LENGTH="ten"))[0] == 400
    assert receiver.respond(environ(body)) == (403, "bad signature")
    headers = {"HTTP_X_SIGNATURE": signed(body)["X-Signature"]}
    assert receiver.respond(environ(body, **headers)) == (200, "ok")
    assert receiver.bodies == [body]


def test_a_failing_handler_is_a_500_so_the_service_delivers_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom(event: bytes) -> None:
        raise RuntimeError("database down")

    assert webhooks.run_handler(boom, b"event") == (500, "handler failed")
    assert "database down" in caplog.text  # the service sees only the status; the log says why


def test_the_receiver_over_http_caps_declared_and_chunked_bodies() -> None:
    receiver = Receiver(max_body=1000)
    small, big = b'{"n": 1}', b" " * 1001
    with serve_wsgi(receiver, quiet=True) as served:
        ok = requests.post(served.url, data=small, headers=signed(small), timeout=10)
        assert (ok.status_code, ok.json()) == (200, {"status": "ok"})
        assert ok.headers["Content-Type"] == "application/json"
        too_big = requests.post(served.url, data=big, headers=signed(big), timeout=10)
        assert too_big.status_code == 413
        chunked = requests.post(
            served.url, data=iter([big[:600], big[600:]]), headers=signed(big), timeout=10
        )
        assert chunked.status_code == 413
    assert receiver.bodies == [small]


def test_status_lines_carry_their_reason() -> None:
    assert webhooks.status_line(403) == "403 Forbidden"
    assert webhooks.status_line(413) == "413 Content Too Large"
    assert webhooks.status_line(299) == "299"


# -- the Flask view -----------------------------------------------------------------


def test_the_flask_view_answers_as_the_receiver_does() -> None:
    flask = pytest.importorskip("flask")
    receiver = Receiver(max_body=1000)
    app = flask.Flask(__name__)
    view = webhooks.flask_view(receiver.answer, max_body=1000, name="hooks")
    app.add_url_rule("/hooks", view_func=view, methods=["POST"])
    web = app.test_client()
    body = b'{"n": 2}'
    answer = web.post("/hooks", data=body, headers=signed(body))
    assert (answer.status_code, json.loads(answer.data)) == (200, {"status": "ok"})
    assert web.post("/hooks", data=body, headers=signed(body, "wrong")).status_code == 403
    big = b" " * 1001
    assert web.post("/hooks", data=big, headers=signed(big)).status_code == 413
    assert view.__name__ == "hooks" and receiver.bodies == [body]
