"""A durable record of supports and registrations, so each happens at most once.

The podcatcher writes its *intent* (a claim on provider, account, feed and
guid) before asking the provider, and the *outcome* after. A run killed in
between leaves a claim whose owner is gone; a later run takes it over and
asks again, and the provider's own "already supported" refusal
(:class:`~paysupport.errors.AlreadySupported`) proves the first attempt
landed. So no support is made twice and none that was made is forgotten,
across crashes, retries and concurrent runs.

What a claim can tell about its owner:

* **on this host**: the owner is ``host:pid:start`` (the process' start time,
  so a recycled pid does not pass for the dead owner). A dead owner's claim is
  taken over at once; a live owner's is left alone until its *lease* runs out,
  then reported as stuck (an error, not ``busy``).
* **on another host** (another container, another machine): nothing can be
  checked, so the claim is left alone until its lease runs out, then taken
  over. The lease (10 minutes) is far longer than one support request can
  last (its timeouts are seconds), so an expired lease means a dead run.

Everything that must not race is one ``IMMEDIATE`` SQLite transaction: two
processes cannot both claim one episode, and the monthly budget is counted
(supports made this month plus live claims) in the same transaction that
claims, so concurrent runs cannot overspend it. A budget in money is counted
the same way: a claim records what the support costs (integer minor units and
a currency, when the provider says), and the sum this month in the budget's
currency, with the new cost, must stay within the limit. The ledger's own
refusals (settled, failed, busy, conflict) come before any budget: an episode
already paid is ``settled``, never ``budget``.

Episodes are keyed by feed identity and guid (two feeds may both call their
first episode "1"). The same guid with the same payment target seen through
another feed identity (a feed read once by URL, once from a file) is the same
episode. The payment target is recorded: when it changes for a key the claim
says ``conflict`` instead of skipping silently. Ledgers written before feeds
were told apart are migrated in place: their rows keep their meaning under the
empty feed identity and are adopted by the first feed whose episode has the
same guid and payment target.

Value-for-value payments (:mod:`paysupport.value.pay`) have their own table,
``value_payments``, keyed by feed identity, episode guid, recipient, action and
part (a stream's minute range, a boost's id, ``''`` for ``auto``). A claim
records the payment's *preimage*, so its hash is known before the wallet is
asked; the preimage never changes for a key, so a run that takes over a dead
run's claim looks the hash up and, when the wallet has no settled payment, pays
with the same preimage: a wallet pays one hash once. Claims, leases and owners
work as for supports; the monthly budget in msat (settled payments plus live
claims this month, and the new amount) is counted in the claiming transaction.

SQLite failures (a damaged file, a lock held too long, a read-only disk) are
raised as :class:`~paysupport.errors.LedgerError` with what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from paysupport.errors import LedgerError
from paysupport.tokens import default_data_dir

#: States of an entry. ``claimed`` is an intent whose outcome is not known yet.
CLAIMED, DONE, FAILED, MANUAL = "claimed", "done", "failed", "manual"
SETTLED = (DONE, MANUAL)

#: How long a claim protects an episode from other runs (seconds).
LEASE_SECONDS = 600.0
#: How long to wait for another process' write transaction (seconds).
LOCK_TIMEOUT = 60.0
#: Seconds between tries of a ledger's set-up that SQLite refused at once as locked.
_SET_UP_PAUSE = 0.02
#: ``PRAGMA user_version`` of the current schema: 2 keys supports by feed as well, 3 records
#: what each support costs (``amount`` in minor units and ``currency``, when known), 4 adds
#: the ``value_payments`` table (value-for-value keysend payments).
SCHEMA_VERSION = 4

_SUPPORTS = """
CREATE TABLE supports (
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    feed TEXT NOT NULL DEFAULT '',
    guid TEXT NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT,
    claimed_at REAL,
    finished_at REAL,
    lease_until REAL,
    amount INTEGER,
    currency TEXT,
    PRIMARY KEY (provider, account, feed, guid)
)
"""
_REGISTRATIONS = """
CREATE TABLE IF NOT EXISTS registrations (
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL,
    remote_id TEXT,
    detail TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (provider, account, url)
)
"""
_VALUE_PAYMENTS = """
CREATE TABLE IF NOT EXISTS value_payments (
    feed TEXT NOT NULL,
    episode TEXT NOT NULL,
    recipient TEXT NOT NULL,
    action TEXT NOT NULL,
    part TEXT NOT NULL,
    pubkey TEXT NOT NULL,
    amount_msat INTEGER NOT NULL,
    preimage TEXT NOT NULL,
    payment_hash TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    owner TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT,
    claimed_at REAL,
    finished_at REAL,
    lease_until REAL,
    fees_msat INTEGER,
    PRIMARY KEY (feed, episode, recipient, action, part)
)
"""
_VALUE_ENTRY = (
    "SELECT feed, episode, recipient, action, part, pubkey, amount_msat, preimage,"
    " payment_hash, state, owner, attempts, detail, claimed_at, finished_at, lease_until,"
    " fees_msat FROM value_payments"
)
_VALUE_KEY = " WHERE feed = ? AND episode = ? AND recipient = ? AND action = ? AND part = ?"
#: Columns of schema 1, copied as they are when migrating (their feed becomes '').
_V1_COLUMNS = (
    "provider, account, guid, url, state, owner, attempts, detail, claimed_at, finished_at"
)
_ENTRY = (
    "SELECT provider, account, feed, guid, url, state, owner, attempts, detail, finished_at,"
    " claimed_at, lease_until, amount, currency FROM supports"
)


@dataclass(frozen=True)
class Entry:
    """One row of the supports table."""

    provider: str
    account: str
    feed: str
    guid: str
    url: str
    state: str
    owner: str | None
    attempts: int
    detail: str | None
    finished_at: float | None
    claimed_at: float | None = None
    lease_until: float | None = None
    #: What the support costs in minor units of ``currency``; ``None`` when the provider
    #: does not say (such supports count in no money budget).
    amount: int | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Claim:
    """The answer of :meth:`Ledger.claim`.

    ``taken`` is true when this process now holds the claim and must ask the
    provider, then call :meth:`Ledger.finish` or :meth:`Ledger.release` with
    ``feed`` (the feed identity of the row claimed, which may be another feed's
    row for the same episode). Otherwise ``status`` says why not:
    ``settled`` (done before), ``failed`` (refused before), ``busy`` (a live run
    holds it), ``stuck`` (a live process has held it past its lease),
    ``conflict`` (the recorded payment target differs) or ``budget`` (a
    budget is spent: this run's, or the month's in count or money, counting
    live claims).
    """

    taken: bool
    status: str
    feed: str
    entry: Entry | None = None
    detail: str | None = None


@dataclass(frozen=True)
class PaymentKey:
    """What is paid at most once: one recipient's part of one action on one episode.

    ``part`` tells payments of one action apart: a stream's minute range
    (``"0-5"``), a boost's id, ``""`` for ``auto``.
    """

    feed: str
    episode: str
    recipient: str
    action: str
    part: str = ""

    def values(self) -> tuple[str, str, str, str, str]:
        return (self.feed, self.episode, self.recipient, self.action, self.part)


@dataclass(frozen=True)
class ValuePayment:
    """One row of the value_payments table: the intent, its preimage, and its outcome."""

    feed: str
    episode: str
    recipient: str
    action: str
    part: str
    pubkey: str
    amount_msat: int
    preimage: str
    payment_hash: str
    state: str
    owner: str | None
    attempts: int
    detail: str | None
    claimed_at: float | None
    finished_at: float | None
    lease_until: float | None
    fees_msat: int | None

    @property
    def key(self) -> PaymentKey:
        return PaymentKey(self.feed, self.episode, self.recipient, self.action, self.part)


@dataclass(frozen=True)
class PaymentClaim:
    """The answer of :meth:`Ledger.claim_payment`.

    ``taken``: this process holds the claim and must pay ``entry`` (its
    ``pubkey``, ``amount_msat`` and ``preimage``: the recorded intent wins over
    what was asked, which a crashed run may have sent), then call
    :meth:`Ledger.finish_payment` or :meth:`Ledger.release_payment`. When
    ``recovering`` is true an earlier attempt may have reached the wallet: look
    ``entry.payment_hash`` up before paying. Otherwise ``status`` says why not:
    ``settled``, ``failed``, ``busy``, ``stuck`` or ``budget``.
    """

    taken: bool
    status: str
    entry: ValuePayment | None = None
    detail: str | None = None
    recovering: bool = False


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """SQLite's "database is locked" (or "busy"): another connection holds the file."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def default_path() -> Path:
    return default_data_dir() / "ledger.sqlite3"


