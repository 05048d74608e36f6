"""Recorded exchanges (``cassettes/ipernity/``) replay through the client and hold no secret.

The cassettes come from ``record_ipernity_cassettes.py`` (the emulator's documented
payloads, seed 0). Replaying sends nothing: vcrpy answers from the file, and a request the
cassette does not hold fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from paysupport_ipernity import Album, IpernityClient, Member
from paysupport_ipernity.emulator import create_emulator
from record_ipernity_cassettes import CASSETTES, EXCHANGES

from paysupport.emulation import EmulatorSettings
from paysupport.errors import NotFound
from paysupport.redact import MASK
from paysupport.testing import recorder
from paysupport.tokens import MemoryTokenStore

SIGNED_FIELDS = ("api_key", "api_sig", "auth_token")


@pytest.fixture
def replaying() -> Iterator[IpernityClient]:
    """A client whose every request must be answered by a cassette (nothing listens on :9)."""
    client = IpernityClient(
        base_url="http://127.0.0.1:9",
        api_key="replay-key-0000",
        api_secret="replay-secret",
        auth_token="1001-replay-token",
        token_store=MemoryTokenStore(),
    )
    yield client
    client.close()


def cassette(name: str) -> Any:
    """Replay ``name``; a request it does not hold raises instead of reaching the network."""
    return recorder(CASSETTES, record_mode="none").use_cassette(name)


def test_every_exchange_has_its_cassette() -> None:
    assert sorted(p.name for p in CASSETTES.glob("*.yaml")) == sorted(EXCHANGES)


def test_replay_user_and_token(replaying: IpernityClient) -> None:
    with cassette("user_get.yaml"):
        member = replaying.user_info("superman")
    assert isinstance(member, Member)
    assert (member.id, member.username, member.location) == ("1001", "Superman", "Smallville, USA")
    with cassette("auth_checkToken.yaml"):
        info = replaying.check_token()
    assert info.user_id == "1001" and info.permissions["profile"] == "write"


def test_replay_documents_and_albums(replaying: IpernityClient) -> None:
    with cassette("doc_get.yaml"):
        doc = replaying.doc.get(doc_id="100001", extra="tags")["doc"]
    assert doc["doc_id"] == "100001" and isinstance(doc["tags"]["tag"], list)
    with cassette("album_getList.yaml"):
        albums = list(replaying.walk_albums(user_id="ada", per_page=2))
    assert [a.id for a in albums] == ["50002", "50003", "50004"]  # over two pages
    assert all(isinstance(a, Album) and a.owner_id == "1003" for a in albums)
    with cassette("doc_search_two_pages.yaml") as recorded:
        docs = replaying.walk_doc_search(per_page=3).first(6)
    assert len(docs) == 6 and len({d.id for d in docs}) == 6
    assert recorded.play_count == 2  # two pages, no more


def test_replay_the_documented_error(replaying: IpernityClient) -> None:
    with cassette("doc_get_not_found.yaml"), pytest.raises(NotFound) as caught:
        replaying.doc.get(doc_id="1")
    assert caught.value.code == 1


def test_no_key_secret_token_or_signature_in_any_cassette() -> None:
    creds = create_emulator(EmulatorSettings(seed=0)).credentials()
    secrets = [creds["api_key"], creds["api_secret"], creds["auth_token"]]
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        for secret in secrets:
            assert secret not in text, f"{path.name} holds a credential"
        # Keys and md5 signatures are 32 hex digits; nothing else recorded looks like that.
        assert not re.search(r"[0-9a-f]{32}", text), f"{path.name} holds a key or signature"
        for interaction in yaml.safe_load(text)["interactions"]:
            uri = interaction["request"]["uri"]
            for field in SIGNED_FIELDS:
                for value in re.findall(rf"[?&]{field}=([^&]*)", uri):
                    assert value == MASK, f"{path.name}: {field} not masked"
            body = interaction["response"]["body"]["string"]
            for value in re.findall(r'"token":\s*"([^"]*)"', body):
                assert value == MASK, f"{path.name}: a token in a response"


def test_cassettes_are_in_the_repository() -> None:
    expected = Path(__file__).resolve().parents[3] / "cassettes" / "ipernity"
    assert expected == CASSETTES
