"""The rate-limit gate providers share: reserve before sending, wait for the window's real end.

The gate runs here on a fake clock, with a ``sleep`` that records and advances it,
fed the headers a service would send (Flattr's and GitHub's budgets are tested with
their emulators in their own folders). ``Budget`` below is the smallest provider
budget: four headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from paysupport.errors import ConfigError, RateLimited
from paysupport.ratelimit import (
    RESET_MARGIN,
    RateLimitGate,
    anchored_end,
    check_mode,
    check_wait,
    header_count,
)


@dataclass(frozen=True)
class Budget:
    limit: int | None
    remaining: int | None
    spent: int | None
    reset: int | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Budget | None:
        values = [header_count(headers.get(n)) for n in ("limit", "remaining", "spent", "reset")]
        return None if all(v is None for v in values) else cls(*values)


def answer(spent: int, reset: int, limit: int = 3) -> dict[str, str]:
    """The headers of an answer that was request number ``spent`` of its window."""
    return {
        "limit": str(limit),
        "remaining": str(max(0, limit - spent)),
        "spent": str(spent),
        "reset": str(reset),
    }


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def gate(clock: Clock, mode: str = "wait", max_wait: float = 60.0) -> RateLimitGate[Budget]:
    return RateLimitGate(
        Budget.from_headers,
        provider="acme",
        code="rate_limited",
        budget="hourly budget",
        unit="requests",
        mode=mode,
        max_wait=max_wait,
        clock=clock,
        sleep=clock.sleep,
    )


def test_each_request_reserves_a_unit_and_the_spent_budget_raises_before_sending() -> None:
    g = gate(Clock(1000.0), mode="raise")
    g.observe(answer(1, reset=1060))  # 2 left
    g.before_request()
    g.before_request()
    with pytest.raises(RateLimited) as caught:
        g.before_request()
    assert (
        "the hourly budget of 3 requests is spent; it resets in 60.0 s "
        "(not waiting: rate_limit_mode is 'raise')"
    ) in str(caught.value)
    assert (caught.value.provider, caught.value.code, caught.value.status) == (
        "acme",
        "rate_limited",
        None,
    )
    assert caught.value.retry_after == 60


def test_a_wait_longer_than_max_wait_raises_and_names_the_setting() -> None:
    g = gate(Clock(1000.0), max_wait=5)
    g.observe(answer(3, reset=1100))
    with pytest.raises(RateLimited, match=r"longer than rate_limit_wait \(5 s\)"):
        g.before_request()
    assert g.waited == 0


def test_a_late_answer_does_not_give_back_units_reserved_by_concurrent_requests() -> None:
    g = gate(Clock(0.0), mode="raise")
    g.observe(answer(1, reset=60))  # 2 left
    g.before_request()
    g.before_request()  # both reserved by requests on their way
    g.observe(answer(2, reset=60))  # sent before those two: "1 left"
    assert g.last is not None and g.last.remaining == 0
    with pytest.raises(RateLimited):
        g.before_request()


def test_the_wait_ends_at_the_windows_real_end_dated_on_the_clients_clock() -> None:
    clock = Clock(1000.30)  # the window began at 1000.30 and lasts 2 s: it ends at 1002.30
    g = gate(clock)
    g.observe(answer(1, reset=1003), sent_at=1000.29)  # reset: 1002.30 rounded up
    clock.now = 1000.50
    g.observe(answer(3, reset=1003))
    g.before_request()
    assert clock.slept == [pytest.approx(1.80 + RESET_MARGIN)]  # not the 2.5 s to 1003


def test_without_the_first_answers_send_time_the_wait_is_to_the_reset() -> None:
    clock = Clock(1000.30)
    g = gate(clock)
    g.observe(answer(1, reset=1003))
    g.observe(answer(3, reset=1003))
    g.before_request()
    assert clock.slept == [pytest.approx(2.70 + RESET_MARGIN)]


def test_requests_sent_before_the_new_windows_first_answer_are_counted() -> None:
    # A prefetching walk sends several requests as soon as a window ends: the gate
    # foresees the new window's whole limit and reserves from it, so they cannot
    # overdraw it before its first answer tells the budget.
    clock = Clock(1000.0)
    g = gate(clock, mode="raise")
    g.observe(answer(3, reset=1002))
    clock.now = 1002.5  # the window is over
    for _ in range(3):
        g.before_request()  # the new window's three are on their way
    g.observe(answer(1, reset=1005))  # its first answer: "2 left", but 3 were sent
    assert g.last is not None and g.last.remaining == 0
    with pytest.raises(RateLimited):
        g.before_request()


def test_a_slow_answer_from_the_window_that_ended_changes_nothing() -> None:
    clock = Clock(1000.0)
    g = gate(clock)
    g.observe(answer(3, reset=1002))
    clock.now = 1002.5
    g.before_request()  # the next window: 2 left after this one
    g.observe(answer(3, reset=1002))  # an answer from the last one, arriving late
    g.before_request()
    g.before_request()
    assert clock.slept == []
    assert g.last is not None and g.last.remaining == 0


def test_a_refusal_after_the_anchored_end_makes_the_gate_wait_for_the_reset() -> None:
    clock = Clock(1000.30)
    g = gate(clock)
    g.observe(answer(1, reset=1003), sent_at=1000.29)
    g.observe(answer(3, reset=1003))
    clock.now = 1002.40  # past the anchored end (1002.30): the gate lets a request go
    g.before_request()
    g.observe(answer(4, reset=1003))  # refused: the service's window lasts longer
    g.before_request()
    assert clock.slept == [pytest.approx(0.60 + RESET_MARGIN)]  # to the reset, 1003


def test_a_refusal_reported_apart_from_the_headers_does_the_same() -> None:
    # GitHub's refusals leave the points untouched: its transport says so with refused().
    clock = Clock(1000.30)
    g = gate(clock)
    g.observe(answer(1, reset=1003), sent_at=1000.29)
    g.observe(answer(3, reset=1003))
    clock.now = 1002.40
    g.before_request()
    g.observe(answer(3, reset=1003))
    g.refused()
    g.before_request()
    assert clock.slept == [pytest.approx(0.60 + RESET_MARGIN)]


@pytest.mark.parametrize(
    ("reset", "sent", "received", "end"),
    [
        (1003, 1000.20, 1000.30, 1002.30),
        (1003, 1000.97, 1001.02, None),  # the round trip spans a second
        (1003, 1000.0, 1000.0, None),  # a start on a whole second: the reset is the end itself
    ],
)
def test_anchored_end(reset: int, sent: float, received: float, end: float | None) -> None:
    assert anchored_end(reset, sent, received) == (None if end is None else pytest.approx(end))


def test_settings_and_headers_are_read_defensively() -> None:
    assert [header_count(v) for v in (" 12 ", "-3", "abc", "", None)] == [
        12,
        None,
        None,
        None,
        None,
    ]
    assert check_mode(None, "acme") == "wait" and check_mode(" RAISE ", "acme") == "raise"
    assert check_wait(None, 60.0, "acme") == 60.0 and check_wait("2.5", 60.0, "acme") == 2.5
    with pytest.raises(ConfigError, match="rate_limit_mode must be one of wait, raise"):
        check_mode("sometimes", "acme")
    with pytest.raises(ConfigError, match="rate_limit_wait must be a number of seconds"):
        check_wait("-1", 60.0, "acme")
