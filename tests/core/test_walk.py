"""Walks hide pages: cursor, page-number and offset pagination, resuming, prefetching."""

from __future__ import annotations

import json
import math
import threading
import time
import weakref
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from paysupport.errors import NotFound
from paysupport.http import HttpClient, HttpOptions
from paysupport.walk import PREFETCH_WORKERS, Page, Walk


class Catalogue:
    """A fake paginated API over the integers ``0 .. size-1``, instrumented.

    It records every position fetched, how many fetches run at once, and (by
    weak reference, so it keeps nothing alive itself) which pages still exist.
    """

    def __init__(self, size: int, per_page: int, *, delay: float = 0.0) -> None:
        self.size = size
        self.per_page = per_page
        self.delay = delay
        self.fetched: list[Any] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.completed = 0
        self.live_pages = 0
        #: How many pages were still alive as each fetch began.
        self.live_at_fetch: list[int] = []
        self._lock = threading.Lock()

    @property
    def page_count(self) -> int:
        return math.ceil(self.size / self.per_page)

    def _serve(self, position: Any, start: int, **fields: Any) -> Page[int]:
        with self._lock:
            self.live_at_fetch.append(self.live_pages)
            self.fetched.append(position)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            items = list(range(start, min(start + self.per_page, self.size)))
            page = Page(items=items, **fields)
            with self._lock:
                self.live_pages += 1
            weakref.finalize(page, self._page_freed)
            return page
        finally:
            with self._lock:
                self.in_flight -= 1
                self.completed += 1

    def _page_freed(self) -> None:
        with self._lock:
            self.live_pages -= 1

    def by_cursor(self, cursor: str | None) -> Page[int]:
        """Opaque cursors, no counts: the way most APIs page."""
        start = 0 if cursor is None else int(cursor.removeprefix("after:"))
        end = start + self.per_page
        return self._serve(cursor, start, next=f"after:{end}" if end < self.size else None)

    def by_page(self, number: int) -> Page[int]:
        """Page numbers from 1, with the total and the number of pages."""
        last = max(1, self.page_count)
        return self._serve(
            number,
            (number - 1) * self.per_page,
            next=number + 1 if number < last else None,
            total=self.size,
            pages=last,
        )

    def by_offset(self, offset: int) -> Page[int]:
        """Item offsets from 0, with the total."""
        end = offset + self.per_page
        return self._serve(offset, offset, next=end if end < self.size else None, total=self.size)

    def wait_for_fetches(self, count: int, timeout: float = 2.0) -> None:
        """Let up to ``count`` fetches finish (the walk's prefetching runs in threads)."""
        deadline = time.monotonic() + timeout
        while self.completed < count and time.monotonic() < deadline:
            time.sleep(0.001)


# Sequential walks


def test_cursor_walk_follows_next_until_none() -> None:
    catalogue = Catalogue(size=23, per_page=10)
    assert list(Walk(catalogue.by_cursor)) == list(range(23))
    assert catalogue.fetched == [None, "after:10", "after:20"]


def test_page_number_walk_counts_pages_from_start() -> None:
    catalogue = Catalogue(size=23, per_page=10)
    assert list(Walk(catalogue.by_page, start=1, pagination="page")) == list(range(23))
    assert catalogue.fetched == [1, 2, 3]


def test_offset_walk_advances_by_items() -> None:
    catalogue = Catalogue(size=23, per_page=10)
    assert list(Walk(catalogue.by_offset, start=0, pagination="offset")) == list(range(23))
    assert catalogue.fetched == [0, 10, 20]


def test_pages_yields_each_page_with_the_position_it_was_fetched_at() -> None:
    catalogue = Catalogue(size=23, per_page=10)
    pages = list(Walk(catalogue.by_cursor).pages())
    assert [page.position for page in pages] == [None, "after:10", "after:20"]
    assert [len(page.items) for page in pages] == [10, 10, 3]


def test_first_fetches_no_more_pages_than_needed() -> None:
    catalogue = Catalogue(size=100, per_page=10)
    assert Walk(catalogue.by_cursor).first(15) == list(range(15))
    assert catalogue.fetched == [None, "after:10"]

    catalogue.fetched.clear()
    assert Walk(catalogue.by_cursor).first(10) == list(range(10))
    assert catalogue.fetched == [None]

    catalogue.fetched.clear()
    assert Walk(catalogue.by_cursor).first(0) == []
    assert catalogue.fetched == []


def test_first_of_more_than_there_are_returns_everything() -> None:
    catalogue = Catalogue(size=7, per_page=5)
    assert Walk(catalogue.by_cursor).first(50) == list(range(7))


