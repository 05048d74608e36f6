"""One supporter model across providers: who supports an account, with how much, since when.

Each provider that receives support (Patreon members, GitHub sponsors...)
offers ``walk("supporters")`` yielding :class:`Supporter`, built from its own
resource; the field-by-field source of each provider is documented in
docs/supporters.md. A web app or a creator's export then asks the same
question the same way everywhere, and can merge providers into one list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from paysupport.money import Money

__all__ = ["Period", "Supporter", "SupporterStatus"]


class SupporterStatus(str, Enum):
    """Where a supporter stands today."""

    ACTIVE = "active"  # supporting now, on a recurring plan
    ONE_TIME = "one-time"  # paid once, no recurring plan
    PENDING = "pending"  # started, first payment not settled (or a cancellation pending)
    DECLINED = "declined"  # the last charge failed
    PAST = "past"  # supported before, not now

    def __str__(self) -> str:
        return self.value


class Period(str, Enum):
    """What ``Supporter.amount`` is paid for."""

    MONTH = "month"
    YEAR = "year"
    ONCE = "once"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Supporter:
    """A supporter of one connected account on one provider.

    ``id`` is the supporter's id on that provider (a Patreon user id, a GitHub
    login's node id); ``account`` names the connected account they support.
    ``amount`` is what they pay per ``period``, exact (minor units), ``None``
    when the provider does not say. ``resource`` is the provider's own record,
    for anything this model does not carry.
    """

    provider: str
    id: str
    name: str | None
    status: SupporterStatus
    amount: Money | None = None
    period: Period | None = None
    tier: str | None = None
    tier_id: str | None = None
    email: str | None = None
    since: datetime | None = None
    last_charge: datetime | None = None
    account: str | None = None
    resource: Any = field(default=None, repr=False, compare=False)

    @property
    def active(self) -> bool:
        """Supporting now (recurring or one-time within its period)."""
        return self.status in (SupporterStatus.ACTIVE, SupporterStatus.ONE_TIME)

    def monthly(self) -> Money | None:
        """The amount per month (a yearly amount divided by 12, rounded down); one-time: None."""
        if self.amount is None or self.period in (None, Period.ONCE):
            return None
        if self.period is Period.YEAR:
            return Money(self.amount.minor // 12, self.amount.currency)
        return self.amount

    def to_dict(self) -> dict[str, Any]:
        """A flat record (the same keys for every provider), for tables, CSV and JSON."""
        return {
            "provider": self.provider,
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "status": str(self.status),
            "amount_minor": None if self.amount is None else self.amount.minor,
            "currency": None if self.amount is None else self.amount.currency,
            "period": None if self.period is None else str(self.period),
            "tier": self.tier,
            "tier_id": self.tier_id,
            "since": None if self.since is None else self.since.isoformat(),
            "last_charge": None if self.last_charge is None else self.last_charge.isoformat(),
            "account": self.account,
        }
