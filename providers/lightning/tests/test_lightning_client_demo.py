"""``paysupport demo``'s Lightning steps run green against a sandbox."""

from __future__ import annotations

import io

from paysupport_lightning.demo import run
from rich.console import Console

from paysupport import sandbox
from paysupport.demo import DemoSteps


def test_every_demo_step_succeeds() -> None:
    with sandbox.running(providers=["lightning"]) as sb:
        steps = DemoSteps("lightning", Console(file=io.StringIO(), width=100))
        run(sb, steps)
    assert [r.error for r in steps.results] == [None] * 5
    assert all(r.ok for r in steps.results)
    admin_view = steps.results[3]
    assert any("7629169" in line and "Great episode!" in line for line in admin_view.details)
