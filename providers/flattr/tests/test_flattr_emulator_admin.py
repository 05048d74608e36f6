"""The sandbox's own JSON view (``/_admin``) and its refusal of odd input."""

from __future__ import annotations

import requests


def test_admin_state_over_http_matches_admin_state(sandbox):
    state = requests.get(f"{sandbox.url}/_admin/state")
    assert state.status_code == 200
    assert state.json() == sandbox.emulator.admin_state()
    body = state.json()
    assert body["primary_user"] == sandbox.primary
    assert body["things_count"] == 200
    me = next(u for u in body["users"] if u["username"] == sandbox.primary)
    assert me["means"] >= 10_000
    assert {"username", "means", "things", "flattrs", "subscriptions"} <= set(me)


def test_admin_flattrs_lists_every_flattr_and_counts_per_thing(sandbox):
    everything = sandbox.admin_flattrs()
    assert everything["count"] == len(everything["flattrs"]) > 0
    assert all(f["seeded"] for f in everything["flattrs"])
    assert sandbox.admin_flattrs(seeded="0")["count"] == 0

    thing = sandbox.foreign_thing()
    requests.post(f"{sandbox.api}/things/{thing['id']}/flattr", headers=sandbox.auth)
    fresh = sandbox.admin_flattrs(seeded="0")
    assert fresh["count"] == 1
    assert fresh["per_thing"] == {str(thing["id"]): 1}
    (entry,) = fresh["flattrs"]
    assert (entry["username"], entry["thing_id"], entry["url"]) == (
        sandbox.primary,
        thing["id"],
        thing["url"],
    )
    assert isinstance(entry["created_at"], int)
    assert sandbox.admin_flattrs(url=thing["url"])["count"] == thing["flattrs"] + 1


def test_admin_set_means_validates(sandbox):
    url = f"{sandbox.url}/_admin/users/{sandbox.primary}/means"
    assert requests.post(url, json={"means": -1}).status_code == 400
    assert requests.post(url, json={"means": "lots"}).status_code == 400
    assert (
        requests.post(f"{sandbox.url}/_admin/users/ghost/means", json={"means": 1}).status_code
        == 404
    )
    assert requests.post(url, data={"means": "300"}).json() == {
        "username": sandbox.primary,
        "means": 300,
    }
    assert requests.get(f"{sandbox.url}/_admin/nothing").status_code == 404


def test_site_pages_and_unknown_paths(sandbox):
    assert requests.get(f"{sandbox.url}/profile/flattr").status_code == 200
    assert requests.get(f"{sandbox.url}/profile/ghost").status_code == 404
    assert requests.get(f"{sandbox.url}/thing/1").status_code == 404
    assert requests.get(f"{sandbox.url}/elsewhere").status_code == 404
    bad_auto = requests.get(f"{sandbox.url}/submit/auto", params={"url": "http://x.example"})
    assert bad_auto.status_code == 400


def test_odd_authorization_headers_and_bodies_get_documented_errors(sandbox):
    basic = requests.get(f"{sandbox.api}/user", auth=("a", "b"))
    assert (basic.status_code, basic.json()["error"]) == (401, "unauthorized")
    array_body = requests.post(
        f"{sandbox.api}/flattr", json=["http://x.example"], headers=sandbox.auth
    )
    assert (array_body.status_code, array_body.json()["error"]) == (400, "invalid_request")
    number_url = requests.post(f"{sandbox.api}/flattr", json={"url": 5}, headers=sandbox.auth)
    assert number_url.status_code == 400
    nested = requests.post(
        f"{sandbox.api}/things",
        json={"url": "http://n.example", "title": {"a": 1}},
        headers=sandbox.auth,
    )
    assert (nested.status_code, nested.json()["error"]) == (400, "validation")
    full = requests.get(f"{sandbox.api}/things/search", params={"full": "perhaps"})
    assert (full.status_code, full.json()["error"]) == (400, "invalid_parameters")
