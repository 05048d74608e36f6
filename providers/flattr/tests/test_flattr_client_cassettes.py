"""The recorded cassettes replay through the client, and hold no secret at all."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from paysupport_flattr import FlattrClient
from paysupport_flattr.emulator import FlattrEmulator
from record_flattr_cassettes import CASSETTES, EPISODE, SEED, scenario

from paysupport.emulation import EmulatorSettings
from paysupport.testing import recorder
from paysupport.tokens import MemoryTokenStore

FILES = sorted(CASSETTES.glob("*.yaml"))


def test_the_cassettes_are_committed():
    names = {f.name for f in FILES}
    assert {"oauth_token.yaml", "search.yaml", "flattr_autosubmit.yaml", "register.yaml"} <= names


def test_the_cassettes_replay_through_the_client():
    client = FlattrClient(
        base_url="http://127.0.0.1:9",  # nothing listens: every answer must come from a cassette
        client_id="replay-client",
        client_secret="replay-secret",
        redirect_uri="http://127.0.0.1/callback",
        token_store=MemoryTokenStore(),
    )

    def consent(url: str) -> str:
        state = parse_qs(urlsplit(url).query)["state"][0]
        return f"http://127.0.0.1/callback?code=replayed&state={state}"

    seen = scenario(client, recorder(CASSETTES, record_mode="none"), consent)
    assert seen["identity"].id and seen["identity"].email
    assert len(seen["search"]) == 5
    assert seen["lookup"].id == seen["thing"].id and seen["lookup_miss"] is None
    assert seen["register"].created
    assert seen["flattr"].url == EPISODE
    assert seen["paused"] is True
    assert seen["rate_limit"].limit is not None


SECRETISH = [
    re.compile(r"\b[0-9a-f]{40}\b"),  # the emulator's tokens and client secret
    re.compile(r"(?i)\b(?:bearer|basic)\s+(?!\*\*\*)\S+"),
    re.compile(r'"(?:access_token|refresh_token|client_secret)"\s*:\s*"(?!\*\*\*")'),
    re.compile(r"(?i)(?:code|access_token|client_secret|state_token)=(?!\*\*\*)[^&\s'\"]+"),
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).name)
def test_no_token_secret_key_or_signature_in_a_cassette(path):
    text = path.read_text("utf-8")
    creds = FlattrEmulator(EmulatorSettings(seed=SEED)).credentials()
    for name in ("client_secret", "access_token"):
        assert creds[name] not in text, f"{name} leaked into {path.name}"
    for pattern in SECRETISH:
        assert not pattern.search(text), f"{pattern.pattern} matches in {path.name}"
    headers = re.findall(r"(?im)^\s+(authorization|cookie|set-cookie):\n\s+- (.*)$", text)
    assert all(value.strip("'\"") == "***" for _, value in headers)
