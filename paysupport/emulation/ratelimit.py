"""A sliding-window request limit per key (an access token, an api key), for emulators.

At most ``limit`` requests per key within any ``window`` seconds; :meth:`check`
records a request and says how long to wait when it is one too many. The
emulator answers that its own way (Patreon's 429 with ``Retry-After``,
GitHub's secondary-limit 403). ``limit=None`` is the core's "unlimited"
(:class:`~paysupport.emulation.EmulatorSettings`). ``clock`` is injected so
tests move time without sleeping.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable


class SlidingWindowLimit:
    """Allows ``limit`` requests per key within any ``window`` seconds; thread-safe."""

    def __init__(self, limit: int | None, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> int | None:
        """Record a request; ``None`` if allowed, else the whole seconds to wait (at least 1).

        A refused request is not recorded: waiting the time said is enough.
        """
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
