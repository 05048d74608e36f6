"""Hourly request budgets per token (or per client IP when anonymous), api.md "Rate limiting".

A fixed window starts at a key's first request and lasts ``window`` seconds;
``X-RateLimit-Reset`` is its end as a unix timestamp. Refused requests count
too, as they do against any budget that is enforced at the door.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    limit: int
    current: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.current)

    @property
    def exceeded(self) -> bool:
        return self.current > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Current": str(self.current),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
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
        return Quota(self.limit, count, math.ceil(start + self.window))
