"""Lightning Addresses with keysend: resolved over HTTP, cached; each bad answer a clear error."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from paysupport_lightning import KeysendRecipient, LightningAddressError, LightningClient, connect
from paysupport_lightning.emulator import LightningEmulator

from paysupport._wsgi import StartResponse, WSGIEnvironment
from paysupport.errors import (
    InvalidRequest,
    NotFound,
    ResponseFormatError,
    ResponseTooLarge,
    Unsupported,
)
from paysupport.sandbox.serving import start_server
from paysupport.tokens import MemoryTokenStore

NODE = "03" + "5a" * 32


class OddServer:
    """A Lightning Address server answering ``/.well-known/keysend/<user>`` by the user's name."""

    ANSWERS: dict[str, tuple[int, str, bytes]] = {
        "ok": (
            200,
            "application/json",
            json.dumps({"status": "OK", "tag": "keysend", "pubkey": NODE}).encode(),
        ),
        "html": (200, "text/html", b"<!doctype html><html><body>Welcome!</body></html>"),
        "oversize": (200, "application/json", b'{"pad": "' + b"x" * 200_000 + b'"}'),
        "lnurlp": (
            200,
            "application/json",
            json.dumps(
                {"status": "OK", "tag": "payRequest", "callback": "https://x.example/cb"}
            ).encode(),
        ),
        "refused": (
            200,
            "application/json",
            json.dumps({"status": "ERROR", "reason": "keysend is paused"}).encode(),
        ),
        "nopubkey": (
            200,
            "application/json",
            json.dumps({"status": "OK", "tag": "keysend", "pubkey": "nope"}).encode(),
        ),
    }

    def __init__(self) -> None:
        self.hits: list[str] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        user = environ["PATH_INFO"].rsplit("/", 1)[-1]
        self.hits.append(user)
        status, kind, body = self.ANSWERS.get(user, (404, "text/plain", b"no"))
        start_response(f"{status} X", [("Content-Type", kind)])
        return [body]


@pytest.fixture
def odd() -> Iterator[tuple[OddServer, LightningClient]]:
    server = OddServer()
    served = start_server(server, quiet=True)
    try:
        with connect(lnaddress_base_url=served.url, token_store=MemoryTokenStore()) as client:
            yield server, client
    finally:
        served.close()


def test_a_seeded_address_resolves_to_its_node_and_record(
    lightning: LightningEmulator, lightning_url: str
) -> None:
    app = next(r for r in lightning.world.recipients if r.name == "app")
    with connect(lnaddress_base_url=lightning_url, token_store=MemoryTokenStore()) as client:
        recipient = client.resolve_lightning_address("App@Fees.Example")
    assert recipient == KeysendRecipient(
        pubkey=app.pubkey,
        custom_key=696969,
        custom_value="paysupport-app",
        address="app@fees.example",
    )
    assert recipient.tlv_records() == {696969: b"paysupport-app"}


def test_an_address_without_custom_data_has_no_record(
    lightning: LightningEmulator, lightning_url: str
) -> None:
    with connect(lnaddress_base_url=lightning_url, token_store=MemoryTokenStore()) as client:
        recipient = client.resolve_lightning_address("host@podcast.example")
    assert recipient.custom_key is None and recipient.tlv_records() == {}


def test_an_unknown_user_is_not_found(lightning_url: str, lightning: LightningEmulator) -> None:
    with (
        connect(lnaddress_base_url=lightning_url, token_store=MemoryTokenStore()) as client,
        pytest.raises(NotFound, match="unknown user"),
    ):
        client.resolve_lightning_address("nobody@podcast.example")


def test_answers_are_cached_per_client(odd: tuple[OddServer, LightningClient]) -> None:
    server, client = odd
    first = client.resolve_lightning_address("ok@cache.example")
    assert client.resolve_lightning_address("ok@cache.example") is first
    assert server.hits == ["ok"]
    client.lnaddress_ttl = 0
    client.resolve_lightning_address("ok@cache.example")
    client.resolve_lightning_address("ok@cache.example")
    assert server.hits == ["ok", "ok", "ok"]


@pytest.mark.parametrize(
    ("user", "error", "words"),
    [
        ("html", ResponseFormatError, "HTML"),
        ("oversize", ResponseTooLarge, None),
        ("lnurlp", Unsupported, "payRequest"),
        ("refused", LightningAddressError, "keysend is paused"),
        ("nopubkey", ResponseFormatError, "pubkey"),
        ("missing", NotFound, "missing@odd.example"),
    ],
)
def test_a_bad_answer_is_a_clear_error(
    odd: tuple[OddServer, LightningClient], user: str, error: type[Exception], words: str | None
) -> None:
    server, client = odd
    with pytest.raises(error, match=words):
        client.resolve_lightning_address(f"{user}@odd.example")
    assert server.hits == [user]


@pytest.mark.parametrize(
    "address", ["", "no-at-sign", "a@b", "two@@signs.example", "sp ace@x.example", "u@-x.example"]
)
def test_a_malformed_address_is_refused_before_any_request(
    odd: tuple[OddServer, LightningClient], address: Any
) -> None:
    server, client = odd
    with pytest.raises(InvalidRequest, match="Lightning Address"):
        client.resolve_lightning_address(address)
    assert server.hits == []


def test_without_the_override_the_address_domain_is_asked_over_https() -> None:
    """The URL built for a real address: https://domain/.well-known/keysend/user."""
    seen: list[str] = []
    with LightningClient(token_store=MemoryTokenStore()) as client:

        def refuse(method: str, url: str, **kw: Any) -> Any:
            seen.append(url)
            raise InvalidRequest("stop here", provider="lightning")

        client.http.request = refuse  # type: ignore[method-assign]
        with pytest.raises(InvalidRequest, match="stop here"):
            client.resolve_lightning_address("boost@podcast.example")
    assert seen == ["https://podcast.example/.well-known/keysend/boost"]
