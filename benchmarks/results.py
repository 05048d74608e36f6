"""One measured figure, and the table, the Markdown page and the plot made from them."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    """A figure: ``value`` in ``unit``; ``goal`` reads like ``<= 2x`` (empty: no goal).

    ``met`` is ``None`` for figures given for comparison only.
    """

    key: str
    what: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def shown(self) -> str:
        if self.unit == "x":
            return f"{self.value:.2f}x" if self.value < 100 else f"{self.value:,.0f}x"
        if self.unit == "s":
            return f"{self.value:.3f} s" if self.value < 10 else f"{self.value:.1f} s"
        if self.unit == "ms":
            return f"{self.value:.2f} ms"
        if self.unit == "MB":
            return f"{self.value:.1f} MB"
        if self.unit == "":
            return f"{self.value:g}"
        return f"{self.value:g} {self.unit}"

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: ""}[self.met]


def check(value: float, goal: str) -> bool:
    """Whether ``value`` meets a goal written ``<= 2``, ``>= 5`` or ``== 0``."""
    op, _, bound = goal.partition(" ")
    limit = float(bound.rstrip("xMBs "))
    return {"<=": value <= limit, ">=": value >= limit, "==": value == limit}[op]


def goal_result(key: str, what: str, value: float, unit: str, goal: str, note: str = "") -> Result:
    return Result(key, what, value, unit, goal, check(value, goal), note)


def info(key: str, what: str, value: float, unit: str, note: str = "") -> Result:
    return Result(key, what, value, unit, "", None, note)


def skipped(key: str, what: str, why: str) -> Result:
    return Result(key, what, float("nan"), "skipped", "", None, why)


def print_table(results: Sequence[Result]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="paysupport benchmarks (best of N, ratios within one run)")
    for column in ("", "measurement", "figure", "goal", "", "note"):
        table.add_column(column, overflow="fold")
    for r in results:
        style = {True: "green", False: "bold red", None: "dim"}[r.met]
        figure = "skipped" if r.unit == "skipped" else r.shown
        table.add_row(r.key, r.what, figure, r.goal, f"[{style}]{r.verdict}[/]", r.note)
    Console().print(table)


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{platform.system()} {platform.release()}, "
        f"Python {platform.python_version()} ({sys.implementation.name})"
    )


def plot(results: Sequence[Result], path: Path) -> None:
    """Goal ratios as bars, each against its goal line (log scale: naive scans are huge)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in results if r.unit == "x" and r.value == r.value]
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(shown) + 1.5))
    labels = [f"{r.key} {r.what}" for r in shown]
    colors = [{True: "#2a9d3f", False: "#d62828", None: "#8d99ae"}[r.met] for r in shown]
    ax.barh(range(len(shown)), [r.value for r in shown], color=colors)
    for i, r in enumerate(shown):
        ax.text(r.value * 1.05, i, r.shown, va="center", fontsize=8)
        if r.goal:
            limit = float(r.goal.split(" ")[1].rstrip("x"))
            ax.plot([limit, limit], [i - 0.4, i + 0.4], color="black", linewidth=2)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ratio (log scale); black tick = goal; green met, red missed, grey comparison")
    ax.set_title("paysupport: ratios measured within one run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_markdown(
    results: Sequence[Result], path: Path, image: Path | None, notes: Sequence[str]
) -> None:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Performance",
        "",
        "Written by `./dev bench` (`python -m benchmarks`); do not edit by hand.",
        "",
        f"- date: {now}",
        f"- machine: {machine()}",
        "- method: every ratio compares things measured in the same run, interleaved, "
        "best of several rounds; the sandbox runs in its own process on 127.0.0.1. "
        "Other work on the machine makes absolute times noisy; ratios are steadier.",
        "",
    ]
    if image is not None:
        lines += [f"![ratios against goals]({image.name})", ""]
    lines += ["| | measurement | figure | goal | | note |", "|---|---|---|---|---|---|"]
    for r in results:
        figure = "skipped" if r.unit == "skipped" else r.shown
        verdict = {True: "met", False: "**missed**", None: ""}[r.met]
        note = r.note.replace("|", "\\|")
        lines.append(f"| {r.key} | {r.what} | {figure} | {r.goal} | {verdict} | {note} |")
    missed = [r for r in results if r.met is False]
    lines += ["", "## Goals missed", ""]
    if missed:
        lines += [f"- **{r.key}** {r.what}: {r.shown} against {r.goal}. {r.note}" for r in missed]
    else:
        lines.append("None in this run.")
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
