"""Flattr's hourly request budget: read the ``X-RateLimit-*`` headers, wait instead of burning.

api.md, "Rate limiting": every rate-limited answer carries ``X-RateLimit-Limit``,
``-Remaining``, ``-Current`` and ``-Reset`` (a unix timestamp); past the limit
the API answers ``403 rate_limit_exceeded`` until the period ends. The
:class:`RateLimitGate` remembers the last budget seen and, when nothing is
left, either sleeps until ``Reset`` (mode ``"wait"``, at most ``max_wait``
seconds) or raises :class:`~paysupport.RateLimited` (mode ``"raise"``) *before*
the request is sent, so a client never spends requests it knows will be refused.
"""

from __future__ import annotations

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
                wait = last.seconds_to_reset(self._clock())
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

    def observe(self, headers: Mapping[str, str]) -> RateLimit | None:
        """Remember the budget an answer reports (answers without one change nothing)."""
        seen = RateLimit.from_headers(headers)
        if seen is not None:
            with self._lock:
                self._last = seen
        return seen

    def exhausted(self, reset: int | None) -> None:
        """Record a ``rate_limit_exceeded`` answer that came without usable headers."""
        with self._lock:
            known = self._last
            self._last = RateLimit(
                known.limit if known else None, 0, known.current if known else None, reset
            )


__all__ = ["MODES", "RateLimit", "RateLimitGate", "check_mode"]
