"""The connector keeps one client per account for the whole process, whatever thread asks."""

from __future__ import annotations

import threading
from typing import Any

from paysupport.sync.jobs import Connector


def test_every_thread_gets_the_same_client_of_an_account() -> None:
    made: list[tuple[str, str]] = []

    def connect(provider: str, *, account: str, **settings: Any) -> Any:
        made.append((provider, account))
        return object()

    connector = Connector(connect=connect)
    seen: list[Any] = []
    threads = [
        threading.Thread(target=lambda: seen.append(connector.client("patreon", "7100000")))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen.append(connector.client("patreon", "7100000"))
    assert len({id(client) for client in seen}) == 1
    assert connector.client("patreon", "7100001") is not seen[0]
    assert made.count(("patreon", "7100001")) == 1
