"""P2 and P3: walks against the sandbox, next to the loops they replace.

P2 walks 10,000 Patreon members (pages of 1,000, users and tiers included) and
compares, in one run and taking turns:

* ``client.walk("members")``;
* a bare ``requests.Session`` loop fetching the same pages, ``json.loads``-ing them
  and resolving each member's user and tiers through a dict of ``included`` (goal:
  the walk, touching ``user`` and ``entitled_tiers``, within 1.1x of its client CPU,
  ``time.process_time`` of this process; the sandbox serves from its own);
* the same loop opening a new connection per page (``requests.get``), the seed
  libraries' way;
* the seed ``patreon`` library's v1 pledge loop resolving each patron, next to
  paysupport's v1 ``fetch_page_of_pledges`` loop doing the same.

P3 walks 50 pages with 50 ms of added latency (Ipernity documents, then Flattr
search) as walks do by default (prefetching) and one page after another
(``max_workers=1``), checking that the prefetching walk keeps the order and
yields each item once (goal: at least 10x faster), and next to pyipernity's
sequential walk. A cursor walk cannot prefetch (each position comes with the
page before it); by default it fetches the next page while the reader works on
the current one. Walking 10 pages of Patreon members with 100 ms of latency and
100 ms of the reader's work per page measures how much of that work the
look-ahead hides (goal: at least 85%; one page after another hides none).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import requests

from benchmarks import seed
from benchmarks.results import Result, goal_result, info, skipped
from benchmarks.served import served
from paysupport.http import user_agent
from paysupport.walk import PREFETCH_WORKERS

MEMBERS = 10_000
PAGE = 1_000


def _best(
    fns: dict[str, Callable[[], Any]],
    rounds: int,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Best time of each function by ``clock``, taking turns; and each one's last answer.

    ``time.process_time`` counts this process' CPU (every thread of it, none of
    the sandbox's, which runs in its own process).
    """
    timings: dict[str, list[float]] = {name: [] for name in fns}
    answers: dict[str, Any] = {}
    for _ in range(rounds):
        for name, fn in fns.items():
            started = clock()
            answers[name] = fn()
            timings[name].append(clock() - started)
    return {name: min(values) for name, values in timings.items()}, answers


