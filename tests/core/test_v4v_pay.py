"""Paying podcast:value splits over the sandbox's real relay and NWC wallet, each exactly once.

Every test publishes a feed with paysupport's own publisher
(:func:`~paysupport.value.publish.add_value_to_feed`), reads it as the
podcatcher does, pays it through the ``lightning`` provider's client, and
checks what the emulated recipient nodes received (``/_admin/payments``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from paysupport.feeds import Feed, read_feed
from paysupport.ledger import Ledger, PaymentKey
from paysupport.podcatcher import Podcatcher, ValueSupport
from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.value import Recipient, ValueBlock
from paysupport.value.pay import ValuePayer, paid_msat, summarize
from paysupport.value.publish import add_value_to_feed
from tests.core.feeds_kit import podcast_feed

pytest.importorskip("paysupport_lightning")

NODE_A, NODE_B = "02" + "ab" * 32, "03" + "cd" * 32
#: 10 sats a minute suggested; the app takes a 5 % fee, the host 90 of the rest, a guest 10.
RATE_MSAT = Decimal(10_000)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(providers=["lightning"])) as running:
        yield running


@pytest.fixture
def wallet(sandbox: Sandbox) -> Iterator[Any]:
    admin(sandbox, "POST", "reset")
    client = sandbox.connect("lightning", request_timeout=5)
    yield client
    client.close()


def admin(sandbox: Sandbox, verb: str, route: str, body: dict[str, Any] | None = None) -> Any:
    answer = requests.request(
        verb, f"{sandbox.url('lightning')}/_admin/{route}", json=body, timeout=10
    )
    answer.raise_for_status()
    return answer.json()


def received(sandbox: Sandbox) -> list[dict[str, Any]]:
    return list(admin(sandbox, "GET", "payments")["payments"])


def show_block(wallet: Any, *, guest: str | None = None, **changes: Any) -> ValueBlock:
    guest_node = guest or wallet.resolve_lightning_address("guest@podcast.example").pubkey
    block = ValueBlock(
        "lightning",
        "keysend",
        RATE_MSAT,
        (
            Recipient("Host", "lnaddress", "host@podcast.example", 90),
            Recipient("Guest", "node", guest_node, 10),
            Recipient("App", "lnaddress", "app@fees.example", 5, fee=True),
        ),
    )
    return replace(block, **changes)


def published(tmp_path: Path, block: ValueBlock, episodes: int = 2) -> Feed:
    """A feed published with ``block``, read back as a podcatcher reads it."""
    path = tmp_path / "feed.xml"
    path.write_bytes(add_value_to_feed(podcast_feed(episodes, link=""), block))
    return read_feed(path)


def test_stream_pays_each_minute_once_with_blip10_and_custom_records(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    feed = published(tmp_path, show_block(wallet))
    payer = ValuePayer(wallet, Ledger(tmp_path / "ledger.sqlite3"), sender_name="Listener")
    episode = feed.episodes[0]

    first = payer.stream(episode, 10 * 60 + 30, feed=feed)  # 10 whole minutes
    assert summarize(first) == {"paid": 20}
    # fee 5 % of 100 sats; the host 90 % and the guest 10 % of the other 95
    by_recipient: dict[str, int] = {}
    for outcome in first:
        by_recipient[outcome.recipient] = (
            by_recipient.get(outcome.recipient, 0) + outcome.amount_msat
        )
    assert by_recipient == {"App": 5_000, "Host": 85_500, "Guest": 9_500}

    again = payer.stream(episode, 10 * 60 + 59, feed=feed)
    assert summarize(again) == {"already": 20}
    more = payer.stream(episode, 12 * 60, feed=feed)  # only minutes 10 and 11 are new
    assert paid_msat(more) == 20_000 - 0  # two minutes at 10 sats, whole msat for everyone

    landed = received(sandbox)
    assert len(landed) == 20 + summarize(more)["paid"]
    app = next(p for p in landed if p["recipient"] == "app")
    assert {"type": 696969, "text": "paysupport-app"}.items() <= app["tlv_records"][0].items()
    record = app["podcast"]
    assert record["action"] == "stream"
    assert record["podcast"] == "Show & Tell"
    assert record["episode_guid"] == "ep-1"
    assert record["sender_name"] == "Listener"
    assert record["value_msat"] == app["amount_msat"]
    assert record["app_name"] == "paysupport"


def test_boost_with_a_message_is_paid_once_per_boost_id(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    feed = published(tmp_path, show_block(wallet))
    payer = ValuePayer(wallet, Ledger(tmp_path / "ledger.sqlite3"))
    episode = feed.episodes[1]

    boosted = payer.boost(episode, 1000, feed=feed, message="Great episode!")
    assert summarize(boosted) == {"paid": 3}
    assert paid_msat(boosted) == 1_000_000
    assert summarize(payer.boost(episode, 1000, feed=feed, message="Great episode!")) == {
        "already": 3
    }
    second = payer.boost(episode, 1000, feed=feed, message="Great episode!", boost_id="again")
    assert summarize(second) == {"paid": 3}

    boosts = [p["podcast"] for p in received(sandbox)]
    assert {b["message"] for b in boosts} == {"Great episode!"}
    assert len({b["boost_uuid"] for b in boosts}) == 2
    assert all(b["value_msat_total"] == 1_000_000 for b in boosts)


def test_auto_through_the_podcatcher_pays_each_downloaded_episode_once(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    feed = published(tmp_path, show_block(wallet), episodes=3)
    catcher = Podcatcher(
        connect=lambda name: sandbox.connect(name),
        ledger=Ledger(tmp_path / "ledger.sqlite3"),
        value=ValueSupport(sats=50),
        providers=[],
    )
    try:
        first = catcher.support_feed(feed)
        again = catcher.support_feed(feed)
    finally:
        catcher.close()
    assert [o.status for o in first] == ["supported"] * 3, [o.detail for o in first]
    assert [o.status for o in again] == ["already"] * 3
    assert sum(p["amount_msat"] for p in received(sandbox)) == 3 * 50_000
    assert {p["podcast"]["action"] for p in received(sandbox)} == {"auto"}


def test_a_lightning_address_that_does_not_resolve_fails_alone(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    block = show_block(wallet)
    broken = Recipient("Gone", "lnaddress", "nobody@podcast.example", 10)
    feed = published(tmp_path, replace(block, recipients=(*block.recipients, broken)))
    payer = ValuePayer(wallet, Ledger(tmp_path / "ledger.sqlite3"))

    outcomes = payer.boost(feed.episodes[0], 100, feed=feed)
    status = {o.recipient: o.status for o in outcomes}
    assert status == {"Host": "paid", "Guest": "paid", "App": "paid", "Gone": "error"}
    gone = next(o for o in outcomes if o.recipient == "Gone")
    assert "nobody@podcast.example" in (gone.detail or "")
    # the others got their own shares only: Gone's 1/11 of 95 sats stays with the listener
    assert paid_msat(outcomes) < 100_000
    assert len(received(sandbox)) == 3


@pytest.mark.parametrize(
    ("recipients", "problem"),
    [
        ((), "no recipients"),
        ((Recipient("A", "node", NODE_A, 0), Recipient("B", "node", NODE_B, 0)), "sum to 0"),
        ((Recipient("A", "node", "not-a-pubkey", 50),), "not a node public key"),
        ((Recipient("A", "node", NODE_A, -5), Recipient("B", "node", NODE_B, 5)), "outside"),
    ],
)  # fmt: skip
def test_bad_feeds_pay_nothing_and_say_why(
    sandbox: Sandbox, wallet: Any, tmp_path: Path, recipients: tuple[Recipient, ...], problem: str
) -> None:
    items = "".join(
        f'<podcast:valueRecipient name="{r.name}" type="{r.type}" address="{r.address}"'
        f' split="{r.split}"/>'
        for r in recipients
    )
    xml = podcast_feed(1, link="").replace(
        b"<channel>",
        b'<channel><podcast:value type="lightning" method="keysend">'
        + items.encode()
        + b"</podcast:value>",
    )
    (tmp_path / "feed.xml").write_bytes(xml)
    feed = read_feed(tmp_path / "feed.xml")
    payer = ValuePayer(wallet, Ledger(tmp_path / "ledger.sqlite3"))

    for outcomes in (
        payer.boost(feed.episodes[0], 100, feed=feed),
        payer.auto(feed.episodes[0], 100, feed=feed),
        payer.stream(feed.episodes[0], 600, feed=feed),
    ):
        assert [o.status for o in outcomes] == ["error"]
        assert problem in (outcomes[0].detail or "")
    assert received(sandbox) == []


def test_unknown_type_and_method_and_overlapping_time_splits_pay_nothing(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    host = '<podcast:valueRecipient name="H" type="node" address="02' + "ab" * 32 + '" split="1"/>'
    feeds = {
        "type": f'<podcast:value type="bitcoin" method="keysend">{host}</podcast:value>',
        "method": f'<podcast:value type="lightning" method="amp">{host}</podcast:value>',
        "overlaps": (
            f'<podcast:value type="lightning" method="keysend">{host}'
            f'<podcast:valueTimeSplit startTime="0" duration="60">{host}</podcast:valueTimeSplit>'
            f'<podcast:valueTimeSplit startTime="30" duration="60">{host}</podcast:valueTimeSplit>'
            "</podcast:value>"
        ),
    }
    payer = ValuePayer(wallet, Ledger(tmp_path / "ledger.sqlite3"))
    for name, value in feeds.items():
        path = tmp_path / f"{name}.xml"
        path.write_bytes(
            podcast_feed(1, link="").replace(b"<channel>", f"<channel>{value}".encode())
        )
        feed = read_feed(path)
        outcomes = payer.auto(feed.episodes[0], 10, feed=feed)
        assert [o.status for o in outcomes] == ["error"], name
        assert {"type": "bitcoin", "method": "amp", "overlaps": "overlaps"}[name] in (
            outcomes[0].detail or ""
        )
    assert received(sandbox) == []


def test_a_lost_answer_is_settled_by_lookup_and_never_paid_twice(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    feed = published(tmp_path, show_block(wallet))
    payer = ValuePayer(wallet, Ledger(tmp_path / "ledger.sqlite3"))
    admin(sandbox, "POST", "faults", {"kind": "drop", "method": "pay_keysend", "times": 1})

    outcomes = payer.auto(feed.episodes[0], 100, feed=feed)
    assert summarize(outcomes) == {"paid": 3}
    assert any("settled by lookup" in (o.detail or "") for o in outcomes)
    assert summarize(payer.auto(feed.episodes[0], 100, feed=feed)) == {"already": 3}
    hashes = [p["payment_hash"] for p in received(sandbox)]
    assert len(hashes) == len(set(hashes)) == 3


def test_a_run_killed_after_paying_is_settled_by_the_next(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    """The claim of a dead run: the next run looks the hash up, and pays only if unpaid."""
    feed = published(tmp_path, show_block(wallet))
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    episode = feed.episodes[0]
    paid_hashes = []
    for address, paid_before_dying in (("host@podcast.example", True), ("app@fees.example", False)):
        recipient = f"lnaddress:{address}"
        pubkey = wallet.resolve_lightning_address(address).pubkey
        key = PaymentKey(episode.feed, episode.guid, recipient, "auto")
        preimage = bytes([1 if paid_before_dying else 2]) * 32
        claim = ledger.claim_payment(
            key,
            pubkey=pubkey,
            amount_msat=1000 if paid_before_dying else 5000,
            preimage=preimage.hex(),
            payment_hash=hashlib.sha256(preimage).hexdigest(),
        )
        assert claim.taken
        if paid_before_dying:
            wallet.pay_keysend(pubkey, 1000, preimage=preimage)
            paid_hashes.append(hashlib.sha256(preimage).hexdigest())
        ledger.release_payment(key, "killed")  # what a dead owner's claim amounts to

    outcomes = ValuePayer(wallet, ledger).auto(episode, 100, feed=feed)
    status = {o.recipient: (o.status, o.detail) for o in outcomes}
    assert status["Host"] == ("paid", "settled by lookup: an earlier run paid it")
    assert status["App"][0] == "paid" and status["Guest"][0] == "paid"
    landed = received(sandbox)
    assert len(landed) == 3  # the host's payment was not made again
    assert next(p for p in landed if p["recipient"] == "app")["amount_msat"] == 5000  # the intent


def test_the_monthly_budget_is_counted_in_the_claim(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    feed = published(tmp_path, show_block(wallet), episodes=3)
    payer = ValuePayer(wallet, Ledger(tmp_path / "ledger.sqlite3"), monthly_budget_sats=150)
    statuses = [summarize(payer.auto(e, 100, feed=feed)) for e in feed.episodes]
    assert statuses[0] == {"paid": 3}
    assert statuses[1].get("budget")  # 100 + 100 > 150: this episode's shares stop there
    assert sum(p["amount_msat"] for p in received(sandbox)) <= 150_000


def test_wallet_refusals_are_reported_and_retried_only_when_asked(
    sandbox: Sandbox, wallet: Any, tmp_path: Path
) -> None:
    feed = published(tmp_path, show_block(wallet))
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    admin(sandbox, "POST", "wallet", {"balance_msat": 10})
    spent = ValuePayer(wallet, ledger).auto(feed.episodes[0], 100, feed=feed)
    assert [o.status for o in spent] == ["failed", "error", "error"]
    assert "balance" in (spent[0].detail or "").lower()
    admin(sandbox, "POST", "wallet", {"balance_msat": 10_000_000})
    assert summarize(ValuePayer(wallet, ledger).auto(feed.episodes[0], 100, feed=feed)) == {
        "paid": 3
    }

    admin(
        sandbox,
        "POST",
        "faults",
        {"kind": "error", "method": "pay_keysend", "code": "PAYMENT_FAILED"},
    )
    refused = ValuePayer(wallet, ledger).boost(feed.episodes[1], 100, feed=feed)
    assert sorted(o.status for o in refused) == ["failed", "paid", "paid"]
    assert summarize(ValuePayer(wallet, ledger).boost(feed.episodes[1], 100, feed=feed)) == {
        "already": 2,
        "failed": 1,
    }
    retried = ValuePayer(wallet, ledger, retry_failed=True).boost(feed.episodes[1], 100, feed=feed)
    assert summarize(retried) == {"already": 2, "paid": 1}


def test_a_dry_run_pays_nothing(sandbox: Sandbox, wallet: Any, tmp_path: Path) -> None:
    feed = published(tmp_path, show_block(wallet))
    payer = ValuePayer(wallet, Ledger(tmp_path / "ledger.sqlite3"), dry_run=True)
    assert summarize(payer.boost(feed.episodes[0], 100, feed=feed)) == {"dry-run": 3}
    assert received(sandbox) == []


def test_the_demo_streams_boosts_and_pays_nothing_twice() -> None:
    from paysupport.demo import run_demo

    results = [r for r in run_demo(providers=["lightning"]) if r.provider == "value4value"]
    assert len(results) == 4
    assert [r.error for r in results] == [None] * 4
    assert "already" in " ".join(results[-1].details)
