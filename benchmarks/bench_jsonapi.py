"""How much reading a Patreon members page costs compared with ``json.loads`` alone.

A page of members with their users and entitled tiers included (the shape
``walk("members")`` asks for) is built as bytes; then, best of several runs:

* ``json.loads(bytes)``: the floor;
* the walk's path: the answer checked (``JsonApiDocument.from_answer``) and decoded
  straight into ``Member`` structs (``paysupport_patreon.walks.page_items``), then
  ``user`` and ``entitled_tiers`` of every member (goal, P1 of issue 14: at most 1x);
* ``JsonApiDocument.from_bytes`` + resolving ``user`` and ``currently_entitled_tiers``
  of every member through the core's (type, id) index (goal: at most 1.5x);
* ``Member(resource)`` over the core reader, as webhooks and single reads use it;
* a naive resolver that scans ``included`` for every lookup, as the older Patreon
  library did (quadratic).

Each is measured again with the cyclic garbage collector off: the notes give the
collector's share. ``python -m benchmarks`` runs :func:`run` with the other
measurements (and the seed library's resolver, when it can be installed);
``.venv/bin/python benchmarks/bench_jsonapi.py`` prints this table alone.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from paysupport.jsonapi import JsonApiDocument

TIERS = 4


def members_page(n: int, seed: int = 0) -> bytes:
    """A Patreon-shaped page of ``n`` members, each with its user and entitled tier included."""
    rng = random.Random(seed)
    data: list[dict[str, Any]] = []
    included: list[dict[str, Any]] = [
        {
            "attributes": {"title": f"Tier {t + 1}", "amount_cents": 300 * (t + 1)},
            "id": str(8_100_000 + t),
            "type": "tier",
        }
        for t in range(TIERS)
    ]
    for i in range(n):
        user_id = str(1_000_000_000 + i)
        active = rng.random() < 0.7
        tiers = [{"type": "tier", "id": str(8_100_000 + rng.randrange(TIERS))}] if active else []
        data.append(
            {
                "attributes": {
                    "full_name": f"Patron {i}",
                    "email": f"patron.{i}@example.com",
                    "patron_status": "active_patron" if active else "former_patron",
                    "currently_entitled_amount_cents": 500 if active else 0,
                    "last_charge_status": "Paid",
                    "last_charge_date": "2023-10-18T22:13:20.000+00:00",
                    "pledge_relationship_start": "2022-08-27T22:13:20.000+00:00",
                },
                "id": f"f4dbdf21-0000-4000-8000-{i:012x}",
                "relationships": {
                    "currently_entitled_tiers": {"data": tiers},
                    "user": {"data": {"type": "user", "id": user_id}},
                },
                "type": "member",
            }
        )
        included.append(
            {
                "attributes": {"full_name": f"Patron {i}", "vanity": None},
                "id": user_id,
                "type": "user",
            }
        )
    page = {
        "data": data,
        "included": included,
        "meta": {"pagination": {"total": n, "cursors": {"next": None}}},
    }
    return json.dumps(page, separators=(",", ":")).encode()


def core_resolve(body: bytes) -> int:
    document = JsonApiDocument.from_bytes(body, provider="patreon")
    found = 0
    for member in document.data_list():
        if member.relationship("user") is not None:
            found += 1
        found += len(member.related("currently_entitled_tiers"))
    return found


def typed_resolve(body: bytes) -> int:
    """The path ``walk("members")`` takes: the answer's bytes decoded into ``Member`` structs."""
    from paysupport_patreon import Member
    from paysupport_patreon.walks import page_items

    document = JsonApiDocument.from_answer(body, provider="patreon")
    typed = page_items(document, Member)
    assert typed is not None, "the page did not decode into its declared structs"
    found = 0
    for member in typed[0]:
        if member.user is not None:
            found += 1
        found += len(member.entitled_tiers)
    return found


def wrapped_resolve(body: bytes) -> int:
    """The typed views over the core reader (``Member(resource)``), as webhooks read them."""
    from paysupport_patreon import Member

    document = JsonApiDocument.from_bytes(body, provider="patreon")
    found = 0
    for resource in document.data_list():
        member = Member(resource)
        if member.user is not None:
            found += 1
        found += len(member.entitled_tiers)
    return found


