"""Value for value's pure core: value blocks read from feeds, split arithmetic, bLIP-10 records."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from paysupport.errors import PaySupportError
from paysupport.feeds import FeedError, read_feed
from paysupport.value import (
    BLIP10_TLV,
    Recipient,
    RemoteItem,
    TimeSplit,
    UnsafeXml,
    ValueBlock,
    ValueForValueError,
    blip10_record,
    boost_shares,
    keysend_records,
    parse_xml,
    read_podcast_tags,
    split_payout,
    stream_msat,
    stream_payments,
    stream_rate_msat,
)
from tests.core.feeds_kit import (
    ALICE,
    BOB,
    CAROL,
    HOSTING,
    podcast_feed,
    recipient_xml,
    time_split_xml,
    value_feed,
    value_xml,
)

SHOW_GUID = "917393E3-1B1E-5CEF-ACE4-EDAA54E1F810"
CHANNEL_BLOCK = value_xml(
    recipient_xml("Alice (Podcaster)", ALICE, 49),
    recipient_xml("Bob (Podcaster)", BOB, 46),
    recipient_xml("Carol (Chapters)", "carol@fees.example", 5, type="lnaddress"),
    recipient_xml("Index", HOSTING, 1, fee=True, custom_key=696969, custom_value="abc"),
    suggested="0.00000015000",
)


def node(name: str, split: int, *, fee: bool = False, address: str | None = None) -> Recipient:
    """A node recipient whose address is made from its name (distinct names, distinct nodes)."""
    return Recipient(
        name, "node", address or "02" + name.encode().hex().ljust(64, "0")[:64], split, fee
    )


def block(*recipients: Recipient, time_splits: tuple[TimeSplit, ...] = ()) -> ValueBlock:
    return ValueBlock("lightning", "keysend", Decimal(5000), recipients, time_splits)


# --- reading feeds -------------------------------------------------------------------------


def test_a_channel_block_is_read_exactly_and_applies_to_every_episode() -> None:
    feed = read_feed(value_feed("", "", channel=CHANNEL_BLOCK))
    value = feed.episodes[0].value
    assert value is not None and value == feed.episodes[1].value == feed.value
    # 0.00000015 BTC a minute is 15 sats: exact, never a float
    assert value.suggested_msat_per_minute == Decimal(15000)
    assert [(r.name, r.type, r.split, r.fee) for r in value.recipients] == [
        ("Alice (Podcaster)", "node", 49, False),
        ("Bob (Podcaster)", "node", 46, False),
        ("Carol (Chapters)", "lnaddress", 5, False),
        ("Index", "node", 1, True),
    ]
    assert (value.recipients[3].custom_key, value.recipients[3].custom_value) == (696969, "abc")
    assert feed.episodes[0].value_problems == []


def test_an_items_block_overrides_the_channels() -> None:
    guest = value_xml(recipient_xml("Alice", ALICE, 50), recipient_xml("Gigi (Guest)", BOB, 50))
    feed = read_feed(value_feed("", guest, channel=CHANNEL_BLOCK))
    solo, with_guest = feed.episodes
    assert solo.value == feed.value
    assert with_guest.value is not None
    assert [r.name for r in with_guest.value.recipients] == ["Alice", "Gigi (Guest)"]


def test_an_items_bad_block_pays_nothing_rather_than_the_channels_recipients() -> None:
    broken = value_xml(recipient_xml("Guest", "not-a-key", 100))
    episode = read_feed(value_feed(broken, channel=CHANNEL_BLOCK)).episodes[0]
    assert episode.value is None
    assert episode.value_problems and "not a node public key" in episode.value_problems[0]


def test_the_first_lightning_keysend_block_is_used_among_several() -> None:
    other = value_xml(recipient_xml("Alice", "alice-wallet", 100, type="wallet"), type="hive")
    keysend = value_xml(recipient_xml("Alice", ALICE, 100))
    value = read_feed(value_feed(other + keysend)).episodes[0].value
    assert value is not None and value.recipients[0].address == ALICE


def test_time_splits_are_read_with_recipients_or_a_remote_item() -> None:
    splits = value_xml(
        recipient_xml("Alice", ALICE, 95),
        recipient_xml("Host", HOSTING, 5, fee=True),
        time_split_xml(60, 237, remote_percentage=95, remote=("a94f5cc9-feed", "item#1")),
        time_split_xml(367, 246, recipient_xml("Bobjim (Guest)", BOB, 10)),
    )
    value = read_feed(value_feed(splits)).episodes[0].value
    assert value is not None
    remote, local = value.time_splits
    assert (remote.start_s, remote.duration_s, remote.remote_percentage) == tuple(
        map(Decimal, (60, 237, 95))
    )
    assert remote.remote == RemoteItem("a94f5cc9-feed", "item#1")
    assert local.remote is None and local.remote_percentage == 100  # the namespace's default
    assert [r.name for r in local.recipients] == ["Bobjim (Guest)"]


@pytest.mark.parametrize(("written", "read"), [("150", 100), ("-5", 0), ("42.5", Decimal("42.5"))])
def test_remote_percentage_is_clamped_to_0_100_as_the_namespace_says(
    written: str, read: Decimal
) -> None:
    splits = value_xml(
        recipient_xml("Alice", ALICE, 1),
        time_split_xml(0, 60, recipient_xml("Bob", BOB, 1), remote_percentage=written),
    )
    value = read_feed(value_feed(splits)).episodes[0].value
    assert value is not None and value.time_splits[0].remote_percentage == read


def test_lnaddress_method_blocks_are_payable_as_the_namespace_writes_them() -> None:
    written = value_xml(recipient_xml("Alice", "alice@getalby.com", 1, type="lnaddress"))
    lnaddress = written.replace('method="keysend"', 'method="lnaddress"')
    assert read_feed(value_feed(lnaddress)).episodes[0].value is not None


BAD_BLOCKS = {
    "unknown type": (value_xml(recipient_xml("A", ALICE, 1), type="hive"), "type 'hive'"),
    "amp method": (value_xml(recipient_xml("A", ALICE, 1), method="amp"), "method 'amp'"),
    "no recipients": (value_xml(), "no recipients"),
    "splits sum to 0": (
        value_xml(recipient_xml("A", ALICE, 0), recipient_xml("B", BOB, 0)),
        "sum to 0",
    ),
    "only fees": (
        value_xml(recipient_xml("A", ALICE, 1, fee=True), recipient_xml("B", BOB, 2, fee=True)),
        "sum to 0",
    ),
    "fees over 100%": (
        value_xml(recipient_xml("A", ALICE, 1), recipient_xml("B", BOB, 101, fee=True)),
        "more than the whole payment",
    ),
    "negative split": (
        value_xml(recipient_xml("A", ALICE, -3), recipient_xml("B", BOB, 5)),
        "outside 0..1000000",
    ),
    "absurd split": (
        value_xml(recipient_xml("A", ALICE, 10**7), recipient_xml("B", BOB, 5)),
        "outside 0..1000000",
    ),
    "fractional split": (value_xml(recipient_xml("A", ALICE, "33.3")), "not a whole number"),
    "pubkey too short": (value_xml(recipient_xml("A", ALICE[:-2], 1)), "not a node public key"),
    "pubkey not 02/03": (value_xml(recipient_xml("A", "04" + ALICE[2:], 1)), "public key"),
    "bad lnaddress": (
        value_xml(recipient_xml("A", "alice@@wallet", 1, type="lnaddress")),
        "not a Lightning Address",
    ),
    "unknown recipient type": (value_xml(recipient_xml("A", ALICE, 1, type="bolt12")), "'bolt12'"),
    "customKey not an integer": (
        value_xml(recipient_xml("A", ALICE, 1, custom_key="abc", custom_value="1")),
        "customKey 'abc' is not an integer",
    ),
    "customKey below 2^16": (
        value_xml(recipient_xml("A", ALICE, 1, custom_key=42, custom_value="1")),
        "not a TLV type",
    ),
    "customKey is the bLIP-10 record": (
        value_xml(recipient_xml("A", ALICE, 1, custom_key=BLIP10_TLV, custom_value="1")),
        "bLIP-10",
    ),
    "suggested not a number": (value_xml(recipient_xml("A", ALICE, 1), suggested="5e-8"), "5e-8"),
    "suggested absurd": (value_xml(recipient_xml("A", ALICE, 1), suggested="21"), "outside"),
    "overlapping time splits": (
        value_xml(
            recipient_xml("A", ALICE, 1),
            time_split_xml(60, 120, recipient_xml("B", BOB, 1)),
            time_split_xml(150, 30, recipient_xml("C", CAROL, 1)),
        ),
        "overlaps the time split at 60 s",
    ),
    "time split without duration": (
        value_xml(recipient_xml("A", ALICE, 1), time_split_xml(60, 0, recipient_xml("B", BOB, 1))),
        "duration > 0",
    ),
    "remote percentage not a number": (
        value_xml(
            recipient_xml("A", ALICE, 1),
            time_split_xml(0, 9, recipient_xml("B", BOB, 1), remote_percentage="lots"),
        ),
        "'lots' is not a number",
    ),
}


@pytest.mark.parametrize(("written", "problem"), BAD_BLOCKS.values(), ids=BAD_BLOCKS.keys())
def test_a_bad_block_is_reported_per_episode_and_pays_nothing(written: str, problem: str) -> None:
    feed = read_feed(value_feed(written, ""))
    bad, other = feed.episodes
    assert bad.value is None
    assert any(problem in p for p in bad.value_problems), bad.value_problems
    assert bad.problems == []  # the episode's other ways of paying are unaffected
    assert other.value is None and other.value_problems == []


def test_podcast_guid_is_the_feeds_identity_when_present() -> None:
    with_guid = read_feed(value_feed("", podcast_guid=SHOW_GUID, self_link="https://a.example/f"))
    assert with_guid.identity == "urn:uuid:917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert with_guid.guid == SHOW_GUID and with_guid.episodes[0].feed == with_guid.identity
    # without one (or with a malformed one) the identity stays what the ledger already knows
    for guid in (None, "not-a-uuid"):
        feed = read_feed(value_feed("", podcast_guid=guid, self_link="https://a.example/f"))
        assert feed.identity == "https://a.example/f"


def test_every_funding_link_is_read_with_its_text() -> None:
    channel = (
        '<podcast:funding url="https://donate.example/show">Support the show!</podcast:funding>'
        '<podcast:funding url="https://members.example/">Become a member!</podcast:funding>'
        '<podcast:funding url="javascript:alert(1)">Click</podcast:funding>'
    )
    own = '<podcast:funding url="https://donate.example/ep2">This one</podcast:funding>'
    feed = read_feed(value_feed("", own, channel=channel))
    assert [(f.url, f.text) for f in feed.funding] == [
        ("https://donate.example/show", "Support the show!"),
        ("https://members.example/", "Become a member!"),
    ]
    assert feed.episodes[0].funding == feed.funding
    assert [f.text for f in feed.episodes[1].funding] == ["This one"]


def test_feeds_without_namespace_tags_read_as_before() -> None:
    feed = read_feed(podcast_feed(2, funding="https://donate.example/"))
    assert feed.value is None and feed.value_problems == [] and feed.guid is None
    assert [f.url for f in feed.episodes[0].funding] == ["https://donate.example/"]
    assert feed.episodes[0].value is None and feed.episodes[0].value_problems == []


def test_malformed_xml_says_the_value_blocks_were_not_read() -> None:
    broken = value_feed("", channel=CHANNEL_BLOCK).replace(b"</channel></rss>", b"<item>")
    feed = read_feed(broken)
    assert feed.warning and feed.episodes
    assert feed.episodes[0].value is None
    assert "not read" in feed.episodes[0].value_problems[0]


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
<title>&f;</title><podcast:guid>&f;</podcast:guid><item><guid>1</guid></item></channel></rss>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
<title>&secret;</title><podcast:guid>&secret;</podcast:guid><item><guid>1</guid></item>
</channel></rss>"""


