"""The recorded cassettes replay through the client and hold no token, secret or signature."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from paysupport_patreon import Campaign, Member, PatreonClient
from paysupport_patreon.emulator import create_emulator
from record_patreon_cassettes import CAMPAIGN, CASSETTES, PORT, REPLAY_TOKEN

from paysupport.emulation import EmulatorSettings
from paysupport.errors import NotFound
from paysupport.http import HttpOptions
from paysupport.testing import recorder
from paysupport.tokens import MemoryTokenStore

FILES = sorted(CASSETTES.glob("*.yaml"))


@pytest.fixture
def client() -> PatreonClient:
    return PatreonClient(
        base_url=f"http://127.0.0.1:{PORT}",
        access_token=REPLAY_TOKEN,
        token_store=MemoryTokenStore(),
        http_options=HttpOptions(retries=0),
    )


def replay(name: str):  # type: ignore[no-untyped-def]
    return recorder(CASSETTES, record_mode="none").use_cassette(name, allow_playback_repeats=False)


def test_the_cassettes_exist() -> None:
    assert {f.name for f in FILES} >= {
        "identity.yaml",
        "campaign_members.yaml",
        "campaign_with_tiers.yaml",
        "webhook_create_delete.yaml",
        "v1_pledges.yaml",
        "scope_error.yaml",
    }


def test_they_replay_through_the_client(client: PatreonClient) -> None:
    with replay("identity.yaml"):
        assert client.identity().name == "Sandy Creator"
    with replay("campaign_members.yaml") as cassette:
        members = list(client.walk("members", campaign=CAMPAIGN, count=3))
        assert cassette.all_played
    assert len(members) == 5 and all(isinstance(m, Member) for m in members)
    with replay("campaign_with_tiers.yaml"):
        document = client.get_campaign(
            CAMPAIGN, ["tiers"], {"campaign": ["name"], "tier": ["title"]}
        )
    assert Campaign(document.data_list()[0]).tiers[0].title
    with replay("webhook_create_delete.yaml"):
        hook = client.create_webhook(CAMPAIGN, "https://example.com/hook", ["members:update"])
        client.delete_webhook(hook.id)
    assert hook.secret == "***"  # scrubbed when recorded
    with replay("v1_pledges.yaml"):
        page = client.fetch_page_of_pledges(CAMPAIGN, 2)
    assert client.extract_cursor(page) and len(page.data_list()) == 2
    with replay("scope_error.yaml"), pytest.raises(NotFound):
        client.raw("campaigns/0")


SECRET_FIELD = re.compile(
    r'(?i)"?(access_token|refresh_token|client_secret|secret|code_verifier)"?\s*[:=]\s*"?([^"&,\s}]*)'
)
AUTH_HEADER = re.compile(r"(?i)(authorization|x-patreon-signature):\s*\n\s*-\s*'?([^'\n]*)")


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_no_token_secret_or_signature_is_in_a_cassette(path: Path) -> None:
    text = path.read_text()
    for match in SECRET_FIELD.finditer(text):
        assert match.group(2) in ("***", ""), f"{match.group(1)} in {path.name}"
    for match in AUTH_HEADER.finditer(text):
        assert match.group(2) == "***", f"{match.group(1)} in {path.name}"
    assert "Bearer " not in text
    # The sandbox's deterministic client secret (seed 0) is nowhere either.
    secret = create_emulator(EmulatorSettings(seed=0)).credentials()["client_secret"]
    assert secret not in text
