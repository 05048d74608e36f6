"""P6: a 300-request job against a sandbox rate limit of 100 requests per window.

Nothing may fail (goal 0) and the job should take little longer than the limit
allows at best (goal 1.1x). The best possible time for N requests at L per W
seconds is ``(ceil(N / L) - 1) * W`` plus the time the last window's requests
take themselves; the latter is measured as a share of the same job run without
a limit.

* Patreon: the emulator's sliding window answers 429 with ``Retry-After``, and
  the HTTP layer's retry honours it (300 member pages of 10);
* Flattr: the emulator's fixed window reports its budget in ``X-RateLimit-*``
  headers, and the client's gate waits for the reset before spending a refused
  request (300 search pages of 10); its ``X-RateLimit-Reset`` is a whole second,
  and the client dates the window's real end on its own clock;
* GitHub: the emulator's fixed window of points reports ``x-ratelimit-*`` headers
  (whole seconds too), and the client's gate waits for the window's end, dated
  like Flattr's (300 sponsor pages of 10, one point each). ``sponsors`` walks the
  active sponsorships only, so the emulator seeds more than 2,990 sponsorships.
  Its first query builds the GraphQL schema (about half a second): a dry run,
  which spends no points, does that before the clock starts.

A job fails when it raises or does not return the items the same job returns
without a limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from benchmarks.results import Result, goal_result, info, skipped
from benchmarks.served import served
from paysupport.http import HttpEvent

REQUESTS = 300
LIMIT = 100
PAGE = 10
#: Sponsorships seeded so that 2,990 are active (sandbox seed 0): 299 pages of 10.
GITHUB_SPONSORSHIPS = 3_513
#: Spends no points (GitHub's ``rateLimit(dryRun: true)``), so it warms the emulator only.
GITHUB_DRY_RUN = "query { rateLimit(dryRun: true) { cost remaining } }"


def _job(sb: Any, name: str) -> tuple[Callable[[], int], list[HttpEvent]]:
    """The job: one lookup (campaign, or who we are) and 299 pages: 300 requests."""
    events: list[HttpEvent] = []
    client: Any = sb.connect(name, hooks=[events.append])
    if name == "patreon":

        def job() -> int:
            campaign = next(iter(client.walk("campaigns"))).id
            return sum(1 for _ in client.walk("members", campaign=campaign, count=PAGE))
    elif name == "github":

        def job() -> int:
            client.identity()
            return sum(1 for _ in client.walk("sponsors", count=PAGE))
    else:

        def job() -> int:
            client.identity()
            return sum(1 for _ in client.walk("search", count=PAGE))

    return job, events


ITEMS = (REQUESTS - 1) * PAGE


def _warm(sb: Any, name: str) -> None:
    """The emulator's one-time start-up work, done by another client before the clock starts."""
    if name == "github":
        sb.connect(name).query(GITHUB_DRY_RUN)


def _run(name: str, window: float) -> dict[str, Any]:
    sizes = {"patreon": {"members": ITEMS}, "github": {"sponsors": GITHUB_SPONSORSHIPS}}.get(
        name, {"things": ITEMS}
    )
    with served(providers=[name], sizes=sizes) as sb:
        _warm(sb, name)
        job, events = _job(sb, name)
        started = time.perf_counter()
        expected = job()  # the same job without a limit: what its requests cost by themselves
        free = time.perf_counter() - started
        needed = sum(1 for e in events if e.kind == "request")
    with served(providers=[name], sizes=sizes, rate_limit=LIMIT, rate_window=window) as sb:
        _warm(sb, name)
        job, events = _job(sb, name)
        failed = 0
        started = time.perf_counter()
        try:
            items: Any = job()
        except Exception as exc:  # a failure is the figure, not a crash of the benchmark
            failed, items = 1, repr(exc)
        took = time.perf_counter() - started
    sent = sum(1 for e in events if e.kind == "request")
    # The floor counts the requests the job needs (refused ones are the client's loss).
    windows = math.ceil(needed / LIMIT)
    last = needed - (windows - 1) * LIMIT
    floor = (windows - 1) * window + free * last / needed
    return {
        "took": took,
        "floor": floor,
        "free": free,
        "sent": sent,
        "needed": needed,
        "failed": failed,
        "items": items,
        "expected": expected,
    }


def p6(quick: bool = False) -> list[Result]:
    window = 5.0 if quick else 10.0
    results = []
    for name, how in (
        ("patreon", "429 + Retry-After"),
        ("flattr", "budget headers"),
        ("github", "points budget headers"),
    ):
        try:
            got = _run(name, window)
        except Exception as exc:  # a provider still being finished: reported, not fatal
            results.append(skipped("P6", f"{name} ({how})", f"{type(exc).__name__}: {exc}"))
            continue
        failed = got["failed"] + (got["items"] != got["expected"])
        results.append(
            goal_result(
                "P6",
                f"{name} ({how}): requests failed",
                failed,
                "",
                "== 0",
                f"{got['sent']} requests ({got['sent'] - got['needed']} refused and sent "
                f"again), {got['items']} items (without a limit: {got['expected']})",
            )
        )
        results.append(
            goal_result(
                "P6",
                f"{name} ({how}): wall time / the limit's minimum",
                got["took"] / got["floor"],
                "x",
                "<= 1.1x",
                f"{got['took']:.2f} s for {got['sent']} requests at {LIMIT} per {window:g} s; "
                f"minimum {got['floor']:.2f} s (unlimited job {got['free']:.2f} s)",
            )
        )
    return results


__all__ = ["info", "p6"]
