"""Receiving sponsorship webhooks: signatures, every action typed, size cap, redeliveries."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
import requests
from paysupport_github import (
    DeliveryLog,
    InvalidSignature,
    SponsorshipEvent,
    UnknownEvent,
    WebhookReceiver,
    flask_view,
    parse,
    sign,
    verify,
)
from paysupport_github.catalog import SPONSORSHIP_ACTIONS

from paysupport.sandbox.serving import start_server

if TYPE_CHECKING:
    from github_helpers import Served  # fixtures' types; pytest provides the values

SECRET = "it's a secret to everybody"


@dataclass
class Inbox:
    """A served receiver and what its handler got; ``fail`` makes the handler raise."""

    url: str
    receiver: WebhookReceiver
    events: list[SponsorshipEvent] = field(default_factory=list)
    fail: int = 0

    def handle(self, event: SponsorshipEvent) -> None:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("the database is down")
        self.events.append(event)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox("", WebhookReceiver(SECRET, lambda event: None, deliveries=DeliveryLog()))
    box.receiver.handler = box.handle
    served = start_server(box.receiver, quiet=True)
    box.url = f"{served.url}/github"
    try:
        yield box
    finally:
        served.close()


def admin(served: Served, path: str, body: dict[str, Any] | None = None) -> Any:
    answer = requests.post(f"{served.url}/_admin/{path}", json=body or {}, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json()


def subscribe(served: Served, inbox: Inbox, secret: str = SECRET) -> None:
    admin(served, "webhooks", {"url": inbox.url, "secret": secret})


def delivery(body: dict[str, Any], *, event: str = "sponsorship", secret: str = SECRET) -> tuple:
    raw = json.dumps(body).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-Hub-Signature-256": sign(raw, secret),
        "Content-Type": "application/json",
    }
    return headers, raw


def test_every_action_becomes_a_typed_event(
    make_served: Callable[..., Served], inbox: Inbox
) -> None:
    served = make_served()
    subscribe(served, inbox)
    for action in SPONSORSHIP_ACTIONS:
        body = {"action": action}
        if action != "created":
            body["sponsorship"] = inbox.events[0].sponsorship.id  # the one created first
        sent = admin(served, "trigger", body)
        assert [d["status"] for d in sent["deliveries"]] == [200]
    events = {event.action: event for event in inbox.events}
    assert list(events) == list(SPONSORSHIP_ACTIONS)
    created = events["created"]
    assert created.sponsor and created.tier and created.sponsorship.is_active
    assert created.sponsorship.sponsorable and created.sponsorship.sponsorable.login == "mona"
    edited = events["edited"]
    assert edited.previous_privacy_level in ("PUBLIC", "PRIVATE")
    assert edited.previous_privacy_level != edited.sponsorship.privacy_level
    changed = events["tier_changed"]
    assert changed.previous_tier and changed.tier
    assert changed.previous_tier.id != changed.tier.id and not changed.pending
    pending = events["pending_tier_change"]
    assert pending.pending and pending.effective_date and pending.previous_tier
    assert pending.previous_tier.id != (pending.tier.id if pending.tier else None)
    assert events["pending_cancellation"].effective_date is not None
    assert not events["cancelled"].sponsorship.is_active
    ids = [event.id for event in inbox.events]
    assert len(set(ids)) == len(ids) and all(ids)  # X-GitHub-Delivery, one per event
    assert ids == [d["guid"] for d in served.emulator.admin_state()["deliveries"]]


def test_a_failed_delivery_is_redelivered_with_the_same_id_and_handled_once(
    make_served: Callable[..., Served], inbox: Inbox
) -> None:
    served = make_served()
    subscribe(served, inbox)
    inbox.fail = 1
    first = admin(served, "trigger", {"action": "created"})["deliveries"]
    assert [d["status"] for d in first] == [500] and inbox.events == []
    again = admin(served, "webhooks/redeliver")["deliveries"]
    assert [d["status"] for d in again] == [200]
    assert [event.id for event in inbox.events] == [first[0]["guid"]]
    headers, raw = delivery(dict(inbox.events[0].payload))
    headers["X-GitHub-Delivery"] = first[0]["guid"]
    repeat = requests.post(inbox.url, data=raw, headers=headers, timeout=10)
    assert repeat.json() == {"status": "already handled"}
    assert len(inbox.events) == 1


def test_a_wrong_secret_is_refused_and_nothing_is_handled(
    make_served: Callable[..., Served], inbox: Inbox
) -> None:
    served = make_served()
    subscribe(served, inbox, secret="another secret")
    sent = admin(served, "trigger", {"action": "created"})["deliveries"]
    assert [d["status"] for d in sent] == [403]
    assert inbox.events == []


def test_a_body_over_the_cap_is_refused_unread(inbox: Inbox) -> None:
    inbox.receiver.max_body = 1000
    headers, raw = delivery({"action": "created", "padding": "x" * 2000})
    answer = requests.post(inbox.url, data=raw, headers=headers, timeout=10)
    assert answer.status_code == 413
    chunked = requests.post(inbox.url, data=iter([raw[:900], raw[900:]]), headers=headers)
    assert chunked.status_code == 413
    assert inbox.events == []


def test_pings_are_answered_and_other_events_refused(inbox: Inbox) -> None:
    headers, raw = delivery({"zen": "Keep it logically awesome.", "hook_id": 1}, event="ping")
    assert requests.post(inbox.url, data=raw, headers=headers, timeout=10).json() == {
        "status": "pong"
    }
    headers, raw = delivery({"action": "opened"}, event="issues")
    assert requests.post(inbox.url, data=raw, headers=headers, timeout=10).status_code == 400
    assert requests.get(inbox.url, timeout=10).status_code == 405
    assert inbox.events == []


def test_signatures_are_sha256_hmacs_of_the_raw_body() -> None:
    raw = b'{"action":"created"}'
    signature = sign(raw, SECRET)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify(raw, signature, SECRET) and verify(raw, signature.encode(), SECRET.encode())
    assert not verify(raw + b" ", signature, SECRET)
    assert not verify(raw, signature[7:], SECRET)  # the algorithm prefix is part of it
    assert not verify(raw, None, SECRET) and not verify(raw, signature, "")
    assert not verify(raw, "sha256=é", SECRET)  # odd bytes: refused, not a crash


def test_parse_checks_the_signature_before_reading_anything() -> None:
    headers, raw = delivery({"action": "created"}, secret="forged")
    with pytest.raises(InvalidSignature):
        parse(headers, raw, SECRET)
    headers, raw = delivery({"action": "sponsored_twice", "sponsorship": {}})
    with pytest.raises(UnknownEvent) as caught:
        parse(headers, raw, SECRET)
    assert caught.value.action == "sponsored_twice"


def test_the_flask_view_answers_like_the_receiver() -> None:
    flask = pytest.importorskip("flask")
    got: list[SponsorshipEvent] = []
    app = flask.Flask(__name__)
    app.add_url_rule(
        "/github", view_func=flask_view(SECRET, got.append, max_body=5000), methods=["POST"]
    )
    web = app.test_client()
    tier = {"node_id": "T1", "name": "$5 a month", "monthly_price_in_cents": 500}
    body = {"action": "created", "sponsorship": {"node_id": "S1", "tier": tier}}
    headers, raw = delivery(body)
    assert web.post("/github", data=raw, headers=headers).status_code == 200
    assert got[0].tier is not None and got[0].tier.price.minor == 500
    assert got[0].id == headers["X-GitHub-Delivery"]
    bad, raw_bad = delivery(body, secret="nope")
    assert web.post("/github", data=raw_bad, headers=bad).status_code == 403
    big, raw_big = delivery({**body, "padding": "x" * 6000})
    assert web.post("/github", data=raw_big, headers=big).status_code == 413
    assert len(got) == 1
