"""GitHub's rate limits: points per token per hour (primary) and a short-window secondary limit.

Primary: every token has ``limit`` points (5,000, or ``EmulatorSettings.rate_limit``)
per fixed window (an hour, or ``rate_window``) that starts at its first request;
a query costs what :mod:`.cost` computes. Every answer carries
``x-ratelimit-limit``, ``-remaining``, ``-used``, ``-reset`` (epoch seconds) and
``-resource: graphql``. A query that costs more than what remains is not run.

Secondary: more than ``limit`` requests by one token within ``window`` seconds
(GitHub documents 2,000 points a minute for GraphQL, a query counting 1 point)
answers 403 with ``retry-after``; the emulator makes both numbers settable so
tests can reach the limit in a few requests.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from paysupport.emulation.ratelimit import SlidingWindowLimit

GITHUB_POINTS = 5_000
SECONDARY_LIMIT = 2_000
SECONDARY_WINDOW = 60.0


@dataclass(frozen=True)
class Budget:
    """One token's primary budget after a request: the x-ratelimit-* headers' values."""

    limit: int
    used: int
    reset: int
    exceeded: bool = False

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-resource": "graphql",
        }


class PointsLimiter:
    """``limit`` points per key per fixed ``window`` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, used)

    def _current(self, key: str) -> tuple[float, int]:
        now = self._clock()
        start, used = self._windows.get(key, (now, 0))
        if now >= start + self.window:
            start, used = now, 0
        return start, used

    def peek(self, key: str) -> Budget:
        with self._lock:
            start, used = self._current(key)
            return Budget(self.limit, used, math.ceil(start + self.window))

    def charge(self, key: str, cost: int) -> Budget:
        """Spend ``cost`` points; ``exceeded`` (and nothing spent) when they are not there."""
        with self._lock:
            start, used = self._current(key)
            reset = math.ceil(start + self.window)
            if used + cost > self.limit:
                self._windows[key] = (start, used)
                return Budget(self.limit, used, reset, exceeded=True)
            self._windows[key] = (start, used + cost)
            return Budget(self.limit, used + cost, reset)


class SecondaryLimiter(SlidingWindowLimit):
    """At most ``limit`` requests per key in any ``window`` seconds; ``check`` says the wait.

    The core's sliding window; GitHub answers its refusal with 403 and ``retry-after``.
    """
