"""P1 for Ipernity: reading a page of documents compared with ``json.loads`` alone.

A ``doc.getList`` answer of documents, as the walks ask for them (``extra=dates,link``,
attribute values as strings, pagination as numbers), is built as bytes; then, best of
several runs taken in turns:

* ``json.loads(bytes)``: the floor;
* the walk's path: the bytes decoded straight into ``Doc`` structs
  (:class:`~paysupport_ipernity.resources.DocsAnswer`), then every document's ``id``,
  ``title`` and ``owner_id`` read (goal: at most 1x);
* the dict reader, the walk's path before the structs and its fallback for answers the
  declaration does not know: ``json.loads``, the list read, a ``Doc`` per record.

``python -m benchmarks --only P1`` runs :func:`p1` after Patreon's rows;
``.venv/bin/python -m benchmarks.bench_ipernity`` prints these rows alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from benchmarks.results import Result, goal_result, info

#: Page sizes and rounds: Ipernity's largest page (100), and a long one.
SIZES = ((100, 400), (1_000, 60))


def docs_page(n: int) -> bytes:
    """A ``doc.getList`` answer of ``n`` documents, shaped as the emulator and Ipernity send it."""
    docs = []
    for i in range(n):
        doc_id = str(100_001 + i)
        docs.append(
            {
                "doc_id": doc_id,
                "media": "photo" if i % 7 else "video",
                "license": str(i % 12),
                "title": f"Harbour at dusk {i}",
                "safety": "1",
                "owner": {"user_id": "1001"},
                "thumb": {
                    "label": "75x",
                    "ext": "jpg",
                    "w": "75",
                    "h": "75",
                    "url": f"http://127.0.0.1:8080/_files/{doc_id}/75x.jpg",
                },
                "dates": {
                    "posted_at": str(1_600_000_000 + i * 600),
                    "replaced_at": "0",
                    "created": "2020-09-13 12:26:40",
                    "modified_at": str(1_600_000_000 + i * 600),
                    "comment_at": "0",
                },
                "link": f"http://127.0.0.1:8080/doc/superman/{doc_id}",
            }
        )
    answer = {
        "api": {"status": "ok"},
        "docs": {"total": n, "page": 1, "pages": 1, "per_page": n, "doc": docs},
    }
    return json.dumps(answer, separators=(",", ":")).encode()


def typed_read(body: bytes) -> int:
    """The walk's path: the bytes decoded into ``Doc`` structs, three properties read."""
    from paysupport_ipernity.resources import DocsAnswer, docs_of

    from paysupport.decode import decode

    listing = docs_of(decode(body, DocsAnswer, provider="ipernity"))
    assert listing is not None
    return sum(bool(d.id and d.title and d.owner_id) for d in listing.items)


def dict_read(body: bytes) -> int:
    """The dict reader: ``json.loads``, the list read, one ``Doc`` per record."""
    from paysupport_ipernity.resources import Doc
    from paysupport_ipernity.walks import read_list

    records, _ = read_list(json.loads(body), ("docs", "doc"), "doc.getList", 1)
    docs = [Doc.from_record(record) for record in records]
    return sum(bool(d.id and d.title and d.owner_id) for d in docs)


def _interleaved(
    fns: dict[str, Callable[[bytes], Any]], body: bytes, rounds: int
) -> dict[str, float]:
    """Best time of each function, taking turns so a busy moment slows them all alike."""
    timings: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn(body)
            timings[name].append(time.perf_counter() - started)
    return {name: min(values) for name, values in timings.items()}


def p1(quick: bool = False) -> list[Result]:
    results = []
    for n, rounds in SIZES:
        if quick:
            rounds = max(5, rounds // 4)
        body = docs_page(n)
        assert typed_read(body) == dict_read(body) == n
        best = _interleaved(
            {"json": json.loads, "typed": typed_read, "dict": dict_read}, body, rounds
        )
        floor = best["json"]
        results.append(
            goal_result(
                "P1",
                f"Ipernity {n:,} docs: typed Doc structs from bytes / json.loads",
                best["typed"] / floor,
                "x",
                "<= 1x",
                f"json.loads {floor * 1e3:.2f} ms, typed {best['typed'] * 1e3:.2f} ms "
                f"({len(body) / 1024:.0f} KiB page)",
            )
        )
        results.append(
            info(
                "P1",
                f"Ipernity {n:,} docs: dict reader (json.loads + Doc per record) / json.loads",
                best["dict"] / floor,
                "x",
                f"{best['dict'] * 1e3:.2f} ms; the fallback for answers the structs do not declare",
            )
        )
    return results


if __name__ == "__main__":
    from benchmarks.results import print_table

    print_table(p1())
