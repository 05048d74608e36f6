"""P4: peak RSS growth of a client process walking 100,000 items from the sandbox.

The walk runs in a fresh interpreter (``python -m benchmarks.bench_memory``)
that connects to the sandbox process, imports and connects first, then records
its resident set, resets its peak and walks, counting items without keeping
them. Growth is the process' peak RSS (``VmHWM``) after the walk minus its RSS
before it. Two walks: Patreon members (cursor, as walks go by default: one
page fetched ahead, pages of 1,000) and Ipernity documents (page-numbered,
prefetching with 4 workers, pages of 100); and, for comparison, the same
Patreon walk collected into a list, as code that reads everything first does.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from typing import Any

from benchmarks.results import Result, goal_result, info
from benchmarks.served import served

ITEMS = 100_000


def _status_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in MB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    """Start the peak (``VmHWM``) afresh: writing 5 to clear_refs does that (Linux 4.0+).

    ``ru_maxrss`` is not used: Linux keeps it across ``fork`` and ``exec``, so a child
    of a big process starts with its parent's peak.
    """
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass  # then the peak may predate the walk: the growth is an upper bound


def _worker(spec: dict[str, Any]) -> dict[str, Any]:
    import paysupport
    from paysupport.tokens import MemoryTokenStore

    client: Any = paysupport.connect(
        spec["provider"], base_url=spec["url"], token_store=MemoryTokenStore(), **spec["creds"]
    )
    if spec["provider"] == "patreon":
        campaign = next(iter(client.walk("campaigns"))).id
        walk = client.walk("members", campaign=campaign)
    else:
        walk = client.walk_docs(user_id=client.identity().id, per_page=100, max_workers=4)
    gc.collect()
    _reset_peak()
    before = _status_mb("VmRSS")
    if spec.get("collect"):
        items = list(walk)
        count = len(items)
    elif spec.get("gc"):
        count = 0
        for count, _ in enumerate(walk, start=1):
            if count % 1000 == 0:
                gc.collect()
    else:
        count = sum(1 for _ in walk)
    peak = _status_mb("VmHWM")
    return {"count": count, "before": before, "peak": peak, "growth": peak - before}


def _measure(
    url: str, creds: dict[str, str], provider: str, collect: bool = False, gc: bool = False
) -> Any:
    spec = {"provider": provider, "url": url, "creds": creds, "collect": collect, "gc": gc}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_memory"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def p4(quick: bool = False) -> list[Result]:
    results = []
    with served(providers=["patreon"], sizes={"members": ITEMS}) as sb:
        url, creds = sb.url("patreon"), sb.credentials("patreon")
        got = _measure(url, creds, "patreon")
        assert got["count"] == ITEMS, got
        results.append(
            goal_result(
                "P4",
                "peak RSS growth, walking 100,000 Patreon members",
                got["growth"],
                "MB",
                "<= 5 MB",
                f"RSS {got['before']:.0f} MB before, peak {got['peak']:.0f} MB",
            )
        )
        freed = _measure(url, creds, "patreon", gc=True)
        results.append(
            info(
                "P4",
                "same, with gc.collect() every 1,000 items",
                freed["growth"],
                "MB",
                "a control: documents hold their resources weakly, so a page is freed by "
                "reference counting as soon as the walk moves on; forced collections change little",
            )
        )
        if not quick:
            kept = _measure(url, creds, "patreon", collect=True)
            results.append(
                info("P4", "same, collected with list() (for comparison)", kept["growth"], "MB")
            )
    with served(providers=["ipernity"], sizes={"users": 1, "docs": ITEMS}) as sb:
        got = _measure(sb.url("ipernity"), sb.credentials("ipernity"), "ipernity")
        assert got["count"] == ITEMS, got
        results.append(
            goal_result(
                "P4",
                "peak RSS growth, 100,000 Ipernity docs, prefetch 4",
                got["growth"],
                "MB",
                "<= 5 MB",
                f"RSS {got['before']:.0f} MB before, peak {got['peak']:.0f} MB",
            )
        )
    return results


if __name__ == "__main__":
    print(json.dumps(_worker(json.load(sys.stdin))))
