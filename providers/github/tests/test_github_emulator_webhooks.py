"""The emulator's sponsorship webhooks: signed, valid against GitHub's schemas, redelivered."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from github_helpers import Served
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7
from werkzeug.wrappers import Request, Response

from paysupport.sandbox.serving import ServedApp, start_server

#: A copy of shared/reference/github-sponsors/webhooks (octokit/webhooks, MIT: see its LICENSE).
REFERENCE = Path(__file__).parent / "data" / "webhooks" / "payload-schemas"
ACTIONS = (
    "created",
    "cancelled",
    "edited",
    "tier_changed",
    "pending_cancellation",
    "pending_tier_change",
)
SECRET = "It's a Secret to Everybody"


class Receiver:
    """A webhook endpoint that records what it gets and answers ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        with self._lock:
            self.received.append((dict(request.headers), request.get_data()))
        return Response("", status=self.status)(environ, start_response)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, ServedApp]]:
    app = Receiver()
    served = start_server(app, quiet=True)
    yield app, served
    served.close()


@pytest.fixture
def hooked(
    make_served: Callable[..., Served], receiver: tuple[Receiver, ServedApp]
) -> tuple[Served, Receiver]:
    served = make_served()
    answer = served.http.post(
        f"{served.url}/_admin/webhooks", json={"url": receiver[1].url + "/hook", "secret": SECRET}
    )
    assert answer.status_code == 201
    return served, receiver[0]


def validator(action: str) -> Draft7Validator:
    """GitHub's schema for ``action``, its ``common/...`` references resolved from the reference."""
    common = [
        (f"common/{path.name}", DRAFT7.create_resource(json.loads(path.read_text())))
        for path in (REFERENCE / "common").glob("*.json")
    ]
    registry: Registry[Any] = Registry().with_resources(common)
    schema = json.loads((REFERENCE / "sponsorship" / f"{action}.schema.json").read_text())
    return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


def trigger(served: Served, **body: Any) -> dict[str, Any]:
    answer = served.http.post(f"{served.url}/_admin/trigger", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_is_valid_against_githubs_schema(
    hooked: tuple[Served, Receiver], action: str
) -> None:
    served, receiver = hooked
    trigger(served, action=action)
    ((headers, body),) = receiver.received
    payload = json.loads(body)
    errors = sorted(validator(action).iter_errors(payload), key=str)
    assert not errors, errors
    assert payload["action"] == action
    assert headers["X-Github-Event"] == "sponsorship"


def test_deliveries_are_signed_with_hmac_sha256_of_the_raw_body(
    hooked: tuple[Served, Receiver],
) -> None:
    served, receiver = hooked
    trigger(served, action="created")
    ((headers, body),) = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == expected
    assert headers["X-Github-Hook-Id"] == "1"
    assert len(headers["X-Github-Delivery"]) == 36


def test_actions_change_the_data_they_describe(hooked: tuple[Served, Receiver]) -> None:
    served, _ = hooked
    query = "query($id: ID!) { node(id: $id) { ... on Sponsorship { isActive privacyLevel } } }"
    created = trigger(served, action="created", login="fresh-sponsor", privacy="PRIVATE")
    node_id = created["payload"]["sponsorship"]["node_id"]
    assert served.data(query, {"id": node_id})["node"] == {
        "isActive": True,
        "privacyLevel": "PRIVATE",
    }
    edited = trigger(served, action="edited", sponsorship=node_id)
    assert edited["payload"]["changes"] == {"privacy_level": {"from": "private"}}
    trigger(served, action="cancelled", sponsorship=node_id)
    assert served.data(query, {"id": node_id})["node"] == {
        "isActive": False,
        "privacyLevel": "PUBLIC",
    }


def test_a_failed_delivery_is_redelivered_with_the_same_guid(
    hooked: tuple[Served, Receiver],
) -> None:
    served, receiver = hooked
    receiver.status = 500
    trigger(served, action="cancelled")
    receiver.status = 200
    redelivered = served.http.post(f"{served.url}/_admin/webhooks/redeliver").json()["deliveries"]
    assert [d["ok"] for d in redelivered] == [True]
    first, second = receiver.received
    assert first[0]["X-Github-Delivery"] == second[0]["X-Github-Delivery"]
    assert first[1] == second[1]
    state = served.http.get(f"{served.url}/_admin/state").json()
    assert [(d["attempt"], d["ok"]) for d in state["deliveries"]] == [(1, False), (2, True)]


def test_each_event_has_its_own_guid(hooked: tuple[Served, Receiver]) -> None:
    served, receiver = hooked
    trigger(served, action="pending_cancellation")
    trigger(served, action="pending_cancellation")
    guids = {headers["X-Github-Delivery"] for headers, _ in receiver.received}
    assert len(guids) == 2


def test_adding_a_sponsor_sends_created(hooked: tuple[Served, Receiver]) -> None:
    served, receiver = hooked
    answer = served.http.post(
        f"{served.url}/_admin/sponsors",
        json={"login": "new-org", "kind": "Organization", "monthly_price_in_cents": 1200},
    )
    assert answer.status_code == 201
    payload = json.loads(receiver.received[0][1])
    assert payload["action"] == "created"
    assert payload["sponsorship"]["sponsor"]["type"] == "Organization"
    assert payload["sponsorship"]["tier"]["is_custom_amount"] is True
