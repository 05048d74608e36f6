"""Hourly request budgets per token (or per client IP when anonymous), api.md "Rate limiting".

A fixed window starts at a key's first request and lasts ``window`` seconds;
``X-RateLimit-Reset`` is its end as a unix timestamp. Refused requests count
too, as they do against any budget that is enforced at the door.

``limit=None`` means unlimited (the core's :class:`EmulatorSettings` contract,
which long walks and soak tests rely on). The four headers are still sent, so
clients exercise the same parsing, advertising :data:`UNLIMITED_BUDGET` per
window; such a budget is never refused and never reports ``Remaining: 0``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

#: The hourly budget shown in api.md (the sandbox enforces none unless settings give one).
DOCUMENTED_RATE_LIMIT = 1000

#: The budget advertised when the emulator enforces none.
UNLIMITED_BUDGET = 1_000_000


@dataclass(frozen=True)
class Quota:
    limit: int
    current: int
    reset: int
    enforced: bool = True

    @property
    def remaining(self) -> int:
        if not self.enforced:
            return max(1, self.limit - self.current)
        return max(0, self.limit - self.current)

    @property
    def exceeded(self) -> bool:
        return self.enforced and self.current > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Current": str(self.current),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimiter:
    def __init__(self, limit: int | None, window: float, clock: Callable[[], float]) -> None:
        self.enforced = limit is not None
        self.limit = UNLIMITED_BUDGET if limit is None else limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> Quota:
        """Count one request for ``key`` and return the budget after it."""
        with self._lock:
            start, count = self._current(key)
            self._windows[key] = (start, count + 1)
            return self._quota(start, count + 1)

    def peek(self, key: str) -> Quota:
        """The budget for ``key`` without counting a request (``GET /rate_limit``)."""
        with self._lock:
            start, count = self._current(key)
            return self._quota(start, count)

    def _current(self, key: str) -> tuple[float, int]:
        now = self._clock()
        start, count = self._windows.get(key, (now, 0))
        if now >= start + self.window:
            return now, 0
        return start, count

    def _quota(self, start: float, count: int) -> Quota:
        return Quota(self.limit, count, math.ceil(start + self.window), self.enforced)
