"""Webhooks: registration, signed deliveries fired by admin changes, retries and pausing."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from patreon_helpers import Api
from paysupport_patreon.emulator import PatreonEmulator, sign_webhook
from werkzeug.wrappers import Request, Response

from paysupport.testing import ServedApp

V2 = "/api/oauth2/v2"
CAMPAIGN = "7100000"


@dataclass
class Receiver:
    """A tiny webhook endpoint: records each POST and answers with the next scripted status."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        with self.lock:
            self.received.append((dict(request.headers), request.get_data()))
            status = self.statuses.pop(0) if self.statuses else 200
        return Response("ok", status=status)(environ, start_response)


@pytest.fixture
def receiver(wsgi_server: Callable[..., ServedApp]) -> tuple[Receiver, str]:
    app = Receiver()
    return app, wsgi_server(app).url + "/hook"


def register(api: Api, uri: str, triggers: list[str]) -> dict[str, Any]:
    body = {
        "data": {
            "type": "webhook",
            "attributes": {"uri": uri, "triggers": triggers},
            "relationships": {"campaign": {"data": {"type": "campaign", "id": CAMPAIGN}}},
        }
    }
    response = api.request("POST", f"{V2}/webhooks", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def admin(
    api: Api, method: str, path: str, body: dict[str, Any] | None = None
) -> requests.Response:
    return api.session.request(method, f"{api.base}/_admin{path}", json=body, timeout=10)


def test_created_webhook_carries_its_secret_and_is_listed(creator_api: Api) -> None:
    hook = register(creator_api, "https://example.com/hook", ["members:create"])
    assert len(hook["attributes"]["secret"]) >= 32
    assert hook["attributes"]["paused"] is False
    listed = creator_api.get(f"{V2}/webhooks", **{"fields[webhook]": "uri,triggers"}).json()
    assert listed["data"] == [
        {
            "attributes": {"uri": "https://example.com/hook", "triggers": ["members:create"]},
            "id": hook["id"],
            "type": "webhook",
        }
    ]


def test_bad_webhook_bodies_are_400(creator_api: Api) -> None:
    for attributes in (
        {"uri": "ftp://x", "triggers": ["members:create"]},
        {"uri": "https://x.example", "triggers": ["members:explode"]},
        {"uri": "https://x.example", "triggers": []},
    ):
        body = {
            "data": {
                "type": "webhook",
                "attributes": attributes,
                "relationships": {"campaign": {"data": {"type": "campaign", "id": CAMPAIGN}}},
            }
        }
        assert creator_api.request("POST", f"{V2}/webhooks", json=body).status_code == 400
    assert creator_api.request("POST", f"{V2}/webhooks", data="{").status_code == 400


def test_member_changes_fire_signed_deliveries(
    creator_api: Api, receiver: tuple[Receiver, str]
) -> None:
    app, uri = receiver
    triggers = ["members:create", "members:pledge:create", "members:update", "members:delete"]
    hook = register(creator_api, uri, triggers)
    secret = hook["attributes"]["secret"]

    created = admin(
        creator_api, "POST", "/members", {"full_name": "Grace Hopper", "tier_id": "8100001"}
    )
    assert created.status_code == 201
    member_id = created.json()["data"]["id"]
    assert [d["trigger"] for d in created.json()["deliveries"]] == [
        "members:create",
        "members:pledge:create",
    ]
    headers, body = app.received[0]
    expected = hmac.new(secret.encode(), body, hashlib.md5).hexdigest()
    assert headers["X-Patreon-Signature"] == expected == sign_webhook(secret, body)
    assert headers["X-Patreon-Event"] == "members:create"
    document = json.loads(body)
    assert document["data"]["id"] == member_id
    assert document["data"]["attributes"]["full_name"] == "Grace Hopper"
    assert document["data"]["relationships"]["currently_entitled_tiers"]["data"] == [
        {"type": "tier", "id": "8100001"}
    ]

    # the new member is visible through the API too
    fetched = creator_api.get(f"{V2}/members/{member_id}", **{"fields[member]": "full_name"})
    assert fetched.json()["data"]["attributes"] == {"full_name": "Grace Hopper"}

    admin(creator_api, "PATCH", f"/members/{member_id}", {"note": "VIP"})
    admin(creator_api, "DELETE", f"/members/{member_id}")
    events = [headers["X-Patreon-Event"] for headers, _ in app.received]
    assert events == ["members:create", "members:pledge:create", "members:update", "members:delete"]
    assert creator_api.get(f"{V2}/members/{member_id}").status_code == 404


def test_publishing_a_post_fires_posts_publish(
    creator_api: Api, receiver: tuple[Receiver, str]
) -> None:
    app, uri = receiver
    register(creator_api, uri, ["posts:publish"])
    published = admin(creator_api, "POST", "/posts", {"title": "Hello patrons"})
    assert published.status_code == 201
    (headers, body) = app.received[0]
    assert headers["X-Patreon-Event"] == "posts:publish"
    assert json.loads(body)["data"]["attributes"]["title"] == "Hello patrons"


def test_failed_deliveries_are_retried_and_repeated_failures_pause_the_webhook(
    creator_api: Api, receiver: tuple[Receiver, str], emulator: PatreonEmulator
) -> None:
    app, uri = receiver
    hook = register(creator_api, uri, ["members:update"])
    member_id = creator_api.get(f"{V2}/campaigns/{CAMPAIGN}/members").json()["data"][0]["id"]

    app.statuses = [500]
    first = admin(creator_api, "PATCH", f"/members/{member_id}", {"note": "one"}).json()
    assert [d["ok"] for d in first["deliveries"]] == [False]
    retried = admin(creator_api, "POST", "/webhooks/retry").json()["deliveries"]
    assert [(d["ok"], d["attempt"]) for d in retried] == [(True, 2)]
    assert len(app.received) == 2 and app.received[0][1] == app.received[1][1]

    app.statuses = [500, 502, 503]
    admin(creator_api, "PATCH", f"/members/{member_id}", {"note": "two"})
    admin(creator_api, "POST", "/webhooks/retry")
    admin(creator_api, "POST", "/webhooks/retry")
    state = {w["id"]: w for w in emulator.admin_state()["webhooks"]}[hook["id"]]
    assert state["paused"] is True and state["num_consecutive_times_failed"] == 3
    listed = creator_api.get(
        f"{V2}/webhooks", **{"fields[webhook]": "paused,num_consecutive_times_failed"}
    ).json()
    assert listed["data"][0]["attributes"] == {"paused": True, "num_consecutive_times_failed": 3}

    received_before = len(app.received)
    admin(creator_api, "PATCH", f"/members/{member_id}", {"note": "three"})
    assert len(app.received) == received_before  # paused: nothing is sent

    patch = {"data": {"type": "webhook", "id": hook["id"], "attributes": {"paused": False}}}
    assert (
        creator_api.request("PATCH", f"{V2}/webhooks/{hook['id']}", json=patch).status_code == 200
    )
    flushed = admin(creator_api, "POST", "/webhooks/retry").json()["deliveries"]
    assert [d["ok"] for d in flushed] == [True, True]  # "two" then "three", in order
    notes = [json.loads(body)["data"]["attributes"]["note"] for _, body in app.received[-2:]]
    assert notes == ["two", "three"]


def test_unreachable_receiver_counts_as_a_failure(
    creator_api: Api, emulator: PatreonEmulator
) -> None:
    register(creator_api, "http://127.0.0.1:9/closed", ["posts:publish"])
    result = admin(creator_api, "POST", "/posts", {"title": "x"}).json()
    (delivery,) = result["deliveries"]
    assert delivery["ok"] is False and delivery["status"] is None and delivery["error"]
    assert emulator.admin_state()["deliveries"][-1]["delivery_id"] == delivery["delivery_id"]


def test_admin_rejects_bad_input(creator_api: Api) -> None:
    assert admin(creator_api, "POST", "/members", {"shoe_size": 9}).status_code == 400
    assert admin(creator_api, "POST", "/members", {"tier_id": "nope"}).status_code == 400
    assert admin(creator_api, "POST", "/members", {"campaign_id": "0"}).status_code == 404
    assert admin(creator_api, "PATCH", "/members/nobody", {"note": "x"}).status_code == 404
    bad_json = creator_api.session.post(f"{creator_api.base}/_admin/members", data="{")
    assert bad_json.status_code == 400
