"""The wallet's refusals as the library's errors, and what the client does when answers go wrong.

Every NIP-47 error code maps to one library error; a payment without an answer is
a ``Timeout`` settled with ``lookup`` (never by paying again); duplicated and late
answers are matched to their request by its ``e`` tag; a relay that drops the
connection is a clear error, and the next call connects again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from paysupport_lightning import (
    InsufficientBalance,
    LightningClient,
    NoAnswer,
    PaymentFailed,
    QuotaExceeded,
    RelayError,
    WalletError,
    connect,
)
from paysupport_lightning.catalog import ERROR_CODES
from paysupport_lightning.emulator import LightningEmulator
from paysupport_lightning.errors import ERRORS_BY_CODE

from paysupport.errors import (
    HTTPError,
    InsufficientScope,
    InvalidToken,
    NotFound,
    PaymentError,
    PaySupportError,
    RateLimited,
    Timeout,
    TransportError,
    Unsupported,
)
from paysupport.tokens import MemoryTokenStore


def make_client(
    lightning: LightningEmulator, connection: str = "podcatcher", **settings: Any
) -> LightningClient:
    return connect(
        nwc_uri=settings.pop("nwc_uri", None) or lightning.connection(connection).uri,
        token_store=MemoryTokenStore(),
        request_timeout=settings.pop("request_timeout", 5),
        **settings,
    )


@pytest.fixture
def wallet(lightning: LightningEmulator) -> Iterator[LightningClient]:
    with make_client(lightning, request_timeout=1) as client:
        yield client


@pytest.fixture
def host(lightning: LightningEmulator) -> str:
    return next(r.pubkey for r in lightning.world.recipients if r.name == "host")


def fault(lightning_url: str, **spec: Any) -> None:
    requests.post(f"{lightning_url}/_admin/faults", json=spec, timeout=5).raise_for_status()


def admin(lightning_url: str, what: str) -> dict[str, Any]:
    answer = requests.get(f"{lightning_url}/_admin/{what}", timeout=5)
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


EXPECTED = {
    "INSUFFICIENT_BALANCE": InsufficientBalance,
    "QUOTA_EXCEEDED": QuotaExceeded,
    "PAYMENT_FAILED": PaymentFailed,
    "RATE_LIMITED": RateLimited,
    "UNAUTHORIZED": InvalidToken,
    "RESTRICTED": InsufficientScope,
    "NOT_IMPLEMENTED": Unsupported,
    "UNSUPPORTED_ENCRYPTION": Unsupported,
    "NOT_FOUND": NotFound,
    "INTERNAL": WalletError,
    "OTHER": WalletError,
    "SOMETHING_NEW": WalletError,
}


def test_the_table_covers_every_nip47_code() -> None:
    assert set(ERROR_CODES) - {"INTERNAL", "OTHER"} == set(ERRORS_BY_CODE)


@pytest.mark.parametrize(("code", "expected"), sorted(EXPECTED.items()))
def test_each_error_code_becomes_its_library_error_and_nothing_is_paid(
    wallet: LightningClient, lightning_url: str, host: str, code: str, expected: type[Exception]
) -> None:
    fault(lightning_url, kind="error", method="pay_keysend", code=code, message="no way")
    with pytest.raises(expected) as caught:
        wallet.pay_keysend(host, 1_000)
    error = caught.value
    assert isinstance(error, PaySupportError) and error.provider == "lightning"
    assert "no way" in str(error)
    if isinstance(error, (HTTPError, PaymentError)):
        assert error.code == code
    assert admin(lightning_url, "payments")["payments"] == []


def test_payment_errors_are_core_payment_errors() -> None:
    for cls in (InsufficientBalance, QuotaExceeded, PaymentFailed):
        assert issubclass(cls, PaymentError)
    assert issubclass(NoAnswer, Timeout) and issubclass(RelayError, TransportError)


def test_a_balance_too_low_is_insufficient_balance(
    wallet: LightningClient, lightning: LightningEmulator, host: str
) -> None:
    lightning.store.balance_msat = 500
    with pytest.raises(InsufficientBalance):
        wallet.pay_keysend(host, 1_000)


def test_a_spent_budget_is_quota_exceeded(
    wallet: LightningClient, lightning_url: str, host: str
) -> None:
    requests.post(
        f"{lightning_url}/_admin/wallet",
        json={"connection": "podcatcher", "budget_msat": 10_000, "spent_msat": 9_500},
        timeout=5,
    ).raise_for_status()
    with pytest.raises(QuotaExceeded, match="budget"):
        wallet.pay_keysend(host, 1_000)


def test_an_unknown_node_is_payment_failed(wallet: LightningClient) -> None:
    with pytest.raises(PaymentFailed):
        wallet.pay_keysend("03" + "11" * 32, 1_000)


def test_too_many_requests_is_rate_limited(
    wallet: LightningClient, lightning: LightningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lightning.store, "rate_limit", 1)  # one request per window
    wallet.balance_msat()
    with pytest.raises(RateLimited) as caught:
        wallet.balance_msat()
    assert caught.value.code == "RATE_LIMITED" and caught.value.status is None


def test_a_read_only_connection_is_restricted(lightning: LightningEmulator, host: str) -> None:
    with make_client(lightning, "readonly") as client:
        assert client.balance_msat() > 0
        with pytest.raises(InsufficientScope):
            client.pay_keysend(host, 1_000)


def test_a_key_the_wallet_does_not_know_is_unauthorized(lightning: LightningEmulator) -> None:
    real = lightning.connection()
    stranger = real.uri.replace(real.seed.client_secret, "42" * 32)
    with make_client(lightning, nwc_uri=stranger) as client, pytest.raises(InvalidToken):
        client.balance_msat()


def test_a_method_the_wallet_lacks_is_unsupported(wallet: LightningClient) -> None:
    with pytest.raises(Unsupported):
        wallet.raw("make_invoice", {"amount": 1_000})


def test_an_unanswered_payment_times_out_then_lookup_settles_it_without_paying_twice(
    wallet: LightningClient, lightning_url: str, host: str
) -> None:
    """The wallet pays but its answer is lost: Timeout, then lookup(hash) says settled."""
    fault(lightning_url, kind="drop", method="pay_keysend")
    with pytest.raises(Timeout) as caught:
        wallet.pay_keysend(host, 7_000)
    error = caught.value
    assert isinstance(error, NoAnswer)
    assert error.payment_hash and f"lookup({error.payment_hash!r})" in str(error)

    settled = wallet.lookup(error.payment_hash)

    assert settled is not None and settled.state == "settled" and settled.amount_msat == 7_000
    sent = admin(lightning_url, "wallet")["wallet"]["sent"]
    assert [p["payment_hash"] for p in sent] == [error.payment_hash]
    assert len(admin(lightning_url, "payments")["payments"]) == 1


def test_a_late_answer_is_ignored_and_never_taken_for_the_next_request(
    wallet: LightningClient,
    lightning: LightningEmulator,
    lightning_url: str,
    host: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="paysupport.lightning")
    fault(lightning_url, kind="late", method="pay_keysend", delay=1.5)
    with pytest.raises(NoAnswer):
        wallet.pay_keysend(host, 8_000)
    # The late answer arrives while these go on; each takes only its own answer.
    balances: list[int] = []
    ends = time.monotonic() + 3
    while not any("not waiting" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < ends, "the late answer never arrived"
        balances.append(wallet.balance_msat())
    balances.append(wallet.balance_msat())
    assert set(balances) == {lightning.store.balance_msat}


def test_a_duplicated_answer_is_taken_once(
    wallet: LightningClient, lightning_url: str, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="paysupport.lightning")
    fault(lightning_url, kind="duplicate", method="pay_keysend")
    payment = wallet.pay_keysend(host, 9_000)
    balance = wallet.balance_msat()
    assert wallet.lookup(payment.payment_hash) is not None
    assert isinstance(balance, int)
    assert len(admin(lightning_url, "payments")["payments"]) == 1
    ignored = [r.getMessage() for r in caplog.records if "ignored response" in r.getMessage()]
    assert len(ignored) == 1


def test_a_dropped_relay_connection_is_a_clear_error_and_the_next_call_reconnects(
    lightning: LightningEmulator, lightning_url: str, host: str
) -> None:
    with make_client(lightning, request_timeout=5) as client:
        client.balance_msat()
        fault(lightning_url, kind="disconnect", method="pay_keysend")
        with pytest.raises(RelayError) as caught:
            client.pay_keysend(host, 6_000)
        error = caught.value
        assert error.sent and error.payment_hash
        assert "connection" in str(error) and lightning.relay.url in str(error)

        settled = client.lookup(error.payment_hash)

    assert settled is not None and settled.state == "settled"
    assert len(admin(lightning_url, "payments")["payments"]) == 1
    assert admin(lightning_url, "state")["relay"]["disconnects"] == 1


def test_an_unreachable_relay_is_a_relay_error(lightning: LightningEmulator) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    uri = lightning.connection().uri.replace(str(lightning.relay.port), str(port))
    with (
        make_client(lightning, nwc_uri=uri, request_timeout=1) as client,
        pytest.raises(RelayError, match="cannot"),
    ):
        client.balance_msat()
