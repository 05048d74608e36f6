"""The emulated wallet speaks NIP-47: info events, methods, error codes, budgets, exactly-once."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable

import pytest
from lightning_helpers import NwcCaller
from paysupport_lightning.emulator import LightningEmulator

PREIMAGE = bytes(range(32)).hex()
PAYMENT_HASH = hashlib.sha256(bytes(range(32))).hexdigest()


def host(lightning: LightningEmulator) -> str:
    return next(r.pubkey for r in lightning.world.recipients if r.name == "host")


def keysend(
    lightning: LightningEmulator, amount: int = 50_000, **extra: object
) -> dict[str, object]:
    return {"amount": amount, "pubkey": host(lightning), **extra}


def test_the_info_event_offers_nip44_and_nip04_and_lists_the_methods(nwc: NwcCaller) -> None:
    info = nwc.info()
    assert info is not None and info.kind().as_u16() == 13194
    tags = {t.to_vec()[0]: t.to_vec()[1:] for t in info.tags()}
    assert tags["encryption"] == ["nip44_v2 nip04"]
    assert set(info.content().split()) >= {"pay_keysend", "get_balance", "lookup_invoice"}


def test_the_legacy_connections_offer_nip04_only(nwc_for: Callable[..., NwcCaller]) -> None:
    legacy = nwc_for("legacy").info()
    untagged = nwc_for("untagged").info()
    assert legacy is not None and untagged is not None
    assert [t.to_vec() for t in legacy.tags()] == [["encryption", "nip04"]]
    assert [t.to_vec() for t in untagged.tags()] == []  # no tag: NIP-47 says nip04


def test_a_nip04_only_wallet_answers_nip04_and_refuses_nip44(
    nwc_for: Callable[..., NwcCaller],
) -> None:
    legacy = nwc_for("legacy")
    assert legacy.call("get_balance", encryption="nip04")["result"] == {"balance": 1_000_000_000}
    assert legacy.call("get_balance", encryption=None)["error"] is None
    refused = legacy.call("get_balance", encryption="nip44_v2")
    assert refused["error"]["code"] == "UNSUPPORTED_ENCRYPTION"


def test_get_info_describes_the_wallet_and_this_connections_methods(nwc: NwcCaller) -> None:
    info = nwc.call("get_info")["result"]
    assert info["network"] == "regtest"
    assert len(info["pubkey"]) == 66
    assert "pay_keysend" in info["methods"]


def test_pay_keysend_with_the_senders_preimage_pays_once_and_is_found_by_hash(
    nwc: NwcCaller, lightning: LightningEmulator
) -> None:
    tlv = [{"type": 7629169, "value": json.dumps({"action": "boost"}).encode().hex()}]
    paid = nwc.call("pay_keysend", keysend(lightning, preimage=PREIMAGE, tlv_records=tlv))
    assert paid["error"] is None
    assert paid["result"] == {"preimage": PREIMAGE, "fees_paid": 50}  # 0.1 % routing fee

    again = nwc.call("pay_keysend", keysend(lightning, preimage=PREIMAGE))
    assert again["result"] == paid["result"]  # the same payment, not a second one
    assert nwc.call("get_balance")["result"]["balance"] == 1_000_000_000 - 50_050
    assert len(lightning.admin_state()["payments"]) == 1

    found = nwc.call("lookup_invoice", {"payment_hash": PAYMENT_HASH})["result"]
    assert found["state"] == "settled" and found["type"] == "outgoing"
    assert (found["amount"], found["fees_paid"], found["preimage"]) == (50_000, 50, PREIMAGE)


def test_pay_keysend_without_a_preimage_gets_one_from_the_wallet(
    nwc: NwcCaller, lightning: LightningEmulator
) -> None:
    result = nwc.call("pay_keysend", keysend(lightning))["result"]
    payment_hash = hashlib.sha256(bytes.fromhex(result["preimage"])).hexdigest()
    assert nwc.call("lookup_invoice", {"payment_hash": payment_hash})["error"] is None


def test_lookup_of_an_unknown_hash_is_not_found(nwc: NwcCaller) -> None:
    answer = nwc.call("lookup_invoice", {"payment_hash": PAYMENT_HASH})
    assert answer["result"] is None and answer["error"]["code"] == "NOT_FOUND"


def test_list_transactions_is_newest_first_and_pages(
    nwc: NwcCaller, lightning: LightningEmulator
) -> None:
    for amount in (1000, 2000, 3000):
        nwc.call("pay_keysend", keysend(lightning, amount))
    listed = nwc.call("list_transactions", {"limit": 2})["result"]["transactions"]
    assert [t["amount"] for t in listed] == [3000, 2000]
    rest = nwc.call("list_transactions", {"limit": 2, "offset": 2})["result"]["transactions"]
    assert [t["amount"] for t in rest] == [1000]
    assert nwc.call("list_transactions", {"type": "incoming"})["result"] == {"transactions": []}


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        ("make_invoice", {"amount": 1000}, "NOT_IMPLEMENTED"),
        ("no_such_method", {}, "NOT_IMPLEMENTED"),
        ("pay_keysend", {"amount": 1000, "pubkey": "03" + "11" * 32}, "PAYMENT_FAILED"),
        ("pay_keysend", {"amount": -1, "pubkey": "03" + "11" * 32}, "OTHER"),
        ("pay_keysend", {"amount": 1000, "pubkey": "zz"}, "OTHER"),
        ("pay_keysend", {"amount": 10**15, "pubkey": "HOST"}, "INSUFFICIENT_BALANCE"),
    ],
)
def test_refusals_carry_the_nip47_error_code(
    nwc: NwcCaller, lightning: LightningEmulator, method: str, params: dict[str, object], code: str
) -> None:
    if params.get("pubkey") == "HOST":
        params = {**params, "pubkey": host(lightning)}
    answer = nwc.call(method, params)
    assert answer["result"] is None
    assert answer["error"]["code"] == code and answer["error"]["message"]


def test_a_failed_payment_is_looked_up_as_failed_and_costs_nothing(nwc: NwcCaller) -> None:
    nwc.call("pay_keysend", {"amount": 1000, "pubkey": "03" + "11" * 32, "preimage": PREIMAGE})
    assert nwc.call("lookup_invoice", {"payment_hash": PAYMENT_HASH})["result"]["state"] == "failed"
    assert nwc.call("get_balance")["result"]["balance"] == 1_000_000_000


def test_the_monthly_budget_is_a_quota(nwc: NwcCaller, lightning: LightningEmulator) -> None:
    lightning.store.connections["podcatcher"].budget_msat = 100_100
    assert nwc.call("pay_keysend", keysend(lightning, 100_000))["error"] is None
    refused = nwc.call("pay_keysend", keysend(lightning, 1000))
    assert refused["error"]["code"] == "QUOTA_EXCEEDED"
    assert lightning.admin_state()["wallet"]["connections"][0]["remaining_msat"] == 0


def test_a_read_only_connection_is_restricted_from_paying(
    nwc_for: Callable[..., NwcCaller], lightning: LightningEmulator
) -> None:
    readonly = nwc_for("readonly")
    assert readonly.call("get_balance")["error"] is None
    assert readonly.call("pay_keysend", keysend(lightning))["error"]["code"] == "RESTRICTED"


def test_a_key_without_a_connection_is_unauthorized(nwc_for: Callable[..., NwcCaller]) -> None:
    stranger = nwc_for("podcatcher", secret="42" * 32)
    assert stranger.call("get_balance")["error"]["code"] == "UNAUTHORIZED"


def test_a_request_that_cannot_be_decrypted_is_answered_other(nwc: NwcCaller) -> None:
    request_id = nwc.send("get_balance", raw_content="bm90IGEgY2lwaGVydGV4dA==")
    (answer,) = nwc.responses(request_id)
    assert answer["error"]["code"] == "OTHER"


def test_requests_are_rate_limited_per_connection(
    nwc: NwcCaller, lightning: LightningEmulator
) -> None:
    lightning.store.rate_limit = 2
    codes = [(nwc.call("get_balance")["error"] or {}).get("code") for _ in range(3)]
    assert codes == [None, None, "RATE_LIMITED"]


def test_an_expired_request_is_never_answered(nwc: NwcCaller, lightning: LightningEmulator) -> None:
    expired = nwc.send("get_balance", expiration=int(time.time()) - 5)
    assert nwc.responses(expired, wait=0.3) == []  # the relay (NIP-40) or the wallet drops it
    assert lightning.admin_state()["requests"]["answered"] == 0


def test_the_wallet_itself_ignores_a_request_that_expired_on_the_way(
    nwc: NwcCaller, lightning: LightningEmulator
) -> None:
    clock = lightning.wallet.clock
    lightning.wallet.clock = lambda: time.time() + 60  # the request arrives a minute late
    try:
        late = nwc.send("pay_keysend", keysend(lightning), expiration=int(time.time()) + 30)
        assert nwc.responses(late, wait=0.3) == []
    finally:
        lightning.wallet.clock = clock
    assert lightning.admin_state()["requests"]["expired_ignored"] == 1
    assert lightning.admin_state()["payments"] == []  # nothing was paid
    assert nwc.call("get_balance", expiration=int(time.time()) + 30)["error"] is None
