"""The emulated v2 and v1 APIs: sparse fields, includes, scopes, pagination, limits, mounting."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests
from patreon_helpers import USER_AGENT, Api, FakeClock, Login
from paysupport_patreon.emulator import PatreonEmulator, create_emulator
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from paysupport.emulation import EmulatorSettings
from paysupport.testing import ServedApp

V2 = "/api/oauth2/v2"
V1 = "/api/oauth2/api"
CAMPAIGN = "7100000"


def test_no_attributes_unless_asked_and_no_related_resources_unless_included(
    creator_api: Api,
) -> None:
    bare = creator_api.get(f"{V2}/campaigns/{CAMPAIGN}").json()
    assert bare["data"]["attributes"] == {}
    assert "relationships" not in bare["data"] and "included" not in bare
    assert bare["links"]["self"] == f"{creator_api.base}{V2}/campaigns/{CAMPAIGN}"

    asked = creator_api.get(
        f"{V2}/campaigns/{CAMPAIGN}",
        include="tiers",
        **{"fields[campaign]": "name,patron_count", "fields[tier]": "title"},
    ).json()
    assert set(asked["data"]["attributes"]) == {"name", "patron_count"}
    tier_refs = asked["data"]["relationships"]["tiers"]["data"]
    assert [t["id"] for t in tier_refs] == [i["id"] for i in asked["included"]]
    assert all(set(i["attributes"]) == {"title"} for i in asked["included"])


def test_identity_follows_nested_includes_to_a_patrons_tiers_and_campaign(login: Login) -> None:
    # A patron (member 0 of the seeded campaign) logs in; content gating asks for the
    # tiers and campaign of each membership in one request, as Patreon allows.
    patron = str(1_000_000_000)
    tokens = login.tokens(scope="identity identity.memberships", login_as=patron)
    api = Api(login.session, login.base, tokens["access_token"])
    body = api.get(
        f"{V2}/identity",
        include="memberships.currently_entitled_tiers,memberships.campaign",
        **{"fields[member]": "patron_status", "fields[tier]": "title"},
    ).json()
    (membership,) = [r for r in body["included"] if r["type"] == "member"]
    assert body["data"]["relationships"]["memberships"]["data"] == [
        {"type": "member", "id": membership["id"]}
    ]
    assert membership["relationships"]["campaign"]["data"] == {"type": "campaign", "id": CAMPAIGN}
    tiers = {r["id"]: r for r in body["included"] if r["type"] == "tier"}
    linked = membership["relationships"]["currently_entitled_tiers"]["data"]
    assert {t["id"] for t in linked} == set(tiers)
    assert all(set(t["attributes"]) == {"title"} for t in tiers.values())
    deeper = api.get(f"{V2}/identity", include="memberships.currently_entitled_tiers.benefits")
    assert deeper.status_code == 400


def test_unknown_include_field_or_type_is_a_400(creator_api: Api) -> None:
    url = f"{V2}/campaigns/{CAMPAIGN}/members"
    for query in (
        {"include": "pledges"},
        {"fields[member]": "full_name,shoe_size"},
        {"fields[post]": "title"},
        {"page[count]": "0"},
        {"page[count]": "many"},
        {"page[cursor]": "not-a-cursor"},
        {"sort": "shoe_size"},
    ):
        response = creator_api.get(url, **query)
        assert response.status_code == 400, query
        (error,) = response.json()["errors"]
        assert error["status"] == "400" and error["detail"]


def test_routes_need_their_scope(login: Login) -> None:
    tokens = login.tokens(scope="identity")
    api = Api(login.session, login.base, tokens["access_token"])
    assert api.get(f"{V2}/identity").status_code == 200
    for path in (
        f"{V2}/campaigns",
        f"{V2}/campaigns/{CAMPAIGN}",
        f"{V2}/campaigns/{CAMPAIGN}/members",
        f"{V2}/campaigns/{CAMPAIGN}/posts",
        f"{V2}/webhooks",
    ):
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["errors"][0]["status"] == "403"


def test_email_needs_its_scope_and_addresses_need_theirs(login: Login) -> None:
    url = f"{V2}/campaigns/{CAMPAIGN}/members"
    plain = Api(login.session, login.base, login.tokens(scope="campaigns.members")["access_token"])
    page = plain.get(url, **{"fields[member]": "email,full_name"}).json()
    assert all("email" not in m["attributes"] for m in page["data"])
    assert plain.get(url, include="address").status_code == 403
    me = plain.get(f"{V2}/identity", **{"fields[user]": "email"}).json()
    assert "email" not in me["data"]["attributes"]

    scopes = "campaigns.members campaigns.members[email] campaigns.members.address"
    full = Api(login.session, login.base, login.tokens(scope=scopes)["access_token"])
    page = full.get(url, include="address", **{"fields[member]": "email"}).json()
    assert all("@" in m["attributes"]["email"] for m in page["data"])
    assert any(i["type"] == "address" for i in page["included"])


def test_missing_or_unknown_token_is_a_401_and_user_agent_is_required(
    served: ServedApp, creator_api: Api
) -> None:
    assert (
        requests.get(f"{served.url}{V2}/identity", headers={"User-Agent": USER_AGENT}).status_code
        == 401
    )
    response = creator_api.request("GET", f"{V2}/identity", headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
    no_agent = creator_api.request("GET", f"{V2}/identity", headers={"User-Agent": ""})
    assert no_agent.status_code == 400


def test_unknown_routes_and_methods_answer_in_json_api(creator_api: Api) -> None:
    missing = creator_api.get(f"{V2}/nothing-here")
    assert missing.status_code == 404 and missing.json()["errors"][0]["status"] == "404"
    wrong = creator_api.request("DELETE", f"{V2}/campaigns")
    assert wrong.status_code == 405 and wrong.json()["errors"][0]["status"] == "405"
    assert creator_api.get(f"{V2}/members/not-a-member").status_code == 404
    assert creator_api.get(f"{V2}/posts/1").status_code == 404


def test_ten_thousand_members_page_through_each_exactly_once(
    make_emulator: Callable[..., PatreonEmulator],
    wsgi_server: Callable[..., ServedApp],
    http: requests.Session,
) -> None:
    emulator = make_emulator(sizes={"members": 10_000})
    api = Api(http, wsgi_server(emulator).url, emulator.credentials()["creator_access_token"])
    query = {
        "include": "user,currently_entitled_tiers,address,campaign",
        "fields[member]": "full_name,email,patron_status,currently_entitled_amount_cents",
        "fields[user]": "full_name",
        "fields[tier]": "title,amount_cents",
        "page[count]": "5000",  # clamped to Patreon's documented 1000
    }
    started = time.perf_counter()
    first = api.get(f"{V2}/campaigns/{CAMPAIGN}/members", **query)
    assert time.perf_counter() - started < 1.0
    body = first.json()
    assert len(body["data"]) == 1000
    total = body["meta"]["pagination"]["total"]
    assert total == 10_000
    seen = [m["id"] for m in body["data"]]
    pages = 1
    while body.get("links", {}).get("next"):
        assert body["links"]["next"].startswith(api.base + V2)
        assert body["meta"]["pagination"]["cursors"]["next"] in body["links"]["next"]
        body = api.get(body["links"]["next"]).json()
        seen += [m["id"] for m in body["data"]]
        pages += 1
    assert body["meta"]["pagination"]["cursors"]["next"] is None
    assert pages == 10
    assert len(seen) == len(set(seen)) == total


def test_pledge_history_lowers_the_page_maximum_to_500(
    make_emulator: Callable[..., PatreonEmulator],
    wsgi_server: Callable[..., ServedApp],
    http: requests.Session,
) -> None:
    emulator = make_emulator(sizes={"members": 1200})
    api = Api(http, wsgi_server(emulator).url, emulator.credentials()["creator_access_token"])
    url = f"{V2}/campaigns/{CAMPAIGN}/members"
    plain = api.get(url, **{"page[count]": "1100"}).json()
    assert len(plain["data"]) == 1000
    history = api.get(url, include="pledge_history", **{"page[count]": "1100"}).json()
    assert len(history["data"]) == 500
    assert any(i["type"] == "pledge-event" for i in history["included"])


def test_sorted_member_pages_follow_the_sort(creator_api: Api) -> None:
    url = f"{V2}/campaigns/{CAMPAIGN}/members"
    query = {"sort": "-currently_entitled_amount_cents", "page[count]": "25"}
    query["fields[member]"] = "currently_entitled_amount_cents"
    amounts: list[int] = []
    body = creator_api.get(url, **query).json()
    while True:
        amounts += [m["attributes"]["currently_entitled_amount_cents"] for m in body["data"]]
        if not body.get("links"):
            break
        body = creator_api.get(body["links"]["next"]).json()
    assert len(amounts) == 60
    assert amounts == sorted(amounts, reverse=True)


def test_posts_are_listed_and_fetched(creator_api: Api) -> None:
    posts = creator_api.get(
        f"{V2}/campaigns/{CAMPAIGN}/posts",
        **{"fields[post]": "title,published_at", "page[count]": "2"},
    ).json()
    assert posts["meta"]["pagination"]["total"] == 5
    assert len(posts["data"]) == 2 and posts["links"]["next"]
    one = creator_api.get(f"{V2}/posts/{posts['data'][0]['id']}", include="campaign,user").json()
    assert {i["type"] for i in one["included"]} == {"campaign", "user"}


def test_rate_limit_answers_429_with_retry_after(
    make_emulator: Callable[..., PatreonEmulator],
    wsgi_server: Callable[..., ServedApp],
    http: requests.Session,
    clock: FakeClock,
) -> None:
    emulator = make_emulator(rate_limit=3, rate_window=60.0)
    api = Api(http, wsgi_server(emulator).url, emulator.credentials()["creator_access_token"])
    assert [api.get(f"{V2}/identity").status_code for _ in range(3)] == [200, 200, 200]
    clock.advance(20)
    limited = api.get(f"{V2}/identity")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "40"
    (error,) = limited.json()["errors"]
    assert error["status"] == "429" and error["retry_after_seconds"] == 40
    clock.advance(40)
    assert api.get(f"{V2}/identity").status_code == 200


def test_v1_current_user_and_campaign_with_patrons(creator_api: Api) -> None:
    me = creator_api.get(f"{V1}/current_user").json()
    assert me["data"]["type"] == "user"
    assert me["data"]["attributes"]["full_name"] == "Sandy Creator"
    assert me["data"]["relationships"]["campaign"]["data"]["id"] == CAMPAIGN

    campaigns = creator_api.get(
        f"{V1}/current_user/campaigns", include="rewards,creator,goals,pledges"
    ).json()
    (campaign,) = campaigns["data"]
    assert campaign["attributes"]["name"] == "Sandbox Campaign 1"
    included = {(i["type"], i["id"]) for i in campaigns["included"]}
    for rel in ("rewards", "goals", "pledges"):
        for ref in campaign["relationships"][rel]["data"]:
            assert (ref["type"], ref["id"]) in included
    assert {t for t, _ in included} == {"reward", "user", "goal", "pledge"}


def test_v1_pledges_page_by_cursor_with_patrons_and_rewards(creator_api: Api) -> None:
    url = f"{V1}/campaigns/{CAMPAIGN}/pledges"
    body = creator_api.get(url, **{"page[count]": "10"}).json()
    total = body["meta"]["count"]
    pledges = []
    while True:
        pledges += body["data"]
        users = {i["id"] for i in body["included"] if i["type"] == "user"}
        assert all(p["relationships"]["patron"]["data"]["id"] in users for p in body["data"])
        if "next" not in body["links"]:
            break
        body = creator_api.get(body["links"]["next"]).json()
    assert len(pledges) == total == len({p["id"] for p in pledges})
    assert all(set(p["attributes"]) >= {"amount_cents", "declined_since"} for p in pledges)
    assert "total_historical_amount_cents" not in pledges[0]["attributes"]
    extra = creator_api.get(url, **{"fields[pledge]": "total_historical_amount_cents"}).json()
    assert "total_historical_amount_cents" in extra["data"][0]["attributes"]


def test_same_seed_same_world_other_seed_other_world() -> None:
    def first_member(seed: int) -> dict[str, object]:
        emulator = create_emulator(EmulatorSettings(seed=seed))
        member = emulator.store.member(0, 0)
        assert member is not None
        return dict(member.attributes)

    assert first_member(1) == first_member(1)
    assert first_member(1) != first_member(2)


def test_works_mounted_under_a_path_prefix(
    emulator: PatreonEmulator, wsgi_server: Callable[..., ServedApp], http: requests.Session
) -> None:
    mounted = DispatcherMiddleware(Response("not here", status=404), {"/prefix": emulator})
    base = wsgi_server(mounted).url + "/prefix"
    api = Api(http, base, emulator.credentials()["creator_access_token"])
    page = api.get(f"{V2}/campaigns/{CAMPAIGN}/members", **{"page[count]": "5"}).json()
    assert page["links"]["next"].startswith(f"{base}{V2}/campaigns/")
    assert api.get(page["links"]["next"]).status_code == 200
    assert api.get(f"{V2}/identity").json()["links"]["self"] == f"{base}{V2}/identity"

    login = Login(http, base, emulator.credentials())
    _, form = login.consent()
    assert form.action == "/prefix/oauth2/authorize"
    redirect = login.decide(form, "allow")
    token = login.token(
        grant_type="authorization_code",
        code=redirect["code"][0],
        redirect_uri=emulator.credentials()["redirect_uri"],
    )
    assert token.status_code == 200


def test_v1_current_user_includes_pledges_and_campaign_unasked(
    creator_api: Api, login: Login
) -> None:
    # patreon-python's README: fetch_user() sends no include and finds the patron's pledge
    # and the creator's campaign in "included" by their creator relationship.
    creator = creator_api.get(f"{V1}/current_user").json()
    creator_id = creator["data"]["id"]
    (campaign,) = [i for i in creator["included"] if i["type"] == "campaign"]
    assert campaign["id"] == CAMPAIGN
    assert campaign["relationships"]["creator"]["data"]["id"] == creator_id
    assert creator["data"]["relationships"]["pledges"] == {"data": []}

    page = creator_api.get(f"{V1}/campaigns/{CAMPAIGN}/pledges", **{"page[count]": "1"}).json()
    patron_id = page["data"][0]["relationships"]["patron"]["data"]["id"]
    tokens = login.tokens(scope="identity", login_as=patron_id)
    patron = Api(login.session, login.base, tokens["access_token"])
    me = patron.get(f"{V1}/current_user").json()
    (pledge,) = [i for i in me["included"] if i["type"] == "pledge"]
    assert pledge["relationships"]["creator"]["data"]["id"] == creator_id
    assert pledge["attributes"]["amount_cents"] > 0
    assert me["data"]["relationships"]["campaign"] == {"data": None}

    only_campaign = creator_api.get(f"{V1}/current_user", include="campaign").json()
    assert {i["type"] for i in only_campaign["included"]} == {"campaign"}
    nested = creator_api.get(f"{V1}/current_user", include="campaign.rewards")
    assert nested.status_code == 400
