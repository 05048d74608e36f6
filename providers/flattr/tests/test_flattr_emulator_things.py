"""Things: get, lookup, search, create, update (PATCH and ``_method=patch``), delete."""

from __future__ import annotations

import re
from urllib.parse import quote

import requests


def test_get_thing_view_depends_on_who_asks(sandbox):
    thing = sandbox.foreign_thing()
    url = f"{sandbox.api}/things/{thing['id']}"
    public = requests.get(url).json()
    authed = requests.get(url, headers=sandbox.auth).json()
    assert "flattred" not in public and "subscribed" not in public
    assert authed.keys() - public.keys() == {"flattred", "subscribed"}
    own = sandbox.own_thing()
    owner_view = requests.get(f"{sandbox.api}/things/{own['id']}", headers=sandbox.auth).json()
    assert owner_view.keys() - public.keys() == {
        "flattred",
        "subscribed",
        "last_flattr_at",
        "updated_at",
    }


def test_absolute_urls_are_built_from_the_request_root(sandbox):
    thing = requests.get(f"{sandbox.api}/things/{sandbox.foreign_thing()['id']}").json()
    assert thing["resource"] == f"{sandbox.api}/things/{thing['id']}"
    assert thing["link"] == f"{sandbox.url}/thing/{thing['id']}"
    assert requests.get(thing["resource"]).json()["id"] == thing["id"]
    assert requests.get(thing["link"]).status_code == 200
    assert requests.get(thing["owner"]["link"]).status_code == 200


def test_full_expands_the_owner_to_a_user_object(sandbox):
    thing_id = sandbox.foreign_thing()["id"]
    small = requests.get(f"{sandbox.api}/things/{thing_id}").json()["owner"]
    full = requests.get(f"{sandbox.api}/things/{thing_id}", params={"full": 1}).json()["owner"]
    assert set(small) == {"type", "resource", "link", "username"}
    assert {"firstname", "lastname", "about"} <= set(full)


def test_unknown_thing_is_the_documented_not_found(sandbox):
    for ref in ("nothing_here", "1"):
        response = requests.get(f"{sandbox.api}/things/{ref}")
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "error_description": "The resource was not found"
            if ref == "nothing_here"
            else response.json()["error_description"],
            "error_uri": "https://developers.flattr.net/api",
        }
        assert response.headers["Content-Type"] == "application/json;charset=utf-8"


def test_several_things_by_comma_separated_ids(sandbox):
    search = requests.get(f"{sandbox.api}/things/search", params={"count": 2}).json()
    ids = [t["id"] for t in search["things"]]
    many = requests.get(f"{sandbox.api}/things/{ids[0]},{ids[1]},999")
    assert many.status_code == 200
    assert [t["id"] for t in many.json()] == ids
    assert requests.get(f"{sandbox.api}/things/998,999").status_code == 404


def test_json_suffix_and_unknown_formats(sandbox):
    thing_id = sandbox.foreign_thing()["id"]
    assert requests.get(f"{sandbox.api}/things/{thing_id}.json").json()["id"] == thing_id
    xml = requests.get(f"{sandbox.api}/things/{thing_id}.xml")
    assert xml.status_code == 406
    assert xml.json()["error"] == "not_acceptable"
    accept = requests.get(f"{sandbox.api}/categories", headers={"Accept": "text/xml"})
    assert accept.status_code == 406


def test_lookup_redirects_to_a_found_thing(sandbox):
    thing = sandbox.foreign_thing()
    response = requests.get(
        f"{sandbox.api}/things/lookup/", params={"url": thing["url"]}, allow_redirects=False
    )
    assert response.status_code == 302
    location = f"{sandbox.api}/things/{thing['id']}"
    assert response.headers["Location"] == location
    assert response.json() == {"message": "found", "location": location}
    followed = requests.get(f"{sandbox.api}/things/lookup", params={"url": thing["url"]})
    assert followed.json()["id"] == thing["id"]


