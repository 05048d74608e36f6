"""``paysupport sync --watch`` end to end: a real process, the Patreon emulator over HTTP.

The command walks the account, serves ``POST /patreon/<campaign>`` verified with
that campaign's own webhook secret, applies the emulator's deliveries, and after
each round of walks forgets delivery ids older than ``--keep-deliveries``.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from paysupport import sandbox
from paysupport.sync.jobs import Account
from tests.sync import cluster
from tests.sync.kit import PROVIDER


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _until(check: Callable[[], bool], seconds: float = 30.0) -> None:
    ends = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < ends, "gave up waiting"
        time.sleep(0.1)


def _delivery_ids(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        count: int = conn.execute("SELECT COUNT(*) FROM sync_deliveries").fetchone()[0]
        return count


def test_watch_applies_an_accounts_deliveries_and_prunes_their_ids(tmp_path: Path) -> None:
    db = tmp_path / "mirror.db"
    port = _free_port()
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 1, "members": 10}) as sb:
        creator: Any = sb.connect("patreon")
        campaign = next(iter(creator.walk("campaigns"))).id
        hook = creator.create_webhook(
            campaign, f"http://127.0.0.1:{port}/patreon/{campaign}", ["members:update"]
        )
        env = {
            **os.environ,
            "PAYSUPPORT_PATREON_BASE_URL": sb.url("patreon"),
            **{f"PAYSUPPORT_PATREON_{k.upper()}": v for k, v in sb.credentials(PROVIDER).items()},
        }
        command = [
            sys.executable, "-m", "paysupport.cli", "--token-store", "memory", "sync",
            "--db", f"sqlite:///{db}", "--accounts", f"patreon:{campaign}", "--watch",
            "--port", str(port), "--interval", "0.5",
            "--keep-deliveries", "0.00003",  # 2.6 s
            "--webhook-secret", f"patreon:{campaign}={hook.secret}",
        ]  # fmt: skip
        watch = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert watch.stdout is not None
            assert watch.stdout.readline().startswith("webhooks: ")
            account = Account(PROVIDER, campaign)
            first = cluster.truth(sb, account)[0]
            requests.patch(
                f"{sb.url('patreon')}/_admin/members/{first.resource.id}",
                json={"full_name": "Renamed while watched"},
                timeout=10,
            ).raise_for_status()
            _until(lambda: _delivery_ids(db) == 1)  # applied once, its id kept
            _until(lambda: _delivery_ids(db) == 0)  # then forgotten after a round of walks
        finally:
            watch.send_signal(signal.SIGINT)
            _, errors = watch.communicate(timeout=30)
        assert hook.secret not in errors
        with sqlite3.connect(db) as conn:
            names = [row[0] for row in conn.execute("SELECT name FROM sync_supporters")]
        assert "Renamed while watched" in names
