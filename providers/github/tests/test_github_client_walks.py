"""The walks: sponsors (active, past, private), supporters, sponsorships, tiers; cursors hidden."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from paysupport_github import GitHubClient, Sponsorship, Tier

from paysupport.money import Money, totals
from paysupport.resource import Record
from paysupport.supporters import Period, Supporter, SupporterStatus
from paysupport.tokens import MemoryTokenStore

if TYPE_CHECKING:
    from github_helpers import Served  # fixtures' types; pytest provides the values


@pytest.fixture
def client(
    served: Served, credentials: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[GitHubClient]:
    """The maintainer's client (mona), reading her own sponsors as the viewer."""
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with GitHubClient(
        base_url=served.url,
        access_token=credentials["access_token"],
        token_store=MemoryTokenStore(),
    ) as made:
        yield made


def test_sponsors_are_the_active_sponsorships_private_ones_included(
    client: GitHubClient,
) -> None:
    sponsors = list(client.walk("sponsors"))
    assert sponsors and all(isinstance(s, Sponsorship) for s in sponsors)
    assert all(s.is_active for s in sponsors)
    assert any(s.is_private for s in sponsors)
    assert all(s.sponsorable and s.sponsorable.login == "mona" for s in sponsors)
    public = list(client.walk("sponsors", include_private=False))
    assert len(public) < len(sponsors) and not any(s.is_private for s in public)


def test_past_adds_the_sponsors_who_stopped(client: GitHubClient) -> None:
    active = list(client.walk("sponsors"))
    everyone = list(client.walk("sponsors", past=True))
    assert len(everyone) == 40  # the conftest's emulator seeds 40 sponsors
    assert {s.id for s in active} < {s.id for s in everyone}
    assert any(not s.is_active for s in everyone)


def test_a_walk_pages_by_cursor_reports_the_total_and_resumes(
    client: GitHubClient, served: Served
) -> None:
    before = served.emulator.requests
    walk = client.walk("sponsors", past=True, count=15)
    pages = [page.items for page in walk.pages()]
    assert [len(items) for items in pages] == [15, 15, 10]
    assert served.emulator.requests == before + 3
    assert walk.total == 40
    resumed = client.walk("sponsors", past=True, count=15)
    first_page = next(resumed.pages())
    assert [s.id for s in first_page.items] == [s.id for s in pages[0]]
    rest = list(client.walk("sponsors", past=True, count=15, start=first_page.next))
    assert [s.id for s in rest] == [s.id for items in pages[1:] for s in items]


def test_supporters_are_sponsors_in_the_common_shape(client: GitHubClient) -> None:
    supporters = list(client.walk("supporters", past=True))
    assert len(supporters) == 40 and all(isinstance(s, Supporter) for s in supporters)
    by_status = {s.status for s in supporters}
    assert {SupporterStatus.ACTIVE, SupporterStatus.PAST, SupporterStatus.ONE_TIME} <= by_status
    for one in supporters:
        sponsorship = one.resource
        assert one.provider == "github" and one.account == "mona"
        assert one.since == sponsorship.created_at
        if sponsorship.sponsor is not None:
            assert one.id == sponsorship.sponsor.id  # the sponsor's node id
            assert one.name in (sponsorship.sponsor.name, sponsorship.sponsor.login)
        assert one.amount == Money(sponsorship.tier.monthly_price_in_cents, "USD")
        assert one.tier == sponsorship.tier.name and one.tier_id == sponsorship.tier.id
        assert one.period is (Period.ONCE if sponsorship.is_one_time_payment else Period.MONTH)
    one_time = [s for s in supporters if s.period is Period.ONCE]
    assert one_time and all(s.monthly() is None for s in one_time)
    assert set(totals(s.monthly() for s in supporters if s.active)) == {"USD"}
    assert supporters[0].to_dict()["currency"] == "USD"


def test_supporters_hide_what_github_does_not_show(client: GitHubClient) -> None:
    supporters = list(client.walk("supporters"))
    assert any(s.email for s in supporters) and any(s.email is None for s in supporters)


def test_an_organization_s_sponsors_by_login(client: GitHubClient) -> None:
    sponsors = list(client.walk("sponsors", login="paysupport-sandbox"))
    assert sponsors
    assert all(s.sponsorable and s.sponsorable.login == "paysupport-sandbox" for s in sponsors)
    assert any(s.sponsor and s.sponsor.is_organization for s in sponsors)
    supporters = list(client.walk("supporters", login="paysupport-sandbox"))
    assert {s.account for s in supporters} == {"paysupport-sandbox"}


def test_sponsorships_are_the_account_s_own(client: GitHubClient) -> None:
    given = list(client.walk("sponsorships"))
    assert given and all(s.sponsor and s.sponsor.login == "mona" for s in given)
    upstream = list(client.walk("sponsorships", maintainers=["upstream-dev"]))
    assert [s.sponsorable.login for s in upstream if s.sponsorable] == ["upstream-dev"]
    assert list(client.walk("sponsorships", maintainers="nobody-sponsored")) == []


def test_tiers_are_the_listing_s_published_tiers_cheapest_first(client: GitHubClient) -> None:
    tiers = list(client.walk("tiers"))
    assert tiers and all(isinstance(t, Tier) for t in tiers)
    prices = [t.monthly_price_in_cents for t in tiers]
    assert prices == sorted(prices)
    assert any(t.is_one_time for t in tiers)
    assert tiers[0].price == Money(prices[0], "USD")


def test_every_record_is_a_flat_record(client: GitHubClient) -> None:
    sponsorship = next(iter(client.walk("sponsors")))
    tier = next(iter(client.walk("tiers")))
    for record in (sponsorship, tier, sponsorship.sponsor):
        assert isinstance(record, Record)
        row = record.to_dict()
        assert next(iter(row)) == "id"
        assert all(isinstance(v, (str, int, float, bool, type(None))) for v in row.values())
    assert sponsorship.to_dict()["sponsor.login"] == sponsorship.sponsor.login  # type: ignore[union-attr]
