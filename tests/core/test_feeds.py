"""Reading podcast feeds: payment links, hostile input, downloaded episodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from paysupport.feeds import FeedError, is_safe_url, match_downloaded, read_feed
from paysupport.testing import serve_wsgi
from tests.core.feeds_kit import podcast_feed

RICH_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>Show</title><link>https://show.example/</link>
<podcast:funding url="https://www.patreon.com/show">Back the show</podcast:funding>
<item><title>One</title><guid>ep-1</guid>
  <atom:link rel="payment" href="https://flattr.com/submit/auto?user_id=alice&amp;url=https%3A%2F%2Fshow.example%2F1"/>
  <enclosure url="https://cdn.show.example/one.mp3" length="1" type="audio/mpeg"/></item>
<item><title>Two</title><guid>ep-2</guid>
  <link>https://show.example/2</link>
  <atom:link rel="payment" href="javascript:alert(1)"/>
  <atom:link rel="payment" href="file:///etc/passwd"/></item>
<item><title>Three</title><guid>ep-3</guid>
  <atom:link rel="related" href="https://flattr.com/submit/auto?user_id=bob&amp;url=x"/></item>
</channel></rss>"""


def test_payment_links_of_every_kind() -> None:
    feed = read_feed(RICH_FEED)
    one, _two, three = feed.episodes
    assert [(link.kind, link.url.split("?")[0]) for link in one.payment_links] == [
        ("payment", "https://flattr.com/submit/auto")
    ]
    assert [link.kind for link in three.payment_links] == ["auto-submit"]
    assert one.enclosures == ["https://cdn.show.example/one.mp3"]


def test_unsafe_links_are_reported_and_never_kept() -> None:
    two = read_feed(RICH_FEED).episodes[1]
    assert len(two.problems) == 2
    assert all("unsafe" in problem for problem in two.problems)
    # with no usable link of its own, the episode falls back to the channel's funding link
    assert [link.url for link in two.payment_links] == ["https://www.patreon.com/show"]


def test_malformed_xml_yields_what_can_be_read_with_a_warning() -> None:
    broken = podcast_feed(3).replace(b"</channel></rss>", b"<item><title>cut")
    feed = read_feed(broken)
    assert [e.guid for e in feed.episodes][:3] == ["ep-1", "ep-2", "ep-3"]
    assert feed.warning and "malformed" in feed.warning


@pytest.mark.parametrize("garbage", [b"", b"not xml at all \x00\xff", b"<html><body>hi"])
def test_garbage_is_a_feed_error(garbage: bytes) -> None:
    with pytest.raises(FeedError):
        read_feed(garbage)


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    path.write_bytes(podcast_feed(50))
    with pytest.raises(FeedError, match="larger than"):
        read_feed(path, max_bytes=1000)


def test_feeds_are_fetched_over_http_with_a_size_cap() -> None:
    body = podcast_feed(5)

    def app(environ: object, start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/rss+xml")])  # type: ignore[operator]
        return [body]

    with serve_wsgi(app) as served:  # type: ignore[arg-type]
        assert len(read_feed(served.url + "/feed.xml").episodes) == 5
        with pytest.raises(FeedError, match="larger than"):
            read_feed(served.url + "/feed.xml", max_bytes=100)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://x.example/f"])
def test_only_http_feeds_are_fetched(url: str) -> None:
    with pytest.raises(FeedError, match="only http"):
        read_feed(url)
    assert not is_safe_url(url)


def test_duplicate_guids_are_rejected_once() -> None:
    doubled = podcast_feed(2).replace(b"<guid>ep-2</guid>", b"<guid>ep-1</guid>")
    feed = read_feed(doubled)
    assert [e.guid for e in feed.episodes] == ["ep-1"]
    assert feed.rejected == [(1, "duplicate guid 'ep-1'")]


def test_downloaded_episodes_by_guid_url_or_file(tmp_path: Path) -> None:
    feed = read_feed(podcast_feed(5))
    (tmp_path / "ep2.mp3").write_bytes(b"x")
    (tmp_path / "ep4.mp3").write_bytes(b"x")
    assert [e.guid for e in match_downloaded(feed, [tmp_path])] == ["ep-2", "ep-4"]
    assert [e.guid for e in match_downloaded(feed, ["ep-1"])] == ["ep-1"]
    by_url = match_downloaded(feed, ["https://cdn.show.example/ep3.mp3"])
    assert [e.guid for e in by_url] == ["ep-3"]
