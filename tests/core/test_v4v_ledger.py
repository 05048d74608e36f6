"""The ledger's value_payments table: intents with their preimage, claims, budgets, migration."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from paysupport.ledger import DONE, FAILED, SCHEMA_VERSION, Ledger, PaymentKey

KEY = PaymentKey("urn:uuid:show", "ep-1", "lnaddress:host@podcast.example", "stream", "0-5")
NODE = "02" + "ab" * 32


def intent(ledger: Ledger, key: PaymentKey = KEY, amount: int = 5000, n: int = 1, **kw: object):  # type: ignore[no-untyped-def]
    return ledger.claim_payment(
        key,
        pubkey=NODE,
        amount_msat=amount,
        preimage=f"{n:02x}" * 32,
        payment_hash=f"{n + 100:02x}" * 32,
        **kw,  # type: ignore[arg-type]
    )


def test_a_ledger_of_schema_3_gains_the_value_table_and_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    old = Ledger(path)
    old.claim("flattr", "default", "ep-1", "https://flattr.example/1", feed="f", cost=(5, "EUR"))
    old.finish("flattr", "default", "ep-1", DONE, feed="f")
    old.record_registration("flattr", "default", "https://blog.example/1", "created", "42")
    with sqlite3.connect(path) as db:  # as version 3 left it
        db.execute("DROP TABLE value_payments")
        db.execute("PRAGMA user_version = 3")

    ledger = Ledger(path)
    assert [(e.guid, e.state, e.amount) for e in ledger.entries()] == [("ep-1", "done", 5)]
    assert ledger.registration("flattr", "default", "https://blog.example/1") == ("created", "42")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    assert intent(ledger).taken
    assert [p.key for p in ledger.payments()] == [KEY]


def test_the_intent_and_its_preimage_are_recorded_before_paying(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    claim = intent(ledger)
    assert claim.taken and not claim.recovering
    stored = ledger.payment(KEY)
    assert stored is not None
    assert (stored.state, stored.preimage, stored.amount_msat) == ("claimed", "01" * 32, 5000)

    # this process still holds it: taking it again is a recovery with the SAME preimage
    again = intent(ledger, amount=9999, n=7)
    assert again.taken and again.recovering
    assert again.entry is not None
    assert (again.entry.preimage, again.entry.amount_msat) == ("01" * 32, 5000)

    ledger.finish_payment(KEY, DONE, fees_msat=5)
    assert intent(ledger).status == "settled"
    ledger.finish_payment(KEY, FAILED, "no route")
    assert intent(ledger).status == "failed"
    assert intent(ledger, retry_failed=True).taken


def test_a_live_run_s_claim_is_busy_for_another_process(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    code = (
        "import sys, time; from paysupport.ledger import Ledger, PaymentKey;"
        "l = Ledger(sys.argv[1]);"
        "l.claim_payment(PaymentKey('f', 'e', 'r', 'boost', 'b1'), pubkey='x', amount_msat=1,"
        " preimage='00'*32, payment_hash='11'*32); print('claimed', flush=True); time.sleep(30)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"claimed"
        ledger = Ledger(path)
        key = PaymentKey("f", "e", "r", "boost", "b1")
        assert intent(ledger, key).status == "busy"
    finally:
        holder.kill()
        holder.wait()
    recovered = intent(Ledger(path), key)  # its owner is dead: taken over, same preimage
    assert recovered.taken and recovered.recovering
    assert recovered.entry is not None and recovered.entry.preimage == "00" * 32


def test_the_monthly_budget_counts_live_claims(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    month = (time.time() - 3600, 10_000)
    assert intent(ledger, PaymentKey("f", "e", "a", "auto"), 6000, 1, month_budget_msat=month).taken
    refused = intent(ledger, PaymentKey("f", "e", "b", "auto"), 6000, 2, month_budget_msat=month)
    assert (refused.taken, refused.status) == (False, "budget")
    assert "10 sats" in (refused.detail or "")
    assert intent(ledger, PaymentKey("f", "e", "b", "auto"), 4000, 3, month_budget_msat=month).taken
