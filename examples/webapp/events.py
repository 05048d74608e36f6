"""Patreon webhook deliveries, recorded exactly once in SQLite.

Patreon repeats a delivery until it gets a 2xx, and a resumed webhook sends
what queued up, so the same event may arrive several times. Each delivery is
keyed by :attr:`WebhookEvent.delivery_key` (the trigger plus a SHA-256 of the
exact body): the key and the handler's effect are written in one transaction,
and a key already present changes nothing. The effect *sets* the member's state
to what the document says (a counter would be off after a repeat), so a
member's row is what the last new delivery about them said.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from paysupport_patreon import WebhookEvent

SCHEMA = """
CREATE TABLE IF NOT EXISTS patreon_deliveries (
    delivery_key TEXT PRIMARY KEY,
    trigger TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS patreon_members (
    member_id TEXT PRIMARY KEY,
    full_name TEXT,
    patron_status TEXT,
    amount_cents INTEGER NOT NULL,
    last_trigger TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Delivery:
    delivery_key: str
    trigger: str
    resource_type: str
    resource_id: str


@dataclass(frozen=True)
class MemberState:
    member_id: str
    full_name: str | None
    patron_status: str | None
    amount_cents: int
    last_trigger: str


class EventLog:
    """The deliveries seen and the member state they set; safe across threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:  # one transaction: committed on success, rolled back on error
                yield db
        finally:
            db.close()

    def record(self, event: WebhookEvent) -> bool:
        """Store a verified delivery and its effect; ``False`` when the key was already seen."""
        data = event.document.data()
        if data is None or isinstance(data, list):
            raise ValueError("a webhook delivery carries one resource")
        with self._connect() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO patreon_deliveries"
                " (delivery_key, trigger, resource_type, resource_id, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (event.delivery_key, event.trigger, data.type, data.id, time.time()),
            ).rowcount
            member = event.member
            if inserted and member is not None:
                deleted = event.trigger == "members:delete"
                db.execute(
                    "INSERT OR REPLACE INTO patreon_members"
                    " (member_id, full_name, patron_status, amount_cents, last_trigger)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        member.id,
                        member.full_name,
                        None if deleted else member.patron_status,
                        0 if deleted else member.currently_entitled_amount_cents or 0,
                        event.trigger,
                    ),
                )
        return bool(inserted)

    def deliveries(self) -> list[Delivery]:
        """Every delivery recorded, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT delivery_key, trigger, resource_type, resource_id"
                " FROM patreon_deliveries ORDER BY received_at, rowid"
            ).fetchall()
        return [Delivery(*row) for row in rows]

    def member(self, member_id: str) -> MemberState | None:
        """The member's state as the last new delivery about them set it."""
        with self._connect() as db:
            row = db.execute(
                "SELECT member_id, full_name, patron_status, amount_cents, last_trigger"
                " FROM patreon_members WHERE member_id = ?",
                (member_id,),
            ).fetchone()
        return MemberState(*row) if row else None
