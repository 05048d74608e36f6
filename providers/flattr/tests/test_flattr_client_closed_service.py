"""Flattr closed its service in 2023: without a base_url nothing is sent, and the error says why.

The provider keeps Flattr's documented API for archives, the podcast and blog
flows and as a model provider; its emulator (the sandbox) is the only server
that answers. A client left on the real hosts refuses every call with
:class:`Unsupported` at once, instead of waiting for connection timeouts.
"""

from __future__ import annotations

import pytest
from paysupport_flattr import FlattrClient

from paysupport import Unsupported
from paysupport.tokens import MemoryTokenStore


@pytest.fixture
def live_client(events) -> FlattrClient:
    return FlattrClient(
        client_id="id",
        client_secret="secret-value",
        access_token="token-value",
        redirect_uri="https://app.example/callback",
        token_store=MemoryTokenStore(),
        hooks=[events],
    )


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.identity(), id="identity"),
        pytest.param(lambda c: c.support("https://blog.example/post"), id="support"),
        pytest.param(lambda c: list(c.walk("things")), id="walk"),
        pytest.param(
            lambda c: c.oauth.fetch_token(
                authorization_response="https://app.example/callback?code=c&state=s",
                request=c.oauth.authorization_url(state="s"),
            ),
            id="token exchange on flattr.com",
        ),
    ],
)
def test_every_call_to_the_closed_service_is_refused_with_a_clear_error(live_client, call):
    with pytest.raises(Unsupported) as caught:
        call(live_client)
    error = caught.value
    assert error.provider == "flattr"
    assert "closed its service in 2023" in str(error)
    assert "base_url" in str(error)  # what to do: point the client at the emulator
    assert "secret-value" not in str(error) and "token-value" not in str(error)


def test_offline_work_needs_no_service(live_client, events):
    link = live_client.autosubmit_url("alice", "https://blog.example/post")
    assert link.startswith("https://flattr.com/submit/auto?")
    assert live_client.parse_autosubmit_url(link).url == "https://blog.example/post"
    assert events.seen == []


def test_with_a_base_url_the_emulator_answers(sandbox, make_client):
    assert make_client(sandbox).identity().id == sandbox.primary
