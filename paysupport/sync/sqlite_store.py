"""The embedded mirror store: one SQLite file, no server, safe across threads and processes.

The default of ``paysupport sync`` on one machine. Like the support ledger
(:mod:`paysupport.ledger`), every call opens its own connection and runs one
transaction, so a store is shared freely between threads, and every write is
an ``IMMEDIATE`` transaction: writers of any process queue on SQLite's lock
(up to ``timeout`` seconds) instead of failing halfway. The file is in WAL
mode, so readers (``paysupport sync status``) never wait for a writer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from paysupport.sync.store import MirrorError, SqlStore

__all__ = ["SQLiteStore"]

#: How long a write waits for another process' transaction (seconds).
LOCK_TIMEOUT = 60.0


class SQLiteStore(SqlStore):
    """The mirror in the SQLite file ``path`` (created with its folder when missing)."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.timeout = timeout
        with self._guard():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
            finally:
                db.close()
        with self._transaction(write=True) as cur:
            self._create_schema(cur, "schema.sqlite.sql")
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)  # supporters' names and e-mail addresses

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite's and the file system's errors into a MirrorError saying what to do."""
        try:
            yield
        except sqlite3.Error as exc:
            text = str(exc)
            lowered = text.lower()
            if "locked" in lowered or "busy" in lowered:
                advice = f"still locked by another process after {self.timeout:g} s"
            elif "not a database" in lowered or "malformed" in lowered:
                advice = f"is damaged ({text}); move it aside and sync again from scratch"
            elif "readonly" in lowered:
                advice = f"cannot be written ({text}); make its folder writable"
            else:
                advice = f"failed ({type(exc).__name__}: {text})"
            raise MirrorError(advice, url=self.url) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise MirrorError(f"cannot be written ({reason})", url=self.url) from None
            raise MirrorError(f"cannot be opened ({reason})", url=self.url) from None

    @contextlib.contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Cursor]:
        with self._guard():
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            try:
                db.execute("PRAGMA synchronous=FULL")
                db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                cur = db.cursor()
                try:
                    yield cur
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                db.close()
