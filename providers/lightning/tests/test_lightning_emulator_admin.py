"""The sandbox's view: /_admin routes, Lightning Addresses, credentials, nostr-sdk's NWC client."""

from __future__ import annotations

import asyncio
import json

import requests
from lightning_helpers import NwcCaller
from nostr_sdk import KeysendTlvRecord, NostrWalletConnect, NostrWalletConnectUri, PayKeysendRequest
from paysupport_lightning.emulator import LightningEmulator
from paysupport_lightning.emulator.seed import seed_world

from paysupport.emulation import Emulator, EmulatorSettings


def test_the_admin_view_records_each_keysend_with_decoded_tlvs(
    nwc: NwcCaller, lightning: LightningEmulator, lightning_url: str
) -> None:
    app = next(r for r in lightning.world.recipients if r.name == "app")
    boost = {"action": "boost", "podcast": "Show", "value_msat_total": 5000, "message": "hi"}
    tlv = [
        {"type": 7629169, "value": json.dumps(boost).encode().hex()},
        {"type": 696969, "value": b"paysupport-app".hex()},
        {"type": 5, "value": "ff00"},
    ]
    nwc.call("pay_keysend", {"amount": 5000, "pubkey": app.pubkey, "tlv_records": tlv})
    view = requests.get(f"{lightning_url}/_admin/payments", timeout=5).json()
    (received,) = view["payments"]
    assert (received["recipient"], received["amount_msat"]) == ("app", 5000)
    assert received["podcast"] == boost
    records = {r["type"]: r for r in received["tlv_records"]}
    assert records[696969]["text"] == "paysupport-app"
    assert "text" not in records[5]  # not UTF-8: hex only
    assert {n["name"]: n["received_msat"] for n in view["nodes"]}["app"] == 5000


def test_the_wallet_view_shows_balance_budgets_and_connections(
    lightning: LightningEmulator, lightning_url: str
) -> None:
    url = f"{lightning_url}/_admin/wallet"
    wallet = requests.get(url, timeout=5).json()["wallet"]
    assert wallet["balance_msat"] == 1_000_000_000
    names = [c["name"] for c in wallet["connections"]]
    assert names == ["podcatcher", "legacy", "untagged", "readonly"]
    changed = requests.post(
        url, json={"balance_msat": 7, "connection": "podcatcher", "budget_msat": 9}, timeout=5
    ).json()["wallet"]
    assert changed["balance_msat"] == 7 and changed["connections"][0]["budget_msat"] == 9
    assert requests.post(url, json={"balance_msat": -1}, timeout=5).status_code == 400
    assert requests.post(url, json={"connection": "nope"}, timeout=5).status_code == 404
    requests.post(url, json={"rate_limit": 1}, timeout=5).raise_for_status()
    reset = requests.post(f"{lightning_url}/_admin/reset", timeout=5).json()
    assert reset["wallet"]["balance_msat"] == 1_000_000_000
    assert reset["wallet"]["rate_limit"] is None  # a test's limit never leaks into the next
    assert set(requests.get(f"{lightning_url}/_admin/state", timeout=5).json()) >= {
        "wallet",
        "payments",
        "nodes",
        "faults",
        "relay",
        "requests",
    }


def test_the_lightning_address_server_answers_for_seeded_recipients(
    lightning: LightningEmulator, lightning_url: str
) -> None:
    answer = requests.get(
        f"{lightning_url}/.well-known/keysend/app", params={"domain": "fees.example"}, timeout=5
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "OK" and body["tag"] == "keysend"
    assert body["pubkey"] == next(r.pubkey for r in lightning.world.recipients if r.name == "app")
    assert body["customData"] == [{"customKey": "696969", "customValue": "paysupport-app"}]
    host = requests.get(
        f"{lightning_url}/.well-known/keysend/host?domain=podcast.example", timeout=5
    ).json()
    assert host["status"] == "OK" and "customData" not in host


def test_an_unknown_lightning_address_is_an_error_answer(lightning_url: str) -> None:
    answer = requests.get(
        f"{lightning_url}/.well-known/keysend/nobody?domain=podcast.example", timeout=5
    )
    assert answer.status_code == 404
    body = answer.json()
    assert body["status"] == "ERROR" and "nobody@podcast.example" in body["reason"]
    nowhere = requests.get(f"{lightning_url}/.well-known/nothing", timeout=5)
    assert nowhere.status_code == 404


def test_credentials_name_the_nwc_uri_and_the_address_server(
    lightning: LightningEmulator, lightning_credentials: dict[str, str], lightning_url: str
) -> None:
    assert isinstance(lightning, Emulator)
    assert set(lightning_credentials) == {"nwc_uri", "lnaddress_base_url"}
    assert lightning_credentials["lnaddress_base_url"] == lightning_url
    uri = lightning_credentials["nwc_uri"]
    assert uri.startswith(f"nostr+walletconnect://{lightning.connection().wallet_pubkey}?relay=ws")
    assert "&secret=" in uri


def test_the_seed_is_deterministic() -> None:
    assert seed_world(1) == seed_world(1)
    assert seed_world(1).recipients[0].pubkey != seed_world(2).recipients[0].pubkey
    assert len(seed_world(0, {"nodes": 5}).recipients) == 8
    with (
        LightningEmulator(EmulatorSettings(seed=3)) as a,
        LightningEmulator(EmulatorSettings(seed=3)) as b,
    ):
        assert a.connection().uri.split("?")[0] == b.connection().uri.split("?")[0]


def test_nostr_sdks_own_nwc_client_pays_through_the_emulator(lightning: LightningEmulator) -> None:
    host = next(r for r in lightning.world.recipients if r.name == "host")

    async def pay() -> tuple[int, str]:
        nwc = NostrWalletConnect(NostrWalletConnectUri.parse(lightning.connection().uri))
        try:
            balance = (await nwc.get_balance()).balance
            record = KeysendTlvRecord(tlv_type=7629169, value=b'{"action":"stream"}'.hex())
            request = PayKeysendRequest(
                id=None, amount=2000, pubkey=host.pubkey, preimage=None, tlv_records=[record]
            )
            return balance, (await nwc.pay_keysend(request)).preimage
        finally:
            await nwc.client().shutdown()

    balance, preimage = asyncio.run(asyncio.wait_for(pay(), 10))
    assert balance == 1_000_000_000 and len(preimage) == 64
    (received,) = lightning.admin_state()["payments"]
    assert received["podcast"] == {"action": "stream"}
