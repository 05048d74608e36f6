"""Reading podcast feeds: payment links, hostile input, downloaded episodes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paysupport.feeds import FeedError, find_downloaded, is_safe_url, match_downloaded, read_feed
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


def test_a_file_name_shared_by_several_episodes_matches_none_of_them(tmp_path: Path) -> None:
    feed = read_feed(podcast_feed(5, enclosure="https://cdn.show.example/{n}/audio.mp3"))
    (tmp_path / "audio.mp3").write_bytes(b"x")
    found = find_downloaded(feed, [tmp_path])
    assert found.episodes == []
    assert [e.guid for e in found.ambiguous["audio.mp3"]] == [f"ep-{n}" for n in range(1, 6)]
    by_url = find_downloaded(feed, ["https://cdn.show.example/3/audio.mp3"])
    assert [e.guid for e in by_url.episodes] == ["ep-3"] and by_url.ambiguous == {}


def test_what_matches_no_episode_is_returned_with_the_reason(tmp_path: Path) -> None:
    feed = read_feed(podcast_feed(2))
    empty, show = tmp_path / "empty", tmp_path / "show"
    empty.mkdir()
    show.mkdir()
    (show / "ep1.mp3").write_bytes(b"x")
    (show / "cover.jpg").write_bytes(b"x")
    (show / ".DS_Store").write_bytes(b"x")  # hidden files are no downloads: not reported
    found = find_downloaded(
        feed,
        [
            show,
            empty,
            "https://cdn.other.example/ep1.mp3",
            "ep2.mp3",
            tmp_path / "gone",
            "~no-such-user-x/Show",
        ],
    )
    assert [e.guid for e in found.episodes] == ["ep-1", "ep-2"]  # a bare file name still matches
    assert [(m.item, m.unusable) for m in found.unmatched] == [
        (str(show / "cover.jpg"), False),
        (str(empty), False),
        ("https://cdn.other.example/ep1.mp3", False),
        (str(tmp_path / "gone"), True),
        ("~no-such-user-x/Show", True),
    ]
    assert found.unmatched[1].reason == f"folder {empty} holds no files"
    assert found.unmatched[4].reason == "'~no-such-user-x' names no home folder"


class Recorder:
    """A WSGI app answering a small feed and remembering what it was asked."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.requests.append(dict(environ))
        start_response("200 OK", [("Content-Type", "application/rss+xml")])
        return [podcast_feed(2)]


def redirecting(routes: dict[str, str]) -> Any:
    """A WSGI app redirecting each path in ``routes`` and serving a feed elsewhere."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        target = routes.get(environ["PATH_INFO"])
        if target is not None:
            start_response("302 Found", [("Location", target)])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/rss+xml")])
        return [podcast_feed(1)]

    return app


def test_a_body_trickling_a_byte_at_a_time_cannot_outlive_the_deadline() -> None:
    def trickle(environ: object, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "application/rss+xml")])
        for byte in podcast_feed(1)[:40]:
            time.sleep(0.25)
            yield bytes([byte])

    with serve_wsgi(trickle) as served:  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(FeedError, match=r"took longer than 1\.5 s"):
            read_feed(served.url + "/feed.xml", deadline=1.5)
        assert time.monotonic() - started < 2.5


def test_a_huge_answer_is_refused_without_reading_it() -> None:
    sent = [0]

    def huge(environ: object, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Length", str(400 * 1024 * 1024))])
        for _ in range(400 * 16):
            sent[0] += 65536
            yield b"\0" * 65536

    with (
        serve_wsgi(huge) as served,  # type: ignore[arg-type]
        pytest.raises(FeedError, match="larger than 20971520 bytes"),
    ):
        read_feed(served.url + "/feed.xml")
    assert sent[0] < 20 * 1024 * 1024  # the client stopped at the headers, not at 20 MB


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "forbidden"),  # cloud metadata
        ("http://10.255.255.1/feed.xml", "private"),  # the local network
        ("http://0.0.0.0:9/feed.xml", "forbidden"),
    ],
)
def test_redirects_from_the_feed_never_lead_into_other_networks(target: str, kind: str) -> None:
    with serve_wsgi(redirecting({"/feed.xml": target})) as served:
        started = time.monotonic()
        with pytest.raises(FeedError, match=f"refusing to follow .* a {kind} address"):
            read_feed(served.url + "/feed.xml")
        assert time.monotonic() - started < 2  # refused, not tried


def test_redirects_are_followed_within_the_feeds_own_network_a_few_times() -> None:
    routes = {"/old.xml": "/feed.xml", **{f"/hop{n}": f"/hop{n + 1}" for n in range(10)}}
    with serve_wsgi(redirecting(routes)) as served:
        assert [e.guid for e in read_feed(served.url + "/old.xml").episodes] == ["ep-1"]
        assert len(read_feed(served.url + "/hop5").episodes) == 1  # five redirects
        with pytest.raises(FeedError, match="more than 5 redirects"):
            read_feed(served.url + "/hop4")


def test_the_environments_proxies_and_netrc_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, origin = Recorder(), Recorder()
    with serve_wsgi(proxy) as proxy_served, serve_wsgi(origin) as served:  # type: ignore[arg-type]
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.setenv(name, proxy_served.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        netrc = tmp_path / "netrc"
        netrc.write_text("machine 127.0.0.1 login alice password hunter2-secret\n")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
        assert len(read_feed(served.url + "/feed.xml").episodes) == 2
    assert proxy.requests == []
    assert [r.get("HTTP_AUTHORIZATION") for r in origin.requests] == [None]
