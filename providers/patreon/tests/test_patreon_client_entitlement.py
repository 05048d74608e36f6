"""Content gating: ``is_entitled`` for a patron's token, access token or logged-in client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from paysupport_patreon import Member, PatreonClient

from paysupport import sandbox
from paysupport.errors import InvalidRequest, InvalidToken
from paysupport.sandbox import Sandbox, answer_consent
from paysupport.tokens import Token

CAMPAIGN = "7100000"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox.running(providers=["patreon"], sizes={"members": 40}) as running:
        yield running


@pytest.fixture(scope="module")
def creator(sb: Sandbox) -> PatreonClient:
    client = sb.connect("patreon")
    assert isinstance(client, PatreonClient)
    return client


@pytest.fixture(scope="module")
def members(creator: PatreonClient) -> list[Member]:
    return list(creator.walk("members", campaign=CAMPAIGN))


def patron_token(sb: Sandbox, member: Member) -> tuple[PatreonClient, Token]:
    client = sb.connect("patreon", creator_access_token="", creator_refresh_token="")
    assert isinstance(client, PatreonClient) and client.oauth is not None
    assert member.user_id is not None
    request = client.oauth.authorization_url(
        ["identity", "identity.memberships"], login_as=member.user_id
    )
    answer = answer_consent(request.url, "allow")
    token = client.oauth.fetch_token(authorization_response=answer.headers["Location"])
    return client, token


def test_an_active_patron_is_entitled_by_amount_and_tier(
    sb: Sandbox, creator: PatreonClient, members: list[Member]
) -> None:
    member = next(m for m in members if m.is_active)
    patron, token = patron_token(sb, member)
    amount = member.currently_entitled_amount_cents or 0
    (tier_id,) = member.entitled_tier_ids
    for who in (token, token.access_token, patron):
        assert creator.is_entitled(who, CAMPAIGN)
    assert creator.is_entitled(token, CAMPAIGN, min_cents=amount, tier_ids=[tier_id])
    assert not creator.is_entitled(token, CAMPAIGN, min_cents=amount + 1)
    other_tiers = {"8100000", "8100001", "8100002", "8100003"} - {tier_id}
    verdict = creator.entitlement(token, CAMPAIGN, tier_ids=other_tiers)
    assert not verdict and verdict.reason == "no entitled tier is among those asked"
    assert verdict.tier_ids == (tier_id,) and verdict.amount_cents == amount
    assert not creator.is_entitled(token, "7100099")  # not a member of that campaign


def test_a_former_or_declined_patron_is_not_entitled(
    sb: Sandbox, creator: PatreonClient, members: list[Member]
) -> None:
    member = next(m for m in members if m.patron_status in ("former_patron", "declined_patron"))
    _, token = patron_token(sb, member)
    verdict = creator.entitlement(token, CAMPAIGN)
    assert not verdict and verdict.patron_status == member.patron_status


def test_a_bad_token_is_invalid_token_and_nonsense_is_refused(creator: PatreonClient) -> None:
    with pytest.raises(InvalidToken):
        creator.is_entitled("not-a-real-token", CAMPAIGN)
    with pytest.raises(InvalidRequest):
        creator.is_entitled("", CAMPAIGN)
    assert "not-a-real-token" not in creator.redactor.text("not-a-real-token")
