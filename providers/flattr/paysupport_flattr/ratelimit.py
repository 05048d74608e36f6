"""Flattr's hourly request budget: read the ``X-RateLimit-*`` headers, wait instead of burning.

api.md, "Rate limiting": every rate-limited answer carries ``X-RateLimit-Limit``,
``-Remaining``, ``-Current`` and ``-Reset`` (a unix timestamp); past the limit
the API answers ``403 rate_limit_exceeded`` until the period ends. The
:class:`RateLimitGate` remembers the last budget seen and, when nothing is
left, either sleeps until ``Reset`` (mode ``"wait"``, at most ``max_wait``
seconds) or raises :class:`~paysupport.RateLimited` (mode ``"raise"``) *before*
the request is sent, so a client never spends requests it knows will be refused.

``Reset`` is a whole second, rounded up from the period's real end: waiting for
it loses up to a second per period. A period starts with its first request and
lasts whole seconds (an hour), so its end has the same fraction of a second as
its start, which the client saw on its own clock: the answer reporting
``Current: 1`` arrived at most its round trip after the period began. The gate
anchors the end there when that round trip does not straddle a second, and
falls back to ``Reset`` when it does, or once an anchored period refuses a request.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from paysupport.errors import ConfigError, RateLimited

from .info import PROVIDER
from .resources import Reader

MODES = ("wait", "raise")

#: Slept past ``Reset`` so the server's period has surely ended (clocks tick in whole seconds).
RESET_MARGIN = 0.05


@dataclass(frozen=True)
class RateLimit:
    """A budget as Flattr reports it; any field may be ``None`` when not sent or unreadable."""

    limit: int | None
    remaining: int | None
    current: int | None
    reset: int | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """The budget in response headers, ``None`` when the answer carries none.

        Unreadable values (``"abc"``, negative numbers) count as absent rather
        than failing the request they came with.
        """
        values = [
            _count(headers.get(f"X-RateLimit-{name}"))
            for name in ("Limit", "Remaining", "Current", "Reset")
        ]
        if all(v is None for v in values):
            return None
        return cls(*values)

    @classmethod
    def from_body(cls, body: Any) -> RateLimit:
        """The answer of ``GET /rate_limit``."""
        reader = Reader(body, "rate limit")
        return cls(
            limit=reader.opt_integer("hourly_limit"),
            remaining=reader.opt_integer("remaining_hits"),
            current=reader.opt_integer("current_hits"),
            reset=reader.opt_integer("reset_time_in_seconds"),
        )

    @property
    def reset_at(self) -> datetime | None:
        return None if self.reset is None else datetime.fromtimestamp(self.reset, timezone.utc)

    def seconds_to_reset(self, now: float | None = None) -> float | None:
        if self.reset is None:
            return None
        return max(0.0, self.reset - (time.time() if now is None else now))

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def anchored_end(reset: int, sent: float, received: float) -> float | None:
    """When a period ends, on the client's clock, from the answer that began it.

    ``reset`` is the period's end rounded up to a second; the period began
    between ``sent`` and ``received`` (the request that reported ``Current: 1``),
    and its end has its start's fraction of a second. ``None`` when that round
    trip spans a whole second, or the anchored end is not within the second
    before ``reset``: then only ``reset`` is known.
    """
    if math.floor(sent) != math.floor(received):
        return None
    end = reset - 1 + (received - math.floor(received))
    return end if reset - 1 < end <= reset else None


def _count(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.isdigit() else None


def check_mode(mode: str | None) -> str:
    chosen = (mode or "wait").strip().lower()
    if chosen not in MODES:
        raise ConfigError(
            f"rate_limit_mode must be one of {', '.join(MODES)}, not {mode!r}", provider=PROVIDER
        )
    return chosen


class RateLimitGate:
    """Holds the last budget seen and stops requests that would exceed it.

    Thread-safe: each request that passes reserves one unit of the known
    budget, so concurrent walkers do not all spend the last request.
    ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        mode: str = "wait",
        max_wait: float = 60.0,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.mode = check_mode(mode)
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last: RateLimit | None = None
        #: The period (its ``Reset``) whose end the client's clock pins down, and that end.
        self._anchor: tuple[int, float] | None = None
        self.waited = 0.0

    @property
    def last(self) -> RateLimit | None:
        """The budget from the most recent answer that carried one."""
        with self._lock:
            return self._last

    def before_request(self) -> None:
        """Wait for the next period, or raise, when the known budget is spent."""
        while True:
            with self._lock:
                last = self._last
                if last is None or last.remaining is None:
                    return
                if last.remaining > 0:
                    self._last = replace(last, remaining=last.remaining - 1)
                    return
                wait = self._seconds_to_end(last)
                if wait is None or wait <= 0:
                    self._last = None  # the period ended: the next answer tells the new budget
                    return
            if self.mode == "raise" or wait > self.max_wait:
                reason = "rate_limit_mode is 'raise'" if self.mode == "raise" else "too long"
                raise RateLimited(
                    f"the hourly budget of {last.limit or '?'} requests is spent; it resets "
                    f"in {wait:.1f} s (not waiting: {reason})",
                    provider=PROVIDER,
                    status=None,
                    code="rate_limit_exceeded",
                    retry_after=wait,
                )
            self._sleep(wait + RESET_MARGIN)
            with self._lock:
                self.waited += wait + RESET_MARGIN
                if self._last is last:
                    self._last = None

    def _seconds_to_end(self, last: RateLimit) -> float | None:
        """Until ``last``'s period ends: its anchored end when known, else its ``Reset``."""
        now = self._clock()
        if self._anchor is not None and self._anchor[0] == last.reset:
            return max(0.0, self._anchor[1] - now)
        return last.seconds_to_reset(now)

    def now(self) -> float:
        """The gate's clock: the transport reads it as it sends (``observe``'s ``sent_at``)."""
        return self._clock()

    def observe(
        self, headers: Mapping[str, str], *, sent_at: float | None = None
    ) -> RateLimit | None:
        """Remember the budget an answer reports (answers without one change nothing).

        ``sent_at`` is when the request was sent (by :meth:`now`, before any retry),
        which dates the start of a period from its first answer (see
        :func:`anchored_end`); without it, the gate waits for ``Reset``.
        """
        seen = RateLimit.from_headers(headers)
        if seen is not None:
            received = self._clock()
            with self._lock:
                known = self._last
                if (
                    known is not None
                    and known.reset == seen.reset
                    and known.remaining is not None
                    and seen.remaining is not None
                    and known.remaining < seen.remaining
                ):
                    # An answer to a request sent before others were counted: within one
                    # period the budget only shrinks, and the gate's reservations stand.
                    seen = replace(seen, remaining=known.remaining)
                self._last = seen
                if seen.current == 1 and seen.reset is not None and sent_at is not None:
                    end = anchored_end(seen.reset, sent_at, received)
                    self._anchor = None if end is None else (seen.reset, end)
                elif self._refused(seen):
                    self._anchor = None  # the server's period outlasted the anchor: trust Reset
        return seen

    def _refused(self, seen: RateLimit) -> bool:
        over = seen.limit is not None and seen.current is not None and seen.current > seen.limit
        return over and self._anchor is not None and self._anchor[0] == seen.reset

    def exhausted(self, reset: int | None) -> None:
        """Record a ``rate_limit_exceeded`` answer that came without usable headers."""
        with self._lock:
            known = self._last
            self._anchor = None
            self._last = RateLimit(
                known.limit if known else None, 0, known.current if known else None, reset
            )


__all__ = ["MODES", "RateLimit", "RateLimitGate", "check_mode"]
