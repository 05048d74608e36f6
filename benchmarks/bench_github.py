"""G1: walking 10,000 GitHub sponsors, next to a bare ``requests`` loop (issue 17).

The sandbox runs in a process of its own (its GraphQL executor would otherwise
share this process' GIL and CPU clock), seeded with 10,000 sponsors of the
maintainer; the walk reads the active ones, 100 a page (GitHub's maximum). In one
run, taking turns:

* ``client.walk("sponsors")``, touching each sponsorship's sponsor login and tier
  price (typed :class:`~paysupport_github.resources.Sponsorship` records);
* a bare ``requests.Session`` loop POSTing the same GraphQL document with the same
  variables, ``json.loads``-ing each answer and reading the same two fields
  through dicts.

The goal is the walk's client CPU (``time.process_time`` of this process) within
1.1x of the loop's, as P2 asks of Patreon; wall time is reported beside it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from benchmarks.bench_walks import _best
from benchmarks.results import Result, goal_result, info
from benchmarks.served import served
from paysupport.http import user_agent

SPONSORS = 10_000
QUICK_SPONSORS = 2_000
PAGE = 100


def g1(quick: bool = False) -> list[Result]:
    from paysupport_github import catalog as cat

    sponsors = QUICK_SPONSORS if quick else SPONSORS
    rounds = 3 if quick else 5
    with served(providers=["github"], sizes={"sponsors": sponsors}) as sb:
        client: Any = sb.connect("github")
        token = sb.credentials("github")["access_token"]
        url = f"{sb.url('github')}/graphql"
        document = cat.SPONSORSHIPS_AS_MAINTAINER["viewer"]
        headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": user_agent("github"),
            "Content-Type": "application/json",
        }
        session = requests.Session()

        def walk() -> tuple[int, int]:
            count = cents = 0
            for sponsorship in client.walk("sponsors", count=PAGE):
                count += 1
                cents += sponsorship.tier.monthly_price_in_cents if sponsorship.tier else 0
                cents += len(sponsorship.sponsor.login) if sponsorship.sponsor else 0
            return count, cents

        def loop() -> tuple[int, int]:
            """The same pages through dicts: POST, json.loads, the two fields."""
            count = cents = 0
            after = None
            while True:
                variables = {
                    "first": PAGE,
                    "after": after,
                    "activeOnly": True,
                    "includePrivate": True,
                }
                body = json.dumps({"query": document, "variables": variables})
                answer = session.post(url, data=body, headers=headers, timeout=60)
                connection = json.loads(answer.content)["data"]["viewer"]
                connection = connection["sponsorshipsAsMaintainer"]
                for node in connection["nodes"]:
                    count += 1
                    tier = node.get("tier")
                    cents += tier["monthlyPriceInCents"] if tier else 0
                    sponsor = node.get("sponsorEntity")
                    cents += len(sponsor["login"]) if sponsor else 0
                page_info = connection["pageInfo"]
                if not page_info["hasNextPage"]:
                    return count, cents
                after = page_info["endCursor"]

        cpu, answers = _best({"walk": walk, "bare": loop}, rounds, time.process_time)
        assert answers["walk"] == answers["bare"], answers
        wall, _ = _best({"walk": walk, "bare": loop}, 1 if quick else 2)
    walked = answers["walk"][0]
    return [
        goal_result(
            "G1",
            f"walk {sponsors:,} GitHub sponsors / bare Session + json.loads loop: client CPU",
            cpu["walk"] / cpu["bare"],
            "x",
            "<= 1.1x",
            f"CPU of this process: walk {cpu['walk']:.3f} s, bare loop {cpu['bare']:.3f} s "
            f"({walked:,} active sponsors, {PAGE} a page; the sandbox runs in its own process)",
        ),
        info(
            "G1",
            f"walk {sponsors:,} GitHub sponsors / bare Session loop: wall time",
            wall["walk"] / wall["bare"],
            "x",
            f"walk {wall['walk']:.2f} s, bare loop {wall['bare']:.2f} s (the server's "
            "GraphQL executor dominates)",
        ),
    ]
