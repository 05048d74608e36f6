"""Split a payment among a value block's recipients, in whole millisatoshis.

The namespace gives proportions, not a rounding rule. The rule here:

* Every amount is computed exactly (fractions), then **floored** to whole
  msat. Each payee gets its exact share minus less than 1 msat, never more,
  so the shares never sum to more than the payout. The remainder (less than
  1 msat per payee) is **kept by the listener**: not paid to anyone.
* Fee recipients (``fee="true"``) take their split as a percentage of the
  whole payout, off the top; the others share the rest by their splits. A
  lone recipient takes everything, whatever its split says (value.md).
* Entries naming the same payee (:attr:`Recipient.payee`) are merged into one share.
* A share below ``minimum_msat`` (keysend needs at least 1 sat, 1000 msat)
  is reported with ``below_minimum`` set and is not to be sent: it "rounds to
  nothing", and that money stays with the listener too.

Streams are computed per minute of the episode's runtime (value.md: never
per minute of playback) and batched: :func:`stream_payments` accrues each
payee's exact amount minute by minute and pays it once the whole msat accrued
since its last payment reach the minimum. Because each payment is the
difference of floors of the exact running total, a payee is short by less
than 1 msat over the whole stream, not per payment. The batching is greedy
and looks only backwards, so the plan for minutes ``[0, n)`` begins with the
plan for ``[0, m)``, m < n: a ledger can key each payment by (feed, episode,
payee, action, minute range) and a later run recomputes the same keys.

Time splits: during a time split, the block's fees come off first, then the
time split's recipients (or remote item) take ``remote_percentage`` of what
is left, in proportion to the seconds of the minute the time split covers;
the block's own non-fee recipients share the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from paysupport.value.model import Recipient, RemoteItem, TimeSplit, ValueBlock, ValueForValueError
from paysupport.value.validate import block_problems, recipients_problems

#: The smallest keysend payment wallets send: 1 sat.
KEYSEND_MINIMUM_MSAT = 1000

Payee = Recipient | RemoteItem


@dataclass(frozen=True)
class Share:
    """One payee's part of a payout, in whole msat (floored from its exact part).

    ``recipient`` is a :class:`RemoteItem` only for the part of a boost that
    falls in a remote time split: the caller splits it again over that feed's block.
    """

    recipient: Payee
    amount_msat: int
    #: Below the wallet's minimum: rounds to nothing, not to be sent.
    below_minimum: bool = False


@dataclass(frozen=True)
class StreamPayment:
    """One batched stream payment: minutes ``[first_minute, end_minute)`` for one payee."""

    recipient: Payee
    first_minute: int
    end_minute: int
    amount_msat: int


@dataclass(frozen=True)
class StreamPlan:
    """The payments due for a stream so far, and what has accrued below the minimum."""

    payments: tuple[StreamPayment, ...]
    #: Per payee, the minutes since its last payment and the whole msat they
    #: have accrued: not enough to send yet (more listening may complete them).
    pending: tuple[StreamPayment, ...]


def split_payout(
    total_msat: int, recipients: Sequence[Recipient], *, minimum_msat: int = KEYSEND_MINIMUM_MSAT
) -> list[Share]:
    """Each payee's share of ``total_msat`` (see the module's docstring for the rule).

    Raises :class:`~paysupport.value.model.ValueForValueError` for a negative
    total or recipients that cannot share a payment (no recipients, splits
    summing to 0, fees over 100%...).
    """
    _check_amount(total_msat, minimum_msat)
    problems = recipients_problems(recipients, "recipients")
    if problems:
        raise ValueForValueError("; ".join(problems))
    exact = _exact_shares(Fraction(total_msat), recipients)
    return _shares(exact, minimum_msat)


def boost_shares(
    block: ValueBlock,
    total_msat: int,
    *,
    at_s: Decimal | int | None = None,
    minimum_msat: int = KEYSEND_MINIMUM_MSAT,
) -> list[Share]:
    """Split a one-off payment (a boost) over ``block``, with the time split playing at ``at_s``.

    A boost sent ``at_s`` seconds into the episode goes, like a stream
    minute, partly to the time split active at that second (if any).
    """
    _check_amount(total_msat, minimum_msat)
    _check_block(block)
    active: list[tuple[TimeSplit, Fraction]] = []
    if at_s is not None:
        at = Decimal(at_s)
        active = [(s, Fraction(1)) for s in block.time_splits if s.start_s <= at < s.end_s]
    return _shares(_allocate(Fraction(total_msat), block, active), minimum_msat)


def stream_rate_msat(
    block: ValueBlock | None, *, sats_per_minute: int | Decimal | None = None
) -> Decimal | None:
    """The msat a minute to stream: the listener's rate if given, else the feed's suggestion."""
    if sats_per_minute is not None:
        if sats_per_minute < 0:
            raise ValueForValueError(f"a rate of {sats_per_minute} sats a minute is negative")
        return Decimal(sats_per_minute) * 1000
    return block.suggested_msat_per_minute if block is not None else None


def stream_msat(minutes: int, msat_per_minute: Decimal | int) -> int:
    """What ``minutes`` of runtime cost at ``msat_per_minute``, floored to whole msat."""
    if minutes < 0 or msat_per_minute < 0:
        raise ValueForValueError("minutes and the rate must not be negative")
    return math.floor(Fraction(Decimal(msat_per_minute)) * minutes)


def stream_payments(
    block: ValueBlock,
    *,
    msat_per_minute: Decimal | int,
    end_minute: int,
    start_minute: int = 0,
    minimum_msat: int = KEYSEND_MINIMUM_MSAT,
) -> StreamPlan:
    """The batched payments for runtime minutes ``[start_minute, end_minute)`` of an episode.

    Minute ``m`` is seconds ``[60 m, 60 m + 60)`` of the episode. See the
    module's docstring for how minutes are batched and why the plan is stable.
    """
    if start_minute < 0 or end_minute < start_minute:
        raise ValueForValueError(f"minutes [{start_minute}, {end_minute}) are not a range")
    _check_amount(0, minimum_msat)
    if msat_per_minute < 0:
        raise ValueForValueError(f"a rate of {msat_per_minute} msat a minute is negative")
    _check_block(block)
    rate = Fraction(Decimal(msat_per_minute))
    by_minute = _time_splits_by_minute(block.time_splits, start_minute, end_minute)
    accrued: dict[tuple[str, str, int | None, str | None], Fraction] = {}
    paid: dict[tuple[str, str, int | None, str | None], int] = {}
    since: dict[tuple[str, str, int | None, str | None], int] = {}
    payees: dict[tuple[str, str, int | None, str | None], Payee] = {}
    payments: list[StreamPayment] = []
    for minute in range(start_minute, end_minute):
        active = [(s, _overlap(s, minute)) for s in by_minute.get(minute, ())]
        for payee, amount in _allocate(rate, block, active):
            key = payee.payee
            payees.setdefault(key, payee)
            if amount > 0:
                accrued[key] = accrued.get(key, Fraction(0)) + amount
                since.setdefault(key, minute)
        for key, first in list(since.items()):
            due = math.floor(accrued[key]) - paid.get(key, 0)
            if due >= minimum_msat and due > 0:
                payments.append(StreamPayment(payees[key], first, minute + 1, due))
                paid[key] = paid.get(key, 0) + due
                del since[key]
    pending = tuple(
        StreamPayment(payees[k], first, end_minute, math.floor(accrued[k]) - paid.get(k, 0))
        for k, first in since.items()
    )
    return StreamPlan(tuple(payments), pending)


def _allocate(
    amount: Fraction, block: ValueBlock, active: Sequence[tuple[TimeSplit, Fraction]]
) -> list[tuple[Payee, Fraction]]:
    """Exact parts of ``amount`` when ``active`` time splits cover the given fractions of it.

    The block's recipients come first, in the feed's order, then the time splits'.
    """
    recipients = block.recipients
    if len(recipients) == 1 and not active:
        return [(recipients[0], amount)]  # a lone recipient's split is ignored
    lone = len(recipients) == 1
    is_fee = [r.fee and not lone for r in recipients]
    rest = amount - sum(
        (amount * r.split / 100 for r, fee in zip(recipients, is_fee, strict=True) if fee),
        Fraction(0),
    )
    left = rest
    extra: list[tuple[Payee, Fraction]] = []
    for split, covered in active:
        portion = rest * covered * Fraction(split.remote_percentage) / 100
        left -= portion
        if split.remote is not None:
            extra.append((split.remote, portion))
        else:
            extra += _exact_shares(portion, split.recipients)
    weight = sum(
        1 if lone else r.split for r, fee in zip(recipients, is_fee, strict=True) if not fee
    )
    parts: list[tuple[Payee, Fraction]] = [
        (r, amount * r.split / 100 if fee else left * (1 if lone else r.split) / weight)
        for r, fee in zip(recipients, is_fee, strict=True)
    ]
    return parts + extra


def _exact_shares(
    amount: Fraction, recipients: Sequence[Recipient]
) -> list[tuple[Payee, Fraction]]:
    block = ValueBlock("lightning", "keysend", None, tuple(recipients))
    return _allocate(amount, block, ())


def _shares(parts: Sequence[tuple[Payee, Fraction]], minimum_msat: int) -> list[Share]:
    """Merge the parts by payee (first entry's name kept) and floor each to whole msat."""
    merged: dict[tuple[str, str, int | None, str | None], tuple[Payee, Fraction]] = {}
    for payee, amount in parts:
        first, total = merged.get(payee.payee, (payee, Fraction(0)))
        merged[payee.payee] = (first, total + amount)
    shares = []
    for payee, amount in merged.values():
        whole = math.floor(amount)
        shares.append(Share(payee, whole, below_minimum=whole < max(minimum_msat, 1)))
    return shares


def _time_splits_by_minute(
    splits: Sequence[TimeSplit], start: int, end: int
) -> dict[int, list[TimeSplit]]:
    """The time splits touching each minute of ``[start, end)``, without scanning every pair."""
    found: dict[int, list[TimeSplit]] = {}
    for split in splits:
        first = max(start, math.floor(split.start_s / 60))
        last = min(end, math.ceil(split.end_s / 60))
        for minute in range(first, last):
            found.setdefault(minute, []).append(split)
    return found


def _overlap(split: TimeSplit, minute: int) -> Fraction:
    """The fraction of ``minute`` the time split covers."""
    start, end = Fraction(split.start_s), Fraction(split.end_s)
    covered = min(end, Fraction(60 * minute + 60)) - max(start, Fraction(60 * minute))
    return max(covered, Fraction(0)) / 60


def _check_amount(total_msat: int, minimum_msat: int) -> None:
    if total_msat < 0:
        raise ValueForValueError(f"cannot split a negative payout ({total_msat} msat)")
    if minimum_msat < 0:
        raise ValueForValueError(f"the minimum payment ({minimum_msat} msat) is negative")


def _check_block(block: ValueBlock) -> None:
    problems = block_problems(block)
    if problems:
        raise ValueForValueError("value block cannot be paid: " + "; ".join(problems))
