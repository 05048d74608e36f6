"""P5: cold start of ``paysupport providers`` next to ``python -c "import requests"``.

Both run as fresh processes, taking turns, best of N; the ratio is the goal
(at most 2x). ``python -c pass`` is shown too, as the floor of any Python
command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.results import Result, goal_result, info

SCRIPT = Path(sys.executable).with_name("paysupport")


def _time(argv: list[str]) -> float:
    env = {**os.environ, "PAYSUPPORT_TOKEN_STORE": "memory"}
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def p5(quick: bool = False) -> list[Result]:
    commands = {
        "cli": [str(SCRIPT), "providers"],
        "requests": [sys.executable, "-c", "import requests"],
        "python": [sys.executable, "-c", "pass"],
    }
    best = {name: float("inf") for name in commands}
    for _ in range(5 if quick else 15):
        for name, argv in commands.items():
            best[name] = min(best[name], _time(argv))
    return [
        goal_result(
            "P5",
            "CLI cold start: paysupport providers / import requests",
            best["cli"] / best["requests"],
            "x",
            "<= 2x",
            f"providers {best['cli'] * 1000:.0f} ms, import requests "
            f"{best['requests'] * 1000:.0f} ms, python -c pass {best['python'] * 1000:.0f} ms",
        ),
        info(
            "P5",
            "CLI cold start: paysupport providers / python -c pass",
            best["cli"] / best["python"],
            "x",
        ),
    ]
