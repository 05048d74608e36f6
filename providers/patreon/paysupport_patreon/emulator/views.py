"""JSON shapes of the emulator's records, as Patreon's reference documents show them.

Turns store records into JSON:API resources as one viewer may see them, and
serialises them the way Patreon does: v2 sends no attributes unless
``fields[type]`` names them and no related resource unless ``include`` names the
relationship (relationships appear on the primary data only for included
relationships); v1 sends every default attribute and lets ``fields`` add
optional ones, so the serialiser takes the attribute policy as a parameter.

Scope-dependent attributes are decided here, once: a user's email only for the
user themself with ``identity[email]``, a member's email only with
``campaigns.members[email]``. Counts that need a pass over every member
(``patron_count``) are computed only when a caller asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from paysupport_patreon.emulator.params import Query
from paysupport_patreon.emulator.store import (
    CampaignRecord,
    MemberRecord,
    PostRecord,
    Store,
    Viewer,
)


@dataclass
class Resource:
    """A resource as the emulator knows it, before sparse fieldsets are applied.

    ``relationships`` maps a relationship name to a thunk so that related
    resources are only built when a caller includes them.
    """

    type: str
    id: str
    attributes: Mapping[str, Any]
    relationships: Mapping[str, Callable[[], Resource | list[Resource] | None]] = field(
        default_factory=dict
    )

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.id)


def v2_attributes(query: Query) -> Callable[[Resource], dict[str, Any]]:
    """Attribute policy of v2: exactly the requested fields that the resource has."""

    def select(resource: Resource) -> dict[str, Any]:
        wanted = query.fields.get(resource.type, ())
        return {name: resource.attributes[name] for name in wanted if name in resource.attributes}

    return select


def _ref(resource: Resource) -> dict[str, str]:
    return {"type": resource.type, "id": resource.id}


def _linkage(related: Resource | list[Resource] | None) -> Any:
    if related is None:
        return None
    if isinstance(related, list):
        return [_ref(item) for item in related]
    return _ref(related)


def _as_list(related: Resource | list[Resource] | None) -> list[Resource]:
    if related is None:
        return []
    return related if isinstance(related, list) else [related]


def include_tree(include: Iterable[str]) -> dict[str, Any]:
    """Dotted include paths as a tree: ``a.b, a.c`` is ``{"a": {"b": {}, "c": {}}}``.

    As JSON:API requires, a nested path also includes every resource on the way.
    """
    tree: dict[str, Any] = {}
    for path in include:
        node = tree
        for name in path.split("."):
            node = node.setdefault(name, {})
    return tree


def build_document(
    primary: Resource | list[Resource],
    include: Iterable[str],
    select: Callable[[Resource], dict[str, Any]],
    *,
    always_relationships: bool = False,
) -> dict[str, Any]:
    """Serialise primary data plus the resources reached through ``include``.

    ``always_relationships`` (v1) emits every relationship's linkage; v2 emits
    only the included ones, at every level of a nested include path. Included
    resources are de-duplicated and never repeat a primary resource.
    """
    tree = include_tree(include)
    primaries = primary if isinstance(primary, list) else [primary]
    seen: set[tuple[str, str]] = {item.key for item in primaries}
    included: list[dict[str, Any]] = []

    def render(resource: Resource, subtree: dict[str, Any], with_rels: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": select(resource),
            "id": resource.id,
            "type": resource.type,
        }
        if not with_rels:
            return out
        names = resource.relationships.keys() if always_relationships else subtree.keys()
        rels: dict[str, Any] = {}
        for name in names:
            thunk = resource.relationships.get(name)
            if thunk is None:
                continue
            related = thunk()
            rels[name] = {"data": _linkage(related)}
            if name in subtree:
                deeper = subtree[name]
                for item in _as_list(related):
                    if item.key not in seen:
                        seen.add(item.key)
                        included.append(render(item, deeper, always_relationships or bool(deeper)))
        if rels:
            out["relationships"] = rels
        return out

    rendered = [render(item, tree, True) for item in primaries]
    doc: dict[str, Any] = {"data": rendered if isinstance(primary, list) else rendered[0]}
    if included:
        doc["included"] = included
    return doc


def all_attributes(resource: Resource) -> dict[str, Any]:
    """Attribute policy of webhooks and the admin API: every attribute the resource has."""
    return dict(resource.attributes)


class LazyAttributes(Mapping[str, Any]):
    """Attributes where some values are computed on first access."""

    def __init__(self, base: Mapping[str, Any], dynamic: Mapping[str, Callable[[], Any]]) -> None:
        self._base = base
        self._dynamic = dynamic

    def __getitem__(self, key: str) -> Any:
        if key in self._dynamic:
            return self._dynamic[key]()
        return self._base[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        yield from (key for key in self._dynamic if key not in self._base)

    def __len__(self) -> int:
        return len(set(self._base) | set(self._dynamic))


def _without(attributes: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in attributes.items() if key not in names}


class Views:
    """Builds v2 and v1 resources from a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ----------------------------------------------------------------- v2
    def user(
        self, user_id: str, viewer: Viewer | None, known: Mapping[str, Any] | None = None
    ) -> Resource:
        """User ``user_id``; ``known`` is their attributes when the caller holds them already
        (a member record carries its user's: looking them up again would rebuild the member)."""
        store = self.store
        attributes = known if known is not None else store.user_attributes(user_id) or {}
        if viewer is None or viewer.user_id != user_id or "identity[email]" not in viewer.scopes:
            attributes = _without(attributes, "email")
        rels: dict[str, Callable[[], Resource | list[Resource] | None]] = {}
        if user_id == store.creator_id:
            rels["campaign"] = lambda: self.campaign(store.campaigns[0], viewer)
        else:
            rels["campaign"] = lambda: None
        rels["memberships"] = lambda: self._memberships(user_id, viewer)
        return Resource("user", user_id, attributes, rels)

    def _memberships(self, user_id: str, viewer: Viewer | None) -> list[Resource]:
        member = self.store.member_for_user(user_id)
        if member is None or viewer is None:
            return []
        # Without identity.memberships a client only sees memberships to its own
        # creator's campaigns; every emulated campaign belongs to that creator.
        return [self.member(member, viewer)]

    def campaign(self, record: CampaignRecord, viewer: Viewer | None) -> Resource:
        store = self.store
        attributes = LazyAttributes(
            record.attributes, {"patron_count": lambda: store.counts().get(record.id, 0)}
        )
        return Resource(
            "campaign",
            record.id,
            attributes,
            {
                "benefits": lambda: [self.benefit(bid) for bid in record.benefit_ids],
                "creator": lambda: self.user(store.creator_id, viewer),
                "goals": lambda: [self.goal(gid) for gid in record.goal_ids],
                "live_access_rules": lambda: [self.rule(rid) for rid in record.rule_ids],
                "tiers": lambda: [self.tier(tid) for tid in record.tier_ids],
            },
        )

    def tier(self, tier_id: str) -> Resource:
        store = self.store

        def post_count() -> int:
            return sum(tier_id in post.attributes.get("tiers", []) for post in store.all_posts())

        attributes = LazyAttributes(
            store.tiers[tier_id],
            {"patron_count": lambda: store.counts().get(tier_id, 0), "post_count": post_count},
        )
        return Resource("tier", tier_id, attributes)

    def benefit(self, benefit_id: str) -> Resource:
        return Resource("benefit", benefit_id, self.store.benefits[benefit_id])

    def goal(self, goal_id: str) -> Resource:
        return Resource("goal", goal_id, self.store.goals[goal_id])

    def rule(self, rule_id: str) -> Resource:
        return Resource("live-access-rule", rule_id, self.store.rules[rule_id])

    def member(self, member: MemberRecord, viewer: Viewer | None) -> Resource:
        store = self.store
        c, i = member.campaign_index, member.index
        attributes: Mapping[str, Any] = member.attributes
        if viewer is None or "campaigns.members[email]" not in viewer.scopes:
            attributes = _without(attributes, "email")
        user_id = store.member_user_id(c, i)
        return Resource(
            "member",
            store.member_id(c, i),
            attributes,
            {
                "address": lambda: self.address(member),
                "campaign": lambda: self.campaign(store.campaigns[c], viewer),
                "currently_entitled_tiers": lambda: [self.tier(t) for t in member.tier_ids],
                "pledge_history": lambda: [
                    Resource("pledge-event", event_id, attrs) for event_id, attrs in member.events
                ],
                "user": lambda: self.user(user_id, viewer, member.user),
            },
        )

    def address(self, member: MemberRecord) -> Resource | None:
        if member.address is None:
            return None
        address_id = f"address-{self.store.member_user_id(member.campaign_index, member.index)}"
        return Resource("address", address_id, member.address)

    def post(self, post: PostRecord, viewer: Viewer | None) -> Resource:
        store = self.store
        return Resource(
            "post",
            post.id,
            post.attributes,
            {
                "user": lambda: self.user(store.creator_id, viewer),
                "campaign": lambda: self.campaign(store.campaigns[post.campaign_index], viewer),
            },
        )

    # ----------------------------------------------------------------- v1
    def v1_user(self, user_id: str, viewer: Viewer) -> Resource:
        attributes = dict(self.store.user_attributes(user_id) or {})
        if viewer.user_id != user_id:
            attributes.pop("email", None)
        # Every v1 user has both relationships, empty where they do not apply (a
        # creator's own pledges, a patron's campaign), so ``current_user``'s default
        # ``include=pledges,campaign`` always finds them.
        rels: dict[str, Callable[[], Resource | list[Resource] | None]] = {}
        if user_id == self.store.creator_id:
            rels["campaign"] = lambda: self.v1_campaign(self.store.campaigns[0], viewer, False)
            rels["pledges"] = lambda: []
        else:
            rels["campaign"] = lambda: None
            member = self.store.member_for_user(user_id)
            pledging = member is not None and self._has_pledge(member)
            rels["pledges"] = lambda: (
                [self.v1_pledge(member, viewer)] if member and pledging else []
            )
        return Resource("user", user_id, attributes, rels)

    @staticmethod
    def _has_pledge(member: MemberRecord) -> bool:
        return member.attributes.get("patron_status") in ("active_patron", "declined_patron")

    def v1_campaign(self, record: CampaignRecord, viewer: Viewer, with_pledges: bool) -> Resource:
        store = self.store
        attributes = LazyAttributes(
            _without(record.attributes, "patron_count"),
            {
                "patron_count": lambda: store.counts().get(record.id, 0),
                "pledge_sum": lambda: self._pledge_sum(record),
                "creation_count": lambda: len(record.post_ids),
                "is_plural": lambda: False,
            },
        )
        rels: dict[str, Callable[[], Resource | list[Resource] | None]] = {
            "rewards": lambda: [self.v1_reward(tid) for tid in record.tier_ids],
            "creator": lambda: self.v1_user(store.creator_id, viewer),
            "goals": lambda: [self.v1_goal(gid) for gid in record.goal_ids],
        }
        if with_pledges:
            rels["pledges"] = lambda: [
                self.v1_pledge(m, viewer) for m in self.pledging_members(record.index)
            ]
        return Resource("campaign", record.id, attributes, rels)

    def pledging_members(self, c: int, after: int | None = None) -> Iterator[MemberRecord]:
        """Members of campaign ``c`` with a pledge (active or declined), in index order."""
        for i in self.store.live_member_indices(c):
            if after is not None and i <= after:
                continue
            member = self.store.member(c, i)
            if member is not None and self._has_pledge(member):
                yield member

    def _pledge_sum(self, record: CampaignRecord) -> int:
        return sum(
            int(m.attributes["will_pay_amount_cents"]) for m in self.pledging_members(record.index)
        )

    def v1_reward(self, tier_id: str) -> Resource:
        tier = self.tier(tier_id)
        attributes = dict(tier.attributes)
        attributes["amount"] = attributes["amount_cents"]
        return Resource("reward", tier_id, attributes)

    def v1_goal(self, goal_id: str) -> Resource:
        return Resource("goal", goal_id, self.store.goals[goal_id])

    def v1_pledge(self, member: MemberRecord, viewer: Viewer) -> Resource:
        store = self.store
        attrs = member.attributes
        declined = attrs.get("patron_status") == "declined_patron"
        tier_id = next((event[1]["tier_id"] for event in member.events), None)
        if member.tier_ids:
            tier_id = member.tier_ids[0]
        attributes = {
            "amount_cents": attrs.get("will_pay_amount_cents", 0),
            "created_at": attrs.get("pledge_relationship_start"),
            "declined_since": attrs.get("last_charge_date") if declined else None,
            "patron_pays_fees": False,
            "pledge_cap_cents": attrs.get("will_pay_amount_cents", 0),
            "total_historical_amount_cents": attrs.get("lifetime_support_cents", 0),
            "is_paused": False,
            "has_shipping_address": member.address is not None,
        }
        c, i = member.campaign_index, member.index
        user_id = store.member_user_id(c, i)
        return Resource(
            "pledge",
            store.pledge_id(c, i),
            attributes,
            {
                "patron": lambda: self.v1_user(user_id, viewer),
                "reward": lambda: self.v1_reward(tier_id) if tier_id else None,
                "creator": lambda: self.v1_user(store.creator_id, viewer),
                "address": lambda: self.address(member),
            },
        )
