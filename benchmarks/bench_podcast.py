"""R2: the podcatcher's money promises at full size, against the Flattr emulator over HTTP.

The scenarios are the ones ``tests/flows/test_podcast_exactly_once.py`` runs
at test size (the same functions): a long support job killed with SIGKILL at
random points then run to the end; hook runs started together with a monthly
budget; claims left by runs killed in another container. Each gives a figure
whose goal is 0 (nothing paid twice, nothing lost, nothing over budget, nothing
left ``busy``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.results import Result, goal_result


@contextmanager
def _isolated() -> Iterator[Path]:
    """A scratch directory, with data, state and tokens kept inside it (as in the tests)."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="paysupport-r2-") as tmp:
        for kind in ("DATA", "CONFIG", "CACHE", "STATE"):
            os.environ[f"XDG_{kind}_HOME"] = str(Path(tmp, kind.lower()))
        os.environ["XDG_RUNTIME_DIR"] = str(Path(tmp, "runtime"))
        os.environ["PAYSUPPORT_TOKEN_STORE"] = "memory"
        for name in (
            os.environ["XDG_RUNTIME_DIR"],
            *(os.environ[f"XDG_{k}_HOME"] for k in ("DATA", "CONFIG", "CACHE", "STATE")),
        ):
            Path(name).mkdir(mode=0o700)
        try:
            yield Path(tmp)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def r2(quick: bool = False) -> list[Result]:
    from tests.flows.test_podcast_exactly_once import (
        budget_race,
        foreign_claims,
        kill_rounds,
        serving_flattr,
    )

    episodes, rounds = (200, 8) if quick else (1000, 30)
    races, race_runs, budget = (3, 6, 2) if quick else (10, 6, 2)
    foreign_episodes, foreign_rounds = (30, 2) if quick else (60, 5)
    results: list[Result] = []
    with _isolated() as tmp:
        with serving_flattr() as sandbox:
            work = tmp / "kills"
            work.mkdir()
            k = kill_rounds(sandbox, work, episodes=episodes, rounds=rounds)
        summary = ", ".join(f"{key} {value}" for key, value in sorted(k["summary"].items()))
        results.append(
            goal_result(
                "R2",
                "killed support jobs: episodes flattred twice or never",
                float(k["doubled"] + k["lost"]),
                "",
                "== 0",
                f"{k['episodes']:,} episodes; {k['kills']} SIGKILLs in {k['rounds']} runs at"
                f" random moments, then one run to the end ({summary}; exit {k['exit']});"
                f" twice {k['doubled']}, never {k['lost']}",
            )
        )
        over, flattrs, refused = 0, [], 0
        for round_ in range(races):
            with serving_flattr(latency_ms=300) as sandbox:
                work = tmp / f"race{round_}"
                work.mkdir()
                race = budget_race(sandbox, work, runs=race_runs, budget=budget)
            over += max(0, race["flattrs"] - budget)
            flattrs.append(race["flattrs"])
            refused += race["refused"]
        results.append(
            goal_result(
                "R2",
                f"{race_runs} hook runs at once, --monthly-budget {budget}: supports over budget",
                float(over),
                "",
                "== 0",
                f"{races} rounds of {race_runs} `support-feed --guid` processes started together"
                f" (300 ms per answer); flattrs per round {flattrs}; {refused} runs told"
                " `budget`",
            )
        )
        with serving_flattr(latency_ms=200) as sandbox:
            work = tmp / "foreign"
            work.mkdir()
            f = foreign_claims(sandbox, work, episodes=foreign_episodes, rounds=foreign_rounds)
        results.append(
            goal_result(
                "R2",
                "claims of runs killed in another container: episodes left busy, doubled or lost",
                float(f["busy"] + f["doubled"] + f["lost"]),
                "",
                "== 0",
                f"{f['episodes']} episodes; {f['rounds']} runs killed, {f['claims']} claims left"
                f" as another host's with the lease run out; final run: busy {f['busy']}, exit"
                f" {f['exit']}; twice {f['doubled']}, never {f['lost']}",
            )
        )
    return results
