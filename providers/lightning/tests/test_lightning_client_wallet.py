"""The client's wallet calls over the emulator's relay: info, balance, keysend, lookup.

Every payment is checked where it landed: the emulator's admin view lists the
keysends each recipient node received, with their TLV records decoded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
import requests
from paysupport_lightning import LightningClient, connect
from paysupport_lightning.catalog import PODCAST_METADATA_TLV
from paysupport_lightning.emulator import LightningEmulator

import paysupport
from paysupport.errors import InvalidRequest
from paysupport.tokens import MemoryTokenStore


@pytest.fixture
def wallet(lightning: LightningEmulator, lightning_url: str) -> Iterator[LightningClient]:
    """A client of the emulator's ``podcatcher`` connection (NIP-44 v2 and NIP-04 offered)."""
    with connect(
        nwc_uri=lightning.connection().uri,
        lnaddress_base_url=lightning_url,
        token_store=MemoryTokenStore(),
        request_timeout=5,
    ) as client:
        yield client


def node(lightning: LightningEmulator, name: str) -> str:
    return next(r.pubkey for r in lightning.world.recipients if r.name == name)


def received(lightning_url: str) -> list[dict[str, object]]:
    answer = requests.get(f"{lightning_url}/_admin/payments", timeout=5)
    answer.raise_for_status()
    payments: list[dict[str, object]] = answer.json()["payments"]
    return payments


def test_paysupport_connect_finds_the_provider_and_types_it(lightning: LightningEmulator) -> None:
    client = paysupport.connect(
        "lightning",
        LightningClient,
        nwc_uri=lightning.connection().uri,
        token_store=MemoryTokenStore(),
    )
    try:
        assert client.balance_msat() == lightning.world.balance_msat
    finally:
        client.close()


def test_get_info_reads_the_info_event_and_get_info(
    wallet: LightningClient, lightning: LightningEmulator
) -> None:
    info = wallet.get_info()
    assert info.pubkey == lightning.connection().wallet_pubkey
    assert info.alias == lightning.world.alias
    assert info.node_pubkey == lightning.world.node_pubkey
    assert info.encryptions == ("nip44_v2", "nip04")
    assert "pay_keysend" in info.methods and "lookup_invoice" in info.methods
    assert info.to_dict()["id"] == info.pubkey
    assert wallet.transport.encryption() == "nip44_v2"


def test_identity_is_the_wallet(wallet: LightningClient, lightning: LightningEmulator) -> None:
    me = wallet.identity()
    assert (me.provider, me.id, me.name) == (
        "lightning",
        lightning.connection().wallet_pubkey,
        lightning.world.alias,
    )


def test_balance_is_in_msat(wallet: LightningClient, lightning: LightningEmulator) -> None:
    assert wallet.balance_msat() == lightning.world.balance_msat
    lightning.store.balance_msat = 12_345
    assert wallet.balance_msat() == 12_345


def test_a_keysend_with_a_podcast_record_reaches_its_node(
    wallet: LightningClient, lightning: LightningEmulator, lightning_url: str
) -> None:
    boost = {"action": "boost", "podcast": "Sandbox FM", "value_msat_total": 50_000}
    host = node(lightning, "host")
    before = wallet.balance_msat()

    payment = wallet.pay_keysend(
        host, 50_000, tlv_records={PODCAST_METADATA_TLV: json.dumps(boost).encode()}
    )

    assert payment.state == "settled" and payment.settled
    assert payment.amount_msat == 50_000
    assert payment.payment_hash == hashlib.sha256(bytes.fromhex(payment.preimage)).hexdigest()
    assert payment.fees_paid_msat is not None
    assert wallet.balance_msat() == before - 50_000 - payment.fees_paid_msat
    [landed] = received(lightning_url)
    assert landed["pubkey"] == host
    assert landed["payment_hash"] == payment.payment_hash
    assert landed["amount_msat"] == 50_000
    assert landed["podcast"] == boost


def test_a_chosen_preimage_fixes_the_hash_before_paying(
    wallet: LightningClient, lightning: LightningEmulator
) -> None:
    preimage = bytes(range(32))
    payment = wallet.pay_keysend(node(lightning, "guest"), 1_000, preimage=preimage)
    assert payment.preimage == preimage.hex()
    assert payment.payment_hash == hashlib.sha256(preimage).hexdigest()


def test_the_same_preimage_twice_is_one_payment(
    wallet: LightningClient, lightning: LightningEmulator, lightning_url: str
) -> None:
    preimage = b"\x07" * 32
    first = wallet.pay_keysend(node(lightning, "guest"), 2_000, preimage=preimage)
    again = wallet.pay_keysend(node(lightning, "guest"), 2_000, preimage=preimage)
    assert again.payment_hash == first.payment_hash
    assert len(received(lightning_url)) == 1


def test_lookup_finds_a_payment_by_its_hash_and_none_for_an_unknown_one(
    wallet: LightningClient, lightning: LightningEmulator
) -> None:
    payment = wallet.pay_keysend(node(lightning, "host"), 3_000)
    found = wallet.lookup(payment.payment_hash)
    assert found is not None
    assert (found.payment_hash, found.state, found.amount_msat, found.preimage) == (
        payment.payment_hash,
        "settled",
        3_000,
        payment.preimage,
    )
    assert wallet.lookup("ab" * 32) is None


def test_raw_sends_any_nip47_method(wallet: LightningClient, lightning: LightningEmulator) -> None:
    wallet.pay_keysend(node(lightning, "host"), 4_000)
    listed = wallet.raw("list_transactions", {})
    assert [t["amount"] for t in listed["transactions"]] == [4_000]


@pytest.mark.parametrize(
    ("pubkey", "amount", "records", "preimage", "why"),
    [
        ("02" + "ab" * 31, 1_000, {}, None, "node pubkey"),
        ("04" + "ab" * 32, 1_000, {}, None, "node pubkey"),
        ("02" + "ab" * 32, 0, {}, None, "positive"),
        ("02" + "ab" * 32, 1.5, {}, None, "positive"),
        ("02" + "ab" * 32, 1_000, {5482373484: b"x"}, None, "preimage="),
        ("02" + "ab" * 32, 1_000, {7629169: "text"}, None, "bytes"),
        ("02" + "ab" * 32, 1_000, {}, b"short", "32 bytes"),
    ],
)
def test_a_malformed_keysend_is_refused_before_anything_is_sent(
    wallet: LightningClient,
    lightning: LightningEmulator,
    pubkey: str,
    amount: int,
    records: dict[int, bytes],
    preimage: bytes | None,
    why: str,
) -> None:
    with pytest.raises(InvalidRequest, match=why):
        wallet.pay_keysend(pubkey, amount, tlv_records=records, preimage=preimage)
    assert lightning.store.requests_seen == 0


@pytest.mark.parametrize("connection", ["legacy", "untagged"])
def test_a_nip04_only_wallet_is_spoken_to_in_nip04(
    lightning: LightningEmulator, lightning_url: str, connection: str
) -> None:
    """``legacy`` offers only nip04; ``untagged`` has no encryption tag, which means nip04."""
    with connect(
        nwc_uri=lightning.connection(connection).uri,
        token_store=MemoryTokenStore(),
        request_timeout=5,
    ) as client:
        assert client.transport.encryption() == "nip04"
        assert client.get_info().encryptions == ("nip04",)
        payment = client.pay_keysend(node(lightning, "host"), 5_000)
        assert client.lookup(payment.payment_hash) is not None
    assert [p["payment_hash"] for p in received(lightning_url)] == [payment.payment_hash]
