"""Rate limits: the headers on the client, waiting for the reset or raising, ``/rate_limit``."""

from __future__ import annotations

import time

import pytest
from paysupport_flattr import RateLimit
from paysupport_flattr.ratelimit import RESET_MARGIN, RateLimitGate, anchored_end

from paysupport import ConfigError, RateLimited
from paysupport.emulation import EmulatorSettings

TINY = EmulatorSettings(seed=3, rate_limit=3, rate_window=2)


def test_the_headers_are_exposed_on_the_client(client):
    assert client.rate_limit is None
    client.categories()
    seen = client.rate_limit
    assert seen is not None and seen.current == 1
    assert seen.limit is not None and seen.remaining == seen.limit - 1
    assert seen.reset is not None and seen.reset >= time.time()
    assert seen.reset_at is not None


def test_the_rate_limit_resource_is_free(make_sandbox, make_client):
    sandbox = make_sandbox(EmulatorSettings(seed=3, rate_limit=50))
    client = make_client(sandbox)
    client.categories()
    client.languages()
    status = client.rate_limit_status()
    assert (status.limit, status.current, status.remaining) == (50, 2, 48)
    assert client.rate_limit_status().current == 2


def test_wait_mode_sleeps_until_the_reset_instead_of_burning_requests(make_sandbox, make_client):
    sandbox = make_sandbox(TINY)
    client = make_client(sandbox)
    started = time.monotonic()
    for _ in range(3):
        client.users.get("flattr")
    assert client.rate_limit.remaining == 0
    reset = client.rate_limit.reset
    client.users.get("flattr")  # waits for the next window, then succeeds
    assert time.time() > reset - 1  # the window's end, which Reset rounds up to a second
    assert time.monotonic() - started < 4
    assert client.rate_limit_status().current == 1  # the fourth request opened a fresh window
    assert client.api.gate.waited > 0


def test_raise_mode_raises_without_sending(make_sandbox, make_client, events):
    sandbox = make_sandbox(TINY)
    client = make_client(sandbox, events, rate_limit_mode="raise")
    for _ in range(3):
        client.users.get("flattr")
    events.clear()
    with pytest.raises(RateLimited) as caught:
        client.users.get("flattr")
    assert events.seen == []
    assert caught.value.status is None and caught.value.code == "rate_limit_exceeded"
    assert 0 < caught.value.retry_after <= 3
    assert client.rate_limit_status().current == 3


def test_a_refusal_the_client_did_not_foresee_waits_and_retries_once(make_sandbox, make_client):
    sandbox = make_sandbox(TINY)
    spender, fresh = make_client(sandbox), make_client(sandbox)  # the same token
    for _ in range(3):
        spender.users.get("flattr")
    assert fresh.users.get("flattr").username == "flattr"
    assert fresh.api.gate.waited > 0


def test_in_raise_mode_the_servers_refusal_is_rate_limited(make_sandbox, make_client):
    sandbox = make_sandbox(TINY)
    spender = make_client(sandbox)
    fresh = make_client(sandbox, rate_limit_mode="raise")
    for _ in range(3):
        spender.users.get("flattr")
    with pytest.raises(RateLimited) as caught:
        fresh.users.get("flattr")
    assert (caught.value.status, caught.value.code) == (403, "rate_limit_exceeded")
    assert caught.value.retry_after is not None


def test_an_unknown_mode_is_a_config_error(make_client, sandbox):
    with pytest.raises(ConfigError):
        make_client(sandbox, rate_limit_mode="sometimes")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        (
            {
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Remaining": "999",
                "X-RateLimit-Current": "1",
                "X-RateLimit-Reset": "1342521939",
            },
            RateLimit(1000, 999, 1, 1342521939),
        ),
        ({"X-RateLimit-Remaining": "abc"}, None),  # unreadable counts as absent
        ({"X-RateLimit-Remaining": "-3", "X-RateLimit-Reset": ""}, None),
        (
            {"X-RateLimit-Limit": "1000", "X-RateLimit-Reset": "soon"},
            RateLimit(1000, None, None, None),
        ),
        ({"X-RateLimit-Remaining": " 0 "}, RateLimit(None, 0, None, None)),
    ],
)
def test_headers_are_read_defensively(headers, expected):
    assert RateLimit.from_headers(headers) == expected


