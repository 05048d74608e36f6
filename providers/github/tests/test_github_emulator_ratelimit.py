"""The emulator's rate limits: points per token with GitHub's headers, cost, the secondary limit."""

from __future__ import annotations

from collections.abc import Callable

from github_helpers import FakeClock, Served

NESTED = """
{ viewer { sponsorshipsAsMaintainer(first: 100) {
    nodes { sponsorEntity { ... on User {
      sponsorshipsAsSponsor(first: 50) { totalCount } } } } } }
  rateLimit { cost nodeCount remaining used limit resetAt } }
"""


def test_every_answer_carries_the_rate_limit_headers(make_served: Callable[..., Served]) -> None:
    served = make_served()
    first = served.graphql("{ viewer { login } }")
    second = served.graphql("{ viewer { login } }")
    assert first.headers["x-ratelimit-limit"] == "5000"
    assert first.headers["x-ratelimit-resource"] == "graphql"
    assert (first.headers["x-ratelimit-used"], second.headers["x-ratelimit-used"]) == ("1", "2")
    assert second.headers["x-ratelimit-remaining"] == "4998"
    assert int(second.headers["x-ratelimit-reset"]) == 1_700_000_000 + 3600


def test_cost_follows_githubs_formula(make_served: Callable[..., Served]) -> None:
    served = make_served()
    rate = served.data(NESTED)["rateLimit"]
    # one request for the outer connection and 100 for the nested one: 101 / 100 rounds to 1;
    # nodes: 100 + 100 * 50
    assert (rate["cost"], rate["nodeCount"]) == (1, 5100)
    deeper = NESTED.replace(
        "totalCount", "nodes { tier { sponsorsListing { tiers(first: 10) { totalCount } } } }"
    )
    assert served.data(deeper)["rateLimit"]["cost"] == 51  # (1 + 100 + 5000) / 100


def test_more_than_500000_possible_nodes_is_refused(make_served: Callable[..., Served]) -> None:
    served = make_served()
    huge = NESTED.replace(
        "totalCount", "nodes { tier { sponsorsListing { tiers(first: 100) { totalCount } } } }"
    )
    body = served.graphql(huge).json()
    assert "data" not in body
    assert body["errors"][0]["type"] == "MAX_NODE_LIMIT_EXCEEDED"


def test_an_exhausted_budget_is_RATE_LIMITED_until_the_reset(
    make_served: Callable[..., Served], clock: FakeClock
) -> None:
    served = make_served(rate_limit=2)
    assert served.graphql("{ viewer { login } }").status_code == 200
    served.graphql("{ viewer { login } }")
    refused = served.graphql("{ viewer { login } }")
    assert refused.status_code == 200
    assert refused.json() == {
        "errors": [{"type": "RATE_LIMITED", "message": refused.json()["errors"][0]["message"]}]
    }
    assert refused.headers["x-ratelimit-remaining"] == "0"
    clock.advance(3600)
    assert served.data("{ viewer { login } }") == {"viewer": {"login": "mona"}}


def test_the_refusal_status_can_be_403(make_served: Callable[..., Served]) -> None:
    served = make_served(rate_limit=1, rate_limited_status=403)
    served.graphql("{ viewer { login } }")
    refused = served.graphql("{ viewer { login } }")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["type"] == "RATE_LIMITED"


def test_each_token_has_its_own_budget(make_served: Callable[..., Served]) -> None:
    served = make_served(rate_limit=1)
    served.graphql("{ viewer { login } }")
    sponsor = served.emulator.credentials()["sponsor_access_token"]
    assert served.graphql("{ viewer { login } }", token=sponsor).headers["x-ratelimit-used"] == "1"


def test_the_secondary_limit_answers_403_with_retry_after(
    make_served: Callable[..., Served], clock: FakeClock
) -> None:
    served = make_served(secondary_limit=3, secondary_window=60)
    for _ in range(3):
        assert served.graphql("{ viewer { login } }").status_code == 200
    refused = served.graphql("{ viewer { login } }")
    assert refused.status_code == 403
    assert refused.headers["retry-after"] == "60"
    assert "secondary rate limit" in refused.json()["message"]
    clock.advance(60)
    assert served.graphql("{ viewer { login } }").status_code == 200
