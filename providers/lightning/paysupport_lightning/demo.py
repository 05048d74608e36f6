"""``paysupport demo`` for Lightning: the wallet, its balance, a boost by keysend, the proof.

Every step goes through the sandbox's relay to its NWC wallet service with the
same client code an application uses (NIP-44 v2 encrypted NIP-47 requests);
the Lightning Address is read over HTTP, and the last steps look at the
emulator's admin view: what the recipient's node received, TLV records decoded.
"""

from __future__ import annotations

import json

import requests

from paysupport.demo import DemoSteps
from paysupport.errors import Timeout
from paysupport.sandbox import Sandbox
from paysupport_lightning.catalog import PODCAST_METADATA_TLV
from paysupport_lightning.client import LightningClient


def run(sandbox: Sandbox, steps: DemoSteps) -> None:
    root = sandbox.url("lightning")
    wallet = sandbox.connect("lightning", LightningClient, lnaddress_base_url=root)
    try:
        with steps.step("read the wallet through Nostr Wallet Connect (NIP-47)"):
            info = wallet.get_info()
            steps.detail(f"{info.alias} on {info.network}: {' '.join(info.methods)}")
            steps.detail(
                f"encryption: {wallet.transport.encryption()} (offered: "
                f"{' '.join(info.encryptions)})"
            )
            steps.check("pay_keysend" in info.methods, "the wallet cannot pay keysend")

        with steps.step("the wallet's balance"):
            before = wallet.balance_msat()
            steps.detail(f"{before // 1000:,} sats")

        with steps.step("boost host@podcast.example by keysend with a bLIP-10 record"):
            recipient = wallet.resolve_lightning_address("host@podcast.example")
            steps.detail(f"host@podcast.example -> node {recipient.pubkey[:16]}...")
            boost = {
                "action": "boost",
                "podcast": "paysupport demo",
                "message": "Great episode!",
                "value_msat": 21_000,
                "value_msat_total": 21_000,
                "app_name": "paysupport",
            }
            records = {PODCAST_METADATA_TLV: json.dumps(boost).encode(), **recipient.tlv_records()}
            payment = wallet.pay_keysend(recipient.pubkey, 21_000, tlv_records=records)
            steps.detail(
                f"settled: hash {payment.payment_hash[:16]}..., fees {payment.fees_paid_msat} msat"
            )
            after = wallet.balance_msat()
            spent = before - after
            steps.check(spent == 21_000 + (payment.fees_paid_msat or 0), f"spent {spent} msat")

        with steps.step("the recipient's node received it (the emulator's admin view)"):
            answer = requests.get(f"{root}/_admin/payments", timeout=10)
            answer.raise_for_status()
            landed = [
                p for p in answer.json()["payments"] if p["payment_hash"] == payment.payment_hash
            ]
            steps.check(len(landed) == 1, f"{len(landed)} payments with this hash")
            seen = landed[0]
            steps.detail(
                f"{seen['recipient']} got {seen['amount_msat']} msat; "
                f"record 7629169: {json.dumps(seen['podcast'])}"
            )
            steps.check(seen["podcast"] == boost, "the bLIP-10 record arrived changed")

        with steps.step("a lost answer: Timeout, then lookup(hash) settles it, paid once"):
            requests.post(
                f"{root}/_admin/faults",
                json={"kind": "drop", "method": "pay_keysend"},
                timeout=10,
            ).raise_for_status()
            hurried = sandbox.connect("lightning", LightningClient, request_timeout=1)
            try:
                hurried.pay_keysend(recipient.pubkey, 1_000)
                steps.check(False, "the dropped answer arrived")
            except Timeout as lost:
                payment_hash = getattr(lost, "payment_hash", None) or ""
                steps.detail(f"no answer within 1 s; looking up {payment_hash[:16]}...")
                found = hurried.lookup(payment_hash)
                steps.check(found is not None and found.settled, "the payment is not settled")
                steps.detail("settled: the wallet paid it; nothing is sent again")
            finally:
                hurried.close()
    finally:
        wallet.close()
