"""Rate limits: wait for the reset when the wait is short, refuse at once when it is not.

The emulators here run on the fake ``clock``; the client's rate-limit gate is
given the same clock and a ``sleep`` that advances it, so an hour's wait takes
no time and the emulator sees exactly the time the client waited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from paysupport_github import GitHubClient

from paysupport.errors import RateLimited
from paysupport.tokens import MemoryTokenStore

if TYPE_CHECKING:
    from github_helpers import FakeClock, Served  # fixtures' types; pytest provides the values


@pytest.fixture
def make_client(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> Iterator[Callable[..., GitHubClient]]:
    """``make_client(served, **settings)``: the maintainer's client, its gate on ``clock``."""
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    made: list[GitHubClient] = []

    def make(served: Served, **settings: Any) -> GitHubClient:
        settings.setdefault("access_token", served.emulator.credentials()["access_token"])
        client = GitHubClient(base_url=served.url, token_store=MemoryTokenStore(), **settings)
        client.graphql.gate.clock = clock
        client.graphql.gate.sleep = clock.advance
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_a_spent_budget_is_waited_out_before_the_next_query_is_sent(
    make_served: Callable[..., Served], make_client: Callable[..., GitHubClient]
) -> None:
    served = make_served(rate_limit=3, rate_window=60.0)
    client = make_client(served, rate_limit_wait="120")
    for _ in range(3):
        client.identity()
    assert client.rate_limit is not None and client.rate_limit.remaining == 0
    assert client.identity().raw.login == "mona"  # waited for the reset, then asked
    assert 60 <= client.graphql.gate.waited < 61
    assert served.emulator.requests == 4  # nothing was sent to be refused


def test_in_raise_mode_a_spent_budget_raises_before_sending(
    make_served: Callable[..., Served], make_client: Callable[..., GitHubClient]
) -> None:
    served = make_served(rate_limit=2, rate_window=60.0)
    client = make_client(served, rate_limit_mode="raise")
    client.identity()
    client.identity()
    with pytest.raises(RateLimited) as caught:
        client.identity()
    assert caught.value.retry_after is not None and 59 <= caught.value.retry_after <= 60
    assert "rate_limit_mode is 'raise'" in str(caught.value)
    assert served.emulator.requests == 2


@pytest.mark.parametrize("status", [200, 403])
def test_a_rate_limited_answer_is_waited_out_and_the_query_sent_again(
    status: int, make_served: Callable[..., Served], make_client: Callable[..., GitHubClient]
) -> None:
    served = make_served(rate_limit=2, rate_window=30.0, rate_limited_status=status)
    other = make_client(served)  # another program spending the same token's budget
    other.identity()
    other.identity()
    client = make_client(served)  # knows nothing of the spent budget yet
    assert client.identity().raw.login == "mona"
    assert 29 <= client.graphql.gate.waited < 31
    assert served.emulator.requests == 4  # the refused query, then the same query again


def test_a_wait_longer_than_rate_limit_wait_raises_with_retry_after(
    make_served: Callable[..., Served], make_client: Callable[..., GitHubClient]
) -> None:
    served = make_served(rate_limit=1, rate_window=3600.0)
    other = make_client(served)
    other.identity()
    client = make_client(served, rate_limit_wait="10")
    with pytest.raises(RateLimited) as caught:
        client.identity()
    assert caught.value.code == "RATE_LIMITED"
    assert caught.value.retry_after is not None and caught.value.retry_after > 3500
    assert "longer than rate_limit_wait (10 s)" in str(caught.value)
    assert client.graphql.gate.waited == 0


def test_a_secondary_limit_is_waited_for_as_retry_after_says(
    make_served: Callable[..., Served], make_client: Callable[..., GitHubClient]
) -> None:
    served = make_served(secondary_limit=2, secondary_window=20.0)
    client = make_client(served)
    for _ in range(3):
        assert client.identity().raw.login == "mona"
    assert 0 < client.graphql.gate.waited <= 21
    assert served.emulator.requests == 4  # one 403 with retry-after, then the query again


def test_a_secondary_limit_past_rate_limit_wait_raises_with_its_status(
    make_served: Callable[..., Served], make_client: Callable[..., GitHubClient]
) -> None:
    served = make_served(secondary_limit=1, secondary_window=60.0)
    client = make_client(served, rate_limit_wait="1")
    client.identity()
    with pytest.raises(RateLimited) as caught:
        client.identity()
    assert caught.value.status == 403
    assert caught.value.code == "secondary_rate_limit"
    assert caught.value.retry_after is not None and caught.value.retry_after > 1
