"""A client's gate on a service's request budget: wait for the window's end, never be refused.

Services that report what is left of a fixed window's budget on every answer
(Flattr's ``X-RateLimit-*``, GitHub's ``x-ratelimit-*``: a limit, what remains,
what was spent and the window's end as whole epoch seconds) let a client stop
before the request that would be refused. :class:`RateLimitGate` keeps the last
budget a provider read from the headers and, once nothing is left, sleeps until
the window ends (mode ``"wait"``, at most ``max_wait`` seconds) or raises
:class:`~paysupport.errors.RateLimited` (mode ``"raise"``) *before* the request
is sent.

Two things make the waits as short as the limit allows:

* Concurrent requests (prefetching walks, several threads) each reserve one unit
  of the known budget before they are sent, and an answer to a request sent
  before others were counted does not give those units back: within one window
  the budget only shrinks. When a window ends, the next one is foretold with the
  whole limit, so the requests sent before its first answer are counted too,
  and slow answers from the window that ended change nothing.
* The reset is a whole second, rounded up from the window's real end, so waiting
  for it loses up to a second per window. A window starts with its first request
  and lasts whole seconds, so its end has the same fraction of a second as its
  start, which the client saw on its own clock: the answer reporting one unit
  spent arrived at most its round trip after the window began
  (:func:`anchored_end`). Once an anchored window refuses a request, the gate
  trusts the reset again.

Providers keep their own budget type (what their headers are called, and any
extra field); the gate needs the four values of :class:`Budget`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import Field, replace
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from paysupport.errors import ConfigError, RateLimited

__all__ = [
    "MODES",
    "RESET_MARGIN",
    "Budget",
    "RateLimitGate",
    "anchored_end",
    "check_mode",
    "check_wait",
    "header_count",
]

MODES = ("wait", "raise")

#: Slept past a window's end so the server's window has surely ended (clocks tick in seconds).
RESET_MARGIN = 0.05


class Budget(Protocol):
    """What the gate reads of a provider's budget (a frozen dataclass); ``None``: not sent."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def limit(self) -> int | None: ...

    @property
    def remaining(self) -> int | None: ...

    @property
    def spent(self) -> int | None:
        """Units spent in the window, the answer's own request included."""

    @property
    def reset(self) -> int | None:
        """When the window ends, in epoch seconds rounded up."""


B = TypeVar("B", bound=Budget)


def header_count(value: str | None) -> int | None:
    """A budget header's count; absent, unreadable or negative values are ``None``.

    An unreadable header must not fail the request it came with.
    """
    text = (value or "").strip()
    return int(text) if text.isdigit() else None


def check_mode(mode: str | None, provider: str) -> str:
    """The ``rate_limit_mode`` setting: ``"wait"`` (the default) or ``"raise"``."""
    chosen = (mode or "wait").strip().lower()
    if chosen not in MODES:
        raise ConfigError(
            f"rate_limit_mode must be one of {', '.join(MODES)}, not {mode!r}", provider=provider
        )
    return chosen


def check_wait(value: str | float | None, default: float, provider: str) -> float:
    """The ``rate_limit_wait`` setting: the longest wait in seconds, ``default`` when unset."""
    if value in (None, ""):
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0:
        raise ConfigError(
            f"rate_limit_wait must be a number of seconds, not {value!r}", provider=provider
        )
    return seconds


def anchored_end(reset: int, sent: float, received: float) -> float | None:
    """When a window ends, on the client's clock, from the answer that began it.

    ``reset`` is the window's end rounded up to a second; the window began
    between ``sent`` and ``received`` (the request that reported one unit spent),
    and its end has its start's fraction of a second. ``None`` when that round
    trip spans a whole second, or the anchored end is not within the second
    before ``reset``: then only ``reset`` is known.
    """
    if math.floor(sent) != math.floor(received):
        return None
    end = reset - 1 + (received - math.floor(received))
    return end if reset - 1 < end <= reset else None


