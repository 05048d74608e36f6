"""The Flattr demo script runs end to end against a sandbox, every step passing."""

from __future__ import annotations

import io
import time

from paysupport_flattr.demo import run
from rich.console import Console

from paysupport import sandbox
from paysupport.demo import DemoSteps, demo_scripts


def test_the_demo_passes_every_step_quickly():
    output = io.StringIO()
    steps = DemoSteps("flattr", Console(file=output, width=120))
    with sandbox.running(providers=["flattr"], sizes={"things": 200}) as sb:
        started = time.monotonic()
        run(sb, steps)
        took = time.monotonic() - started
        recorded = sb.emulator("flattr").admin_state()
    failures = [(r.title, r.error) for r in steps.results if not r.ok]
    assert failures == []
    assert len(steps.results) == 5
    assert took < 8
    assert recorded["things_count"] == 202  # the blog post and the episode, nothing twice
    assert "nothing new" in output.getvalue()


def test_the_demo_is_registered():
    assert demo_scripts()["flattr"] is run