@pytest.mark.parametrize("hostile", [LAUGHS, EXTERNAL], ids=["billion laughs", "external entity"])
def test_entities_are_refused_never_expanded(hostile: bytes) -> None:
    with pytest.raises(UnsafeXml):
        parse_xml(hostile)
    tags = read_podcast_tags(hostile)
    assert tags.guid is None and tags.problem and "refused" in tags.problem
    feed = read_feed(hostile)
    assert feed.guid is None and "root:" not in feed.title and len(feed.title) < 1000


xml_pieces = st.sampled_from(
    [
        "<rss>",
        "</rss>",
        "<channel>",
        "</channel>",
        "<item>",
        "</item>",
        '<podcast:value type="lightning" method="keysend" suggested="0.1">',
        "</podcast:value>",
        recipient_xml("A", ALICE, 1),
        recipient_xml("B", "b@c.example", "x", type="lnaddress"),
        time_split_xml("1", "-2", remote=("f", None)),
        '<!DOCTYPE rss [<!ENTITY a "b">]>',
        "&a;",
        "&amp;",
        "<![CDATA[x]]>",
        "\x00",
        "é",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(xml_pieces | st.text(max_size=8), max_size=25))
def test_the_parser_never_raises_for_any_document(pieces: list[str]) -> None:
    body = "".join(pieces)
    data = f'<rss xmlns:podcast="https://podcastindex.org/namespace/1.0">{body}'.encode()
    read_podcast_tags(data)  # never raises: problems are returned
    with contextlib.suppress(FeedError):  # the library's error for "not a feed at all"
        read_feed(data)
    with contextlib.suppress(PaySupportError):  # anything else fails the test
        parse_xml(data)


# --- splitting a payout -------------------------------------------------------------------


def test_the_namespaces_worked_example_splits_exactly() -> None:
    recipients = [node("Host", 190), node("Co-Host", 152), node("Producer", 38)]
    shares = split_payout(100_000, recipients)
    assert [(s.recipient.label, s.amount_msat) for s in shares] == [
        ("Host", 50_000),
        ("Co-Host", 40_000),
        ("Producer", 10_000),
    ]


def test_fees_come_off_the_top_as_a_percentage_of_the_whole() -> None:
    recipients = [node("Adam", 49), node("Dave", 46), node("Dreb", 5), node("Index", 1, fee=True)]
    shares = {s.recipient.label: s.amount_msat for s in split_payout(100_000, recipients)}
    assert shares["Index"] == 1_000  # 1% of everything
    # the other 99,000 shared 49/46/5 of 100, floored
    assert shares == {"Adam": 48_510, "Dave": 45_540, "Dreb": 4_950, "Index": 1_000}


def test_rounding_floors_every_share_and_keeps_the_remainder() -> None:
    shares = split_payout(10_000, [node("A", 1), node("B", 1), node("C", 1)])
    assert [s.amount_msat for s in shares] == [3_333, 3_333, 3_333]  # 1 msat kept, never paid


def test_shares_below_the_wallets_minimum_round_to_nothing() -> None:
    shares = split_payout(10_000, [node("Host", 95), node("Editor", 5)])
    assert [(s.amount_msat, s.below_minimum) for s in shares] == [(9_500, False), (500, True)]
    lower = split_payout(10_000, [node("Host", 95), node("Editor", 5)], minimum_msat=1)
    assert not any(s.below_minimum for s in lower)


def test_a_lone_recipient_takes_everything_whatever_its_split() -> None:
    assert [s.amount_msat for s in split_payout(7_777, [node("Solo", 3)])] == [7_777]


def test_entries_naming_the_same_payee_are_one_share() -> None:
    twice = [
        node("Alice", 1, address=ALICE),
        node("Bob", 2, address=BOB),
        node("A.", 1, address=ALICE),
    ]
    shares = split_payout(4_000, twice)
    assert [(s.recipient.label, s.amount_msat) for s in shares] == [
        ("Alice", 2_000),
        ("Bob", 2_000),
    ]


@pytest.mark.parametrize(
    ("total", "recipients", "message"),
    [
        (-1, [node("A", 1)], "negative"),
        (1000, [], "no recipients"),
        (1000, [node("A", 0), node("B", 0)], "sum to 0"),
        (1000, [node("A", -1), node("B", 2)], "outside"),
    ],
)
def test_what_cannot_be_split_is_an_error(
    total: int, recipients: list[Recipient], message: str
) -> None:
    with pytest.raises(ValueForValueError, match=message):
        split_payout(total, recipients)


recipients_strategy = st.lists(
    st.tuples(st.integers(0, 1_000_000), st.booleans()), min_size=1, max_size=12
).filter(
    lambda rs: (
        len(rs) == 1
        or (sum(s for s, fee in rs if fee) <= 100 and any(s > 0 for s, fee in rs if not fee))
    )
)


def exact_parts(total: int, recipients: list[Recipient]) -> list[Fraction]:
    """The exact proportions the namespace describes, written independently of the code."""
    if len(recipients) == 1:
        return [Fraction(total)]
    fees = sum(Fraction(total * r.split, 100) for r in recipients if r.fee)
    shares = sum(r.split for r in recipients if not r.fee)
    return [
        Fraction(total * r.split, 100) if r.fee else (total - fees) * Fraction(r.split, shares)
        for r in recipients
    ]


@settings(max_examples=300)
@given(st.integers(0, 10**12), recipients_strategy)
def test_shares_never_exceed_the_total_and_each_is_within_1_msat_below_exact(
    total: int, raw: list[tuple[int, bool]]
) -> None:
    recipients = [node(f"r{i}", split, fee=fee) for i, (split, fee) in enumerate(raw)]
    shares = split_payout(total, recipients)
    assert sum(s.amount_msat for s in shares) <= total
    assert sum(s.amount_msat for s in shares) > total - len(recipients)
    for share, exact in zip(shares, exact_parts(total, recipients), strict=True):
        assert exact - 1 < share.amount_msat <= exact  # the bound guaranteed: floor(exact)
        recipient = share.recipient
        assert isinstance(recipient, Recipient)
        if recipient.fee and len(recipients) > 1:  # fees get exactly their percentage, floored
            assert share.amount_msat == total * recipient.split // 100
        assert share.below_minimum == (share.amount_msat < 1000)


# --- streaming ---------------------------------------------------------------------------


def test_the_stream_rate_is_the_listeners_or_else_the_feeds_suggestion() -> None:
    value = block(node("Host", 1))
    assert stream_rate_msat(value) == Decimal(5000)
    assert stream_rate_msat(value, sats_per_minute=21) == Decimal(21000)
    assert stream_rate_msat(None) is None
    assert stream_msat(3, Decimal("1500.5")) == 4501  # floored, exact
    with pytest.raises(ValueForValueError):
        stream_rate_msat(value, sats_per_minute=-1)


def test_minutes_are_batched_until_each_payee_reaches_the_minimum() -> None:
    value = block(node("Host", 90), node("Editor", 10))
    plan = stream_payments(value, msat_per_minute=5000, end_minute=5)
    host = [
        (p.first_minute, p.end_minute, p.amount_msat)
        for p in plan.payments
        if p.recipient.label == "Host"
    ]
    editor = [
        (p.first_minute, p.end_minute, p.amount_msat)
        for p in plan.payments
        if p.recipient.label == "Editor"
    ]
    assert host == [(m, m + 1, 4500) for m in range(5)]  # 4.5 sats a minute: paid each minute
    assert editor == [(0, 2, 1000), (2, 4, 1000)]  # 0.5 sat a minute: every two minutes
    assert [
        (p.recipient.label, p.first_minute, p.end_minute, p.amount_msat) for p in plan.pending
    ] == [
        ("Editor", 4, 5, 500)  # accrued, not yet sendable
    ]


@settings(max_examples=100, deadline=None)
@given(
    rate=st.decimals(min_value=0, max_value=100_000, places=3),
    splits=st.lists(st.integers(1, 1000), min_size=1, max_size=5),
    shorter=st.integers(0, 40),
    longer=st.integers(0, 40),
)
def test_a_longer_stream_extends_the_plan_of_a_shorter_one_and_never_overpays(
    rate: Decimal, splits: list[int], shorter: int, longer: int
) -> None:
    shorter, longer = sorted((shorter, longer))
    value = block(*(node(f"r{i}", s) for i, s in enumerate(splits)))
    short = stream_payments(value, msat_per_minute=rate, end_minute=shorter)
    long = stream_payments(value, msat_per_minute=rate, end_minute=longer)
    assert long.payments[: len(short.payments)] == short.payments  # same keys on a later run
    paid = sum(p.amount_msat for p in long.payments + long.pending)
    total = rate * longer
    assert paid <= total
    assert paid > total - len(splits)  # each payee short by less than 1 msat, overall


def test_a_time_split_takes_its_percentage_of_the_minutes_it_covers_after_fees() -> None:
    guest = TimeSplit(Decimal(90), Decimal(60), Decimal(50), (node("Guest", 1),))
    value = block(node("Host", 90), node("Fee", 10, fee=True), time_splits=(guest,))
    plan = stream_payments(value, msat_per_minute=6000, end_minute=3, minimum_msat=1)
    paid = {(p.recipient.label, p.first_minute): p.amount_msat for p in plan.payments}
    # minute 1 is half covered, minute 2 half covered: the guest takes 50% of 5,400 / 2 each
    assert paid[("Guest", 1)] == 1350 and paid[("Guest", 2)] == 1350
    assert paid[("Fee", 0)] == paid[("Fee", 1)] == 600
    assert paid[("Host", 0)] == 5400 and paid[("Host", 1)] == 5400 - 1350


def test_a_remote_time_split_is_handed_back_for_the_caller_to_split_again() -> None:
    remote = RemoteItem("a94f5cc9-8c58-55fc-91fe-a324087a655b", "item#1")
    song = TimeSplit(Decimal(60), Decimal(60), Decimal(95), remote=remote)
    value = block(node("Host", 1), time_splits=(song,))
    plan = stream_payments(value, msat_per_minute=10_000, end_minute=2)
    host = value.recipients[0]
    assert [(p.recipient, p.first_minute, p.amount_msat) for p in plan.payments] == [
        (host, 0, 10_000),
        (remote, 1, 9_500),  # to be split over the remote item's own value block
    ]
    assert [(p.recipient, p.first_minute, p.amount_msat) for p in plan.pending] == [(host, 1, 500)]


def test_a_boost_follows_the_time_split_playing_when_it_is_sent() -> None:
    guest = TimeSplit(Decimal(60), Decimal(60), Decimal(100), (node("Guest", 1),))
    value = block(node("Host", 1), time_splits=(guest,))
    during = {s.recipient.label: s.amount_msat for s in boost_shares(value, 10_000, at_s=90)}
    before = {s.recipient.label: s.amount_msat for s in boost_shares(value, 10_000, at_s=30)}
    assert during == {"Guest": 10_000, "Host": 0}
    assert before == {"Host": 10_000}


def test_a_block_that_cannot_be_paid_is_refused_by_the_arithmetic() -> None:
    overlapping = (
        TimeSplit(Decimal(0), Decimal(120), recipients=(node("A", 1),)),
        TimeSplit(Decimal(60), Decimal(10), recipients=(node("B", 1),)),
    )
    with pytest.raises(ValueForValueError, match="overlaps"):
        stream_payments(
            block(node("H", 1), time_splits=overlapping), msat_per_minute=1, end_minute=1
        )


# --- payment records ---------------------------------------------------------------------


def test_the_blip10_record_is_compact_utf8_json_without_empty_fields() -> None:
    key, data = blip10_record(
        action="boost",
        podcast="Show & Tell",
        episode="Épisode 1",
        guid=SHOW_GUID,
        episode_guid="ep-1",
        ts=33,
        value_msat=95_000,
        value_msat_total=100_000,
        app_name="paysupport",
        sender_name="Ann",
        message="Great show ⚡",
        name="Alice (Podcaster)",
    )
    assert key == BLIP10_TLV == 7629169
    assert json.loads(data.decode("utf-8")) == {
        "action": "boost",
        "podcast": "Show & Tell",
        "guid": SHOW_GUID,
        "episode": "Épisode 1",
        "episode_guid": "ep-1",
        "ts": 33,
        "value_msat": 95_000,
        "value_msat_total": 100_000,
        "app_name": "paysupport",
        "sender_name": "Ann",
        "message": "Great show ⚡",
        "name": "Alice (Podcaster)",
    }
    assert "⚡".encode() in data  # UTF-8, not \\u escapes


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "tip"}, "action 'tip'"),
        ({"action": "stream", "message": "hi"}, "no message"),
        ({"action": "boost", "message": "x" * 501}, "501 bytes"),
        ({"action": "boost", "message": "⚡" * 167}, "501 bytes"),  # bytes, not characters
        ({"action": "boost", "podcast": None}, "name the podcast"),
        ({"action": "boost", "value_msat": -1}, "negative"),
    ],
)
def test_records_that_cannot_be_sent_are_errors(fields: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"podcast": "Show", "value_msat": 1, "value_msat_total": 1}
    with pytest.raises(ValueForValueError, match=message):
        blip10_record(**{**arguments, **fields})  # type: ignore[arg-type]


