"""Hourly rate limits: the four headers, the over-limit error and ``GET /rate_limit``."""

from __future__ import annotations

import requests
from paysupport_flattr.emulator.ratelimit import DOCUMENTED_RATE_LIMIT, UNLIMITED_BUDGET

from paysupport.emulation import EmulatorSettings

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Current", "X-RateLimit-Reset")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_342_518_339.0

    def __call__(self) -> float:
        return self.now


def test_documented_hourly_budget_counts_down(make_sandbox):
    sandbox = make_sandbox(EmulatorSettings(seed=1, rate_limit=DOCUMENTED_RATE_LIMIT))
    first = requests.get(f"{sandbox.api}/categories")
    second = requests.get(f"{sandbox.api}/things/nothing_here")
    assert all(h in first.headers for h in HEADERS)
    assert first.headers["X-RateLimit-Limit"] == "1000"
    assert (first.headers["X-RateLimit-Remaining"], first.headers["X-RateLimit-Current"]) == (
        "999",
        "1",
    )
    assert second.headers["X-RateLimit-Remaining"] == "998"
    assert second.headers["X-RateLimit-Reset"] == first.headers["X-RateLimit-Reset"]


def test_no_rate_limit_means_unlimited_but_the_headers_stay(make_sandbox):
    clock = FakeClock()
    sandbox = make_sandbox(EmulatorSettings(seed=1, rate_limit=None), clock=clock)
    limiter = sandbox.emulator._api._limiter
    # Far beyond any hourly budget: never refused, never "Remaining: 0".
    limiter._windows["ip:127.0.0.1"] = (clock.now, UNLIMITED_BUDGET + 5)
    answer = requests.get(f"{sandbox.api}/categories")
    assert answer.status_code == 200
    assert all(h in answer.headers for h in HEADERS)
    assert answer.headers["X-RateLimit-Limit"] == str(UNLIMITED_BUDGET)
    assert int(answer.headers["X-RateLimit-Remaining"]) >= 1
    assert int(answer.headers["X-RateLimit-Current"]) == UNLIMITED_BUDGET + 6


def test_over_the_limit_is_rate_limit_exceeded_until_the_hour_ends(make_sandbox):
    clock = FakeClock()
    sandbox = make_sandbox(EmulatorSettings(seed=1, rate_limit=3), clock=clock)
    url = f"{sandbox.api}/categories"
    remaining = [requests.get(url).headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    over = requests.get(url)
    assert over.status_code == 403
    assert over.json()["error"] == "rate_limit_exceeded"
    assert over.headers["X-RateLimit-Remaining"] == "0"
    assert int(over.headers["X-RateLimit-Reset"]) == int(clock.now + 3600)

    # A token has its own budget, separate from anonymous calls from the same IP.
    assert requests.get(url, headers=sandbox.auth).status_code == 200

    clock.now += 3600
    fresh = requests.get(url)
    assert fresh.status_code == 200
    assert fresh.headers["X-RateLimit-Remaining"] == "2"


def test_rate_limit_resource_is_not_rate_limited(make_sandbox):
    clock = FakeClock()
    sandbox = make_sandbox(EmulatorSettings(seed=1, rate_limit=5), clock=clock)
    requests.get(f"{sandbox.api}/categories", headers=sandbox.auth)
    requests.get(f"{sandbox.api}/languages", headers=sandbox.auth)
    status = requests.get(f"{sandbox.api}/rate_limit", headers=sandbox.auth)
    assert status.status_code == 200
    assert not any(h in status.headers for h in HEADERS)
    assert status.json() == {
        "hourly_limit": 5,
        "remaining_hits": 3,
        "current_hits": 2,
        "reset_time_in_seconds": 1_342_521_939,
        "reset_time": "Tue, 17 Jul 2012 10:45:39 +0000 GMT",
    }
    again = requests.get(f"{sandbox.api}/rate_limit", headers=sandbox.auth).json()
    assert again["current_hits"] == 2


def test_oauth_and_admin_are_outside_the_api_budget(make_sandbox):
    sandbox = make_sandbox(EmulatorSettings(seed=1, rate_limit=1))
    assert "X-RateLimit-Limit" not in sandbox.consent_page().headers
    assert "X-RateLimit-Limit" not in requests.get(f"{sandbox.url}/_admin/state").headers
