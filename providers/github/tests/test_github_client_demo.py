"""``paysupport demo``'s GitHub steps run green against a sandbox."""

from __future__ import annotations

import io

from paysupport_github.demo import run
from rich.console import Console

from paysupport import sandbox
from paysupport.demo import DemoSteps


def test_every_demo_step_succeeds() -> None:
    with sandbox.running(providers=["github"], sizes={"sponsors": 30}) as sb:
        steps = DemoSteps("github", Console(file=io.StringIO(), width=100))
        run(sb, steps)
    assert [r.error for r in steps.results] == [None] * 5
    assert all(r.ok for r in steps.results)
    webhook = steps.results[-1]
    assert any("signature ok" in line for line in webhook.details)