def test_the_gate_caps_its_wait_and_forgets_a_past_reset():
    now = [1000.0]
    slept: list[float] = []
    gate = RateLimitGate("wait", max_wait=5, clock=lambda: now[0], sleep=slept.append)
    gate.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1003"})
    gate.before_request()
    assert slept and 3 <= slept[0] < 3.2
    gate.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1100"})
    with pytest.raises(RateLimited) as caught:
        gate.before_request()
    assert caught.value.retry_after == 100
    now[0] = 1200.0
    gate.before_request()  # the period is over
    assert gate.last is None


def test_the_gate_reserves_the_remaining_budget():
    gate = RateLimitGate("raise", clock=lambda: 0.0)
    gate.observe({"X-RateLimit-Remaining": "2", "X-RateLimit-Reset": "60"})
    gate.before_request()
    gate.before_request()
    with pytest.raises(RateLimited):
        gate.before_request()


def budget(current: int, reset: int, limit: int = 3) -> dict[str, str]:
    """The headers of an answer that was request number ``current`` of its period."""
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, limit - current)),
        "X-RateLimit-Current": str(current),
        "X-RateLimit-Reset": str(reset),
    }


def test_the_gate_waits_for_the_periods_end_on_its_own_clock_not_the_rounded_reset():
    now = [1000.30]  # the period began at 1000.30 and lasts 2 s: it ends at 1002.30
    slept: list[float] = []
    gate = RateLimitGate("wait", clock=lambda: now[0], sleep=slept.append)
    gate.observe(budget(1, reset=1003), sent_at=now[0] - 0.01)  # Reset: 1002.30 rounded up
    now[0] = 1000.50
    gate.observe(budget(3, reset=1003))
    gate.before_request()
    assert slept == [pytest.approx(1.80 + RESET_MARGIN)]  # not the 2.5 s to 1003


def test_the_gate_waits_for_the_reset_when_the_first_round_trip_spans_a_second():
    now = [1001.02]  # sent at 1000.97: the period's fraction of a second is unknown
    slept: list[float] = []
    gate = RateLimitGate("wait", clock=lambda: now[0], sleep=slept.append)
    gate.observe(budget(1, reset=1003), sent_at=now[0] - 0.05)
    gate.observe(budget(3, reset=1003))
    gate.before_request()
    assert slept == [pytest.approx(1003 - 1001.02 + RESET_MARGIN)]


def test_a_refusal_in_an_anchored_period_makes_the_gate_trust_the_reset_again():
    now = [1000.30]
    slept: list[float] = []
    gate = RateLimitGate("wait", clock=lambda: now[0], sleep=slept.append)
    gate.observe(budget(1, reset=1003), sent_at=now[0] - 0.01)
    now[0] = 1000.50
    gate.observe(budget(4, reset=1003))  # refused: the server's period lasts longer
    gate.before_request()
    assert slept == [pytest.approx(2.5 + RESET_MARGIN)]


@pytest.mark.parametrize(
    ("reset", "sent", "received", "end"),
    [
        (1003, 1000.20, 1000.30, 1002.30),
        (1003, 1000.97, 1001.02, None),  # the round trip spans a second
        (1003, 1000.0, 1000.0, None),  # a start on a whole second: Reset is the end itself
    ],
)
def test_anchored_end(reset, sent, received, end):
    assert anchored_end(reset, sent, received) == (None if end is None else pytest.approx(end))


def test_a_late_answer_does_not_give_back_budget_reserved_by_concurrent_requests():
    gate = RateLimitGate("raise", clock=lambda: 0.0)
    gate.observe(budget(1, reset=60, limit=3))  # 2 left
    gate.before_request()
    gate.before_request()  # both reserved by requests on their way
    gate.observe(budget(2, reset=60, limit=3))  # an answer sent before those two: "1 left"
    with pytest.raises(RateLimited):
        gate.before_request()
    gate.observe(budget(1, reset=120, limit=3))  # a new period has its own budget
    gate.before_request()
