"""A fixed-window request counter per caller (token, else api key, else address)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Allow ``limit`` hits per key in each ``window`` seconds; ``limit=None`` allows all.

    A window starts at a key's first hit, so every caller gets a full quota from its first
    request, which keeps tests independent of wall-clock alignment.
    """

    def __init__(
        self, limit: int | None, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> int | None:
        """Count a request; ``None`` if allowed, else the whole seconds until the next window."""
        if self.limit is None:
            return None
        now = self._clock()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            if count >= self.limit:
                return max(1, math.ceil(start + self.window - now))
            self._windows[key] = (start, count + 1)
            return None