def test_long_titles_are_cut_so_the_record_fits_a_payment() -> None:
    _, data = blip10_record(
        action="stream", podcast="P" * 5000, episode="E" * 5000, value_msat=1, value_msat_total=1
    )
    fields = json.loads(data)
    assert len(fields["podcast"]) == len(fields["episode"]) == 100
    assert fields["episode"].endswith("…")


def test_a_recipients_custom_record_goes_with_the_metadata() -> None:
    recipient = Recipient("App", "node", ALICE, 1, custom_key=696969, custom_value="wallet-7")
    record = blip10_record(action="stream", podcast="Show", value_msat=1, value_msat_total=1)
    records = keysend_records(recipient, record)
    assert records == {BLIP10_TLV: record[1], 696969: b"wallet-7"}
    plain = Recipient("Host", "node", BOB, 1)
    assert keysend_records(plain, record) == {BLIP10_TLV: record[1]}


def test_records_too_large_for_a_payment_are_refused() -> None:
    recipient = Recipient("App", "node", ALICE, 1, custom_key=696969, custom_value="v" * 200)
    record = blip10_record(
        action="boost",
        podcast="P" * 100,
        episode="E" * 100,
        message="m" * 500,
        sender_name="S" * 100,
        value_msat=1,
        value_msat_total=1,
    )
    with pytest.raises(ValueForValueError, match="at most 1000 fit"):
        keysend_records(recipient, record)
