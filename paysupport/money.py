"""Exact amounts of money: whole minor units of a currency, never a float.

Every provider states money in its own way (Patreon in cents, GitHub in cents
and dollars, Lightning in millisatoshis). The library carries one shape:
:class:`Money`, an integer count of the currency's smallest unit, so sums and
budgets are exact and two currencies are never added by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from paysupport.errors import InvalidRequest

__all__ = ["Money", "totals"]


@dataclass(frozen=True, order=False)
class Money:
    """``minor`` units (cents, millisatoshis...) of ``currency`` (ISO 4217 code, or ``BTC``)."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise InvalidRequest(f"Money takes whole minor units (an int), not {self.minor!r}")
        if not isinstance(self.currency, str) or not self.currency.strip():
            raise InvalidRequest(f"Money needs a currency code, not {self.currency!r}")
        object.__setattr__(self, "currency", self.currency.strip().upper())

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise InvalidRequest(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __str__(self) -> str:
        return f"{self.minor} {self.currency} (minor units)"


def totals(amounts: Iterable[Money | None]) -> dict[str, Money]:
    """The sum of ``amounts`` per currency (``None`` skipped), currencies sorted."""
    sums: dict[str, int] = {}
    for money in amounts:
        if money is not None:
            sums[money.currency] = sums.get(money.currency, 0) + money.minor
    return {currency: Money(sums[currency], currency) for currency in sorted(sums)}