class RateLimitGate(Generic[B]):
    """The last budget seen; stops a request that would exceed it, waiting or raising.

    ``read`` turns an answer's headers into the provider's budget (``None`` when
    they carry none). ``budget`` and ``unit`` word the error (``"the hourly budget
    of 1000 requests is spent"``), ``code`` is its code, and ``wait_setting`` names
    the setting that bounds waits. Thread-safe; ``clock`` and ``sleep`` are
    attributes so tests can run the gate on a fake clock. :attr:`waited` adds up
    the seconds slept.
    """

    def __init__(
        self,
        read: Callable[[Mapping[str, str]], B | None],
        *,
        provider: str,
        code: str,
        budget: str = "budget",
        unit: str = "requests",
        wait_setting: str = "rate_limit_wait",
        mode: str = "wait",
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.read = read
        self.provider = provider
        self.code = code
        self.budget = budget
        self.unit = unit
        self.wait_setting = wait_setting
        self.mode = check_mode(mode, provider)
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._last: B | None = None
        #: The window (its reset) whose end the client's clock pins down, and that end.
        self._anchor: tuple[int, float] | None = None
        #: The reset of the window that ended while ``_last`` is the next one's budget,
        #: foretold (its whole limit, less the requests let through since) until an
        #: answer of the new window tells it.
        self._ended: int | None = None
        self.waited = 0.0

    @property
    def last(self) -> B | None:
        """The budget from the latest answer that reported one, less the units reserved since."""
        with self._lock:
            return self._last

    def now(self) -> float:
        """The gate's clock: a transport reads it as it sends (``observe``'s ``sent_at``)."""
        return self.clock()

    def before_request(self) -> None:
        """Reserve one unit of the known budget; when none is left, wait for the window's end.

        Raises :class:`~paysupport.errors.RateLimited` instead of waiting in mode
        ``"raise"`` or when the wait is longer than ``max_wait``.
        """
        while True:
            with self._lock:
                last = self._last
                if last is None or last.remaining is None:
                    return
                if last.remaining > 0:
                    self._last = replace(last, remaining=last.remaining - 1)
                    return
                wait = None if self._ended is not None else self._seconds_to_end(last)
                if wait is None or wait <= 0:
                    self._next_window(last)
                    continue
            self.wait(
                wait,
                f"the {self.budget} of {last.limit or '?'} {self.unit} is spent; "
                f"it resets in {wait:.1f} s",
                code=self.code,
                status=None,
            )
            with self._lock:
                if self._last is last:
                    self._next_window(last)

    def _next_window(self, last: B) -> None:
        """The window of ``last`` ended: the next one has the whole limit (lock held).

        Reservations go on against it, so requests sent before its first answer
        (a prefetching walk sends many at once) are counted too. Without a known
        limit and reset, or when the foretold budget is spent before any answer,
        nothing is known until the next answer.
        """
        if self._ended is None and last.limit is not None and last.reset is not None:
            self._ended = last.reset
            self._last = replace(last, remaining=last.limit)
        else:
            self._ended = None
            self._last = None

    def wait(
        self,
        seconds: float,
        why: str,
        *,
        code: str,
        status: int | None,
        request_id: str | None = None,
    ) -> None:
        """Sleep ``seconds`` (plus :data:`RESET_MARGIN`) if allowed; else raise ``RateLimited``."""
        if self.mode == "raise" or seconds > self.max_wait:
            reason = (
                "rate_limit_mode is 'raise'"
                if self.mode == "raise"
                else f"longer than {self.wait_setting} ({self.max_wait:g} s)"
            )
            raise RateLimited(
                f"{why} (not waiting: {reason})",
                provider=self.provider,
                status=status,
                code=code,
                request_id=request_id,
                retry_after=seconds,
            )
        self.sleep(seconds + RESET_MARGIN)
        with self._lock:
            self.waited += seconds + RESET_MARGIN

    def _seconds_to_end(self, last: B) -> float | None:
        """Until ``last``'s window ends: its anchored end when known, else its reset."""
        if last.reset is None:
            return None
        now = self.clock()
        if self._anchor is not None and self._anchor[0] == last.reset:
            return max(0.0, self._anchor[1] - now)
        return max(0.0, last.reset - now)

    def observe(self, headers: Mapping[str, str], *, sent_at: float | None = None) -> B | None:
        """Remember the budget an answer reports (answers without one change nothing).

        ``sent_at`` is when the request was sent (by :meth:`now`), which dates the
        start of a window from its first answer (see :func:`anchored_end`);
        without it, the gate waits for the reset. An answer from an earlier window
        than the one known (a slow request) changes nothing.
        """
        seen = self.read(headers)
        if seen is None:
            return None
        received = self.clock()
        with self._lock:
            known = self._last
            if self._ended is not None and known is not None:
                if seen.reset is not None and seen.reset <= self._ended:
                    if _over(seen):  # refused: that window has not ended after all
                        self._ended, self._anchor, self._last = None, None, seen
                    return seen  # a slow answer from the window that ended
                self._ended = None  # the new window's first answer; reservations stand:
                known = replace(known, reset=seen.reset)
            if known is not None and known.reset is not None and seen.reset is not None:
                if seen.reset < known.reset:
                    return seen
                if (
                    seen.reset == known.reset
                    and known.remaining is not None
                    and seen.remaining is not None
                    and known.remaining < seen.remaining
                ):
                    # Sent before others were counted: the gate's reservations stand.
                    seen = replace(seen, remaining=known.remaining)
            self._last = seen
            if seen.spent == 1 and seen.reset is not None and sent_at is not None:
                end = anchored_end(seen.reset, sent_at, received)
                self._anchor = None if end is None else (seen.reset, end)
            elif self._refused(seen):
                self._anchor = None  # the server's window outlasted the anchor: trust the reset
        return seen

    def _refused(self, seen: B) -> bool:
        return _over(seen) and self._anchor is not None and self._anchor[0] == seen.reset

    def refused(self, budget: B | None = None) -> None:
        """Record that the server refused a request for the budget: trust its reset again.

        ``budget`` (what the refusal implies, when its headers said nothing usable)
        replaces the known one. A refusal while the gate believed a window over
        means it is not: nothing is left until that window's reset.
        """
        with self._lock:
            self._anchor = None
            if budget is not None:
                self._ended, self._last = None, budget
            elif self._ended is not None and self._last is not None:
                # The window believed over is not: nothing is left until its reset.
                self._last = replace(self._last, remaining=0, reset=self._ended)
                self._ended = None


def _over(seen: Budget) -> bool:
    """Whether an answer reports more spent than the limit: the service refused it."""
    return seen.limit is not None and seen.spent is not None and seen.spent > seen.limit
