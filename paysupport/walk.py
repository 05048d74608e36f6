"""Paginated walks that hide pages: iterate items, or pages, lazily.

One :class:`Walk` covers cursor, page-number and offset pagination. The
provider supplies ``fetch(position) -> Page``; the walk asks for the first
page at ``start`` and follows each page's ``next`` until it is ``None``.

By default a walk does not make its reader wait for the network. A
page-number or offset walk whose first page reports how many pages there are
fetches :data:`PREFETCH_WORKERS` pages at once, ahead of the one being read; any
other walk (a cursor walk, whose next position is only known once a page has
arrived) fetches the following page while the reader works on the current one.
``max_workers=1`` turns both off. Memory stays bounded: a prefetching walk holds
at most ``max_workers`` pages ahead of the one being read, a looking-ahead walk
one. The order of items never changes and each page is fetched exactly once.
The HTTP layer's pool keeps as many connections as there are workers
(:attr:`~paysupport.http.HttpOptions.pool_maxsize`), so none is opened per page.

Resuming is page-granular: :attr:`Walk.cursor` is the position of the first
page not yet completely yielded, and ``Walk(fetch, start=cursor)`` continues
from there (items of a partly-read page come again).
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from paysupport.errors import ResponseFormatError

T = TypeVar("T")

#: Pages a page-number or offset walk fetches at once by default. 50 pages at 50 ms of
#: latency take 3 round trips instead of 50 (benchmarks/bench_walks.py, P3).
PREFETCH_WORKERS = 32
#: Empty pages in a row, each naming a next page, after which a walk stops with an error.
MAX_EMPTY_PAGES = 100

Pagination = Literal["cursor", "page", "offset"]


@dataclass
class Page(Generic[T]):
    """One page of a walk.

    ``next`` is the position of the following page (cursor, page number or
    offset), ``None`` on the last page. ``total`` counts items and ``pages``
    counts pages, when the API says.
    """

    items: list[T]
    next: Any = None
    position: Any = None
    total: int | None = None
    pages: int | None = None
    raw: Any = field(default=None, repr=False)


Fetch = Callable[[Any], Page[T]]


class Walk(Generic[T]):
    """Lazily iterate every item of a paginated collection.

    ``start`` is the first position (``None`` for a cursor walk's beginning,
    1 for page numbers, 0 for offsets). ``max_workers`` is how many pages may
    be on their way at once: ``None`` chooses (:data:`PREFETCH_WORKERS` for page
    numbers and offsets, 2 for cursors: the page being read and the next one);
    1 fetches each page only when the reader asks for it. ``fetch`` is then
    called from a worker thread, one page at a time for a cursor walk.
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        start: Any = None,
        pagination: Pagination = "cursor",
        max_workers: int | None = None,
    ) -> None:
        if max_workers is None:
            max_workers = 2 if pagination == "cursor" else PREFETCH_WORKERS
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._fetch = fetch
        self.start = start
        self.pagination = pagination
        self.max_workers = max_workers
        self._first: Page[T] | None = None
        self.cursor: Any = start
        self.exhausted = False

    def _first_page(self) -> Page[T]:
        if self._first is None:
            self._first = self._fetch_at(self.start)
        return self._first

    def _fetch_at(self, position: Any) -> Page[T]:
        page = self._fetch(position)
        if page.position is None:
            page.position = position
        return page

    @property
    def total(self) -> int | None:
        """Number of items when the API reports it (fetches the first page if needed)."""
        return self._first_page().total

    def pages(self) -> Iterator[Page[T]]:
        """Yield pages in order, fetching ahead unless ``max_workers`` is 1."""
        return self._pages(ahead=self.max_workers > 1)

    def _pages(self, *, ahead: bool) -> Iterator[Page[T]]:
        first = self._first_page()
        self._first = None  # a second iteration starts over with a fresh request
        positions = self._prefetch_positions(first) if ahead else None
        if positions is not None:
            source = self._prefetched(first, positions)
        elif ahead:
            source = self._looking_ahead(first)
        else:
            source = self._sequential(first)
        del first  # held here, the first page would live as long as the walk
        for page in source:
            yield page
            self.cursor = page.next
            del page  # not held while the next page is fetched
        self.exhausted = True

    def _following(self, page: Page[T], empty: int) -> tuple[Any, int]:
        """Where the walk goes after ``page``, and how many empty pages in a row it has seen.

        A page may be empty and still have a next one (a provider's walk that keeps
        only some of a page's records: Patreon's supporters among its members), so
        an empty page ends the walk only when it names no next page, or names its
        own position again (no progress). A long run of empty pages is an answer
        the walk cannot trust.
        """
        if page.items:
            return page.next, 0
        if page.next is None or page.next == page.position:
            return None, empty + 1
        if empty + 1 >= MAX_EMPTY_PAGES:
            raise ResponseFormatError(
                f"{MAX_EMPTY_PAGES} empty pages in a row, each naming a next one;"
                " the walk stops rather than request pages forever"
            )
        return page.next, empty + 1

    def _sequential(self, page: Page[T]) -> Iterator[Page[T]]:
        empty = 0
        while True:
            following, empty = self._following(page, empty)
            yield page
            del page  # not held while the next page is fetched: one page at a time
            if following is None:
                return
            page = self._fetch_at(following)

    def _looking_ahead(self, page: Page[T]) -> Iterator[Page[T]]:
        """One page ahead: the next page is fetched while the reader works on this one.

        Only the page being read and the one on its way are held. Closing the
        walk early waits for the page on its way (bounded by the request's timeout).
        """
        empty = 0
        with ThreadPoolExecutor(1, thread_name_prefix="paysupport-walk") as pool:
            while True:
                following, empty = self._following(page, empty)
                upcoming = None if following is None else pool.submit(self._fetch_at, following)
                yield page
                del page
                if upcoming is None:
                    return
                page = upcoming.result()
                del upcoming

    def _prefetch_positions(self, first: Page[T]) -> list[Any] | None:
        if first.next is None or not first.items:
            return None
        start = first.position
        if self.pagination == "page" and first.pages is not None and isinstance(start, int):
            return list(range(start + 1, first.pages + 1))
        if self.pagination == "offset" and first.total is not None and isinstance(start, int):
            size = len(first.items)
            remaining = math.ceil(max(0, first.total - start - size) / size)
            return [start + size * (i + 1) for i in range(remaining)]
        return None

    def _prefetched(self, first: Page[T], positions: list[Any]) -> Iterator[Page[T]]:
        yield first
        del first
        pending: deque[Future[Page[T]]] = deque()
        remaining = iter(positions)
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="paysupport-walk") as pool:
            try:
                for position in itertools.islice(remaining, self.max_workers):
                    pending.append(pool.submit(self._fetch_at, position))
                while pending:
                    page = pending.popleft().result()
                    position = next(remaining, None)
                    if position is not None:
                        pending.append(pool.submit(self._fetch_at, position))
                    yield page
                    if not page.items:
                        return
            finally:
                for future in pending:
                    future.cancel()

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            items = page.items
            del page
            yield from items
            del items  # not held while the next page is fetched

    def first(self, n: int) -> list[T]:
        """The first ``n`` items, fetching no more pages than needed (no reading ahead)."""
        items: list[T] = []
        if n <= 0:
            return items
        for page in self._pages(ahead=False):
            items += page.items[: n - len(items)]
            if len(items) >= n:
                break
        return items

    def __repr__(self) -> str:
        return f"<Walk {self.pagination} from {self.start!r} workers={self.max_workers}>"
