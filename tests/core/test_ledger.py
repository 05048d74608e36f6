"""The ledger on the user's disk: older ledgers migrated in place, its own failures explained.

The example provider's emulator refuses a second tip for the same URL, as
Flattr refuses a second flattr, so it proves what was paid.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paysupport.errors import LedgerError
from paysupport.feeds import read_feed
from paysupport.ledger import DONE, SCHEMA_VERSION, Ledger
from paysupport.podcatcher import Podcatcher, summarize
from paysupport.provider import Client
from paysupport.sandbox import Sandbox, SandboxOptions
from tests.core.feeds_kit import podcast_feed

#: The supports table as paysupport 0.x wrote it: one episode per (provider, account, guid).
V1_SCHEMA = """
CREATE TABLE supports (
    provider TEXT NOT NULL, account TEXT NOT NULL, guid TEXT NOT NULL, url TEXT NOT NULL,
    state TEXT NOT NULL, owner TEXT, attempts INTEGER NOT NULL DEFAULT 0, detail TEXT,
    claimed_at REAL, finished_at REAL, PRIMARY KEY (provider, account, guid)
);
CREATE TABLE registrations (
    provider TEXT NOT NULL, account TEXT NOT NULL, url TEXT NOT NULL, state TEXT NOT NULL,
    remote_id TEXT, detail TEXT, updated_at REAL NOT NULL, PRIMARY KEY (provider, account, url)
);
INSERT INTO supports VALUES
    ('example', 'default', 'ep-1', 'https://tips.example/show/1', 'done', NULL, 1, NULL, 1, 2),
    ('example', 'default', 'ep-2', 'https://tips.example/show/2', 'failed', NULL, 1, 'no', 1, 2);
INSERT INTO registrations VALUES ('flattr', 'default', 'https://blog.example/1', 'created',
    '42', NULL, 3);
"""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(providers=["example"])) as sb:
        yield sb


def supports(sb: Sandbox) -> dict[str, int]:
    return dict(sb.emulator("example").admin_state()["supports"])  # type: ignore[attr-defined]


def test_a_ledger_of_the_previous_version_is_migrated_in_place(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
    ledger = Ledger(path)
    assert [(e.guid, e.state, e.feed) for e in ledger.entries()] == [
        ("ep-1", "done", ""),
        ("ep-2", "failed", ""),
    ]
    assert ledger.registration("flattr", "default", "https://blog.example/1") == ("created", "42")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION

    outcomes = Podcatcher(connect=sandbox.connect, ledger=ledger).support_feed(
        read_feed(podcast_feed(3))
    )
    assert [o.status for o in outcomes] == ["already", "failed", "supported"]
    assert list(supports(sandbox)) == ["https://tips.example/show/3"]
    assert {e.feed for e in ledger.entries()} == {"https://show.example/"}  # rows adopted


def test_a_ledger_of_schema_2_gains_the_cost_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).claim("example", "default", "ep-1", "https://tips.example/show/1", feed="f")
    with sqlite3.connect(path) as db:  # as the previous version left it
        db.execute("ALTER TABLE supports DROP COLUMN amount")
        db.execute("ALTER TABLE supports DROP COLUMN currency")
        db.execute("PRAGMA user_version = 2")
    ledger = Ledger(path)
    assert [(e.guid, e.state, e.amount) for e in ledger.entries()] == [("ep-1", "claimed", None)]
    ledger.claim("example", "default", "ep-2", "https://tips.example/show/2", cost=(150, "EUR"))
    assert [(e.amount, e.currency) for e in ledger.entries()] == [(150, "EUR"), (None, None)]


def test_a_damaged_ledger_is_one_line_on_the_command_line(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    ledger.write_bytes(b"this is not a database, it was overwritten" * 100)
    feed = tmp_path / "feed.xml"
    feed.write_bytes(podcast_feed(1))
    with pytest.raises(LedgerError, match=r"is damaged.*move it aside"):
        Ledger(ledger)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "paysupport.cli",
            "support-feed",
            str(feed),
            "--ledger",
            str(ledger),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: ledger {ledger}: is damaged (file is not a database); move it aside (keep it:"
        " it records what was supported) and run again: a fresh ledger asks the providers"
        " again, and they refuse what was already supported"
    ]


def test_a_ledger_where_no_file_can_be_written_says_so(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the ledger's folder should be")
    with pytest.raises(LedgerError, match="choose another with --ledger"):
        Ledger(tmp_path / "not-a-folder" / "ledger.sqlite3")


def _open_ledger(path: str, start: Any, results: Any) -> None:
    start.wait()
    try:
        Ledger(path)
        results.put("opened")
    except LedgerError as exc:
        results.put(str(exc))


def test_runs_started_together_on_a_new_ledger_all_open_it(tmp_path: Path) -> None:
    """Two hook runs at once on a fresh ledger: SQLite refuses the switch to WAL at once,
    without its busy timeout, while another connection opens the file; the set-up waits."""
    context = multiprocessing.get_context("fork")
    outcomes = []
    for round_ in range(25):
        path = str(tmp_path / f"ledger-{round_}.sqlite3")
        start, results = context.Barrier(3), context.Queue()
        runs = [context.Process(target=_open_ledger, args=(path, start, results)) for _ in range(3)]
        for run in runs:
            run.start()
        outcomes += [results.get(timeout=30) for _ in runs]
        for run in runs:
            run.join(timeout=30)
    assert set(outcomes) == {"opened"}


def test_a_ledger_locked_too_long_asks_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path, timeout=0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another run holds the write lock
    try:
        outcomes = Podcatcher(connect=sandbox.connect, ledger=ledger).support_feed(
            read_feed(podcast_feed(3))
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert summarize(outcomes) == {"error": 3}
    assert "still locked by another process after 0.2 s" in (outcomes[0].detail or "")
    assert outcomes[1].detail == "not attempted: the ledger failed"
    assert supports(sandbox) == {}


def test_a_support_the_ledger_could_not_record_is_settled_by_the_next_run(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "ledger.sqlite3"
    locker = sqlite3.connect(path, isolation_level=None)

    def connect_then_lock_after_support(name: str) -> Client:
        client = sandbox.connect(name)
        support = client.support

        def support_and_lock(url: str, **kwargs: Any) -> Any:
            result = support(url, **kwargs)
            locker.execute("BEGIN IMMEDIATE")  # the ledger is locked before it records it
            return result

        client.support = support_and_lock  # type: ignore[method-assign]
        return client

    first = Podcatcher(connect=connect_then_lock_after_support, ledger=Ledger(path, timeout=0.2))
    outcome = first.support_feed(read_feed(podcast_feed(1)))[0]
    locker.execute("ROLLBACK")
    locker.close()
    assert outcome.status == "error"
    assert "was supported through example, but the ledger could not record it" in (
        outcome.detail or ""
    )

    again = Podcatcher(connect=sandbox.connect, ledger=Ledger(path)).support_feed(
        read_feed(podcast_feed(1))
    )
    assert [o.status for o in again] == ["already"]
    assert [e.state for e in Ledger(path).entries()] == [DONE]
    assert len(supports(sandbox)) == 1
