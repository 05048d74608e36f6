"""``paysupport demo`` ends with GitHub's sponsors and Patreon's patrons in one list."""

from __future__ import annotations

import io

from rich.console import Console

from paysupport.demo import run_demo, succeeded


def test_the_demo_merges_github_and_patreon_supporters_with_totals() -> None:
    printed = io.StringIO()
    results = run_demo(providers=["github", "patreon"], console=Console(file=printed, width=120))
    assert succeeded(results), [r for r in results if not r.ok]
    [merge] = [r for r in results if r.provider == "supporters"]
    assert merge.title == "`paysupport supporters`: github and patreon merged, with totals"
    counts, money = merge.details
    github, patreon = (int(part.split()[0]) for part in counts.split(", "))
    assert github > 0 and patreon > 0
    assert money.startswith("USD: ") and "a month" in money
    assert "github + patreon: one list of supporters" in printed.getvalue()


def test_one_provider_has_nothing_to_merge() -> None:
    results = run_demo(providers=["github"], console=Console(file=io.StringIO()))
    assert succeeded(results)
    assert {r.provider for r in results} == {"github"}
