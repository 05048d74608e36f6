"""``python -m benchmarks``: every measurement, a table of ratios, ``docs/performance.md``.

Options: ``--quick`` (fewer rounds, CI-sized reliability, shorter rate window),
``--only P1,P3,R,R2`` (a subset), ``--no-write`` (print only).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    bench_cli,
    bench_github,
    bench_ipernity,
    bench_jsonapi,
    bench_memory,
    bench_podcast,
    bench_ratelimit,
    bench_supporters,
    bench_sync,
    bench_value,
    bench_walks,
)
from benchmarks.reliability import reliability
from benchmarks.results import Result, machine, plot, print_table, skipped, write_markdown
from paysupport.walk import PREFETCH_WORKERS

DOCS = Path(__file__).resolve().parent.parent / "docs"

SUITES: dict[str, Callable[[bool], list[Result]]] = {
    "P1": lambda quick: bench_jsonapi.run(quick) + bench_ipernity.p1(quick),
    "P2": bench_walks.p2,
    "P3": bench_walks.p3,
    "P4": bench_memory.p4,
    "P5": bench_cli.p5,
    "P6": bench_ratelimit.p6,
    "R": reliability,
    "R2": bench_podcast.r2,
    "S1": bench_supporters.s1,
    "V1": bench_value.v1,
    "Y1": bench_sync.y1,
    "G1": bench_github.g1,
}

NOTES = (
    'P1 pages are built as Patreon answers them for `walk("members")`: members with their '
    "user and entitled tiers included; *core* parses with `JsonApiDocument.from_bytes` and "
    "resolves `user` and `currently_entitled_tiers` of every member.",
    "P1 Ipernity rows: a `doc.getList` answer of documents as the walks ask for them (every "
    "attribute a string, as Ipernity's XML heritage sends it), decoded into `Doc` structs; the "
    "dict reader is the walk's fallback for answers with undeclared fields.",
    "P2 and P6 count requests as the client sends them; retries made by urllib3 inside one "
    "request (429 with Retry-After, 5xx, resets) are not counted separately.",
    "P2's new-connection loop is the seed libraries' way; on loopback a connection costs well "
    "under a millisecond, so it shows little difference here: over TLS to a real host each "
    "new connection costs a handshake (tens of milliseconds).",
    "P4 growth is peak RSS (VmHWM, reset before the walk) minus RSS before the walk, in a "
    "fresh process that only walks; the sandbox runs in another process.",
    "P4: documents hold their resources weakly, so a finished page is freed by reference "
    "counting as soon as the walk moves on (the row with gc.collect() is the control). A "
    "default cursor walk holds one page more: the one it fetches while the reader works.",
    "P5 regular install: a virtual environment in `.venv-bench/` with wheels of the core and "
    "of every provider in `providers/` and copies of their dependencies (kept until the "
    "sources change). `paysupport providers` reads each provider's `info.py` (its "
    "ProviderInfo) and imports click and the core's entry-point reader, and prints plain "
    "text: no rich, stevedore, importlib.metadata, client, requests or werkzeug. The dev "
    "install also holds the tests' example provider and editable-install finders.",
    "P3: walks are given no `max_workers`: page-number walks prefetch "
    f"{PREFETCH_WORKERS} pages at once and the HTTP pool keeps that many connections; "
    "cursor walks fetch one page ahead. The share hidden is 1 - (walk with the work - walk "
    "without it) / the work.",
    "P6 minimum: (ceil(N / L) - 1) windows, plus the last window's requests at their "
    "unlimited speed. Flattr's X-RateLimit-Reset is its window's end rounded up to a whole "
    "second; the client dates the window's start on its own clock (the answer saying "
    "`Current: 1`) and waits for its real end instead of losing up to 1 s per window.",
    "R2: the scenarios of `tests/flows/test_podcast_exactly_once.py` at full size (1,000 "
    "episodes and 30 kills; 10 budget races; 5 runs killed in another container), through "
    "`paysupport support-feed` processes against the Flattr emulator with 20-300 ms per answer.",
    "S1: `paysupport supporters`' merge without HTTP (walks are P2 and P4): 100,000 made "
    "supporters of two providers in two currencies through `merged()`, `Totals` and the CSV "
    "writer; memory is tracemalloc's peak while streaming, and with the list kept for comparison.",
    "Y1: Dramatiq sync (`benchmarks/bench_sync.py`): 3 `paysupport sync worker` processes with "
    "Redis and PostgreSQL started for the run; the floor is (requests - C) / C x W seconds "
    "under Patreon's documented client limit of C = 100 requests per W = 2 s (the first window "
    "free, every later one full). Scaling: no binding limit, 100 ms per answer (real services "
    "answer in 100-300 ms), each worker one process of 4 threads; on 2 cores shared with the "
    "emulator, PostgreSQL and Redis, throughput without latency is bound by the cores, not the "
    "workers. Full runs add the 200 x 500 and 10,000-delivery chaos proofs.",
    "Every emulator is served by werkzeug's development server, which closes the connection "
    "after each answer (werkzeug 2.1+), so every request here opens a connection; on loopback "
    "that costs the server a thread start and an accept, included in every figure.",
    'G1: GitHub Sponsors (issue 17): `walk("sponsors")` over a sandbox of 10,000 sponsors '
    "(2,000 with --quick) in its own process, against a bare `requests.Session` loop POSTing "
    "the same GraphQL document and reading the same fields through `json.loads`'s dicts.",
    "R: `tests/reliability` run by pytest; in CI they run at 2,000 items per provider and 500 "
    "examples per property, here at full size (10,000 and 10,000).",
    "Seed libraries: PyPI `patreon` 0.5.0 and `pyipernity` run from a virtual environment of "
    "their own (`benchmarks/.seedenv`), in subprocesses, against the same sandbox.",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller sizes")
    parser.add_argument("--only", default="", help="comma-separated: P1..P6, R, R2, S1")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/")
    args = parser.parse_args(argv)
    wanted = [k.strip().upper() for k in args.only.split(",") if k.strip()] or list(SUITES)
    results: list[Result] = []
    print(f"machine: {machine()}", file=sys.stderr, flush=True)
    for key in wanted:
        started = time.perf_counter()
        print(f"== {key}", file=sys.stderr, flush=True)
        try:
            results += SUITES[key](args.quick)
        except Exception as exc:
            traceback.print_exc()
            results.append(skipped(key, "(failed to run)", f"{type(exc).__name__}: {exc}"))
        print(f"   {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    print_table(results)
    print(f"measured on {machine()}")
    if not args.no_write and not args.only:
        image = DOCS / "performance.png"
        plot(results, image)
        write_markdown(results, DOCS / "performance.md", image, NOTES)
        print(f"wrote {DOCS / 'performance.md'} and {image.name}", file=sys.stderr)
    return 1 if any(r.met is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