def _start_time(pid: int) -> str | None:
    """The process' start time in clock ticks since boot (Linux), or ``None`` if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def owner_of(pid: int) -> str:
    """``host:pid:start``: what process ``pid`` of this host records as a claim's owner."""
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"


def this_owner() -> str:
    return owner_of(os.getpid())


def owner_alive(owner: str | None) -> bool | None:
    """Whether the process that claimed an entry still runs: ``None`` when it cannot be told.

    Only processes of this host can be checked; a recycled pid is told apart by
    its start time. Owners written by older versions (``host:pid``) are checked
    by pid alone.
    """
    if not owner:
        return False
    parts = owner.split(":")
    if len(parts) >= 3:
        host, pid_text, start = ":".join(parts[:-2]), parts[-2], parts[-1]
    else:
        host, pid_text, start = owner.rpartition(":")[0], owner.rpartition(":")[2], ""
    if host != socket.gethostname():
        return None
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        pass  # another user's process: it exists
    if start:
        now_start = _start_time(pid)
        if now_start is not None and now_start != start:
            return False  # the pid was recycled: the owner is gone
    return True


class Ledger:
    """The SQLite ledger (platform data directory unless ``path`` is given).

    ``timeout`` is how long to wait for another process' lock before raising
    :class:`~paysupport.errors.LedgerError`; ``lease`` how long a claim keeps
    other runs off an episode.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = LOCK_TIMEOUT,
        lease: float = LEASE_SECONDS,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.timeout = timeout
        self.lease = lease
        with self._guard():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Runs started together on a new ledger (a podcatcher's hook for two episodes)
            # meet here: switching the file to WAL needs it to itself, and SQLite answers
            # "locked" at once, without waiting through the busy timeout, when another
            # connection is opening it. So the set-up is tried again until ``timeout``.
            deadline = time.monotonic() + timeout
            while True:
                try:
                    self._set_up()
                    break
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc) or time.monotonic() >= deadline:
                        raise
                    time.sleep(_SET_UP_PAUSE)
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)

    def _set_up(self) -> None:
        """WAL mode, and the tables at this schema, in one immediate transaction."""
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                self._migrate(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        """Create the tables, or bring a ledger of an older version to this schema in place."""
        db.execute(_REGISTRATIONS)
        db.execute(_VALUE_PAYMENTS)  # schema 4: a new table, earlier rows untouched
        columns = [row[1] for row in db.execute("PRAGMA table_info(supports)")]
        if not columns:
            db.execute(_SUPPORTS)
        elif "feed" not in columns:
            # schema 1 keyed supports by (provider, account, guid): rebuild with the feed
            # in the key, every row kept under the empty ("unknown") feed identity.
            db.execute("ALTER TABLE supports RENAME TO supports_v1")
            db.execute(_SUPPORTS)
            db.execute(
                f"INSERT INTO supports ({_V1_COLUMNS}, feed)"
                f" SELECT {_V1_COLUMNS}, '' FROM supports_v1"
            )
            db.execute("DROP TABLE supports_v1")
        elif "amount" not in columns:
            # schema 2 did not record costs: earlier supports count in no money budget
            db.execute("ALTER TABLE supports ADD COLUMN amount INTEGER")
            db.execute("ALTER TABLE supports ADD COLUMN currency TEXT")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite's and the file system's errors into a LedgerError saying what to do."""
        try:
            yield
        except sqlite3.Error as exc:
            raise LedgerError(self._advice(exc), path=str(self.path)) from None
        except OSError as exc:
            raise LedgerError(self._advice(exc), path=str(self.path)) from None

    def _advice(self, exc: Exception) -> str:
        text = str(exc) if not isinstance(exc, OSError) else (exc.strerror or str(exc))
        lowered = text.lower()
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            return (
                f"still locked by another process after {self.timeout:g} s; wait for the other"
                " paysupport run to finish (or stop it) and run again"
            )
        if (
            "readonly" in lowered
            or "read-only" in lowered
            or (isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM))
        ):
            return (
                f"cannot be written ({text}); make its folder writable or choose another file"
                " with --ledger"
            )
        if isinstance(exc, sqlite3.DatabaseError) and (
            "not a database" in lowered or "malformed" in lowered or "encrypted" in lowered
        ):
            return (
                f"is damaged ({text}); move it aside (keep it: it records what was supported)"
                " and run again: a fresh ledger asks the providers again, and they refuse"
                " what was already supported"
            )
        if isinstance(exc, OSError):
            return f"cannot be opened ({text}); check the path or choose another with --ledger"
        return f"failed ({type(exc).__name__}: {text}); run again, or choose another with --ledger"

    @contextlib.contextmanager
    def _connect(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        with self._guard():
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            try:
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

    def get(self, provider: str, account: str, guid: str, feed: str = "") -> Entry | None:
        with self._connect() as db:
            row = db.execute(
                _ENTRY + " WHERE provider = ? AND account = ? AND feed = ? AND guid = ?",
                (provider, account, feed, guid),
            ).fetchone()
        return Entry(*row) if row else None

    def settled(self, provider: str, feed: str, guid: str, url: str) -> Entry | None:
        """This episode's settled entry for any account of ``provider``, read only.

        For a dry run, which connects no client and so knows no account: an episode
        recorded as supported (under this feed, or the same target through another)
        is reported as such instead of "would support".
        """
        with self._connect() as db:
            row = db.execute(
                _ENTRY + " WHERE provider = ? AND guid = ? AND (feed = ? OR url = ?)"
                f" AND state IN ({', '.join('?' for _ in SETTLED)})",
                (provider, guid, feed, url, *SETTLED),
            ).fetchone()
        return Entry(*row) if row else None

    def claim(
        self,
        provider: str,
        account: str,
        guid: str,
        url: str,
        *,
        feed: str = "",
        retry_failed: bool = False,
        accept_new_target: bool = False,
        month_budget: tuple[float, int] | None = None,
        cost: tuple[int, str] | None = None,
        month_amount: tuple[float, int, str] | None = None,
        run_budget_spent: str | None = None,
    ) -> Claim:
        """Take the episode for this process, or say why not (see :class:`Claim`).

        The ledger's own refusals come first, so an episode supported before is
        ``settled`` even when a budget is spent. Then the budgets, in this
        transaction: ``run_budget_spent`` (the caller's own per-run budget is
        used up; its text is the refusal's detail); ``month_budget``, ``(since,
        limit)``, refusing when supports finished since ``since`` plus claims
        taken since then (other than this episode's) reach ``limit``;
        ``month_amount``, ``(since, limit, currency)``, refusing when the
        ``cost`` of those in ``currency`` plus this one's would exceed ``limit``
        (minor units; a claim without a cost in that currency is refused).
        ``cost`` is ``(minor units, currency)``, recorded with the claim.
        ``accept_new_target`` claims an episode whose recorded payment target
        differs from ``url`` (a second, deliberate payment).
        """
        owner, now = this_owner(), time.time()
        with self._connect(immediate=True) as db:
            entry, key_feed = self._find(db, provider, account, feed, guid, url)
            new_target = entry is not None and entry.url != url and entry.state != FAILED
            if entry is not None and new_target:
                if not accept_new_target:
                    return Claim(
                        False,
                        "conflict",
                        key_feed,
                        entry,
                        f"the ledger recorded this episode (guid {guid!r}) with payment target"
                        f" {entry.url} ({entry.state}); the feed now says {url}. Check it, then"
                        " run with --accept-new-target to support the new target too",
                    )
                if entry.feed == "" and feed:
                    entry, key_feed = None, feed  # a legacy row of another feed: keep it apart
            if entry is not None:
                refusal = self._refusal(
                    entry, key_feed, owner, now, retry_failed=retry_failed, new_target=new_target
                )
                if refusal is not None:
                    return refusal
            if run_budget_spent is not None:
                return Claim(False, "budget", key_feed, entry, run_budget_spent)
            if month_budget is not None:
                since, limit = month_budget
                used = db.execute(
                    "SELECT COUNT(*) FROM supports WHERE ((state = ? AND finished_at >= ?)"
                    " OR (state = ? AND claimed_at >= ?))"
                    " AND NOT (provider = ? AND account = ? AND feed = ? AND guid = ?)",
                    (DONE, since, CLAIMED, since, provider, account, key_feed, guid),
                ).fetchone()[0]
                if used >= limit:
                    return Claim(
                        False,
                        "budget",
                        key_feed,
                        entry,
                        f"monthly budget reached ({used} of {limit}, counting runs in progress)",
                    )
            if month_amount is not None:
                refused = self._over_amount(
                    db, month_amount, cost, key_feed, entry, provider, account, guid
                )
                if refused is not None:
                    return refused
            db.execute(
                "INSERT INTO supports (provider, account, feed, guid, url, state, owner,"
                " attempts, claimed_at, lease_until, amount, currency)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"
                " ON CONFLICT (provider, account, feed, guid) DO UPDATE SET"
                " state = excluded.state, owner = excluded.owner,"
                " attempts = supports.attempts + 1, claimed_at = excluded.claimed_at,"
                " lease_until = excluded.lease_until, url = excluded.url,"
                " amount = excluded.amount, currency = excluded.currency",
                (
                    provider,
                    account,
                    key_feed,
                    guid,
                    url,
                    CLAIMED,
                    owner,
                    now,
                    now + self.lease,
                    *(cost or (None, None)),
                ),
            )
        return Claim(True, "claimed", key_feed, entry)

    @staticmethod
    def _over_amount(
        db: sqlite3.Connection,
        month_amount: tuple[float, int, str],
        cost: tuple[int, str] | None,
        feed: str,
        entry: Entry | None,
        provider: str,
        account: str,
        guid: str,
    ) -> Claim | None:
        """``budget`` when this support's cost would take the month past its money limit."""
        since, limit, currency = month_amount
        if cost is None or cost[1] != currency:
            what = "unknown" if cost is None else f"in {cost[1]}"
            return Claim(
                False,
                "budget",
                feed,
                entry,
                f"the cost of this support is {what}: it cannot count in a {currency} budget",
            )
        used = db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM supports WHERE currency = ?"
            " AND ((state = ? AND finished_at >= ?) OR (state = ? AND claimed_at >= ?))"
            " AND NOT (provider = ? AND account = ? AND feed = ? AND guid = ?)",
            (currency, DONE, since, CLAIMED, since, provider, account, feed, guid),
        ).fetchone()[0]
        if used + cost[0] > limit:
            return Claim(
                False,
                "budget",
                feed,
                entry,
                f"monthly budget of {limit} {currency} (minor units) reached: {used} spent,"
                f" this support costs {cost[0]} (counting runs in progress)",
            )
        return None

    def _find(
        self, db: sqlite3.Connection, provider: str, account: str, feed: str, guid: str, url: str
    ) -> tuple[Entry | None, str]:
        """This episode's row and its feed identity (see the module's docstring)."""
        rows = [
            Entry(*row)
            for row in db.execute(
                _ENTRY + " WHERE provider = ? AND account = ? AND guid = ?",
                (provider, account, guid),
            )
        ]
        exact = next((e for e in rows if e.feed == feed), None)
        if exact is not None:
            return exact, feed
        same_target = [e for e in rows if e.url == url]
        legacy = next((e for e in same_target if e.feed == ""), None)
        if legacy is not None and feed:
            db.execute(  # adopt the migrated row: from now on it belongs to this feed
                "UPDATE supports SET feed = ? WHERE provider = ? AND account = ? AND feed = ''"
                " AND guid = ?",
                (feed, provider, account, guid),
            )
            return Entry(**{**legacy.__dict__, "feed": feed}), feed
        if same_target:
            return same_target[0], same_target[0].feed  # the same episode through another feed
        unknown_feed = next((e for e in rows if e.feed == ""), None)
        if unknown_feed is not None:
            return unknown_feed, ""  # recorded before feeds were told apart: a conflict
        return None, feed

    def _refusal(
        self,
        entry: Entry,
        feed: str,
        owner: str,
        now: float,
        *,
        retry_failed: bool,
        new_target: bool,
    ) -> Claim | None:
        """Why this process may not claim ``entry`` now, or ``None`` when it may."""
        if entry.state == CLAIMED:
            return self._held(entry, feed, owner, now)
        if new_target:
            return None  # accepted: the new target is supported as well
        if entry.state in SETTLED:
            return Claim(False, "settled", feed, entry, entry.detail)
        if entry.state == FAILED and not retry_failed:
            return Claim(False, "failed", feed, entry, entry.detail)
        return None

    def _held(self, entry: Entry, feed: str, owner: str, now: float) -> Claim | None:
        """``busy`` or ``stuck`` when another run still holds the claim; ``None`` when free."""
        held = self._holder(entry.owner, entry.claimed_at, entry.lease_until, owner, now)
        if held is None:
            return None
        status, detail = held
        return Claim(False, status, feed, entry, detail)

    def _holder(
        self,
        held_by: str | None,
        claimed_at: float | None,
        lease_until: float | None,
        owner: str,
        now: float,
        doing: str = "supporting it",
    ) -> tuple[str, str] | None:
        """``(busy|stuck, why)`` when another live run holds a claim; ``None`` when it is free."""
        if held_by is None or held_by == owner:
            return None
        alive = owner_alive(held_by)
        until = lease_until or (claimed_at or 0.0) + self.lease
        if alive is False or (alive is None and now >= until):
            return None  # a dead run's claim: ask the provider again, its answer settles it
        if now < until:
            return "busy", f"another run ({held_by}) is {doing}"
        held = now - (claimed_at or now)
        return (
            "stuck",
            f"claimed {held:.0f} s ago by process {held_by}, which still runs past the"
            f" {self.lease:g} s lease: if it hangs, stop it; the next run settles the"
            f" {'episode' if doing == 'supporting it' else 'payment'} with the provider",
        )

    def finish(
        self,
        provider: str,
        account: str,
        guid: str,
        state: str,
        detail: str | None = None,
        *,
        feed: str = "",
    ) -> None:
        """Record the outcome of this process' claim."""
        with self._connect(immediate=True) as db:
            db.execute(
                "UPDATE supports SET state = ?, detail = ?, finished_at = ?, owner = NULL,"
                " lease_until = NULL"
                " WHERE provider = ? AND account = ? AND feed = ? AND guid = ?",
                (state, detail, time.time(), provider, account, feed, guid),
            )

    def release(
        self, provider: str, account: str, guid: str, detail: str, *, feed: str = ""
    ) -> None:
        """Give a claim back unsettled (a transient error): the next run asks again."""
        with self._connect(immediate=True) as db:
            db.execute(
                "UPDATE supports SET owner = NULL, lease_until = NULL, detail = ?"
                " WHERE provider = ? AND account = ? AND feed = ? AND guid = ? AND state = ?",
                (detail, provider, account, feed, guid, CLAIMED),
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
        query = _ENTRY
        params: tuple[str, ...] = ()
        if provider is not None:
            query += " WHERE provider = ?"
            params = (provider,)
        with self._connect() as db:
            return [Entry(*row) for row in db.execute(query + " ORDER BY feed, guid", params)]

    # -- value-for-value payments ---------------------------------------------------------

    def payment(self, key: PaymentKey) -> ValuePayment | None:
        with self._connect() as db:
            row = db.execute(_VALUE_ENTRY + _VALUE_KEY, key.values()).fetchone()
        return ValuePayment(*row) if row else None

    def claim_payment(
        self,
        key: PaymentKey,
        *,
        pubkey: str,
        amount_msat: int,
        preimage: str,
        payment_hash: str,
        retry_failed: bool = False,
        month_budget_msat: tuple[float, int] | None = None,
    ) -> PaymentClaim:
        """Record the intent to pay ``key`` before paying, or say why not (:class:`PaymentClaim`).

        A new key is inserted with ``preimage`` and ``payment_hash``; a key
        claimed before keeps its own (``entry`` holds them), so every attempt is
        the same payment to the wallet. ``month_budget_msat``, ``(since,
        limit)``, refuses a new payment when the msat of payments settled since
        ``since``, plus live claims since then, plus this amount exceed
        ``limit``; taking over an earlier claim is never refused for the budget
        (it may already be paid, and it was counted when it was claimed).
        """
        owner, now = this_owner(), time.time()
        with self._connect(immediate=True) as db:
            row = db.execute(_VALUE_ENTRY + _VALUE_KEY, key.values()).fetchone()
            entry = ValuePayment(*row) if row else None
            if entry is not None:
                if entry.state == DONE:
                    return PaymentClaim(False, "settled", entry, entry.detail)
                if entry.state == FAILED and not retry_failed:
                    return PaymentClaim(False, "failed", entry, entry.detail)
                if entry.state == CLAIMED:
                    held = self._holder(
                        entry.owner, entry.claimed_at, entry.lease_until, owner, now, "paying it"
                    )
                    if held is not None:
                        return PaymentClaim(False, held[0], entry, held[1])
                db.execute(
                    "UPDATE value_payments SET state = ?, owner = ?, attempts = attempts + 1,"
                    " lease_until = ?" + _VALUE_KEY,
                    (CLAIMED, owner, now + self.lease, *key.values()),
                )
                taken = ValuePayment(
                    **{**entry.__dict__, "state": CLAIMED, "owner": owner,
                       "attempts": entry.attempts + 1, "lease_until": now + self.lease}
                )  # fmt: skip
                return PaymentClaim(True, "claimed", taken, recovering=True)
            if month_budget_msat is not None:
                since, limit = month_budget_msat
                used = int(
                    db.execute(
                        "SELECT COALESCE(SUM(amount_msat), 0) FROM value_payments"
                        " WHERE (state = ? AND finished_at >= ?)"
                        " OR (state = ? AND claimed_at >= ?)",
                        (DONE, since, CLAIMED, since),
                    ).fetchone()[0]
                )
                if used + amount_msat > limit:
                    return PaymentClaim(
                        False,
                        "budget",
                        None,
                        f"monthly budget of {limit // 1000:,} sats reached: {used // 1000:,}"
                        f" spent or being paid, this payment is {amount_msat // 1000:,}",
                    )
            db.execute(
                "INSERT INTO value_payments (feed, episode, recipient, action, part, pubkey,"
                " amount_msat, preimage, payment_hash, state, owner, attempts, claimed_at,"
                " lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                (*key.values(), pubkey, amount_msat, preimage, payment_hash, CLAIMED, owner,
                 now, now + self.lease),
            )  # fmt: skip
            entry = ValuePayment(
                *key.values(), pubkey, amount_msat, preimage, payment_hash, CLAIMED, owner, 1,
                None, now, None, now + self.lease, None,
            )  # fmt: skip
        return PaymentClaim(True, "claimed", entry)

    def finish_payment(
        self,
        key: PaymentKey,
        state: str,
        detail: str | None = None,
        *,
        fees_msat: int | None = None,
    ) -> None:
        """Record the outcome of this process' claim on ``key`` (``done`` or ``failed``)."""
        with self._connect(immediate=True) as db:
            db.execute(
                "UPDATE value_payments SET state = ?, detail = ?, finished_at = ?,"
                " fees_msat = COALESCE(?, fees_msat), owner = NULL, lease_until = NULL"
                + _VALUE_KEY,
                (state, detail, time.time(), fees_msat, *key.values()),
            )

    def release_payment(self, key: PaymentKey, detail: str) -> None:
        """Give a claim back unsettled: the next run looks its hash up, then pays if unpaid."""
        with self._connect(immediate=True) as db:
            db.execute(
                "UPDATE value_payments SET owner = NULL, lease_until = NULL, detail = ?"
                + _VALUE_KEY
                + " AND state = ?",
                (detail, *key.values(), CLAIMED),
            )

    def payments(self, feed: str | None = None) -> list[ValuePayment]:
        """Every value payment recorded (of one feed identity), by feed, episode and key."""
        query = _VALUE_ENTRY
        params: tuple[str, ...] = ()
        if feed is not None:
            query += " WHERE feed = ?"
            params = (feed,)
        order = " ORDER BY feed, episode, action, recipient, part"
        with self._connect() as db:
            return [ValuePayment(*row) for row in db.execute(query + order, params)]

    def paid_msat_since(self, since: float) -> int:
        """The msat of value payments settled since ``since`` (the monthly budget's use)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT COALESCE(SUM(amount_msat), 0) FROM value_payments"
                " WHERE state = ? AND finished_at >= ?",
                (DONE, since),
            ).fetchone()
        return int(row[0])

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
