"""The emulator's GraphQL API: validation, pagination, privacy, entitlement, error shapes."""

from __future__ import annotations

from typing import Any

from github_helpers import Served

SPONSORS = """
query($cursor: String, $private: Boolean = true) {
  viewer {
    sponsorshipsAsMaintainer(first: 7, after: $cursor, includePrivate: $private,
                             activeOnly: false) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id createdAt isActive isOneTimePayment privacyLevel paymentSource tierSelectedAt
        tier { id name monthlyPriceInCents monthlyPriceInDollars isOneTime isCustomAmount }
        sponsorEntity {
          __typename
          ... on User { login name databaseId email }
          ... on Organization { login name databaseId }
        }
      }
    }
  }
}
"""


def walk(served: Served, private: bool = True) -> tuple[int, list[dict[str, Any]]]:
    """Every sponsorship of the maintainer, page by page, and the announced total."""
    nodes: list[dict[str, Any]] = []
    cursor = None
    while True:
        variables = {"cursor": cursor, "private": private}
        page = served.data(SPONSORS, variables)["viewer"]["sponsorshipsAsMaintainer"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], nodes
        cursor = page["pageInfo"]["endCursor"]


def test_a_walk_by_cursor_returns_every_sponsorship_once(served: Served) -> None:
    total, nodes = walk(served)
    assert total == 40 == len(nodes) == len({n["id"] for n in nodes})


def test_the_seed_holds_every_kind_of_sponsorship(served: Served) -> None:
    _, nodes = walk(served)
    assert {n["privacyLevel"] for n in nodes} == {"PUBLIC", "PRIVATE"}
    assert {n["paymentSource"] for n in nodes} == {"GITHUB", "PATREON"}
    assert {n["isActive"] for n in nodes} == {True, False}
    assert {n["isOneTimePayment"] for n in nodes} == {True, False}
    assert {n["tier"]["isCustomAmount"] for n in nodes} == {True, False}
    assert {n["sponsorEntity"]["__typename"] for n in nodes} == {"User", "Organization"}


def test_private_sponsorships_are_left_out_unless_asked_for(served: Served) -> None:
    total, nodes = walk(served, private=False)
    assert {n["privacyLevel"] for n in nodes} == {"PUBLIC"}
    assert total < walk(served)[0]


def test_includePrivate_by_someone_else_is_forbidden(served: Served) -> None:
    token = served.emulator.credentials()["sponsor_access_token"]
    body = served.graphql(
        '{ user(login: "mona") { sponsorshipsAsMaintainer(first: 5, includePrivate: true)'
        " { totalCount } } }",
        token=token,
    ).json()
    assert body["data"] == {"user": None}
    assert body["errors"][0]["type"] == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["user", "sponsorshipsAsMaintainer"]


def test_an_unknown_login_is_NOT_FOUND_with_a_path(served: Served) -> None:
    body = served.graphql('{ user(login: "nobody-here") { login } }').json()
    assert body["data"] == {"user": None}
    (error,) = body["errors"]
    assert error["type"] == "NOT_FOUND"
    assert error["path"] == ["user"]
    assert "nobody-here" in error["message"]
    assert error["locations"] == [{"line": 1, "column": 3}]


def test_a_query_github_would_reject_has_errors_and_no_data(served: Served) -> None:
    answer = served.graphql("{ viewer { login noSuchField } }")
    assert answer.status_code == 200
    body = answer.json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "Field 'noSuchField' doesn't exist on type 'User'"
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 18}]


def test_a_syntax_error_has_errors_and_no_data(served: Served) -> None:
    body = served.graphql("{ viewer { login ").json()
    assert "data" not in body and body["errors"][0]["locations"]


