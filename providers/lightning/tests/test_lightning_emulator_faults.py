"""Faults: the wallet pays but its answer is dropped, late, duplicated, or lost with the relay."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import requests
from lightning_helpers import NwcCaller
from paysupport_lightning.emulator import Fault, LightningEmulator

PREIMAGE = "ab" * 32
PAYMENT_HASH = hashlib.sha256(bytes.fromhex(PREIMAGE)).hexdigest()


def pay(lightning: LightningEmulator) -> dict[str, object]:
    host = next(r.pubkey for r in lightning.world.recipients if r.name == "host")
    return {"amount": 10_000, "pubkey": host, "preimage": PREIMAGE}


def test_a_dropped_answer_still_pays_and_lookup_settles_it(
    nwc: NwcCaller, lightning: LightningEmulator
) -> None:
    lightning.store.faults.append(Fault("drop", method="pay_keysend"))
    request_id = nwc.send("pay_keysend", pay(lightning))
    assert nwc.responses(request_id, wait=0.3) == []
    found = nwc.call("lookup_invoice", {"payment_hash": PAYMENT_HASH})["result"]
    assert found["state"] == "settled"
    retried = nwc.call("pay_keysend", pay(lightning))  # a retry with the same preimage
    assert retried["result"]["preimage"] == PREIMAGE
    assert len(lightning.admin_state()["payments"]) == 1  # paid once


def test_a_late_answer_comes_after_the_delay(nwc: NwcCaller, lightning: LightningEmulator) -> None:
    lightning.store.faults.append(Fault("late", delay=0.4))
    started = time.monotonic()
    request_id = nwc.send("get_balance")
    assert nwc.responses(request_id, wait=0.2) == []
    assert nwc.responses(request_id, wait=2.0)[0]["error"] is None
    assert time.monotonic() - started >= 0.4


def test_a_duplicated_answer_arrives_twice_for_one_payment(
    nwc: NwcCaller, lightning: LightningEmulator
) -> None:
    lightning.store.faults.append(Fault("duplicate", method="pay_keysend"))
    request_id = nwc.send("pay_keysend", pay(lightning))
    answers = nwc.responses(request_id, count=2)
    assert len(answers) == 2 and answers[0]["result"] == answers[1]["result"]
    assert len(lightning.admin_state()["payments"]) == 1


def test_a_relay_disconnect_cuts_the_client_after_paying(
    nwc: NwcCaller, nwc_for: Callable[..., NwcCaller], lightning: LightningEmulator
) -> None:
    lightning.store.faults.append(Fault("disconnect", method="pay_keysend"))
    request_id = nwc.send("pay_keysend", pay(lightning))
    assert nwc.responses(request_id, wait=0.5) == []
    assert lightning.admin_state()["relay"]["disconnects"] == 1
    fresh = nwc_for("podcatcher")  # a new connection to the same relay
    assert (
        fresh.call("lookup_invoice", {"payment_hash": PAYMENT_HASH})["result"]["state"] == "settled"
    )


def test_an_error_fault_answers_the_code_without_paying(
    nwc: NwcCaller, lightning: LightningEmulator
) -> None:
    lightning.store.faults.append(Fault("error", code="INTERNAL", times=2))
    assert nwc.call("pay_keysend", pay(lightning))["error"]["code"] == "INTERNAL"
    assert nwc.call("get_balance")["error"]["code"] == "INTERNAL"
    assert nwc.call("get_balance")["error"] is None  # used up
    assert lightning.admin_state()["payments"] == []


def test_faults_are_set_and_cleared_over_the_admin_routes(
    lightning: LightningEmulator, lightning_url: str, nwc: NwcCaller
) -> None:
    url = f"{lightning_url}/_admin/faults"
    added = requests.post(url, json={"kind": "error", "code": "RATE_LIMITED"}, timeout=5)
    assert added.json()["faults"][0]["code"] == "RATE_LIMITED"
    assert nwc.call("get_info")["error"]["code"] == "RATE_LIMITED"
    requests.post(url, json={"kind": "drop"}, timeout=5)
    assert requests.delete(url, timeout=5).json() == {"faults": []}
    assert requests.post(url, json={"kind": "explode"}, timeout=5).status_code == 400


def test_faults_can_be_given_when_the_emulator_is_made() -> None:
    with LightningEmulator(faults=[Fault("drop", times=3)]) as emulator:
        assert [f["kind"] for f in emulator.admin_state()["faults"]] == ["drop"]
