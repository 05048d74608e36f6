"""Users, the authenticated user, subscriptions, activities, categories and languages."""

from __future__ import annotations

import requests

MINI_USER = {"type", "resource", "link", "username"}


def test_get_a_user(sandbox):
    user = requests.get(f"{sandbox.api}/users/flattr")
    assert user.status_code == 200
    assert user.json()["firstname"] == "Flattr.com"
    assert "email" not in user.json()
    assert user.json()["resource"] == f"{sandbox.api}/users/flattr"
    missing = requests.get(f"{sandbox.api}/users/ghost")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_authenticated_user_fields_follow_the_scopes(sandbox):
    def me(scopes: str) -> dict:
        response = requests.get(f"{sandbox.api}/user", headers=sandbox.token_for(scopes=scopes))
        assert response.status_code == 200
        return dict(response.json())

    plain = me("flattr")
    assert "email" not in plain and "registered_at" not in plain
    with_email = me("email")
    assert with_email.keys() - plain.keys() == {"email"}
    extended = me("extendedread")
    assert extended.keys() - plain.keys() == {"email", "registered_at"}
    assert requests.get(f"{sandbox.api}/user").status_code == 401


def test_user_things_hide_hidden_things_from_others(sandbox):
    owner = sandbox.primary
    mine = requests.get(f"{sandbox.api}/user/things", params={"count": 500}, headers=sandbox.auth)
    public = requests.get(f"{sandbox.api}/users/{owner}/things", params={"count": 500})
    assert mine.status_code == public.status_code == 200
    assert all(t["owner"]["username"] == owner for t in mine.json())
    assert not any(t["hidden"] for t in public.json())
    assert {t["id"] for t in public.json()} == {t["id"] for t in mine.json() if not t["hidden"]}
    assert requests.get(f"{sandbox.api}/users/ghost/things").status_code == 404
    assert requests.get(f"{sandbox.api}/user/things").status_code == 401
    full = requests.get(f"{sandbox.api}/users/{owner}/things", params={"full": "true"}).json()
    assert "firstname" in full[0]["owner"]


def test_subscribe_pause_start_and_delete(sandbox):
    thing = sandbox.foreign_thing()
    url = f"{sandbox.api}/things/{thing['id']}/subscriptions"
    created = requests.post(url, headers=sandbox.auth)
    assert created.status_code == 200
    assert created.json()["message"] == "ok"
    assert created.json()["description"] == "Successfully subscribed to Thing"
    assert created.json()["thing"]["id"] == thing["id"]
    again = requests.post(url, headers=sandbox.auth)
    assert (again.status_code, again.json()["error"]) == (403, "subscribed")

    listed = requests.get(f"{sandbox.api}/user/subscriptions", headers=sandbox.auth).json()
    mine = next(s for s in listed if s["thing"]["id"] == thing["id"])
    assert mine["active"] is True and mine["thing"]["subscribed"] is True

    paused = requests.put(url, headers=sandbox.auth)
    assert paused.json() == {"message": "paused", "description": "Subscription paused"}
    listed = requests.get(f"{sandbox.api}/user/subscriptions", headers=sandbox.auth).json()
    assert next(s for s in listed if s["thing"]["id"] == thing["id"])["active"] is False
    started = requests.put(url, headers=sandbox.auth)
    assert started.json() == {"message": "started", "description": "Subscription started"}

    deleted = requests.delete(url, headers=sandbox.auth)
    assert deleted.status_code == 204
    gone = requests.delete(url, headers=sandbox.auth)
    assert (gone.status_code, gone.json()["error"]) == (404, "not_found")
    assert requests.put(url, headers=sandbox.auth).status_code == 404
    state = sandbox.emulator.admin_state()["users"]
    me = next(u for u in state if u["username"] == sandbox.primary)
    assert thing["id"] not in [s["thing_id"] for s in me["subscriptions"]]


def test_subscription_errors(sandbox):
    own = sandbox.own_thing()
    owner = requests.post(f"{sandbox.api}/things/{own['id']}/subscriptions", headers=sandbox.auth)
    assert (owner.status_code, owner.json()["error"]) == (403, "thing_owner")
    missing = requests.post(f"{sandbox.api}/things/1/subscriptions", headers=sandbox.auth)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    thing_only = sandbox.token_for(scopes="thing")
    url = f"{sandbox.api}/things/{sandbox.foreign_thing()['id']}/subscriptions"
    for method in ("post", "put", "delete"):
        refused = requests.request(method, url, headers=thing_only)
        assert (refused.status_code, refused.json()["error"]) == (403, "insufficient_scope")
    listing = requests.get(f"{sandbox.api}/user/subscriptions", headers=thing_only)
    assert listing.json()["error"] == "insufficient_scope"
    assert requests.patch(url, headers=sandbox.auth).status_code == 405


def test_activities_are_activity_streams(sandbox):
    thing = sandbox.foreign_thing()
    requests.post(f"{sandbox.api}/things/{thing['id']}/flattr", headers=sandbox.auth)
    response = requests.get(f"{sandbox.api}/user/activities", headers=sandbox.auth)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/stream+json")
    item = response.json()["items"][0]
    assert item["verb"] == "like"
    assert item["actor"] == {
        "displayName": sandbox.primary,
        "url": f"{sandbox.url}/profile/{sandbox.primary}",
        "objectType": "person",
    }
    assert item["object"]["url"].startswith(f"{sandbox.url}/thing/{thing['id']}/")
    assert item["title"] == f'{sandbox.primary} flattred "{thing["title"]}"'

    owner = thing["owner"]["username"]
    incoming = requests.get(
        f"{sandbox.api}/users/{owner}/activities", params={"type": "incoming"}
    ).json()
    assert incoming["items"][0]["actor"]["displayName"] == sandbox.primary
    assert requests.get(f"{sandbox.api}/user/activities.as", headers=sandbox.auth).ok
    assert (
        requests.get(f"{sandbox.api}/user/activities.json", headers=sandbox.auth).status_code == 406
    )
    bad = requests.get(f"{sandbox.api}/users/{owner}/activities", params={"type": "sideways"})
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_parameters")
    assert requests.get(f"{sandbox.api}/user/activities").status_code == 401
    assert requests.get(f"{sandbox.api}/users/ghost/activities").status_code == 404


def test_categories_and_languages(sandbox):
    categories = requests.get(f"{sandbox.api}/categories")
    assert categories.status_code == 200
    assert {"id": "rest", "text": "Other"} in categories.json()
    assert len(categories.json()) == 7
    languages = requests.get(f"{sandbox.api}/languages.json").json()
    assert languages[0] == {"id": "en_GB", "text": "English"}