def naive_resolve(body: bytes) -> int:
    """The older library's way: scan ``included`` for each related resource."""
    payload = json.loads(body)
    included: list[dict[str, Any]] = payload["included"]

    def find(rtype: str, rid: str) -> dict[str, Any] | None:
        for item in included:
            if item["type"] == rtype and item["id"] == rid:
                return item
        return None

    found = 0
    for member in payload["data"]:
        rels = member["relationships"]
        if find("user", rels["user"]["data"]["id"]) is not None:
            found += 1
        for tier in rels["currently_entitled_tiers"]["data"]:
            found += find("tier", tier["id"]) is not None
    return found


def best(fn: Callable[[bytes], Any], body: bytes, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(body)
        timings.append(time.perf_counter() - started)
    return min(timings)


def interleaved(
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


#: Page sizes and rounds (fast functions, naive scan); the naive scan is quadratic.
SIZES = ((100, 200, 20), (1_000, 40, 3), (10_000, 20, 1))


def _collector_note(fast: dict[str, float], still: dict[str, float]) -> Callable[[str], str]:
    """The collector's share of a figure, and the ratio to ``json.loads`` without it."""

    def note(name: str) -> str:
        share = max(0.0, 1 - still[name] / fast[name])
        return f"collector {share:.0%} of it ({still[name] / still['json']:.2f}x without)"

    return note


def run(quick: bool = False) -> list[Any]:
    """P1 figures as :class:`benchmarks.results.Result` (and the seed library's, if any)."""
    import gc

    from benchmarks import seed
    from benchmarks.results import goal_result, info

    results = []
    for n, rounds, naive_rounds in SIZES:
        if quick:
            rounds, naive_rounds = max(3, rounds // 4), 1
        body = members_page(n)
        assert core_resolve(body) == typed_resolve(body) == naive_resolve(body)
        assert wrapped_resolve(body) == typed_resolve(body)
        fns = {
            "json": json.loads,
            "core": core_resolve,
            "typed": typed_resolve,
            "wrapped": wrapped_resolve,
        }
        fast = interleaved(fns, body, rounds)
        gc.disable()  # the same again without the cyclic collector: its share of each figure
        try:
            still = interleaved(fns, body, rounds)
        finally:
            gc.enable()
        floor = fast["json"]
        kib = f"{len(body) / 1024:,.0f} KiB; json.loads {floor * 1000:.2f} ms"

        collector = _collector_note(fast, still)

        results.append(
            goal_result(
                "P1",
                f"JSON:API {n:,} members: walk's typed Member structs / json.loads",
                fast["typed"] / floor,
                "x",
                "<= 1x",
                f"{kib}; {collector('typed')}",
            )
        )
        results.append(
            goal_result(
                "P1",
                f"JSON:API {n:,} members: core reader / json.loads",
                fast["core"] / floor,
                "x",
                "<= 1.5x",
                collector("core"),
            )
        )
        results.append(
            info(
                "P1",
                f"JSON:API {n:,} members: Member(resource) over the core reader / json.loads",
                fast["wrapped"] / floor,
                "x",
                f"json.loads: {collector('json')}",
            )
        )
        naive = best(naive_resolve, body, naive_rounds)
        results.append(
            info(
                "P1",
                f"JSON:API {n:,} members: naive linear scan / json.loads",
                naive / floor,
                "x",
                f"core is {naive / fast['core']:,.1f}x faster",
            )
        )
        results.append(seed.patreon_resolver(n, body, quick))
    return results


def main() -> None:
    header = ("members", "KiB", "json.loads", "core", "walk's Member", "naive scan")
    print("{:>8} {:>6} {:>11} {:>16} {:>16} {:>18}".format(*header))
    for n, runs, naive_runs in ((100, 50, 20), (1_000, 20, 3), (10_000, 5, 1)):
        body = members_page(n)
        assert core_resolve(body) == typed_resolve(body) == naive_resolve(body)
        floor = best(json.loads, body, runs)
        core = best(core_resolve, body, runs)
        typed = best(typed_resolve, body, runs)
        naive = best(naive_resolve, body, naive_runs)
        print(
            f"{n:>8} {len(body) / 1024:>6.0f} {floor * 1000:>9.2f}ms "
            f"{core * 1000:>8.2f}ms {core / floor:>5.2f}x "
            f"{typed * 1000:>8.2f}ms {typed / floor:>5.2f}x "
            f"{naive * 1000:>10.1f}ms {naive / floor:>5.1f}x"
        )


if __name__ == "__main__":
    main()