def test_total_is_the_api_count_and_its_page_is_not_fetched_again() -> None:
    catalogue = Catalogue(size=23, per_page=10)
    walk = Walk(catalogue.by_page, start=1, pagination="page")
    assert walk.total == 23
    assert list(walk) == list(range(23))
    assert catalogue.fetched == [1, 2, 3]


def test_total_is_none_when_the_api_does_not_say() -> None:
    assert Walk(Catalogue(size=23, per_page=10).by_cursor).total is None


def test_iterating_again_starts_over_with_fresh_requests() -> None:
    catalogue = Catalogue(size=15, per_page=10)
    walk = Walk(catalogue.by_cursor)
    assert list(walk) == list(walk) == list(range(15))
    assert catalogue.fetched == [None, "after:10"] * 2


def test_cursor_points_at_the_page_being_read_and_resumes_there() -> None:
    catalogue = Catalogue(size=35, per_page=10)
    walk = Walk(catalogue.by_cursor)
    assert walk.cursor is None
    assert walk.first(15) == list(range(15))
    assert walk.cursor == "after:10"
    assert not walk.exhausted

    # Resuming is page-granular: the partly-read page comes again, nothing is skipped.
    resumed = Walk(catalogue.by_cursor, start=walk.cursor)
    assert list(resumed) == list(range(10, 35))
    assert resumed.exhausted
    assert resumed.cursor is None


def test_page_number_walk_resumes_from_its_cursor() -> None:
    catalogue = Catalogue(size=50, per_page=10)
    walk = Walk(catalogue.by_page, start=1, pagination="page")
    walk.first(25)
    assert walk.cursor == 3
    assert list(Walk(catalogue.by_page, start=walk.cursor, pagination="page")) == list(
        range(20, 50)
    )


def test_empty_collection_yields_nothing_after_one_request() -> None:
    catalogue = Catalogue(size=0, per_page=10)
    walk = Walk(catalogue.by_page, start=1, pagination="page", max_workers=4)
    assert walk.total == 0
    assert list(walk) == []
    assert catalogue.fetched == [1]
    assert walk.exhausted


