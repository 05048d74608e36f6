"""The emulator's own admin API (``/_admin/...``) for tests, the demo and users' tests.

``GET /_admin/state``; ``POST /_admin/sponsors`` adds a sponsorship (and its
sponsor when new) and sends ``created``; ``POST /_admin/trigger`` sends a
``sponsorship`` event of any action built from the emulator's data, changing
the data the way the action says (``cancelled`` ends the sponsorship,
``edited`` flips its privacy, ``tier_changed`` moves it to another tier; the
``pending_*`` actions announce a change at ``effective_date`` without making
it); ``GET/POST /_admin/webhooks`` lists and registers hooks (``url``,
``secret``), ``DELETE /_admin/webhooks/<id>`` removes one,
``POST /_admin/webhooks/redeliver`` redelivers failed deliveries;
``POST /_admin/reset`` re-seeds the data (apps and tokens stay valid).
"""

from __future__ import annotations

from typing import Any, Protocol

from paysupport_github.emulator import views
from paysupport_github.emulator.seed import MAINTAINER
from paysupport_github.emulator.store import Account, Sponsorship, Store, Tier
from paysupport_github.emulator.webhooks import WebhookHub, next_month

ACTIONS = (
    "created",
    "cancelled",
    "edited",
    "tier_changed",
    "pending_cancellation",
    "pending_tier_change",
)


class AdminError(Exception):
    """A bad admin request, answered with ``{"error": detail}`` and ``status``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Host(Protocol):
    """What the admin routes need from the emulator."""

    store: Store
    webhooks: WebhookHub

    def now(self) -> float: ...


def _text(body: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise AdminError(400, f"{name} must be a string")
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise AdminError(400, f"{name} must be true or false")
    return value


class Admin:
    """The admin operations on one emulator's data and hooks."""

    def __init__(self, host: Host) -> None:
        self.host = host

    # ---------------------------------------------------------------- lookups
    def _maintainer(self, body: dict[str, Any]) -> Account:
        login = _text(body, "maintainer", MAINTAINER) or MAINTAINER
        account = self.host.store.account(login)
        if account is None or not account.sponsorable:
            raise AdminError(404, f"no sponsorable account {login}")
        return account

    def _sponsorship(self, body: dict[str, Any]) -> Sponsorship:
        store = self.host.store
        wanted = body.get("sponsorship")
        if wanted is None:
            maintainer = self._maintainer(body)
            active = [s for s in store.as_maintainer(maintainer.login) if s.is_active]
            if not active:
                raise AdminError(404, f"{maintainer.login} has no active sponsorship")
            return active[0]
        for record in store.sponsorships.values():
            if wanted in (record.node_id, record.database_id, str(record.database_id)):
                return record
        raise AdminError(404, f"no sponsorship {wanted}")

    def _tier(self, maintainer: str, body: dict[str, Any], exclude: int | None = None) -> Tier:
        store = self.host.store
        wanted = body.get("tier")
        listed = [t for t in store.tiers_of(maintainer) if not t.is_custom_amount]
        if wanted is not None:
            for tier in store.tiers_of(maintainer):
                if wanted in (tier.node_id, tier.database_id, tier.name):
                    return tier
            raise AdminError(404, f"no tier {wanted} of {maintainer}")
        cents = body.get("monthly_price_in_cents")
        if cents is not None:
            if not isinstance(cents, int) or isinstance(cents, bool) or cents < 100:
                raise AdminError(400, "monthly_price_in_cents must be an integer >= 100")
            return store.custom_tier(maintainer, cents, _flag(body, "one_time"), self.host.now())
        others = [t for t in listed if t.database_id != exclude and not t.is_one_time]
        if not others:
            raise AdminError(404, f"{maintainer} has no other tier")
        return others[0]

    # ------------------------------------------------------------------ sponsors
    def add_sponsor(self, body: dict[str, Any]) -> Sponsorship:
        store, now = self.host.store, self.host.now()
        maintainer = self._maintainer(body)
        kind = _text(body, "kind", "User")
        if kind not in ("User", "Organization"):
            raise AdminError(400, "kind must be User or Organization")
        privacy = (_text(body, "privacy", "PUBLIC") or "PUBLIC").upper()
        source = (_text(body, "payment_source", "GITHUB") or "GITHUB").upper()
        if privacy not in ("PUBLIC", "PRIVATE") or source not in ("GITHUB", "PATREON"):
            raise AdminError(400, "privacy is PUBLIC or PRIVATE; payment_source GITHUB or PATREON")
        with store.lock:
            login = _text(body, "login") or f"new-sponsor-{store.new_id()}"
            account = store.account(login)
            if account is None:
                account = store.add_account(
                    Account(
                        login,
                        str(kind),
                        store.new_id(),
                        _text(body, "name") or login,
                        _text(body, "email") or f"{login}@users.sandbox.example",
                        True,
                        now,
                    )
                )
            tier = self._tier(maintainer.login, body)
            return store.add_sponsorship(
                Sponsorship(
                    store.new_id(),
                    account.login,
                    maintainer.login,
                    tier.database_id,
                    now,
                    now,
                    privacy,
                    source,
                )
            )

    # ------------------------------------------------------------------ events
    def trigger(self, body: dict[str, Any], api: str, html: str) -> dict[str, Any]:
        """Apply ``body["action"]`` and send its event; returns the payload and the attempts."""
        action = body.get("action")
        if action not in ACTIONS:
            raise AdminError(400, f"action must be one of {', '.join(ACTIONS)}")
        store = self.host.store
        extra: dict[str, Any] = {}
        with store.lock:
            if action == "created" and body.get("sponsorship") is None:
                record = self.add_sponsor(body)
            else:
                record = self._sponsorship(body)
            shown = record
            if action == "cancelled":
                record.is_active = False
            elif action == "edited":
                extra["changes"] = {"privacy_level": {"from": record.privacy.lower()}}
                record.privacy = "PRIVATE" if record.privacy == "PUBLIC" else "PUBLIC"
            elif action in ("tier_changed", "pending_tier_change"):
                old = store.tiers[record.tier_id]
                new = self._tier(record.maintainer, body, exclude=old.database_id)
                extra["changes"] = {"tier": {"from": views.tier(old)}}
                if action == "tier_changed":
                    record.tier_id = new.database_id
                    record.tier_selected_at = self.host.now()
                else:
                    shown = Sponsorship(**{**record.__dict__, "tier_id": new.database_id})
            if action.startswith("pending_"):
                extra["effective_date"] = next_month(self.host.now())
            sponsor = store.account(record.sponsor)
            assert sponsor is not None
            payload: dict[str, Any] = {
                "action": action,
                "sponsorship": views.sponsorship(store, shown, api, html),
                **extra,
                "sender": views.user(sponsor, api, html),
            }
        attempts = self.host.webhooks.send("sponsorship", payload)
        return {"payload": payload, "deliveries": attempts}
