"""The connection URI: parsed and checked, and its secret never shown (repr, str, errors, logs)."""

from __future__ import annotations

import logging

import pytest
from paysupport_lightning import LightningClient, NwcUri, connect
from paysupport_lightning.emulator import LightningEmulator

from paysupport.errors import ConfigError, RateLimited
from paysupport.tokens import MemoryTokenStore

WALLET = "b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4"
SECRET = "71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c"
# NIP-47's example connection string.
EXAMPLE = f"nostr+walletconnect://{WALLET}?relay=wss%3A%2F%2Frelay.damus.io&secret={SECRET}"


def test_the_nip47_example_uri_parses() -> None:
    uri = NwcUri.parse(EXAMPLE + "&lud16=me%40wallet.example")
    assert uri.wallet_pubkey == WALLET
    assert uri.relays == ("wss://relay.damus.io",)
    assert uri.lud16 == "me@wallet.example"
    assert uri.secret_hex() == SECRET
    assert uri.client_pubkey() != WALLET and len(uri.client_pubkey()) == 64


def test_several_relays_are_kept_in_order() -> None:
    uri = NwcUri.parse(EXAMPLE + "&relay=wss://two.example")
    assert uri.relays == ("wss://relay.damus.io", "wss://two.example")


def test_repr_and_str_mask_the_secret() -> None:
    uri = NwcUri.parse(EXAMPLE)
    for text in (repr(uri), str(uri), f"{uri}", f"{uri!r}"):
        assert SECRET not in text
        assert "***" in text
    assert WALLET in str(uri)


def test_the_uri_cannot_be_pickled_with_its_secret() -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(NwcUri.parse(EXAMPLE))


@pytest.mark.parametrize(
    ("uri", "part"),
    [
        ("", "not set"),
        (f"https://{WALLET}?relay=wss://r.example&secret={SECRET}", "nostr+walletconnect://"),
        (f"nostr+walletconnect://xyz?relay=wss://r.example&secret={SECRET}", "pubkey"),
        (f"nostr+walletconnect://{WALLET}?secret={SECRET}", "no relay"),
        (f"nostr+walletconnect://{WALLET}?relay=https://r.example&secret={SECRET}", "ws://"),
        (f"nostr+walletconnect://{WALLET}?relay=wss://r.example", "secret"),
        (f"nostr+walletconnect://{WALLET}?relay=wss://r.example&secret={SECRET[:-2]}", "secret"),
        (
            f"nostr+walletconnect://{WALLET}?relay=wss://r.example&secret={SECRET}&secret={SECRET}",
            "once",
        ),
    ],
)
def test_a_malformed_uri_names_the_part_at_fault_never_the_secret(uri: str, part: str) -> None:
    with pytest.raises(ConfigError) as caught:
        NwcUri.parse(uri)
    assert part in str(caught.value)
    assert SECRET not in str(caught.value)
    assert SECRET[:-2] not in str(caught.value)


def test_a_client_without_a_uri_says_so_when_the_wallet_is_needed() -> None:
    client = LightningClient(token_store=MemoryTokenStore(), nwc_uri="")
    with pytest.raises(ConfigError, match="nwc_uri"):
        client.balance_msat()


def test_the_client_refuses_a_bad_request_timeout() -> None:
    with pytest.raises(ConfigError, match="request_timeout"):
        connect(nwc_uri=EXAMPLE, request_timeout=0, token_store=MemoryTokenStore())


def test_a_plain_http_lightning_address_server_must_be_loopback() -> None:
    with pytest.raises(ConfigError, match="loopback"):
        connect(lnaddress_base_url="http://lnaddress.example", token_store=MemoryTokenStore())


def test_the_client_and_its_errors_never_show_the_uri_or_secret(
    lightning: LightningEmulator, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secret stays out of reprs, of every log line at DEBUG and of the errors raised."""
    uri = lightning.connection().uri
    secret = lightning.connection().seed.client_secret
    monkeypatch.setattr(lightning.store, "rate_limit", 0)  # every request refused: an error
    caplog.set_level(logging.DEBUG, logger="paysupport")
    with connect(nwc_uri=uri, token_store=MemoryTokenStore(), request_timeout=5) as client:
        shown = [repr(client), repr(client.nwc), str(client.nwc), repr(client.transport)]
        with pytest.raises(RateLimited) as caught:
            client.balance_msat()
        lightning.store.rate_limit = None
        client.get_info()
        shown += [str(caught.value), repr(caught.value), client.redactor.text(uri)]
    logged = [record.getMessage() for record in caplog.records]
    assert logged, "nothing was logged at DEBUG: the check below would prove nothing"
    for text in shown + logged:
        assert secret not in text
        assert uri not in text
