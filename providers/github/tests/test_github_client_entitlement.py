"""Entitlement: does an account sponsor the maintainer (at a minimum)? One call per question."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from paysupport_github import Entitlement, GitHubClient, Sponsorship

from paysupport.errors import InvalidRequest, NotFound
from paysupport.money import Money
from paysupport.tokens import MemoryTokenStore

if TYPE_CHECKING:
    from github_helpers import Served  # fixtures' types; pytest provides the values


@pytest.fixture
def client(
    served: Served, credentials: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[GitHubClient]:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with GitHubClient(
        base_url=served.url,
        access_token=credentials["access_token"],
        token_store=MemoryTokenStore(),
    ) as made:
        yield made


@pytest.fixture
def sponsors(client: GitHubClient) -> list[Sponsorship]:
    return list(client.walk("sponsors", past=True))


def a_sponsor(sponsors: list[Sponsorship], *, active: bool, one_time: bool = False) -> str:
    return next(
        s.sponsor.login
        for s in sponsors
        if s.sponsor
        and s.is_active is active
        and s.is_one_time_payment is one_time
        and not s.sponsor.is_organization
    )


def test_an_active_sponsor_is_sponsoring_in_one_call(
    client: GitHubClient, sponsors: list[Sponsorship], served: Served
) -> None:
    login = a_sponsor(sponsors, active=True)
    before = served.emulator.requests
    verdict = client.is_sponsored_by(login)
    assert served.emulator.requests == before + 1
    assert isinstance(verdict, Entitlement) and verdict and verdict.entitled
    assert verdict.sponsor == login and login in verdict.reason
    assert verdict.tier is None  # isSponsoredBy says yes or no, nothing more


def test_a_past_sponsor_and_a_stranger_are_not(
    client: GitHubClient, sponsors: list[Sponsorship]
) -> None:
    assert not client.is_sponsored_by(a_sponsor(sponsors, active=False))
    assert not client.is_sponsored_by("upstream-dev")


def test_a_minimum_reads_the_sponsorship_s_tier_in_one_call(
    client: GitHubClient, sponsors: list[Sponsorship], served: Served
) -> None:
    sponsorship = next(
        s for s in sponsors if s.is_active and s.sponsor and s.tier and not s.is_one_time_payment
    )
    assert sponsorship.sponsor and sponsorship.tier
    login, cents = sponsorship.sponsor.login, sponsorship.tier.monthly_price_in_cents
    before = served.emulator.requests
    enough = client.is_sponsored_by(login, minimum=Money(cents, "USD"))
    assert served.emulator.requests == before + 1
    assert enough.entitled and enough.amount == Money(cents, "USD")
    assert enough.tier is not None and enough.tier.id == sponsorship.tier.id
    assert enough.sponsorship is not None and enough.sponsorship.id == sponsorship.id
    short = client.is_sponsored_by(login, minimum=cents + 1)
    assert not short and "below" in short.reason and short.tier == enough.tier


def test_a_minimum_for_someone_not_sponsoring_is_not_entitled(
    client: GitHubClient, sponsors: list[Sponsorship]
) -> None:
    verdict = client.is_sponsored_by(a_sponsor(sponsors, active=False), minimum=100)
    assert not verdict and verdict.sponsorship is None and verdict.amount is None


def test_an_organization_maintainer_by_login(client: GitHubClient) -> None:
    org_sponsors = list(client.walk("sponsors", login="paysupport-sandbox"))
    sponsor = next(s for s in org_sponsors if s.sponsor and s.tier)
    assert sponsor.sponsor and sponsor.tier
    assert client.is_sponsored_by(sponsor.sponsor.login, maintainer="paysupport-sandbox")
    verdict = client.is_sponsored_by(
        sponsor.sponsor.login, minimum=sponsor.tier.price, maintainer="paysupport-sandbox"
    )
    assert verdict and verdict.maintainer == "paysupport-sandbox"
    assert not client.is_sponsored_by("mona", maintainer="paysupport-sandbox")


def test_wrong_minimums_are_refused_before_any_request(
    client: GitHubClient, served: Served
) -> None:
    before = served.emulator.requests
    with pytest.raises(InvalidRequest, match="USD"):
        client.is_sponsored_by("someone", minimum=Money(500, "EUR"))
    with pytest.raises(InvalidRequest):
        client.is_sponsored_by("someone", minimum=-1)
    with pytest.raises(InvalidRequest):
        client.is_sponsored_by("")
    assert served.emulator.requests == before


def test_an_unknown_sponsor_login_with_a_minimum_is_not_found(client: GitHubClient) -> None:
    with pytest.raises(NotFound):
        client.is_sponsored_by("nobody-has-this-login", minimum=100)
