"""``paysupport demo`` for Example: identity, every item, a tip, and the refused second tip.

Registered under the ``paysupport.demos`` entry points as ``run(sandbox, steps)``.
Each step goes over HTTP to the sandbox's emulator through the client an
application uses, and checks what it did in the emulator's admin view.
"""

from __future__ import annotations

import requests

from paysupport.demo import DemoSteps
from paysupport.sandbox import Sandbox

from .client import ExampleClient
from .errors import AlreadyTipped

TIPPED = "https://tips.example/show/1"


def run(sandbox: Sandbox, steps: DemoSteps) -> None:
    client = sandbox.connect("example", ExampleClient)

    with steps.step("identity"):
        me = client.identity()
        steps.detail(f"the key belongs to {me.name} (user {me.id})")

    with steps.step("walk every item, four pages at a time"):
        walk = client.walk("items", max_workers=4)
        pages = list(walk.pages())
        ids = [item.id for page in pages for item in page.items]
        steps.detail(f"{len(ids)} items on {len(pages)} pages")
        steps.check(len(ids) == walk.total, f"read {len(ids)} of {walk.total} items")
        steps.check(ids == sorted(set(ids)), "an item came twice or out of order")

    with steps.step("tip an episode's URL, once"):
        tip = client.support(TIPPED)
        steps.detail(f"tip {tip.id} for {tip.url}")
        try:
            client.support(TIPPED)
        except AlreadyTipped as refused:
            steps.detail(f"second tip refused: {refused.code} (HTTP {refused.status})")
        else:
            steps.check(False, "a second tip for the same URL was accepted")
        state = requests.get(f"{sandbox.url('example')}/_admin/state", timeout=10).json()
        steps.check(
            state["supports"] == {TIPPED: tip.id}, f"the emulator holds {state['supports']}"
        )
