"""Flattring things and URLs (auto-submit included), with exactly-once bookkeeping."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import requests

FLATTRED = "Thing was successfully flattred"


def test_flattr_a_thing_moves_means_and_is_recorded_once(sandbox):
    thing = sandbox.foreign_thing()
    owner = thing["owner"]["username"]
    before = {u["username"]: u["means"] for u in sandbox.emulator.admin_state()["users"]}
    response = requests.post(f"{sandbox.api}/things/{thing['id']}/flattr", headers=sandbox.auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["message"], body["description"]) == ("ok", FLATTRED)
    assert body["thing"]["id"] == thing["id"]
    assert body["thing"]["flattrs"] == thing["flattrs"] + 1

    after = {u["username"]: u["means"] for u in sandbox.emulator.admin_state()["users"]}
    cost = sandbox.emulator.admin_state()["flattr_cost"]
    assert after[sandbox.primary] == before[sandbox.primary] - cost
    assert after[owner] == before[owner] + cost
    log = sandbox.admin_flattrs(url=thing["url"], username=sandbox.primary)
    assert log["count"] == 1
    assert log["flattrs"][0]["thing_id"] == thing["id"]
    assert log["flattrs"][0]["seeded"] is False

    view = requests.get(f"{sandbox.api}/things/{thing['id']}", headers=sandbox.auth).json()
    assert view["flattred"] is True


def test_flattring_twice_is_flattr_once(sandbox):
    thing = sandbox.foreign_thing()
    url = f"{sandbox.api}/things/{thing['id']}/flattr"
    assert requests.post(url, headers=sandbox.auth).status_code == 200
    again = requests.post(url, headers=sandbox.auth)
    assert (again.status_code, again.json()["error"]) == (403, "flattr_once")
    assert sandbox.admin_flattrs(url=thing["url"], username=sandbox.primary)["count"] == 1


def test_flattring_your_own_thing_is_flattr_owner(sandbox):
    own = sandbox.own_thing()
    response = requests.post(f"{sandbox.api}/things/{own['id']}/flattr", headers=sandbox.auth)
    assert (response.status_code, response.json()["error"]) == (403, "flattr_owner")


def test_not_enough_means_is_no_means(sandbox):
    sandbox.set_means(sandbox.primary, 0)
    thing = sandbox.foreign_thing()
    response = requests.post(f"{sandbox.api}/things/{thing['id']}/flattr", headers=sandbox.auth)
    assert (response.status_code, response.json()["error"]) == (401, "no_means")
    assert sandbox.admin_flattrs(url=thing["url"], username=sandbox.primary)["count"] == 0


def test_flattring_a_missing_thing_is_not_found(sandbox):
    response = requests.post(f"{sandbox.api}/things/1/flattr", headers=sandbox.auth)
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_flattring_needs_a_token_and_the_flattr_scope(sandbox):
    thing = sandbox.foreign_thing()
    url = f"{sandbox.api}/things/{thing['id']}/flattr"
    assert requests.post(url).status_code == 401
    thing_only = sandbox.token_for(scopes="thing")
    refused = requests.post(url, headers=thing_only)
    assert (refused.status_code, refused.json()["error"]) == (403, "insufficient_scope")
    by_url = requests.post(f"{sandbox.api}/flattr", json={"url": thing["url"]}, headers=thing_only)
    assert by_url.status_code == 403


def test_flattr_a_registered_url(sandbox):
    thing = sandbox.foreign_thing()
    response = requests.post(
        f"{sandbox.api}/flattr", json={"url": thing["url"]}, headers=sandbox.auth
    )
    assert response.status_code == 200
    assert response.json()["thing"]["id"] == thing["id"]
    unknown = requests.post(
        f"{sandbox.api}/flattr", data={"url": "http://nowhere.example/"}, headers=sandbox.auth
    )
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    missing = requests.post(f"{sandbox.api}/flattr", json={}, headers=sandbox.auth)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")


def _autosubmit(host: str, **params: str) -> str:
    return f"{host}/submit/auto?{urlencode(params)}"


def test_auto_submit_url_creates_the_thing_on_its_first_flattr_only(sandbox):
    target = "http://blog.example/2011/10/api-v2"
    auto = _autosubmit(
        "http://flattr.com",
        user_id="flattr",
        url=target,
        title="API v2 beta out",
        tags="api,flattr",
        category="text",
        language="en_GB",
    )
    before = sandbox.emulator.admin_state()["things_count"]
    lookup = requests.get(f"{sandbox.api}/things/lookup", params={"url": auto})
    assert lookup.status_code == 404

    first = requests.post(f"{sandbox.api}/flattr", json={"url": auto}, headers=sandbox.auth)
    assert first.status_code == 200
    assert first.json()["thing"]["flattrs"] == 1
    assert first.json()["thing"]["title"] == "API v2 beta out"
    assert sandbox.emulator.admin_state()["things_count"] == before + 1

    someone = sandbox.token_for("flattr" if sandbox.primary != "flattr" else None)
    other = [u["username"] for u in sandbox.emulator.admin_state()["users"]]
    second_user = next(u for u in other if u not in ("flattr", sandbox.primary))
    sandbox.set_means(second_user, 10_000)
    second = requests.post(
        f"{sandbox.api}/flattr", json={"url": auto}, headers=sandbox.token_for(second_user)
    )
    assert second.status_code == 200
    assert second.json()["thing"]["id"] == first.json()["thing"]["id"]
    assert second.json()["thing"]["flattrs"] == 2
    assert sandbox.emulator.admin_state()["things_count"] == before + 1
    assert sandbox.admin_flattrs(url=auto)["count"] == 2

    owner_flattrs_own = requests.post(f"{sandbox.api}/flattr", json={"url": auto}, headers=someone)
    assert owner_flattrs_own.json()["error"] == "flattr_owner"
    thing = requests.get(f"{sandbox.api}/things/lookup", params={"url": target}).json()
    assert thing["owner"]["username"] == "flattr"
    assert thing["tags"] == ["api", "flattr"]


def test_a_refused_auto_submit_flattr_creates_nothing(sandbox):
    auto = _autosubmit("https://flattr.com", user_id=sandbox.primary, url="http://mine.example/")
    before = sandbox.emulator.admin_state()["things_count"]
    own = requests.post(f"{sandbox.api}/flattr", json={"url": auto}, headers=sandbox.auth)
    assert own.json()["error"] == "flattr_owner"
    unknown_user = _autosubmit("https://flattr.com", user_id="ghost", url="http://x.example/")
    ghost = requests.post(f"{sandbox.api}/flattr", json={"url": unknown_user}, headers=sandbox.auth)
    assert ghost.status_code == 404
    incomplete = _autosubmit("https://flattr.com", url="http://x.example/")
    bad = requests.post(f"{sandbox.api}/flattr", json={"url": incomplete}, headers=sandbox.auth)
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_request")
    assert sandbox.emulator.admin_state()["things_count"] == before


def test_auto_submit_urls_on_the_sandbox_itself_work_too(sandbox):
    auto = _autosubmit(sandbox.url, user_id="flattr", url="http://sandbox-auto.example/")
    page = requests.get(auto)
    assert page.status_code == 200
    assert "first time" in page.text
    assert (
        requests.post(f"{sandbox.api}/flattr", json={"url": auto}, headers=sandbox.auth).status_code
        == 200
    )
    shown = requests.get(auto, allow_redirects=False)
    assert shown.status_code == 302
    assert shown.headers["Location"].startswith(f"{sandbox.url}/thing/")


def test_concurrent_flattrs_of_one_thing_succeed_exactly_once(sandbox):
    thing = sandbox.foreign_thing()
    url = f"{sandbox.api}/things/{thing['id']}/flattr"
    statuses: list[int] = []

    def flattr() -> None:
        statuses.append(requests.post(url, headers=sandbox.auth).status_code)

    threads = [threading.Thread(target=flattr) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [403] * 7
    assert sandbox.admin_flattrs(thing_id=str(thing["id"]), username=sandbox.primary)["count"] == 1


def test_flattr_lists(sandbox):
    thing = sandbox.foreign_thing()
    requests.post(f"{sandbox.api}/things/{thing['id']}/flattr", headers=sandbox.auth)
    mine = requests.get(f"{sandbox.api}/user/flattrs", headers=sandbox.auth).json()
    assert mine[0]["thing"]["id"] == thing["id"]
    assert mine[0]["owner"]["username"] == sandbox.primary
    public = requests.get(f"{sandbox.api}/users/{sandbox.primary}/flattrs").json()
    assert (
        public
        == requests.get(
            f"{sandbox.api}/users/{sandbox.primary}/flattrs", headers=sandbox.auth
        ).json()
    )
    of_thing = requests.get(f"{sandbox.api}/things/{thing['id']}/flattrs", headers=sandbox.auth)
    assert of_thing.json()[0]["owner"]["username"] == sandbox.primary
    assert requests.get(f"{sandbox.api}/things/{thing['id']}/flattrs").status_code == 401
    full = requests.get(
        f"{sandbox.api}/user/flattrs", params={"full": 1}, headers=sandbox.auth
    ).json()
    assert "firstname" in full[0]["owner"] and "description" in full[0]["thing"]
    paged = requests.get(
        f"{sandbox.api}/user/flattrs", params={"count": 1, "page": 2}, headers=sandbox.auth
    ).json()
    assert paged == mine[1:2]
    assert requests.get(f"{sandbox.api}/users/ghost/flattrs").status_code == 404
    assert requests.get(f"{sandbox.api}/user/flattrs").status_code == 401


def test_users_who_hide_their_flattrs_list_empty_to_others(sandbox):
    users = sandbox.emulator.admin_state()["users"]
    hider = next(u for u in users if u["hide_flattrs"] and u["flattrs"])
    assert requests.get(f"{sandbox.api}/users/{hider['username']}/flattrs").json() == []
    own_view = requests.get(
        f"{sandbox.api}/user/flattrs", headers=sandbox.token_for(hider["username"])
    ).json()
    assert len(own_view) == min(30, hider["flattrs"])
