"""Webhooks end to end: manage them through the client, receive, verify and parse deliveries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import given, strategies as st
from paysupport_patreon import (
    InvalidSignature,
    PatreonClient,
    UnknownTrigger,
    WebhookEvent,
    WebhookReceiver,
    flask_view,
    parse,
    verify,
)
from paysupport_patreon.emulator import sign_webhook
from paysupport_patreon.webhooks import sign

from paysupport import sandbox
from paysupport.errors import InvalidRequest, NotFound, ResponseFormatError
from paysupport.http import HttpEvent
from paysupport.sandbox import Sandbox
from paysupport.sandbox.serving import serve_wsgi

CAMPAIGN = "7100000"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox.running(providers=["patreon"], sizes={"members": 10}) as running:
        yield running


def admin(sb: Sandbox, method: str, path: str, body: dict[str, object]) -> requests.Response:
    return requests.request(method, f"{sb.url('patreon')}/_admin{path}", json=body, timeout=10)


def test_manage_webhooks_create_list_update_unpause_delete(sb: Sandbox) -> None:
    events: list[HttpEvent] = []
    client = sb.connect("patreon", hooks=[events.append])
    assert isinstance(client, PatreonClient)
    hook = client.create_webhook(CAMPAIGN, "https://example.com/hook", ["members:create"])
    assert hook.secret and len(hook.secret) >= 32 and hook.paused is False
    assert client.redactor.text(hook.secret) == "***"
    listed = {w.id: w for w in client.webhooks()}
    assert listed[hook.id].triggers == ["members:create"]
    changed = client.update_webhook(hook.id, triggers=["members:update", "members:delete"])
    assert changed.triggers == ["members:update", "members:delete"]
    assert client.update_webhook(hook.id, paused=True).paused is True
    assert client.unpause_webhook(hook.id).paused is False
    document = client.get_webhooks(["campaign"], {"webhook": ["uri"]})
    assert document.data_list()[0].relationship("campaign") is not None
    client.delete_webhook(hook.id)
    assert hook.id not in {w.id for w in client.webhooks()}
    with pytest.raises(NotFound):
        client.delete_webhook(hook.id)
    before = len(events)
    with pytest.raises(InvalidRequest):
        client.create_webhook(CAMPAIGN, "https://example.com/hook", ["members:explode"])
    with pytest.raises(InvalidRequest):
        client.update_webhook(hook.id)
    assert len(events) == before  # refused before sending
    assert all(hook.secret not in repr(e) for e in events)


def test_a_member_update_is_delivered_verified_and_parsed(sb: Sandbox) -> None:
    client = sb.connect("patreon")
    assert isinstance(client, PatreonClient)
    received: list[WebhookEvent] = []
    receiver = WebhookReceiver("", received.append)  # the secret comes with the webhook
    with serve_wsgi(receiver, quiet=True) as served:
        hook = client.create_webhook(CAMPAIGN, f"{served.url}/patreon", ["members:update"])
        assert hook.secret is not None
        receiver.secret = hook.secret
        member = next(iter(client.walk("members", campaign=CAMPAIGN)))
        answer = admin(sb, "PATCH", f"/members/{member.id}", {"note": "VIP"})
        assert [d["ok"] for d in answer.json()["deliveries"]] == [True]
        client.delete_webhook(hook.id)
    (event,) = received
    assert event.trigger == "members:update" and event.member is not None
    assert event.member.id == member.id and event.member.note == "VIP"
    assert event.member.user is not None and event.post is None
    assert event.delivery_key.startswith("members:update:")


def test_the_receiver_answers_403_400_and_500_as_documented(sb: Sandbox) -> None:
    body = json.dumps({"data": {"type": "member", "id": "m1", "attributes": {}}}).encode()

    def boom(event: WebhookEvent) -> None:
        raise RuntimeError("database down")

    cases = [
        ({"X-Patreon-Event": "members:create", "X-Patreon-Signature": "0" * 32}, 403, None),
        (
            {"X-Patreon-Event": "members:explode", "X-Patreon-Signature": sign(body, "s3cret")},
            400,
            None,
        ),
        (
            {"X-Patreon-Event": "members:create", "X-Patreon-Signature": sign(body, "s3cret")},
            500,
            boom,
        ),
        (
            {"X-Patreon-Event": "members:create", "X-Patreon-Signature": sign(body, "s3cret")},
            200,
            None,
        ),
    ]
    for headers, status, handler in cases:
        receiver = WebhookReceiver("s3cret", handler or (lambda event: None))
        with serve_wsgi(receiver, quiet=True) as served:
            answer = requests.post(served.url, data=body, headers=headers, timeout=10)
        assert answer.status_code == status, headers


def test_parse_raises_clear_errors() -> None:
    body = b'{"data": {"type": "post", "id": "9", "attributes": {"title": "Hi"}}}'
    good = {"x-patreon-event": "posts:publish", "x-patreon-signature": sign(body, "k3y!")}
    event = parse(good, body, "k3y!")
    assert event.post is not None and event.post.title == "Hi" and event.member is None
    with pytest.raises(InvalidSignature):
        parse(good, body + b" ", "k3y!")
    with pytest.raises(InvalidSignature):
        parse({"X-Patreon-Event": "posts:publish"}, body, "k3y!")
    with pytest.raises(UnknownTrigger) as caught:
        parse({**good, "x-patreon-event": "posts:explode"}, body, "k3y!")
    assert caught.value.trigger == "posts:explode"
    broken = b'{"data": {"type": "post"'
    with pytest.raises(ResponseFormatError):
        parse({**good, "x-patreon-signature": sign(broken, "k3y!")}, broken, "k3y!")


def test_flask_view_verifies_before_handling() -> None:
    flask = pytest.importorskip("flask")
    handled: list[str] = []
    app = flask.Flask("hooks")
    view = flask_view("k3y!", lambda event: handled.append(event.trigger))
    app.add_url_rule("/patreon", view_func=view, methods=["POST"])
    body = b'{"data": {"type": "member", "id": "m1", "attributes": {}}}'
    with app.test_client() as web:
        ok = web.post(
            "/patreon",
            data=body,
            headers={
                "X-Patreon-Event": "members:delete",
                "X-Patreon-Signature": sign(body, "k3y!"),
            },
        )
        bad = web.post(
            "/patreon",
            data=body,
            headers={
                "X-Patreon-Event": "members:delete",
                "X-Patreon-Signature": sign(body, "other"),
            },
        )
    assert (ok.status_code, bad.status_code) == (200, 403) and handled == ["members:delete"]


def flask_app(**options: int) -> tuple[Any, list[str]]:
    """A Flask app with ``flask_view`` at ``/patreon``, and the triggers it handled."""
    flask = pytest.importorskip("flask")
    handled: list[str] = []
    app = flask.Flask("hooks")
    view = flask_view("k3y!", lambda event: handled.append(event.trigger), **options)
    app.add_url_rule("/patreon", view_func=view, methods=["POST"])
    return app, handled


def padded_member(size: int) -> bytes:
    """A member document of exactly ``size`` bytes (JSON allows trailing spaces)."""
    body = b'{"data": {"type": "member", "id": "m1", "attributes": {}}}'
    return body + b" " * (size - len(body))


def signed(body: bytes) -> dict[str, str]:
    return {"X-Patreon-Event": "members:update", "X-Patreon-Signature": sign(body, "k3y!")}


def test_flask_view_refuses_bodies_over_the_cap_before_reading_them() -> None:
    # The signature covers the whole body, so it is read before it can be checked:
    # an unsigned 400 MB POST must not be held in memory. Over the cap is a 413, even
    # for a correctly signed body, and nothing reaches the handler.
    app, handled = flask_app(max_body=1000)
    with serve_wsgi(app, quiet=True) as served:
        url = f"{served.url}/patreon"
        at_cap = padded_member(1000)
        assert requests.post(url, data=at_cap, headers=signed(at_cap), timeout=10).ok
        over = padded_member(1001)
        answer = requests.post(url, data=over, headers=signed(over), timeout=10)
        assert answer.status_code == 413 and answer.json() == {"status": "body too large"}
        # A chunked body declares no length: it is read up to the cap, no further.
        chunks = iter([over[:600], over[600:], b" " * 1_000_000])
        answer = requests.post(url, data=chunks, headers=signed(over), timeout=10)
        assert answer.status_code == 413
        answer = requests.post(url, data=iter([at_cap[:600], at_cap[600:]]),
                               headers=signed(at_cap), timeout=10)  # fmt: skip
        assert answer.status_code == 200
    assert handled == ["members:update", "members:update"]


def test_flask_view_caps_bodies_as_the_wsgi_receiver_does_by_default() -> None:
    app, handled = flask_app()
    body = padded_member(5_000_001)
    with serve_wsgi(app, quiet=True) as served:
        answer = requests.post(f"{served.url}/patreon", data=body, headers=signed(body), timeout=30)
    assert answer.status_code == 413 and handled == []
    receiver = WebhookReceiver("k3y!", lambda event: None)
    assert receiver.max_body == 5_000_000


@given(body=st.binary(max_size=512), secret=st.text(min_size=1, max_size=40))
def test_signatures_match_the_emulators_and_any_change_breaks_them(
    body: bytes, secret: str
) -> None:
    signature = sign(body, secret)
    assert signature == sign_webhook(secret, body)
    assert verify(body, signature, secret) and verify(body, signature.upper(), secret)
    assert not verify(body + b"x", signature, secret)
    assert not verify(body, signature, secret + "x")
    assert not verify(body, None, secret) and not verify(body, signature, "")


@given(signature=st.text(max_size=64))
def test_verify_never_raises_on_garbage_signatures(signature: str) -> None:
    assert verify(b"{}", signature, "secret") is (
        signature.strip().lower() == sign(b"{}", "secret")
    )