def test_connections_need_first_or_last_within_100(served: Served) -> None:
    missing = served.graphql("{ viewer { sponsorshipsAsMaintainer { totalCount } } }").json()
    assert missing["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    too_many = served.graphql(
        "{ viewer { sponsorshipsAsMaintainer(first: 101) { totalCount } } }"
    ).json()
    assert too_many["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    assert "data" not in missing and "data" not in too_many


def test_last_pages_from_the_end(served: Served) -> None:
    query = (
        "{ viewer { sponsorshipsAsMaintainer(%s, activeOnly: false, includePrivate: true)"
        " { nodes { id } } } }"
    )
    tail = served.data(query % "last: 3")["viewer"]["sponsorshipsAsMaintainer"]["nodes"]
    everything = served.data(query % "first: 100")["viewer"]["sponsorshipsAsMaintainer"]["nodes"]
    assert tail == everything[-3:]


def test_a_field_outside_the_sponsors_part_is_a_typed_error_not_a_500(served: Served) -> None:
    answer = served.graphql("{ viewer { login bio } }")
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] == {"viewer": {"login": "mona", "bio": None}}
    assert body["errors"][0]["type"] == "EMULATOR_UNSUPPORTED"
    assert body["errors"][0]["path"] == ["viewer", "bio"]


def test_entitlement_as_seen_by_the_maintainer_and_by_a_sponsor(served: Served) -> None:
    credentials = served.emulator.credentials()
    sponsor = served.data("{ viewer { login } }", token=credentials["sponsor_access_token"])
    login = sponsor["viewer"]["login"]
    as_maintainer = served.data(
        "query($l: String!) { user(login: $l) { sponsorshipForViewerAsSponsorable { isActive }"
        " isSponsoringViewer } viewer { isSponsoredBy(accountLogin: $l) } }",
        {"l": login},
    )
    assert as_maintainer["user"] == {
        "sponsorshipForViewerAsSponsorable": {"isActive": True},
        "isSponsoringViewer": True,
    }
    assert as_maintainer["viewer"]["isSponsoredBy"] is True
    as_sponsor = served.data(
        '{ user(login: "mona") { viewerIsSponsoring monthlyEstimatedSponsorsIncomeInCents } }',
        token=credentials["sponsor_access_token"],
    )
    assert as_sponsor["user"] == {
        "viewerIsSponsoring": True,
        "monthlyEstimatedSponsorsIncomeInCents": 0,  # only the maintainer sees its income
    }


def test_the_maintainer_sees_its_own_income_and_tiers(served: Served) -> None:
    data = served.data(
        "{ viewer { monthlyEstimatedSponsorsIncomeInCents sponsorsListing {"
        " tiers(first: 10) { totalCount nodes { name isOneTime monthlyPriceInDollars } } }"
        " sponsorshipsAsSponsor(first: 5) { nodes { sponsorable { ... on User { login } } } } } }"
    )["viewer"]
    assert data["monthlyEstimatedSponsorsIncomeInCents"] > 0
    tiers = data["sponsorsListing"]["tiers"]["nodes"]
    assert [t["monthlyPriceInDollars"] for t in tiers] == [1, 5, 25, 50]
    assert data["sponsorshipsAsSponsor"]["nodes"] == [{"sponsorable": {"login": "upstream-dev"}}]


def test_organizations_are_sponsorable_too(served: Served) -> None:
    org = served.data(
        '{ organization(login: "paysupport-sandbox") { login databaseId id'
        " sponsorshipsAsMaintainer(first: 10, includePrivate: true) { totalCount } } }"
    )["organization"]
    assert org["login"] == "paysupport-sandbox"
    assert org["sponsorshipsAsMaintainer"]["totalCount"] > 0


def test_a_missing_or_unknown_token_is_a_401_with_githubs_body(served: Served) -> None:
    unknown = served.graphql("{ viewer { login } }", token="ghp_unknown")
    assert unknown.status_code == 401
    assert unknown.json()["message"] == "Bad credentials"
    assert unknown.json()["documentation_url"].startswith("https://docs.github.com/")
    missing = served.graphql("{ viewer { login } }", token="")
    assert missing.status_code == 401
    assert set(missing.json()) == {"message", "documentation_url"}


def test_a_body_that_is_not_json_is_a_400(served: Served) -> None:
    token = served.emulator.credentials()["access_token"]
    answer = served.http.post(
        f"{served.url}/graphql", data=b"{nope", headers={"Authorization": f"bearer {token}"}
    )
    assert answer.status_code == 400
    assert answer.json()["message"] == "Problems parsing JSON"
