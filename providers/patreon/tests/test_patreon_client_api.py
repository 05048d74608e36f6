"""PatreonClient against the emulator over HTTP: every v2 and v1 call, walks, errors, limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from paysupport_patreon import Campaign, Member, PatreonClient, Post
from paysupport_patreon.client import MEMBER_FIELDS

from paysupport import sandbox
from paysupport.errors import (
    InsufficientScope,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unsupported,
)
from paysupport.http import HttpEvent, HttpOptions
from paysupport.sandbox import Sandbox, answer_consent

CAMPAIGN = "7100000"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox.running(providers=["patreon"], sizes={"members": 120, "posts": 7}) as running:
        yield running


@pytest.fixture
def events() -> list[HttpEvent]:
    return []


@pytest.fixture
def client(sb: Sandbox, events: list[HttpEvent]) -> PatreonClient:
    made = sb.connect("patreon", hooks=[events.append])
    assert isinstance(made, PatreonClient)
    return made


def sent(events: list[HttpEvent]) -> int:
    return sum(e.kind == "request" for e in events)


def login(sb: Sandbox, scopes: list[str], **extra: str) -> PatreonClient:
    """A client logged in through the consent form (no creator token)."""
    fresh = sb.connect("patreon", creator_access_token="", creator_refresh_token="")
    assert isinstance(fresh, PatreonClient) and fresh.oauth is not None
    request = fresh.oauth.authorization_url(scopes, **extra)
    answer = answer_consent(request.url, "allow")
    fresh.oauth.fetch_token(authorization_response=answer.headers["Location"], request=request)
    return fresh


def test_identity_is_the_creator_with_email(client: PatreonClient) -> None:
    user = client.identity()
    assert user.provider == "patreon" and user.name == "Sandy Creator"
    assert user.email == "creator@example.com"
    assert user.url == "https://www.patreon.com/sandbox"


def test_every_v2_read_call_answers_a_document(client: PatreonClient) -> None:
    campaigns = client.get_campaigns(fields={"campaign": ["name"]})
    assert [c.id for c in campaigns.data_list()] == [CAMPAIGN]
    campaign = client.get_campaign(CAMPAIGN, ["tiers"], {"tier": "title,amount_cents"})
    (resource,) = campaign.data_list()
    tiers = resource.related("tiers")
    assert tiers and all(set(t.attributes) == {"title", "amount_cents"} for t in tiers)
    page = client.get_campaign_members(CAMPAIGN, ["user"], {"member": ["full_name"]}, count=5)
    assert len(page.data_list()) == 5 and client.extract_cursor(page)
    member_id = page.data_list()[0].id
    member = client.get_member(member_id, fields={"member": ["full_name"]})
    assert member.data_list()[0].attribute("full_name") == page.data_list()[0].attribute(
        "full_name"
    )
    posts = client.get_campaign_posts(CAMPAIGN, fields={"post": ["title"]}, count=3)
    assert len(posts.data_list()) == 3
    post = client.get_post(posts.data_list()[0].id, ["campaign"], include_all=False)
    assert post.data_list()[0].relationship("campaign") is not None
    identity = client.get_identity(["campaign"], {"user": ["full_name"]})
    assert identity.find_resource_by_type_and_id("campaign", CAMPAIGN) is not None


def test_include_all_asks_for_every_relationship_and_attribute(client: PatreonClient) -> None:
    document = client.get_campaign(CAMPAIGN, include_all=True)
    campaign = document.data_list()[0]
    assert set(campaign.relationships) == {
        "benefits",
        "creator",
        "goals",
        "live_access_rules",
        "tiers",
    }
    assert "pledge_url" in campaign.attributes and "summary" in campaign.attributes
    assert {r.type for r in document.included} >= {"tier", "benefit", "goal", "user"}


@pytest.mark.parametrize(
    ("includes", "fields"),
    [
        (["pledges"], None),
        (None, {"member": ["shoe_size"]}),
        (None, {"post": ["title"]}),
        (["user.campaign"], None),
    ],
)
def test_unknown_includes_and_fields_are_refused_before_any_request(
    client: PatreonClient, events: list[HttpEvent], includes: Any, fields: Any
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        client.get_campaign_members(CAMPAIGN, includes, fields)
    assert caught.value.provider == "patreon"
    assert "allowed" in str(caught.value) or "known" in str(caught.value)
    assert sent(events) == 0


def test_walk_members_reads_every_member_once_with_user_and_tiers(
    client: PatreonClient, events: list[HttpEvent]
) -> None:
    walk = client.walk("members", campaign=CAMPAIGN)
    assert walk.total == 120  # read from the first page, which the walk then reuses
    members = list(walk)
    assert len(members) == 120
    assert len({m.id for m in members}) == 120
    assert sent(events) == 1  # page[count] is Patreon's maximum, so one page here
    active = [m for m in members if m.is_active]
    assert active and all(m.entitled_tiers and m.user is not None for m in active)
    row = active[0].to_row()
    assert row["tier_ids"] == "; ".join(t.id for t in active[0].entitled_tiers)
    assert row["tier_titles"] and row["full_name"] == active[0].user.full_name  # type: ignore[union-attr]
    assert set(row) == set(Member.ROW_COLUMNS)
    assert all(name in MEMBER_FIELDS["member"] for name in active[0].attributes)


def test_walks_page_by_cursor_and_resume(client: PatreonClient, events: list[HttpEvent]) -> None:
    walk = client.walk("members", campaign=CAMPAIGN, count=50)
    pages = walk.pages()
    first = next(pages)
    assert len(first.items) == 50 and walk.cursor is None  # not completely read yet
    next(pages)  # the second page is being read: the cursor now points at it
    resumed = client.walk("members", campaign=CAMPAIGN, count=50, start=walk.cursor)
    rest = list(resumed)
    # 3 pages read by the first walk (two consumed, the third read ahead while the
    # second was being consumed) and 2 by the resumed one: the cursor names the page
    # being consumed, never the one read ahead, so nothing is skipped.
    assert len(rest) == 70 and sent(events) == 5
    everything = [m.id for m in client.walk("members", campaign=CAMPAIGN, count="50")]
    assert everything[50:] == [m.id for m in rest]


def test_walk_campaigns_and_posts(client: PatreonClient) -> None:
    campaigns = list(client.walk("campaigns"))
    assert len(campaigns) == 1 and isinstance(campaigns[0], Campaign)
    assert campaigns[0].pledge_url == "https://www.patreon.com/checkout/sandbox"
    posts = list(client.walk("posts", campaign=CAMPAIGN, count=3))
    assert len(posts) == 7 and all(isinstance(p, Post) and p.title for p in posts)


def test_members_and_posts_default_to_the_tokens_own_campaign(client: PatreonClient) -> None:
    assert [m.id for m in client.walk("members", count=40)] == [
        m.id for m in client.walk("members", campaign=CAMPAIGN, count=40)
    ]
    assert len(list(client.walk("posts"))) == 7


def test_walk_refuses_unknown_collections_and_filters(client: PatreonClient) -> None:
    with pytest.raises(Unsupported):
        client.walk("pledges")
    with pytest.raises(InvalidRequest):
        client.walk("members", campaign=CAMPAIGN, colour="red")
    with pytest.raises(InvalidRequest):
        client.walk("members", campaign=CAMPAIGN, count=0)
    with pytest.raises(InvalidRequest):
        client.walk("members", campaign=CAMPAIGN, includes=["pledges"])


def test_v1_calls_of_the_older_library(client: PatreonClient) -> None:
    user = client.fetch_user()
    assert user.data_list()[0].type == "user"
    campaign = client.fetch_campaign()
    assert {r.type for r in campaign.included} >= {"reward", "user", "goal"}
    with_patrons = client.fetch_campaign_and_patrons()
    assert any(r.type == "pledge" for r in with_patrons.included)
    pledges, cursor, pages = [], None, 0
    while True:
        page = client.fetch_page_of_pledges(CAMPAIGN, 25, cursor=cursor)
        pledges += page.data_list()
        pages += 1
        cursor = PatreonClient.extract_cursor(page)
        if cursor is None:
            break
    assert pages > 1 and len({p.id for p in pledges}) == len(pledges) == page.meta["count"]
    assert pledges[0].relationship("patron") is not None


def test_raw_calls_a_route(client: PatreonClient) -> None:
    body = client.raw("campaigns", {"fields[campaign]": "name"})
    assert body["data"][0]["attributes"] == {"name": "Sandbox Campaign 1"}
    with pytest.raises(NotFound) as caught:
        client.raw("campaigns/0")
    assert caught.value.status == 404 and caught.value.code == "ResourceMissing"
    assert caught.value.request_id  # the error's id, for Patreon support


def test_support_is_unsupported_and_points_at_the_pledge_page(
    client: PatreonClient, events: list[HttpEvent]
) -> None:
    assert not client.supports("support")
    with pytest.raises(Unsupported) as caught:
        client.support("https://www.patreon.com/sandbox")
    assert caught.value.capability == "support"
    assert caught.value.url == "https://www.patreon.com/checkout/sandbox"
    with pytest.raises(Unsupported) as other:
        client.support("https://example.com/episode-1")
    assert other.value.url is None
    assert sent(events) == 0
    (campaign,) = client.walk("campaigns")
    assert client.pledge_url(campaign) == "https://www.patreon.com/checkout/sandbox"


def test_a_missing_scope_is_insufficient_scope(sb: Sandbox) -> None:
    patron = login(sb, ["identity"])
    assert patron.identity().email is None  # identity[email] was not granted
    with pytest.raises(InsufficientScope) as caught:
        list(patron.walk("campaigns"))
    assert caught.value.status == 403 and caught.value.code == "ScopeMissing"
    assert "campaigns" in str(caught.value)


def test_rate_limit_raises_rate_limited_with_retry_after() -> None:
    with sandbox.running(providers=["patreon"], rate_limit=2, rate_window=600) as running:
        client = running.connect("patreon", http_options=HttpOptions(retries=0))
        client.identity()
        client.identity()
        with pytest.raises(RateLimited) as caught:
            client.identity()
        assert caught.value.status == 429 and 0 < (caught.value.retry_after or 0) <= 600


def test_rate_limit_is_waited_out_when_retry_after_is_short() -> None:
    with sandbox.running(providers=["patreon"], rate_limit=1, rate_window=1) as running:
        client = running.connect("patreon")
        client.identity()
        assert client.identity().name == "Sandy Creator"  # slept Retry-After, then passed
