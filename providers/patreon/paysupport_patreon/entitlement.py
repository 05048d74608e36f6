"""Content gating: is this patron entitled to a campaign's content?

A web app holds a patron's token (from the login flow) and asks one question
per request. The answer needs one call: ``identity`` with the patron's
memberships, each membership's campaign and currently entitled tiers (nested
includes; scope ``identity.memberships`` or a client of the campaign's creator).
A patron is entitled when their membership of the campaign is
``active_patron`` and, when asked, the entitled amount reaches ``min_cents`` and
one entitled tier is among ``tier_ids``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from paysupport._args import several
from paysupport.jsonapi import JsonApiDocument
from paysupport_patreon.errors import PROVIDER
from paysupport_patreon.resources import Member

#: What :func:`decide` needs from ``identity``.
IDENTITY_INCLUDES = ("memberships", "memberships.campaign", "memberships.currently_entitled_tiers")
IDENTITY_FIELDS = {
    "member": ("patron_status", "currently_entitled_amount_cents", "last_charge_status"),
    "tier": ("title", "amount_cents"),
}


@dataclass(frozen=True)
class Entitlement:
    """The decision and why: ``bool(entitlement)`` is ``entitled``."""

    entitled: bool
    reason: str
    patron_status: str | None = None
    amount_cents: int = 0
    tier_ids: tuple[str, ...] = ()
    member: Member | None = None

    def __bool__(self) -> bool:
        return self.entitled


def decide(
    identity: JsonApiDocument,
    campaign_id: str | int,
    *,
    min_cents: int | None = None,
    tier_ids: Iterable[str | int] | None = None,
) -> Entitlement:
    """Decide from an ``identity`` document fetched with :data:`IDENTITY_INCLUDES`."""
    user = identity.data()
    if user is None or isinstance(user, list):
        return Entitlement(False, "the identity document has no user")
    memberships = [Member(r) for r in user.related("memberships") if r.type == "member"]
    member = next((m for m in memberships if m.campaign_id == str(campaign_id)), None)
    if member is None:
        return Entitlement(False, f"not a member of campaign {campaign_id}")
    status = member.patron_status
    amount = member.currently_entitled_amount_cents or 0
    entitled_ids = tuple(member.entitled_tier_ids)

    def verdict(entitled: bool, reason: str) -> Entitlement:
        return Entitlement(entitled, reason, status, amount, entitled_ids, member)

    if status != "active_patron":
        return verdict(False, f"patron status is {status}")
    if min_cents is not None and amount < min_cents:
        return verdict(False, f"entitled to {amount} cents, below {min_cents}")
    asked = {str(t) for t in several(tier_ids, "tier_ids", provider=PROVIDER)}
    if tier_ids is not None and not asked & set(entitled_ids):
        return verdict(False, "no entitled tier is among those asked")
    return verdict(True, "active patron")
