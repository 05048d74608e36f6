"""Flattr's hourly request budget: read the ``X-RateLimit-*`` headers, wait instead of burning.

api.md, "Rate limiting": every rate-limited answer carries ``X-RateLimit-Limit``,
``-Remaining``, ``-Current`` and ``-Reset`` (a unix timestamp); past the limit
the API answers ``403 rate_limit_exceeded`` until the period ends. The
:class:`RateLimitGate` (the core's :class:`paysupport.ratelimit.RateLimitGate`
reading :class:`RateLimit`) remembers the last budget seen and, when nothing is
left, either sleeps until the period ends (mode ``"wait"``, at most ``max_wait``
seconds) or raises :class:`~paysupport.RateLimited` (mode ``"raise"``) *before*
the request is sent, so a client never spends requests it knows will be refused.

``Reset`` is a whole second, rounded up from the period's real end: the gate
anchors the end on the client's clock from the answer reporting ``Current: 1``
(:func:`~paysupport.ratelimit.anchored_end`), and falls back to ``Reset`` when
that round trip straddles a second, or once an anchored period refuses a request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from paysupport import ratelimit
from paysupport.ratelimit import MODES, RESET_MARGIN, anchored_end, header_count

from .info import PROVIDER
from .resources import Reader


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
            header_count(headers.get(f"X-RateLimit-{name}"))
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

    @property
    def spent(self) -> int | None:
        """Requests spent in the period (``Current``), for the core's gate."""
        return self.current


def check_mode(mode: str | None) -> str:
    """The ``rate_limit_mode`` setting, ``"wait"`` or ``"raise"`` (:class:`ConfigError` else)."""
    return ratelimit.check_mode(mode, PROVIDER)


class RateLimitGate(ratelimit.RateLimitGate[RateLimit]):
    """The core's gate on Flattr's hourly budget; errors say ``rate_limit_exceeded``.

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
        super().__init__(
            RateLimit.from_headers,
            provider=PROVIDER,
            code="rate_limit_exceeded",
            budget="hourly budget",
            unit="requests",
            wait_setting="max_retry_after",
            mode=mode,
            max_wait=max_wait,
            clock=clock,
            sleep=sleep,
        )

    def exhausted(self, reset: int | None) -> None:
        """Record a ``rate_limit_exceeded`` answer that came without usable headers."""
        known = self.last
        self.refused(
            RateLimit(known.limit if known else None, 0, known.current if known else None, reset)
        )


__all__ = ["MODES", "RESET_MARGIN", "RateLimit", "RateLimitGate", "anchored_end", "check_mode"]
