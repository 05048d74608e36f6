"""S1: merging 100,000 supporters across providers into one list with totals (time, memory).

The supporters are built in memory (no HTTP: P2 and P4 measure walks), half as
Patreon would give them and half as GitHub would, in two currencies and with
every status, so the figure is the merge itself: :func:`paysupport.supporters.merged`
chaining the providers' walks, :class:`~paysupport.supporters.Totals` counting
each supporter as it passes, and the CSV rows ``paysupport supporters`` writes.
Memory is the peak of ``tracemalloc`` while streaming (the supporters are made
as they are read, as a walk makes them page by page), next to the same merge
collected into a list first.
"""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from benchmarks.results import Result, goal_result, info
from paysupport import output
from paysupport.money import Money
from paysupport.supporters import Period, Supporter, SupporterStatus, Totals, merged

ITEMS = 100_000
STATUSES = (
    SupporterStatus.ACTIVE,
    SupporterStatus.ACTIVE,
    SupporterStatus.ACTIVE,
    SupporterStatus.DECLINED,
    SupporterStatus.PAST,
    SupporterStatus.ONE_TIME,
)
SINCE = datetime(2024, 1, 1, tzinfo=timezone.utc)


def made(provider: str, count: int, currency: str) -> Iterator[Supporter]:
    """``count`` supporters of ``provider``, made one at a time as a walk yields them."""
    for i in range(count):
        status = STATUSES[i % len(STATUSES)]
        once = status is SupporterStatus.ONE_TIME
        yield Supporter(
            provider=provider,
            id=f"{provider}-{i}",
            name=f"Supporter {i}",
            status=status,
            amount=Money(100 * (1 + i % 5), currency),
            period=Period.ONCE if once else (Period.YEAR if i % 10 == 0 else Period.MONTH),
            tier=f"Tier {1 + i % 5}",
            since=SINCE,
        )


class Walking:
    """A client whose ``walk("supporters")`` yields made supporters (what merged() reads)."""

    def __init__(self, name: str, count: int, currency: str) -> None:
        self.info: Any = type(
            "Info", (), {"name": name, "title": name, "collections": ("supporters",)}
        )
        self.count, self.currency = count, currency

    def walk(self, collection: str, **filters: Any) -> Iterator[Supporter]:
        return made(self.info.name, self.count, self.currency)


def clients(items: int) -> list[Any]:
    return [Walking("patreon", items // 2, "USD"), Walking("github", items - items // 2, "EUR")]


def merge_once(items: int) -> tuple[float, Totals]:
    """Seconds to merge, total and write ``items`` supporters as CSV rows (to memory)."""
    tally = Totals()
    sink = io.StringIO()
    started = time.perf_counter()
    rows = output.records(tally.counted(merged(clients(items))), "csv")
    written = output.write_csv(rows, sink)
    elapsed = time.perf_counter() - started
    assert written.count == items and tally.count == items
    return elapsed, tally


def peak_mb(collect: bool, items: int) -> float:
    tracemalloc.start()
    try:
        tally = Totals()
        stream = tally.counted(merged(clients(items)))
        if collect:
            kept = list(stream)
            assert len(kept) == items
        else:
            for _ in stream:
                pass
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def s1(quick: bool = False) -> list[Result]:
    items = ITEMS // 10 if quick else ITEMS
    runs = 2 if quick else 5
    best = min(merge_once(items)[0] for _ in range(runs))
    streamed = peak_mb(False, items)
    collected = peak_mb(True, items)
    what = f"supporters merge of {items:,} (2 providers, totals, CSV rows)"
    return [
        goal_result("S1", what, best, "s", "<= 2 s", f"best of {runs} runs"),
        goal_result("S1", "supporters merge: peak memory, streamed", streamed, "MB", "<= 5 MB"),
        info("S1", "supporters merge: peak memory, collected first", collected, "MB"),
    ]


if __name__ == "__main__":
    import sys

    for result in s1("--quick" in sys.argv):
        print(result.key, result.what, result.shown, result.goal, result.verdict)
