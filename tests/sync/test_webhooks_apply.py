"""Deliveries into the mirror: verified by the provider's own check, re-read, applied once.

The endpoint ``paysupport sync --watch`` serves (:class:`SyncWebhookApp`)
receives the Patreon emulator's real deliveries (a member changed, then gone);
GitHub's are built and signed by ``paysupport trigger``'s code. A delivery
repeated is a duplicate, one forged is refused with 403 before anything is
read, and an old delivery applied after a newer one cannot roll the supporter
back: each delivery is dated by its re-read, so the newest read wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from paysupport_patreon.errors import InvalidSignature

from paysupport import sandbox, trigger
from paysupport.sandbox.serving import start_server
from paysupport.sync import MirrorStore, open_store
from paysupport.sync.engine import Engine
from paysupport.sync.jobs import Account, Connector
from paysupport.sync.webhooks import SyncWebhookApp
from paysupport.tokens import MemoryTokenStore
from tests.sync import cluster
from tests.sync.test_engine_embedded import accounts_with_tokens, connector


@pytest.fixture
def mirror(tmp_path: Path) -> MirrorStore:
    return open_store(f"sqlite:///{tmp_path / 'mirror.db'}")


def test_patreon_deliveries_through_the_endpoint(mirror: MirrorStore) -> None:
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 1, "members": 20}) as sb:
        tokens = MemoryTokenStore()
        [account] = accounts_with_tokens(sb, tokens)
        creator: Any = sb.connect("patreon")
        received: list[tuple[list[tuple[str, str]], bytes]] = []
        engine = Engine(mirror, connector(sb, tokens), secrets={})

        def handle(
            provider: str, headers: list[tuple[str, str]], body: bytes, _to: str | None
        ) -> None:
            received.append((headers, body))
            engine.apply_delivery(provider, headers, body, account=account.account)

        served = start_server(SyncWebhookApp(["patreon"], handle), quiet=True)
        try:
            hook = creator.create_webhook(
                account.account, f"{served.url}/patreon", ["members:update", "members:delete"]
            )
            object.__setattr__(engine, "secrets", {"patreon": hook.secret})
            engine.sync([account])
            [first, second, *_] = cluster.truth(sb, account)
            admin = f"{sb.url('patreon')}/_admin/members"
            requests.patch(
                f"{admin}/{first.resource.id}", json={"full_name": "Renamed"}, timeout=10
            ).raise_for_status()
            requests.delete(f"{admin}/{second.resource.id}", timeout=10).raise_for_status()
        finally:
            served.close()
        assert len(received) == 2
        names = {s.id: s.name for s in mirror.supporters("patreon", account.account)}
        assert names[first.id] == "Renamed"
        assert second.id not in names  # gone
        assert mirror.supporters("patreon", account.account) == cluster.truth(sb, account)

        headers, body = received[0]
        again = engine.apply_delivery("patreon", headers, body, account=account.account)
        assert again is not None and again.duplicate

        with pytest.raises(InvalidSignature):
            engine.apply_delivery("patreon", headers, body + b" ", account=account.account)
        app = SyncWebhookApp(["patreon"], handle, check=None)
        assert app.answer("patreon", headers, body + b" ") == 403
        assert app.answer("flattr", headers, body) == 404
        assert len(received) == 3  # the forged one reached the handler, which refused it


def test_an_old_delivery_applied_late_does_not_roll_back(mirror: MirrorStore) -> None:
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 1, "members": 10}) as sb:
        tokens = MemoryTokenStore()
        [account] = accounts_with_tokens(sb, tokens)
        creator: Any = sb.connect("patreon")
        received: list[tuple[list[tuple[str, str]], bytes]] = []
        collector = SyncWebhookApp(["patreon"], lambda p, h, b, a: received.append((h, b)))
        served = start_server(collector, quiet=True)
        try:
            hook = creator.create_webhook(
                account.account, f"{served.url}/patreon", ["members:update"]
            )
            [member, *_] = cluster.truth(sb, account)
            admin = f"{sb.url('patreon')}/_admin/members/{member.resource.id}"
            for name in ("First", "Second"):
                requests.patch(admin, json={"full_name": name}, timeout=10).raise_for_status()
        finally:
            served.close()
        engine = Engine(mirror, connector(sb, tokens), secrets={"patreon": hook.secret})
        newer, older = received[1], received[0]
        assert engine.apply_delivery("patreon", *newer, account=account.account).outcome == "added"  # type: ignore[union-attr]
        late = engine.apply_delivery("patreon", *older, account=account.account)
        assert late is not None and late.outcome == "unchanged" and not late.duplicate
        [mirrored] = [s for s in mirror.supporters("patreon", account.account) if s.id == member.id]
        assert mirrored.name == "Second"


def test_github_sponsorship_deliveries(mirror: MirrorStore) -> None:
    with sandbox.running(providers=["github"]) as sb:
        jobs: Connector = connector(sb, MemoryTokenStore())
        engine = Engine(mirror, jobs, secrets={"github": "s3cret"})
        delivery = trigger.build(
            "github", "sponsorship.created", "s3cret", emulator=sb.emulator("github")
        )
        applied = engine.apply_delivery("github", list(delivery.headers.items()), delivery.body)
        assert applied is not None and applied.outcome == "added"
        [supporter] = mirror.supporters("github", "mona")
        truth = {s.id: s for s in cluster.truth(sb, Account("github", "mona"))}
        assert truth[supporter.id] == supporter
        again = engine.apply_delivery("github", list(delivery.headers.items()), delivery.body)
        assert again is not None and again.duplicate
