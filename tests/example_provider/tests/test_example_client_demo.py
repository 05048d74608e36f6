"""The Example demo script is registered and passes every step against a sandbox."""

from __future__ import annotations

import io

from paysupport_example.demo import run
from rich.console import Console

from paysupport.demo import demo_scripts, run_demo, succeeded
from paysupport.sandbox import SandboxOptions


def test_the_demo_is_the_registered_one_and_passes() -> None:
    assert demo_scripts()["example"] is run
    console = Console(file=io.StringIO(), width=120)
    results = run_demo(
        providers=["example"],
        console=console,
        options=SandboxOptions(sizes={"items": 25}, providers=["example"]),
    )
    assert succeeded(results), [(r.title, r.error) for r in results if not r.ok]
    assert [r.title for r in results] == [
        "identity",
        "walk every item, four pages at a time",
        "tip an episode's URL, once",
    ]
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "25 items on 3 pages" in text and "second tip refused: already_supported" in text
