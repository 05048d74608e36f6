"""Patreon webhook deliveries, recorded exactly once in SQLite.

Patreon repeats a delivery until it gets a 2xx, and a resumed webhook sends
what queued up, so the same event may arrive several times. Each delivery is
keyed by :attr:`WebhookEvent.delivery_key` (the trigger plus a SHA-256 of the
exact body): the key and the handler's effect are written in one transaction,
and a key already present changes nothing.

Deliveries also arrive out of order: a retried or queued delivery can come after
a newer one, and its document is then older than the state already stored.
Patreon's member carries no field that orders its versions, so the document is
taken as a notice that the member changed, not as their state: the handler
re-reads the member from the API and *sets* the row to that (a counter would be
off after a repeat). The re-read happens while the database's write lock is
held, so concurrent deliveries write in the order they read, and the row always
ends as Patreon's latest state.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from paysupport_patreon import Member, WebhookEvent

#: The member as Patreon has them now, by id; ``None`` when Patreon no longer has them.
FetchMember = Callable[[str], Member | None]

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
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction: committed on success, rolled back on error; ``write`` takes the
        write lock at once (``BEGIN IMMEDIATE``) rather than at the first write."""
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                if write:
                    db.execute("BEGIN IMMEDIATE")
                yield db
        finally:
            db.close()

    def record(self, event: WebhookEvent, fetch: FetchMember) -> bool:
        """Store a verified delivery and its effect; ``False`` when the key was already seen.

        For a member event the row is set to ``fetch(member_id)``, Patreon's state
        now, never to the delivery's document, which may be older than one already
        handled. ``fetch`` raising rolls everything back, so the delivery is retried.
        """
        data = event.document.data()
        if data is None or isinstance(data, list):
            raise ValueError("a webhook delivery carries one resource")
        with self._connect(write=True) as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO patreon_deliveries"
                " (delivery_key, trigger, resource_type, resource_id, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (event.delivery_key, event.trigger, data.type, data.id, time.time()),
            ).rowcount
            noticed = event.member
            if inserted and noticed is not None:
                current = fetch(noticed.id)
                db.execute(
                    "INSERT OR REPLACE INTO patreon_members"
                    " (member_id, full_name, patron_status, amount_cents, last_trigger)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        noticed.id,
                        (current or noticed).full_name,
                        current.patron_status if current else None,
                        (current.currently_entitled_amount_cents or 0) if current else 0,
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
        """The member's state as Patreon had it when the last new delivery was handled."""
        with self._connect() as db:
            row = db.execute(
                "SELECT member_id, full_name, patron_status, amount_cents, last_trigger"
                " FROM patreon_members WHERE member_id = ?",
                (member_id,),
            ).fetchone()
        return MemberState(*row) if row else None
