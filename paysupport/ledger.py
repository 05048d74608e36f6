"""A durable record of supports and registrations, so each happens at most once.

The podcatcher writes its *intent* (a claim on (provider, account, guid))
before asking the provider, and the *outcome* after. A run killed in
between leaves a claim whose owner is dead; the next run takes it over and
asks again, and the provider's own "already supported" refusal
(:class:`~paysupport.errors.AlreadySupported`) proves the first attempt
landed. So no support is made twice and none that was made is forgotten,
across crashes, retries and concurrent runs (a claim held by a live process
is left alone).

Claims are taken in an ``IMMEDIATE`` SQLite transaction: two processes cannot
both claim one episode.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from paysupport.tokens import default_data_dir

#: States of an entry. ``claimed`` is an intent whose outcome is not known yet.
CLAIMED, DONE, FAILED, MANUAL = "claimed", "done", "failed", "manual"
SETTLED = (DONE, MANUAL)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS supports (
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    guid TEXT NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT,
    claimed_at REAL,
    finished_at REAL,
    PRIMARY KEY (provider, account, guid)
);
CREATE TABLE IF NOT EXISTS registrations (
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL,
    remote_id TEXT,
    detail TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (provider, account, url)
);
"""


@dataclass(frozen=True)
class Entry:
    provider: str
    account: str
    guid: str
    url: str
    state: str
    owner: str | None
    attempts: int
    detail: str | None
    finished_at: float | None


def default_path() -> Path:
    return default_data_dir() / "ledger.sqlite3"


def this_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process that claimed an entry still runs (on this host)."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's claim: assume alive, it is not ours to take
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


class Ledger:
    """The SQLite ledger (platform data directory unless ``path`` is given)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)  # executescript manages its own transaction
        finally:
            db.close()
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)

    @contextlib.contextmanager
    def _connect(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    # -- supports ---------------------------------------------------------------------

    def get(self, provider: str, account: str, guid: str) -> Entry | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT provider, account, guid, url, state, owner, attempts, detail, finished_at"
                " FROM supports WHERE provider = ? AND account = ? AND guid = ?",
                (provider, account, guid),
            ).fetchone()
        return Entry(*row) if row else None

    def claim(
        self, provider: str, account: str, guid: str, url: str, *, retry_failed: bool = False
    ) -> tuple[bool, Entry | None]:
        """Take the entry for this process; ``(False, entry)`` when it is settled or busy."""
        owner = this_owner()
        with self._connect(immediate=True) as db:
            row = db.execute(
                "SELECT provider, account, guid, url, state, owner, attempts, detail, finished_at"
                " FROM supports WHERE provider = ? AND account = ? AND guid = ?",
                (provider, account, guid),
            ).fetchone()
            entry = Entry(*row) if row else None
            if entry is not None:
                if entry.state in SETTLED or (entry.state == FAILED and not retry_failed):
                    return False, entry
                if entry.state == CLAIMED and entry.owner != owner and owner_alive(entry.owner):
                    return False, entry
            db.execute(
                "INSERT INTO supports (provider, account, guid, url, state, owner, attempts,"
                " claimed_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)"
                " ON CONFLICT (provider, account, guid) DO UPDATE SET state = excluded.state,"
                " owner = excluded.owner, attempts = supports.attempts + 1,"
                " claimed_at = excluded.claimed_at, url = excluded.url",
                (provider, account, guid, url, CLAIMED, owner, time.time()),
            )
        return True, entry

    def finish(
        self, provider: str, account: str, guid: str, state: str, detail: str | None = None
    ) -> None:
        """Record the outcome of this process' claim."""
        with self._connect(immediate=True) as db:
            db.execute(
                "UPDATE supports SET state = ?, detail = ?, finished_at = ?, owner = NULL"
                " WHERE provider = ? AND account = ? AND guid = ?",
                (state, detail, time.time(), provider, account, guid),
            )

    def release(self, provider: str, account: str, guid: str, detail: str) -> None:
        """Give a claim back unsettled (a transient error): the next run asks again."""
        with self._connect(immediate=True) as db:
            db.execute(
                "UPDATE supports SET owner = NULL, detail = ?"
                " WHERE provider = ? AND account = ? AND guid = ? AND state = ?",
                (detail, provider, account, guid, CLAIMED),
            )

    def done_since(self, since: float, provider: str | None = None) -> int:
        """How many supports were made since ``since`` (for the monthly budget)."""
        query = "SELECT COUNT(*) FROM supports WHERE state = ? AND finished_at >= ?"
        params: list[object] = [DONE, since]
        if provider is not None:
            query += " AND provider = ?"
            params.append(provider)
        with self._connect() as db:
            count = db.execute(query, params).fetchone()[0]
        return int(count)

    def entries(self, provider: str | None = None) -> list[Entry]:
        query = (
            "SELECT provider, account, guid, url, state, owner, attempts, detail, finished_at"
            " FROM supports"
        )
        params: tuple[str, ...] = ()
        if provider is not None:
            query += " WHERE provider = ?"
            params = (provider,)
        with self._connect() as db:
            return [Entry(*row) for row in db.execute(query + " ORDER BY guid", params)]

    # -- registrations -------------------------------------------------------------------

    def record_registration(
        self,
        provider: str,
        account: str,
        url: str,
        state: str,
        remote_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        with self._connect(immediate=True) as db:
            db.execute(
                "INSERT INTO registrations (provider, account, url, state, remote_id, detail,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (provider, account, url) DO UPDATE SET state = excluded.state,"
                " remote_id = COALESCE(excluded.remote_id, registrations.remote_id),"
                " detail = excluded.detail, updated_at = excluded.updated_at",
                (provider, account, url, state, remote_id, detail, time.time()),
            )

    def registration(self, provider: str, account: str, url: str) -> tuple[str, str | None] | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT state, remote_id FROM registrations"
                " WHERE provider = ? AND account = ? AND url = ?",
                (provider, account, url),
            ).fetchone()
        return (row[0], row[1]) if row else None

    def __repr__(self) -> str:
        return f"<Ledger {str(self.path)!r}>"


def month_start(now: float | None = None) -> float:
    """Unix time of the first instant of the current UTC month."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()