def p2(quick: bool = False) -> list[Result]:
    from paysupport_patreon import catalog as cat
    from paysupport_patreon.catalog import build_params
    from paysupport_patreon.client import MEMBER_FIELDS, MEMBER_INCLUDES

    rounds = 3 if quick else 7
    with served(providers=["patreon"], sizes={"members": MEMBERS}) as sb:
        client: Any = sb.connect("patreon")
        campaign = next(iter(client.walk("campaigns"))).id
        token = client.oauth.token.access_token
        url = f"{sb.url('patreon')}/api/oauth2/v2/campaigns/{campaign}/members"
        params = build_params(cat.MEMBERS, MEMBER_INCLUDES, MEMBER_FIELDS)
        params["page[count]"] = str(PAGE)
        headers = {"Authorization": f"Bearer {token}", "User-Agent": user_agent("patreon")}
        session = requests.Session()

        def walk() -> tuple[int, int]:
            count = found = 0
            for member in client.walk("members", campaign=campaign):
                count += 1
                found += (member.user is not None) + len(member.entitled_tiers)
            return count, found

        def loop(get: Callable[..., requests.Response]) -> tuple[int, int]:
            """The same pages through dicts: json.loads, an index of included, the lookups."""
            count = found = 0
            cursor = None
            while True:
                query = {**params, **({"page[cursor]": cursor} if cursor else {})}
                body = json.loads(get(url, params=query, headers=headers, timeout=30).content)
                index = {(r["type"], r["id"]): r for r in body.get("included", ())}
                for member in body["data"]:
                    count += 1
                    rels = member["relationships"]
                    user = rels["user"]["data"]
                    found += user is not None and (user["type"], user["id"]) in index
                    for tier in rels["currently_entitled_tiers"]["data"]:
                        found += (tier["type"], tier["id"]) in index
                cursor = body["meta"]["pagination"]["cursors"]["next"]
                if not cursor:
                    return count, found

        def v1_walk() -> tuple[int, int]:
            pledges = patrons = 0
            cursor = None
            while True:
                doc = client.fetch_page_of_pledges(campaign, PAGE, cursor=cursor)
                for pledge in doc.data_list():
                    pledges += 1
                    patrons += pledge.relationship("patron") is not None
                cursor = client.extract_cursor(doc)
                if not cursor:
                    return pledges, patrons

        cpu, _ = _best({"walk": walk, "bare": lambda: loop(session.get)}, rounds, time.process_time)
        best, answers = _best(
            {
                "walk": walk,
                "bare": lambda: loop(session.get),
                "new": lambda: loop(requests.get),
                "v1": v1_walk,
            },
            rounds,
        )
        assert answers["walk"] == answers["bare"] == answers["new"], answers
        assert answers["walk"][0] == MEMBERS, answers
        results = [
            goal_result(
                "P2",
                "walk 10,000 members (user, tiers) / bare Session + json.loads loop: client CPU",
                cpu["walk"] / cpu["bare"],
                "x",
                "<= 1.1x",
                f"CPU of this process: walk {cpu['walk']:.3f} s, bare loop {cpu['bare']:.3f} s "
                "(10 pages; the sandbox runs in its own process)",
            ),
            info(
                "P2",
                "walk 10,000 members / bare Session loop: wall time",
                best["walk"] / best["bare"],
                "x",
                f"walk {best['walk']:.3f} s, bare loop {best['bare']:.3f} s",
            ),
            info(
                "P2",
                "new connection per page / walk",
                best["new"] / best["walk"],
                "x",
                f"requests.get per page {best['new']:.3f} s",
            ),
        ]
        what = "seed patreon v1 pledge loop / paysupport v1 loop"
        try:
            old = seed.patreon_pledge_walk(
                sb.url("patreon"), token, campaign, PAGE, 1 if quick else 2
            )
            assert (old["pledges"], old["patrons"]) == answers["v1"], (old, answers["v1"])
            results.append(
                info(
                    "P2",
                    what,
                    old["seconds"] / best["v1"],
                    "x",
                    f"{old['pledges']:,} pledges, patron resolved: seed {old['seconds']:.2f} s, "
                    f"paysupport {best['v1']:.3f} s",
                )
            )
        except (RuntimeError, OSError) as exc:
            results.append(skipped("P2", what, str(exc)))
        return results


def p3(quick: bool = False) -> list[Result]:
    results = _p3_ipernity(quick)
    results += _p3_flattr(quick)
    results += _p3_cursor(quick)
    return results


WORKERS = PREFETCH_WORKERS  # the default: the walks below are given no max_workers
PAGES = 50
PER_PAGE = 100


def _p3_ipernity(quick: bool) -> list[Result]:
    rounds = 2 if quick else 3
    with served(
        providers=["ipernity"], sizes={"users": 1, "docs": PAGES * PER_PAGE}, latency_ms=50
    ) as sb:
        client: Any = sb.connect("ipernity")
        user_id = client.identity().id

        def walk(workers: int | None) -> list[str]:
            return [
                d.id
                for d in client.walk_docs(user_id=user_id, per_page=PER_PAGE, max_workers=workers)
            ]

        best, answers = _best(
            {"sequential": lambda: walk(1), "prefetch": lambda: walk(None)}, rounds
        )
        ids = answers["prefetch"]
        same = ids == answers["sequential"] and len(set(ids)) == len(ids) == PAGES * PER_PAGE
        results = [
            goal_result(
                "P3",
                f"Ipernity 50 pages +50 ms: default walk (prefetch {WORKERS}) speed-up",
                best["sequential"] / best["prefetch"],
                "x",
                ">= 10x",
                f"sequential {best['sequential']:.2f} s, prefetch {best['prefetch']:.2f} s; "
                f"order kept and each item once: {'yes' if same else 'NO'}",
            )
        ]
        if not same:
            results[0] = Result(**{**results[0].__dict__, "met": False})
        what = "Ipernity 50 pages +50 ms: pyipernity walk_docs / prefetching walk"
        try:
            old = seed.ipernity_doc_walk(
                sb.url("ipernity"), sb.credentials("ipernity"), user_id, PER_PAGE, 1
            )
            agree = [str(i) for i in old["ids"]] == ids
            results.append(
                info(
                    "P3",
                    what,
                    old["seconds"] / best["prefetch"],
                    "x",
                    f"pyipernity {old['seconds']:.2f} s; same documents in the same order: "
                    f"{'yes' if agree else 'no'}",
                )
            )
        except (RuntimeError, OSError) as exc:
            results.append(skipped("P3", what, str(exc)))
        return results


