"""R1, R3 and R4 at full size: the pytest files of ``tests/reliability`` with ``PAYSUPPORT_FULL=1``.

Each test records its figures (items, requests, faults, refreshes...) as JSON
lines; they become rows of the performance table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import bench_seed_race
from benchmarks.results import Result, goal_result, info

ROOT = Path(__file__).resolve().parent.parent


def reliability(quick: bool = False) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp, "figures.jsonl")
        env = {
            **os.environ,
            "PAYSUPPORT_FULL": "0" if quick else "1",
            "PAYSUPPORT_RELIABILITY_FIGURES": str(figures),
        }
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "tests/reliability"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - started
        lines = figures.read_text().splitlines() if figures.exists() else []
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    size = "CI size" if quick else "full size"
    results = [
        goal_result(
            "R",
            f"reliability tests ({size}): failures",
            float(done.returncode != 0),
            "",
            "== 0",
            f"pytest: {summary} in {took:.0f} s",
        )
    ]
    for line in map(json.loads, lines):
        if (seed_race_row := bench_seed_race.seed_race(line)) is not None:
            results.append(seed_race_row)
        elif "provider" in line:
            faults = sum(line["injected"].values())
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(line["injected"].items()))
            results.append(
                info(
                    "R1",
                    f"fault soak {line['provider']}: requests per page",
                    line["requests"] / line["pages"],
                    "x",
                    f"{line['items']:,} items once each; {line['requests']} requests, "
                    f"{faults} faults injected ({kinds}); "
                    f"bound {line['bound']}",
                )
            )
        elif "refreshes" in line:
            results.append(
                info(
                    "R3",
                    "refresh race: refreshes / minimum",
                    line["refreshes"] / line["minimum"],
                    "x",
                    f"{line['processes']} processes, {line['run_seconds']:g} s, "
                    f"{line['calls']:,} calls; {line['refreshes']} refreshes (minimum "
                    f"{line['minimum']}, bound {line['bound']}); invalid_grant "
                    f"{line['invalid_grant']}, errors {line['errors']}; token file read "
                    f"{line['store_reads']} times, corrupt {line['store_corrupt']}",
                )
            )
    examples = "10,000" if not quick else "500"
    results.append(
        info(
            "R4",
            "property tests: examples per property",
            float(examples.replace(",", "")),
            "",
            "JSON:API reader, Ipernity answers and signer, feed reader, config loader",
        )
    )
    return results
