"""The publisher's side (a value block written into a feed) and the listening sources.

What paysupport publishes must read back as the same block through the
podcatcher's own reader; the feed around it must be kept byte for byte;
hostile XML is refused. Listening comes from a file of guid and seconds or
from gPodder's database, read-only.
"""

from __future__ import annotations

import sqlite3
import stat
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from paysupport.blog import publish_value
from paysupport.cli import main
from paysupport.feeds import read_feed
from paysupport.value import Funding, Recipient, UnsafeXml, ValueBlock, ValueForValueError
from paysupport.value.listened import read_gpodder, read_listened_file
from paysupport.value.publish import add_value_to_feed, block_from_config
from tests.core.feeds_kit import ALICE, BOB, podcast_feed

BLOCK = ValueBlock(
    "lightning",
    "keysend",
    Decimal(5000),
    (
        Recipient("Alice", "node", ALICE, 90),
        Recipient("Bob & Co", "lnaddress", "bob@podcast.example", 10),
        Recipient("App", "node", BOB, 5, fee=True, custom_key=696969, custom_value="x<y"),
    ),
)
FUNDING = (Funding("https://show.example/support", "Support the show"),)
ATOM = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b"<title>Blog</title><id>urn:uuid:1</id><entry><title>Post</title><id>p1</id>"
    b'<link href="https://blog.example/p1"/></entry></feed>'
)


def test_a_published_block_reads_back_the_same_for_every_episode() -> None:
    plain = podcast_feed(2, link="").replace(
        b' xmlns:podcast="https://podcastindex.org/namespace/1.0"', b""
    )
    published = add_value_to_feed(plain, BLOCK, FUNDING)
    feed = read_feed(published)
    assert feed.value == BLOCK
    assert [e.value for e in feed.episodes] == [BLOCK, BLOCK]
    assert [f.url for f in feed.funding] == ["https://show.example/support"]
    # everything else is kept as it was: only the namespace and the new elements were added
    assert published.replace(
        b' xmlns:podcast="https://podcastindex.org/namespace/1.0"', b"", 1
    ).startswith(plain[: plain.index(b"</channel>")])


def test_publishing_twice_is_unchanged_and_another_block_is_refused() -> None:
    once = add_value_to_feed(podcast_feed(1, link=""), BLOCK)
    assert add_value_to_feed(once, BLOCK) is once
    other = ValueBlock("lightning", "keysend", None, (Recipient("Carol", "node", ALICE, 1),))
    with pytest.raises(ValueForValueError, match="another podcast:value"):
        add_value_to_feed(once, other)


def test_an_atom_blog_feed_gets_the_block_in_its_feed_element() -> None:
    feed = read_feed(add_value_to_feed(ATOM, BLOCK, FUNDING))
    assert feed.value == BLOCK
    assert feed.episodes[0].value == BLOCK


def test_unpayable_blocks_and_hostile_feeds_are_refused() -> None:
    broken = ValueBlock("lightning", "keysend", None, (Recipient("A", "node", "nope", 1),))
    with pytest.raises(ValueForValueError, match="not a node public key"):
        add_value_to_feed(podcast_feed(1, link=""), broken)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel>&a;</channel></rss>'
    )
    with pytest.raises(UnsafeXml):
        add_value_to_feed(bomb, BLOCK)
    with pytest.raises(ValueForValueError, match="not an RSS feed"):
        add_value_to_feed(b"<html><body/></html>", BLOCK)


def test_the_config_section_declares_the_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.ini"
    config.write_text(
        "[value]\n"
        "suggested = 0.00000005000\n"
        "recipients =\n"
        f"    Alice, node, {ALICE}, 90\n"
        "    Bob & Co, lnaddress, bob@podcast.example, 10\n"
        f"    App, node, {BOB}, 5, fee, customKey=696969, customValue=x<y\n"
        "funding = https://show.example/support\n"
        "funding_text = Support the show\n"
    )
    monkeypatch.setenv("PAYSUPPORT_CONFIG", str(config))
    feed = tmp_path / "feed.xml"
    feed.write_bytes(podcast_feed(1, link=""))
    feed.chmod(0o644)

    result = CliRunner().invoke(main, ["publish", "--feed", str(feed), "--json"])
    assert result.exit_code == 0, result.output
    assert '"status": "added"' in result.output
    assert read_feed(feed).value == BLOCK
    assert stat.S_IMODE(feed.stat().st_mode) == 0o644  # still served to everyone
    assert publish_value(feed).status == "unchanged"

    with pytest.raises(ValueForValueError, match="line 1: 'sometimes'"):
        block_from_config({"recipients": f"A, node, {ALICE}, 1, sometimes"})


def test_listened_file_and_gpodder_database(tmp_path: Path) -> None:
    listened = tmp_path / "listened.txt"
    listened.write_text("# guid seconds\nep-1 600\nguid with spaces 61.5\nep-1 300\n")
    assert read_listened_file(listened) == {"ep-1": 600.0, "guid with spaces": 61.5}
    listened.write_text("ep-1 ten\n")
    with pytest.raises(ValueForValueError, match="line 1"):
        read_listened_file(listened)

    database = tmp_path / "Downloads.sqlite"
    with sqlite3.connect(database) as db:  # the columns gPodder keeps
        db.executescript(
            "CREATE TABLE podcast (id INTEGER PRIMARY KEY, title TEXT, url TEXT);"
            "CREATE TABLE episode (id INTEGER PRIMARY KEY, podcast_id INTEGER, title TEXT,"
            " guid TEXT, current_position INTEGER, total_time INTEGER);"
            "INSERT INTO podcast VALUES (1, 'Show', 'https://show.example/feed.xml'),"
            " (2, 'Other', 'https://other.example/feed.xml');"
            "INSERT INTO episode VALUES (1, 1, 'One', 'ep-1', 1800, 3600),"
            " (2, 1, 'Two', 'ep-2', 0, 3600), (3, 2, 'Else', 'x-1', 60, 60);"
        )
    database.chmod(0o444)  # read-only is enough: gPodder's file is never written
    assert read_gpodder(database) == {"ep-1": 1800.0, "x-1": 60.0}
    assert read_gpodder(database, feed_url="https://show.example/feed.xml") == {"ep-1": 1800.0}
    with pytest.raises(ValueForValueError, match="no gPodder database"):
        read_gpodder(tmp_path / "missing.sqlite")