def test_an_empty_page_ends_the_walk_even_with_a_next_position() -> None:
    fetched: list[Any] = []

    def fetch(position: Any) -> Page[int]:
        fetched.append(position)
        return Page(items=[1, 2] if position is None else [], next="more")

    assert list(Walk(fetch)) == [1, 2]
    assert fetched == [None, "more"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_cursor_walk_goes_on_past_an_empty_page_that_names_a_next_one(workers: int) -> None:
    # A provider's walk may keep only some records of a page (Patreon's supporters among
    # its members): a page of none of them is not the end. Ending there lost patrons.
    pages = {None: ([1, 2], "b"), "b": ([], "c"), "c": ([], "d"), "d": ([3], None)}

    def fetch(position: Any) -> Page[int]:
        items, following = pages[position]
        return Page(items=items, next=following)

    assert list(Walk(fetch, max_workers=workers)) == [1, 2, 3]


def test_endless_empty_pages_are_an_error_not_endless_requests() -> None:
    from paysupport.errors import ResponseFormatError
    from paysupport.walk import MAX_EMPTY_PAGES

    fetched: list[Any] = []

    def fetch(position: Any) -> Page[int]:
        fetched.append(position)
        return Page(items=[] if position else [1], next=(position or 0) + 1)

    with pytest.raises(ResponseFormatError, match="empty pages in a row"):
        list(Walk(fetch, max_workers=1))
    assert len(fetched) == MAX_EMPTY_PAGES + 1


def test_errors_from_fetch_reach_the_caller() -> None:
    def fetch(position: Any) -> Page[int]:
        if position == 2:
            raise NotFound("no such page", provider="fake", status=404)
        return Page(items=[position], next=position + 1)

    walk = Walk(fetch, start=0, pagination="page")
    seen: list[int] = []
    with pytest.raises(NotFound, match="no such page"):
        for item in walk:
            seen.append(item)
    assert seen == [0, 1]


def test_max_workers_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Walk(Catalogue(1, 1).by_page, max_workers=0)


def test_sequential_walk_holds_one_page_at_a_time() -> None:
    catalogue = Catalogue(size=50, per_page=5)
    most = 0
    for item in Walk(catalogue.by_cursor, max_workers=1):
        if item % catalogue.per_page == 0:
            most = max(most, catalogue.live_pages)
    assert most == 1


@pytest.mark.parametrize("pages", [False, True])
def test_sequential_walk_lets_go_of_a_page_before_fetching_the_next(pages: bool) -> None:
    catalogue = Catalogue(size=50, per_page=5)
    walk = Walk(catalogue.by_cursor, max_workers=1)
    count = 0
    if pages:
        for page in walk.pages():
            count += len(page.items)
            del page  # the caller lets go too
    else:
        count = sum(1 for _ in walk)
    assert count == 50
    assert catalogue.live_at_fetch == [0] * catalogue.page_count


# Prefetching: 50 pages of 2 items, 4 workers

PAGES = 50
PER_PAGE = 2
WORKERS = 4


def prefetching(catalogue: Catalogue, pagination: str = "page") -> Walk[int]:
    if pagination == "offset":
        return Walk(catalogue.by_offset, start=0, pagination="offset", max_workers=WORKERS)
    return Walk(catalogue.by_page, start=1, pagination="page", max_workers=WORKERS)


@pytest.mark.parametrize("pagination", ["page", "offset"])
def test_prefetch_keeps_order_and_yields_each_item_once(pagination: str) -> None:
    catalogue = Catalogue(size=PAGES * PER_PAGE, per_page=PER_PAGE, delay=0.001)
    assert list(prefetching(catalogue, pagination)) == list(range(PAGES * PER_PAGE))


@pytest.mark.parametrize("pagination", ["page", "offset"])
def test_prefetch_fetches_each_page_once(pagination: str) -> None:
    catalogue = Catalogue(size=PAGES * PER_PAGE, per_page=PER_PAGE, delay=0.001)
    list(prefetching(catalogue, pagination))
    expected = (
        list(range(1, PAGES + 1)) if pagination == "page" else [PER_PAGE * i for i in range(PAGES)]
    )
    assert sorted(catalogue.fetched) == expected


def test_prefetch_never_runs_more_than_max_workers_fetches_at_once() -> None:
    catalogue = Catalogue(size=PAGES * PER_PAGE, per_page=PER_PAGE, delay=0.005)
    list(prefetching(catalogue))
    assert 1 < catalogue.max_in_flight <= WORKERS


def test_prefetch_overlaps_fetches() -> None:
    delay = 0.02
    catalogue = Catalogue(size=PAGES * PER_PAGE, per_page=PER_PAGE, delay=delay)
    started = time.perf_counter()
    list(prefetching(catalogue))
    elapsed = time.perf_counter() - started
    # Sequentially it takes at least PAGES * delay (1 s); 4 workers need about a quarter.
    assert elapsed < 0.6 * PAGES * delay


def test_prefetch_error_reaches_the_caller_after_the_pages_before_it() -> None:
    catalogue = Catalogue(size=PAGES * PER_PAGE, per_page=PER_PAGE)

    def fetch(number: int) -> Page[int]:
        if number == 17:
            raise NotFound("page 17 vanished", provider="fake", status=404)
        return catalogue.by_page(number)

    seen: list[int] = []
    with pytest.raises(NotFound, match="page 17 vanished"):
        for item in Walk(fetch, start=1, pagination="page", max_workers=WORKERS):
            seen.append(item)
    assert seen == list(range(16 * PER_PAGE))


def test_cursor_walks_cannot_prefetch_and_stay_sequential() -> None:
    catalogue = Catalogue(size=30, per_page=3, delay=0.001)
    assert list(Walk(catalogue.by_cursor, max_workers=WORKERS)) == list(range(30))
    assert catalogue.max_in_flight == 1
    assert catalogue.fetched == [None] + [f"after:{n}" for n in range(3, 30, 3)]


def test_prefetch_holds_at_most_max_workers_plus_one_pages() -> None:
    catalogue = Catalogue(size=PAGES * PER_PAGE, per_page=PER_PAGE)
    most = 0
    for item in prefetching(catalogue):
        if item % PER_PAGE:
            continue
        # At the first item of each page, let the pages fetched ahead arrive, then count.
        number = item // PER_PAGE + 1
        catalogue.wait_for_fetches(1 if number == 1 else min(number + WORKERS, PAGES))
        most = max(most, catalogue.live_pages)
    assert 1 < most <= WORKERS + 1


# Looking ahead: a cursor walk fetches the next page while the reader works


def test_a_cursor_walk_fetches_the_next_page_while_the_reader_works_on_one() -> None:
    catalogue = Catalogue(size=30, per_page=3, delay=0.01)
    for number, page in enumerate(Walk(catalogue.by_cursor).pages(), start=1):
        deadline = time.monotonic() + 2.0
        while len(catalogue.fetched) < min(number + 1, 10) and time.monotonic() < deadline:
            time.sleep(0.001)  # the reader is busy: the following page comes by itself
        assert len(catalogue.fetched) == min(number + 1, 10)
        del page
    assert catalogue.fetched == [None] + [f"after:{n}" for n in range(3, 30, 3)]


def test_looking_ahead_hides_the_readers_work_behind_the_fetches() -> None:
    delay, work, pages = 0.05, 0.05, 10
    catalogue = Catalogue(size=pages, per_page=1, delay=delay)
    started = time.perf_counter()
    for _ in Walk(catalogue.by_cursor):
        time.sleep(work)
    elapsed = time.perf_counter() - started
    # One page after another it takes pages * (delay + work) = 1 s; ahead about 0.55 s.
    assert elapsed < 0.8 * pages * (delay + work)


def test_looking_ahead_holds_at_most_two_pages_and_fetches_one_at_a_time() -> None:
    catalogue = Catalogue(size=50, per_page=5, delay=0.002)
    most = 0
    for item in Walk(catalogue.by_cursor):
        if item % catalogue.per_page == 0:
            catalogue.wait_for_fetches(min(item // catalogue.per_page + 2, 10))
            most = max(most, catalogue.live_pages)
    assert most == 2
    assert catalogue.max_in_flight == 1
    assert max(catalogue.live_at_fetch) == 1


def test_a_looking_ahead_walk_left_early_fetches_nothing_more() -> None:
    catalogue = Catalogue(size=50, per_page=5, delay=0.005)
    walk = Walk(catalogue.by_cursor)
    for item in walk:
        if item == 7:
            break
    fetched = len(catalogue.fetched)
    time.sleep(0.05)
    assert fetched == len(catalogue.fetched) <= 3  # pages 1 and 2, and at most 3 ahead
    assert walk.cursor == "after:5"  # page 2 is the one being read


def test_first_does_not_read_ahead() -> None:
    catalogue = Catalogue(size=50, per_page=5, delay=0.005)
    assert Walk(catalogue.by_cursor).first(7) == list(range(7))
    time.sleep(0.05)
    assert catalogue.fetched == [None, "after:5"]


def test_max_workers_1_fetches_a_page_only_when_asked() -> None:
    catalogue = Catalogue(size=30, per_page=3, delay=0.001)
    for page in Walk(catalogue.by_cursor, max_workers=1).pages():
        time.sleep(0.01)
        assert catalogue.fetched[-1] == page.position
    assert len(catalogue.fetched) == 10


# Defaults: page-number walks prefetch, over a pool that keeps every worker's connection


def test_a_page_number_walk_prefetches_by_default() -> None:
    catalogue = Catalogue(size=3 * PREFETCH_WORKERS + 1, per_page=1, delay=0.05)
    walk = Walk(catalogue.by_page, start=1, pagination="page")
    assert walk.max_workers == PREFETCH_WORKERS
    assert list(walk) == list(range(3 * PREFETCH_WORKERS + 1))
    assert catalogue.max_in_flight == PREFETCH_WORKERS


class _CountingHandler(BaseHTTPRequestHandler):
    """Answers ``/items?page=N`` after a delay, counting connections and requests at once."""

    protocol_version = "HTTP/1.1"  # keep-alive: a pooled connection serves many requests
    server: _CountingServer

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        time.sleep(server.delay)
        with server.lock:
            server.in_flight -= 1
        page = int(self.path.rpartition("=")[2])
        body = json.dumps({"items": [page], "pages": server.pages}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, pages: int, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _CountingHandler)
        self.lock = threading.Lock()
        self.pages, self.delay = pages, delay
        self.connections = self.in_flight = self.max_in_flight = 0


def test_a_default_walk_over_http_keeps_every_workers_connection() -> None:
    pages = 3 * PREFETCH_WORKERS + 1
    server = _CountingServer(pages, delay=0.1)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    http = HttpClient("fake", f"http://127.0.0.1:{server.server_address[1]}")

    def fetch(number: int) -> Page[int]:
        body = http.request("GET", f"/items?page={number}").json()
        following = number + 1 if number < body["pages"] else None
        return Page(body["items"], next=following, pages=body["pages"])

    try:
        walk = Walk(fetch, start=1, pagination="page")
        assert list(walk) == list(range(1, pages + 1))
    finally:
        http.close()
        server.shutdown()
        server.server_close()
    assert server.max_in_flight == PREFETCH_WORKERS
    assert HttpOptions().pool_maxsize >= PREFETCH_WORKERS
    # Each worker opens one connection and keeps it; a smaller pool would drop and reopen.
    assert server.connections <= PREFETCH_WORKERS + 1
