"""The Patreon demo script runs against a sandbox and every step passes."""

from __future__ import annotations

import io
import time

from rich.console import Console

from paysupport.demo import DEMO_SIZES, run_demo, succeeded
from paysupport.sandbox import SandboxOptions


def test_the_demo_passes_every_step_quickly() -> None:
    console = Console(file=io.StringIO(), width=120)
    started = time.monotonic()
    results = run_demo(
        providers=["patreon"],
        console=console,
        options=SandboxOptions(sizes=DEMO_SIZES, providers=["patreon"]),
    )
    took = time.monotonic() - started
    assert succeeded(results), [(r.title, r.error) for r in results if not r.ok]
    assert len(results) == 6
    assert took < 8, f"the demo took {took:.1f} s"
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "1000 members" in text and "signature ok" in text