def _p3_flattr(quick: bool) -> list[Result]:
    rounds = 2 if quick else 3
    what = f"Flattr search 50 pages +50 ms: default walk (prefetch {WORKERS}) speed-up"
    try:
        with served(providers=["flattr"], sizes={"things": PAGES * PER_PAGE}, latency_ms=50) as sb:
            client: Any = sb.connect("flattr")

            def walk(workers: int | None) -> list[str]:
                extra = {} if workers is None else {"max_workers": workers}
                return [str(t.id) for t in client.walk("search", count=PER_PAGE, **extra)]

            best, answers = _best(
                {"sequential": lambda: walk(1), "prefetch": lambda: walk(None)}, rounds
            )
    except Exception as exc:  # the Flattr client is still being finished
        return [skipped("P3", what, f"{type(exc).__name__}: {exc}")]
    ids = answers["prefetch"]
    same = ids == answers["sequential"] and len(set(ids)) == len(ids) == PAGES * PER_PAGE
    result = goal_result(
        "P3",
        what,
        best["sequential"] / best["prefetch"],
        "x",
        ">= 10x",
        f"sequential {best['sequential']:.2f} s, prefetch {best['prefetch']:.2f} s; "
        f"order kept and each item once: {'yes' if same else 'NO'}",
    )
    return [result if same else Result(**{**result.__dict__, "met": False})]


CURSOR_PAGES = 10
WORK = 0.1  # seconds of the reader's work per page
CURSOR_LATENCY_MS = 100


def _p3_cursor(quick: bool) -> list[Result]:
    """The share of the reader's work a cursor walk's look-ahead hides."""
    rounds = 2 if quick else 3
    per_page = 100
    with served(
        providers=["patreon"],
        sizes={"members": CURSOR_PAGES * per_page},
        latency_ms=CURSOR_LATENCY_MS,
    ) as sb:
        client: Any = sb.connect("patreon")
        campaign = next(iter(client.walk("campaigns"))).id

        def walk(workers: int | None, work: float) -> int:
            members = client.walk("members", campaign=campaign, count=per_page)
            if workers is not None:
                members.max_workers = workers
            count = 0
            for page in members.pages():
                count += len(page.items)
                time.sleep(work)  # the reader's work on this page
            return count

        best, answers = _best(
            {
                "ahead": lambda: walk(None, WORK),
                "ahead, no work": lambda: walk(None, 0.0),
                "sequential": lambda: walk(1, WORK),
                "sequential, no work": lambda: walk(1, 0.0),
            },
            rounds,
        )
    work = CURSOR_PAGES * WORK
    assert set(answers.values()) == {CURSOR_PAGES * per_page}, answers

    def hidden(kind: str) -> float:
        return round(1 - (best[kind] - best[f"{kind}, no work"]) / work, 3)

    what = f"Patreon members {CURSOR_PAGES} pages +{CURSOR_LATENCY_MS} ms, 100 ms work per page"
    return [
        goal_result(
            "P3",
            f"{what}: share of the work hidden (default walk, one page ahead)",
            hidden("ahead"),
            "",
            ">= 0.85",
            f"walk {best['ahead']:.2f} s with the work, {best['ahead, no work']:.2f} s without; "
            f"work {work:.1f} s",
        ),
        info(
            "P3",
            f"{what}: share of the work hidden (max_workers=1)",
            hidden("sequential"),
            "",
            f"walk {best['sequential']:.2f} s with the work, "
            f"{best['sequential, no work']:.2f} s without",
        ),
    ]
