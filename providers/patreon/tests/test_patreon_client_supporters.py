"""``walk("supporters")`` and ``find_supporter``: members as the common Supporter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from paysupport_patreon import Member, PatreonClient

from paysupport import sandbox
from paysupport.errors import InvalidRequest
from paysupport.money import Money
from paysupport.sandbox import Sandbox, answer_consent
from paysupport.supporters import Period, Supporter, SupporterStatus

CAMPAIGN = "7100000"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox.running(providers=["patreon"], sizes={"members": 80}) as running:
        yield running


@pytest.fixture(scope="module")
def creator(sb: Sandbox) -> PatreonClient:
    return sb.connect("patreon", PatreonClient)


@pytest.fixture(scope="module")
def members(creator: PatreonClient) -> dict[str, Member]:
    return {str(m.user_id): m for m in creator.walk("members", campaign=CAMPAIGN)}


def test_every_pledging_member_is_a_supporter_field_by_field(
    creator: PatreonClient, members: dict[str, Member]
) -> None:
    everyone = list(creator.walk("supporters", past=True))
    pledged = {uid for uid, m in members.items() if m.patron_status is not None}
    assert {s.id for s in everyone} == pledged  # members who never pledged are left out
    statuses = {"active_patron": "active", "declined_patron": "declined", "former_patron": "past"}
    for found in everyone:
        member = members[found.id]
        assert isinstance(found, Supporter) and found.resource.id == member.id
        assert found.provider == "patreon" and found.account == CAMPAIGN
        assert str(found.status) == statuses[str(member.patron_status)]
        assert found.name == member.full_name and found.email == member.email
        assert found.since == member.pledge_relationship_start
        assert found.last_charge == member.last_charge_date
        assert found.tier_id == (member.entitled_tier_ids or [None])[0]
        if member.is_active:
            cents = member.currently_entitled_amount_cents
            assert found.amount == Money(cents or 0, "USD") and found.period is Period.MONTH
            assert found.tier == member.entitled_tiers[0].title
        if member.patron_status == "former_patron":
            assert found.amount is None and found.period is None


def test_current_supporters_leave_former_patrons_out(creator: PatreonClient) -> None:
    current = list(creator.walk("supporters"))  # the token's own campaign
    assert current and all(s.status is not SupporterStatus.PAST for s in current)
    assert {SupporterStatus.ACTIVE, SupporterStatus.DECLINED} <= {s.status for s in current}
    paged = creator.walk("supporters", count=7)
    assert [s.id for s in paged] == [s.id for s in current]


def test_supporters_take_no_includes_and_members_take_no_past(creator: PatreonClient) -> None:
    with pytest.raises(InvalidRequest, match="takes no includes"):
        creator.walk("supporters", includes=["user"])
    with pytest.raises(InvalidRequest, match="takes no past"):
        creator.walk("members", past=True)


def test_find_supporter_from_a_patrons_login_in_one_request(
    sb: Sandbox, creator: PatreonClient, members: dict[str, Member]
) -> None:
    member = next(m for m in members.values() if m.is_active)
    patron = sb.connect("patreon", PatreonClient, creator_access_token="", creator_refresh_token="")
    assert patron.oauth is not None and member.user_id is not None
    request = patron.oauth.authorization_url(
        ["identity", "identity.memberships"], login_as=member.user_id
    )
    token = patron.oauth.fetch_token(
        authorization_response=answer_consent(request.url, "allow").headers["Location"]
    )
    creator.find_supporter(member.user_id)  # the creator's campaign is now known
    sent: list[str] = []
    creator.http.hooks.append(lambda e: sent.append(e.url) if e.kind == "response" else None)
    found = creator.find_supporter(token)
    assert len(sent) == 1 and "/identity" in sent[0]
    assert found is not None and found.id == member.user_id
    assert found.status is SupporterStatus.ACTIVE
    assert found.amount == Money(member.currently_entitled_amount_cents or 0, "USD")
    # By user id: the same record, with the email the creator's scope shows (the patron's
    # identity.memberships scope does not show a member's email).
    by_id = creator.find_supporter(member.user_id)
    assert by_id is not None and by_id.email == member.email
    assert replace(by_id, email=None) == found
    assert creator.find_supporter(token, campaign="7100099") is None
    assert creator.find_supporter("999999999") is None
    with pytest.raises(InvalidRequest, match="Patreon user id"):
        creator.find_supporter(3.5)
