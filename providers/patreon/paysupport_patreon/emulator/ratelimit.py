"""A sliding-window request limit per access token, answered with 429 and Retry-After."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Allows ``limit`` requests per key within any ``window`` seconds."""

    def __init__(self, limit: int | None, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> int | None:
        """Record a request; return ``None`` if allowed, else the seconds to wait."""
        if self.limit is None:
            return None
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None
