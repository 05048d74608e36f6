"""A sliding-window request limit per access token, answered with 429 and Retry-After."""

from __future__ import annotations

from paysupport.emulation.ratelimit import SlidingWindowLimit


class RateLimiter(SlidingWindowLimit):
    """Allows ``limit`` requests per key within any ``window`` seconds (the core's window).

    :meth:`check` records a request and returns ``None``, or the seconds the
    emulator sends as ``Retry-After`` with its 429.
    """