def test_lookup_of_unknown_url_is_the_documented_404(sandbox):
    response = requests.get(
        f"{sandbox.api}/things/lookup", params={"url": "http://unknown.example/"}
    )
    assert response.status_code == 404
    assert response.json() == {"message": "not_found", "description": "No thing was found"}


def test_lookup_understands_auto_submit_urls_and_checks_the_owner(sandbox):
    thing = sandbox.foreign_thing()
    owner = thing["owner"]["username"]
    auto = f"https://flattr.com/submit/auto?user_id={owner}&url={quote(thing['url'], safe='')}"
    found = requests.get(
        f"{sandbox.api}/things/lookup", params={"url": auto}, allow_redirects=False
    )
    assert found.status_code == 302
    mismatch_url = auto.replace(f"user_id={owner}", "user_id=somebody_else")
    mismatch = requests.get(f"{sandbox.api}/things/lookup", params={"url": mismatch_url})
    assert mismatch.status_code == 400
    assert mismatch.json()["error"] == "validation"


def test_search_paginates_and_counts(sandbox):
    first = requests.get(f"{sandbox.api}/things/search", params={"count": 7}).json()
    second = requests.get(f"{sandbox.api}/things/search", params={"count": 7, "page": 2}).json()
    assert first["page"] == 1 and second["page"] == 2
    assert first["items"] == len(first["things"]) == 7
    assert first["total_items"] == second["total_items"] > 14
    assert not {t["id"] for t in first["things"]} & {t["id"] for t in second["things"]}
    last_page = first["total_items"] // 7 + 1
    tail = requests.get(
        f"{sandbox.api}/things/search", params={"count": 7, "page": last_page}
    ).json()
    assert tail["items"] == first["total_items"] % 7
    bad = requests.get(f"{sandbox.api}/things/search", params={"page": "zero"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_parameters"


def test_search_filters(sandbox):
    api = f"{sandbox.api}/things/search"
    everything = requests.get(api, params={"count": 1000}).json()["things"]

    def ids(**params):
        return {
            t["id"] for t in requests.get(api, params={"count": 1000, **params}).json()["things"]
        }

    assert ids(category="software,audio") == {
        t["id"] for t in everything if t["category"] in ("software", "audio")
    }
    assert ids(language="sq_AL") == {t["id"] for t in everything if t["language"] == "sq_AL"}
    assert ids(user="flattr") == {t["id"] for t in everything if t["owner"]["username"] == "flattr"}
    assert ids(tags="game | games ! software") == {
        t["id"]
        for t in everything
        if ({"game", "games"} & set(t["tags"])) and "software" not in t["tags"]
    }
    assert ids(tags="photo & travel") == {
        t["id"] for t in everything if {"photo", "travel"} <= set(t["tags"])
    }
    word = everything[0]["title"].split()[0].lower()

    def text(t):
        return set(re.findall(r"[a-z0-9]+", f"{t['title']} {t['description']} {t['tags']}".lower()))

    assert ids(query=word) == {t["id"] for t in everything if word in text(t)}
    assert ids(query=f"{word} zzzunknown") == set()
    assert ids(url=everything[3]["url"]) == {everything[3]["id"]}
    assert requests.get(api, params={"tags": "&"}).status_code == 400
    assert requests.get(api, params={"sort": "random"}).status_code == 400


def test_search_sorts_by_flattrs(sandbox):
    things = requests.get(
        f"{sandbox.api}/things/search", params={"sort": "flattrs", "count": 50}
    ).json()["things"]
    counts = [t["flattrs"] for t in things]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > 0


def test_hidden_things_are_found_only_with_extendedread(sandbox):
    public = requests.get(f"{sandbox.api}/things/search", params={"count": 1000}).json()
    extended = requests.get(
        f"{sandbox.api}/things/search", params={"count": 1000}, headers=sandbox.auth
    ).json()
    assert not any(t["hidden"] for t in public["things"])
    assert any(t["hidden"] for t in extended["things"])
    assert extended["total_items"] > public["total_items"]


def test_create_thing_needs_the_thing_scope(sandbox):
    body = {"url": "http://developers.flattr.net", "title": "Docs"}
    anonymous = requests.post(f"{sandbox.api}/things", json=body)
    assert anonymous.status_code == 401
    flattr_only = sandbox.token_for(scopes="flattr")
    refused = requests.post(f"{sandbox.api}/things", json=body, headers=flattr_only)
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"


def test_create_thing_returns_201_and_the_documented_body(sandbox):
    response = requests.post(
        f"{sandbox.api}/things",
        json={"url": "http://developers.flattr.net", "tags": "api,docs", "hidden": False},
        headers=sandbox.auth,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "ok"
    assert body["description"] == "Thing was created successfully"
    assert body["link"] == f"{sandbox.api}/things/{body['id']}"
    thing = requests.get(body["link"], headers=sandbox.auth).json()
    assert thing["owner"]["username"] == sandbox.primary
    assert (thing["category"], thing["language"]) == ("rest", "en_GB")
    assert thing["tags"] == ["api", "docs"]
    assert thing["updated_at"] == 0


def test_create_thing_validation_errors(sandbox):
    for body in (
        {"url": "not a url"},
        {},
        {"url": "http://x.example", "category": "nope"},
        {"url": "http://x.example", "language": "xx_XX"},
        {"url": "http://x.example", "hidden": "maybe"},
    ):
        response = requests.post(f"{sandbox.api}/things", data=body, headers=sandbox.auth)
        assert response.status_code == 400, body
        assert response.json()["error"] == "validation"
    existing = sandbox.foreign_thing()["url"]
    duplicate = requests.post(f"{sandbox.api}/things", json={"url": existing}, headers=sandbox.auth)
    assert duplicate.status_code == 400


def test_update_with_patch_and_with_method_override(sandbox):
    own = sandbox.own_thing()
    url = f"{sandbox.api}/things/{own['id']}"
    patched = requests.patch(url, json={"title": "API v2 documentation"}, headers=sandbox.auth)
    assert patched.status_code == 200
    assert patched.json() == {"message": "ok", "description": "Thing was updated correctly"}
    assert requests.get(url).json()["title"] == "API v2 documentation"

    overridden = requests.post(
        url,
        data={"_method": "patch", "tags": "one,two", "category": "audio"},
        headers=sandbox.auth,
    )
    assert overridden.status_code == 200
    thing = requests.get(url, headers=sandbox.auth).json()
    assert (thing["tags"], thing["category"]) == (["one", "two"], "audio")
    assert thing["updated_at"] > 0
    found = requests.get(
        f"{sandbox.api}/things/search", params={"tags": "two", "user": sandbox.primary}
    ).json()
    assert [t["id"] for t in found["things"]] == [own["id"]]

    plain_post = requests.post(url, data={"title": "x"}, headers=sandbox.auth)
    assert plain_post.status_code == 405
    invalid = requests.patch(url, json={"language": "xx"}, headers=sandbox.auth)
    assert invalid.status_code == 400
    assert invalid.json()["error"] == "validation"


def test_update_refuses_other_peoples_things_and_missing_scope(sandbox):
    foreign = sandbox.foreign_thing()
    url = f"{sandbox.api}/things/{foreign['id']}"
    assert requests.patch(url, json={"title": "mine"}, headers=sandbox.auth).status_code == 403
    flattr_only = sandbox.token_for(scopes="flattr")
    own_id = sandbox.own_thing()["id"]
    refused = requests.patch(
        f"{sandbox.api}/things/{own_id}", json={"title": "x"}, headers=flattr_only
    )
    assert refused.json()["error"] == "insufficient_scope"


def test_delete_thing(sandbox):
    own = sandbox.own_thing()
    url = f"{sandbox.api}/things/{own['id']}"
    foreign_url = f"{sandbox.api}/things/{sandbox.foreign_thing()['id']}"
    not_mine = requests.delete(foreign_url, headers=sandbox.auth)
    assert (not_mine.status_code, not_mine.json()["error"]) == (403, "forbidden")
    no_scope = requests.delete(url, headers=sandbox.token_for(scopes="flattr"))
    assert (no_scope.status_code, no_scope.json()["error"]) == (403, "forbidden")

    deleted = requests.delete(url, headers=sandbox.auth)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert requests.get(url).status_code == 404
    assert (
        requests.get(f"{sandbox.api}/things/lookup", params={"url": own["url"]}).status_code == 404
    )
    assert requests.delete(url, headers=sandbox.auth).status_code == 404


def test_unknown_routes_and_bad_bodies_get_the_error_format(sandbox):
    missing = requests.get(f"{sandbox.api}/no/such/route")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    broken = requests.post(
        f"{sandbox.api}/things",
        data="[1,2",
        headers={**sandbox.auth, "Content-Type": "application/json"},
    )
    assert (broken.status_code, broken.json()["error"]) == (400, "invalid_request")
    wrong_method = requests.put(f"{sandbox.api}/categories")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["Allow"]


def test_jsonp_wraps_the_body(sandbox):
    response = requests.get(f"{sandbox.api}/categories", params={"jsonp": "cb"})
    assert response.text.startswith("cb([") and response.text.endswith("]);")
    assert response.headers["Content-Type"].startswith("application/javascript")


def test_a_search_sees_every_change_at_once(sandbox):
    """The emulator keeps a search's ordered matches between pages; a change shows at once."""
    api = f"{sandbox.api}/things/search"

    def search(**params):
        return requests.get(api, params={"count": 100, **params}, headers=sandbox.auth).json()

    before = search()
    assert search() == before  # asked again: the same answer, now from the kept matches
    created = requests.post(
        f"{sandbox.api}/things",
        json={"url": "http://example.org/kept-search", "title": "Zanzibar notes"},
        headers=sandbox.auth,
    ).json()
    after = search()
    assert after["total_items"] == before["total_items"] + 1
    assert after["things"][0]["id"] == created["id"]  # newest first
    assert search(query="zanzibar")["total_items"] == 1

    thing_url = f"{sandbox.api}/things/{created['id']}"
    requests.patch(thing_url, json={"title": "Quokka notes"}, headers=sandbox.auth)
    assert search(query="zanzibar")["total_items"] == 0
    assert [t["title"] for t in search(query="quokka")["things"]] == ["Quokka notes"]

    ranked = search(sort="flattrs", count=1000)["things"]
    last = ranked[-1]
    assert last["owner"]["username"] != sandbox.primary and not last["flattred"]
    flattred = requests.post(f"{sandbox.api}/things/{last['id']}/flattr", headers=sandbox.auth)
    assert flattred.status_code == 200
    reranked = search(sort="flattrs", count=1000)["things"]
    moved = next(t for t in reranked if t["id"] == last["id"])
    assert moved["flattrs"] == last["flattrs"] + 1 and moved["flattred"]
    assert [t["id"] for t in reranked].index(last["id"]) < len(ranked) - 1
    assert [t["flattrs"] for t in reranked] == sorted(
        (t["flattrs"] for t in reranked), reverse=True
    )

    assert requests.delete(thing_url, headers=sandbox.auth).status_code == 204
    assert search(query="quokka")["total_items"] == 0
    assert search()["total_items"] == before["total_items"]


def test_answers_are_utf8_json(sandbox):
    created = requests.post(
        f"{sandbox.api}/things",
        json={"url": "http://example.org/utf8", "title": "Café ☕ notes"},
        headers=sandbox.auth,
    ).json()
    response = requests.get(f"{sandbox.api}/things/{created['id']}")
    assert response.headers["Content-Type"].startswith("application/json")
    assert "Café ☕ notes".encode() in response.content  # as is, like ensure_ascii=False
    assert response.json()["title"] == "Café ☕ notes"
