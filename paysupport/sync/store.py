"""The mirror store: supporters of many accounts, kept exactly once from deliveries and walks.

``paysupport sync`` keeps a database copy of who supports each connected
account. Two kinds of news reach it, and both are applied here, in one
transaction each, so a worker killed at any instant leaves either all of an
operation or none of it:

* a **webhook delivery** (:meth:`MirrorStore.apply_delivery`): applied once per
  ``(provider, delivery id)``; the same delivery again changes nothing and
  says ``duplicate``. Each supporter row keeps the provider's timestamp of
  the observation that wrote it (``observed_at``), and an observation older
  than (or as old as) the stored one is *ignored*, never applied: a late or
  reordered delivery cannot roll a supporter back. A removal leaves a
  tombstone with its timestamp, so an older "created" arriving after it is
  refused too.
* a **reconciliation walk** (:meth:`MirrorStore.reconcile`, or
  :meth:`~MirrorStore.begin`, :meth:`~MirrorStore.stage` and
  :meth:`~MirrorStore.finish` when the walk is split into jobs): the pages
  seen are *staged* (a table apart from the mirror, with the walk's cursor,
  so a job can resume), and only :meth:`~MirrorStore.finish` changes the
  mirror, in one transaction: what was seen is upserted, and when the walk
  completed, what was not seen is marked removed. A walk's observations are
  as old as the walk's start, so a delivery received during the walk wins
  over it. An interrupted walk has written nothing to the mirror; the next
  :meth:`~MirrorStore.begin` of another run discards its staging.

Every change (added, changed, removed, and the observations ignored) goes to
the change log with the run or delivery that made it. Two implementations
share the logic below: SQLite (:mod:`paysupport.sync.sqlite_store`, the
embedded default, no server) and PostgreSQL
(:mod:`paysupport.sync.postgres_store`, for workers on many machines), chosen
by :func:`open_store` from a URL. The ``resource`` of a supporter (the
provider's own record) is not mirrored.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from paysupport.errors import InvalidRequest, PaySupportError
from paysupport.money import Money
from paysupport.supporters import Period, Supporter, SupporterStatus

__all__ = [
    "KEEP_DELIVERIES",
    "AccountStatus",
    "Applied",
    "Change",
    "MirrorError",
    "MirrorStore",
    "Mirrored",
    "Progress",
    "Pruned",
    "Reconciled",
    "Removal",
    "RunSuperseded",
    "open_store",
]

#: The schema this code reads and writes (``sync_meta``'s ``schema_version``).
SCHEMA_VERSION = 1
#: How many supporters :meth:`MirrorStore.reconcile` stages per transaction.
BATCH = 500
#: How long delivery ids are kept by default (``paysupport sync prune``, ``--watch``).
#: The references say Patreon retries a failed delivery (until it pauses the webhook) and
#: GitHub redelivers with the same id, but neither says for how long: a month is well past
#: any retry schedule and still small (a row per delivery).
KEEP_DELIVERIES = timedelta(days=30)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)

#: The Supporter fields mirrored, as columns of ``sync_supporters`` and ``sync_staged``.
DATA_COLUMNS = (
    "name",
    "email",
    "status",
    "amount_minor",
    "currency",
    "period",
    "tier",
    "tier_id",
    "since",
    "last_charge",
)
_DATA = ", ".join(DATA_COLUMNS)
_DATA_MARKS = ", ".join("?" for _ in DATA_COLUMNS)
_DATA_UPDATE = ", ".join(f"{column} = excluded.{column}" for column in DATA_COLUMNS)

Data = tuple[Any, ...]


class MirrorError(PaySupportError):
    """The mirror store cannot be used: unreachable, damaged, locked too long, or misnamed.

    ``url`` is the store's URL without its password.
    """

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        super().__init__(f"sync store {url}: {message}")


class RunSuperseded(MirrorError):
    """Another reconciliation run of the account began after this one: drop this run's job.

    Retrying does not help: the newer run owns the account's staging now, and
    this run's pages were discarded.
    """


@dataclass(frozen=True)
class Removal:
    """A delivery saying a supporter of ``account`` is gone (a deleted membership)."""

    provider: str
    account: str
    id: str


@dataclass(frozen=True)
class Change:
    """One entry of the change log.

    ``action`` is ``added``, ``changed``, ``removed`` or ``ignored`` (an
    observation older than the stored one, not applied). ``source`` is
    ``delivery`` (then ``run_id`` is the delivery id) or ``reconcile``.
    ``before`` and ``after`` are the mirrored fields (``id`` and
    :data:`DATA_COLUMNS`); ``after`` of an ignored entry is the observation
    that was refused.
    """

    seq: int
    provider: str
    account: str
    supporter_id: str
    source: str
    run_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True)
class Applied:
    """What :meth:`MirrorStore.apply_delivery` did.

    ``outcome`` is ``added``, ``changed``, ``removed``, ``unchanged`` or
    ``ignored`` (older than the stored observation). A ``duplicate`` delivery
    changed nothing now; its ``outcome`` is what its first application did,
    and ``change`` is ``None``.
    """

    provider: str
    delivery_id: str
    outcome: str
    duplicate: bool = False
    change: Change | None = None


@dataclass(frozen=True)
class Reconciled:
    """What :meth:`MirrorStore.finish` changed in the mirror for one run (counts of supporters)."""

    provider: str
    account: str
    run_id: str
    complete: bool
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    ignored: int = 0


@dataclass(frozen=True)
class Pruned:
    """What :meth:`MirrorStore.prune` deleted: delivery ids and change-log entries."""

    deliveries: int
    changes: int


@dataclass(frozen=True)
class Progress:
    """The reconciliation run in progress for an account: where its walk stands.

    ``observed_at`` is the walk's start: what it sees is as old as that.
    ``cursor`` is the last one saved with :meth:`MirrorStore.stage` (the
    provider's page cursor to resume from), ``staged`` how many supporters
    are staged so far.
    """

    provider: str
    account: str
    run_id: str
    cursor: str | None
    staged: int
    observed_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Mirrored:
    """A supporter row as stored: the supporter, whether removed, and its timestamps."""

    supporter: Supporter
    removed: bool
    observed_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AccountStatus:
    """One account's health, for ``paysupport sync status``.

    ``lag`` is how old the mirror's last complete picture of the account is
    (seconds since the start of the last complete walk), ``None`` before the
    first one. ``running`` is the run in progress, if any.
    """

    provider: str
    account: str
    supporters: int
    last_success: datetime | None
    last_run_id: str | None
    last_error: str | None
    last_error_at: datetime | None
    last_delivery: datetime | None
    lag: float | None
    running: Progress | None


@runtime_checkable
class MirrorStore(Protocol):
    """The operations every store offers; each is one transaction and safe to repeat."""

    url: str

    def apply_delivery(
        self,
        provider: str,
        delivery_id: str,
        supporter_or_removal: Supporter | Removal,
        observed_at: datetime,
    ) -> Applied:
        """Apply one webhook delivery once; ``observed_at`` is the provider's timestamp of it."""
        ...

    def begin(
        self, provider: str, account: str, run_id: str, *, observed_at: datetime | None = None
    ) -> Progress:
        """Start run ``run_id`` (discarding another run's staging), or resume it if current."""
        ...

    def stage(
        self,
        provider: str,
        account: str,
        run_id: str,
        supporters: Iterable[Supporter],
        *,
        cursor: str | None = None,
    ) -> Progress:
        """Stage one page of the walk and its cursor; the mirror is untouched."""
        ...

    def finish(self, provider: str, account: str, run_id: str, *, complete: bool) -> Reconciled:
        """Apply the run's staging to the mirror (removing the unseen when ``complete``)."""
        ...

    def reconcile(
        self,
        provider: str,
        account: str,
        run_id: str,
        supporters_seen: Iterable[Supporter],
        complete: bool,
        *,
        observed_at: datetime | None = None,
        batch: int = BATCH,
    ) -> Reconciled:
        """:meth:`begin`, :meth:`stage` in batches, :meth:`finish`: one walk in one call."""
        ...

    def progress(self, provider: str, account: str) -> Progress | None: ...

    def record_error(
        self, provider: str, account: str, error: str, *, run_id: str | None = None
    ) -> None: ...

    def supporters(self, provider: str, account: str) -> list[Supporter]: ...

    def records(self, provider: str, account: str) -> list[Mirrored]: ...

    def changes(
        self,
        provider: str | None = None,
        account: str | None = None,
        *,
        run_id: str | None = None,
        after: int = 0,
    ) -> list[Change]: ...

    def status(self) -> list[AccountStatus]: ...

    def prune(
        self,
        *,
        deliveries_before: datetime | None = None,
        changes_before: datetime | None = None,
    ) -> Pruned:
        """Forget delivery ids received, and change-log entries written, before these times."""
        ...

    def close(self) -> None: ...


def open_store(url: str, **options: Any) -> MirrorStore:
    """The store a URL names: ``sqlite:///relative.db``, ``sqlite:////abs.db``, ``postgresql://``.

    SQLite URLs follow SQLAlchemy's spelling (three slashes then the path, so
    an absolute path has four). ``options`` go to the store's constructor
    (``timeout`` for SQLite; ``pool_size`` for PostgreSQL). The PostgreSQL
    store needs the ``sync`` extra.
    """
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        from paysupport.sync.sqlite_store import SQLiteStore

        return SQLiteStore(sqlite_path(url), **options)
    if scheme.partition("+")[0] in ("postgresql", "postgres"):
        from paysupport.sync.postgres_store import PostgresStore

        return PostgresStore(url, **options)
    raise MirrorError(
        "unknown kind of store; use sqlite:///path/to/file.db or postgresql://...",
        url=redact_url(url),
    )


def sqlite_path(url: str) -> str:
    """The file a ``sqlite:///`` URL names (``sqlite:///a.db`` -> ``a.db``, four slashes: ``/``)."""
    if not url.lower().startswith("sqlite:///") or url.lower() in (
        "sqlite:///",
        "sqlite:///:memory:",
    ):
        raise MirrorError(
            "name a file: sqlite:///relative/path.db or sqlite:////absolute/path.db (an"
            " in-memory database would not outlive one call)",
            url=url,
        )
    return url[len("sqlite:///") :]


def redact_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def schema_statements(name: str) -> list[str]:
    """The statements of ``paysupport/sync/<name>`` (no ``;`` inside a statement)."""
    text = resources.files("paysupport.sync").joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


# -- conversions --------------------------------------------------------------------------


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch: an exact, comparable integer for a timezone-aware moment."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidRequest(f"a timestamp needs its timezone (got {moment.isoformat()})")
    return (moment - _EPOCH) // _MICROSECOND


def from_us(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def now_us() -> int:
    return time.time_ns() // 1000


def supporter_data(supporter: Supporter) -> Data:
    """The mirrored fields of a supporter, in :data:`DATA_COLUMNS`' order."""
    amount = supporter.amount
    return (
        supporter.name,
        supporter.email,
        SupporterStatus(supporter.status).value,
        None if amount is None else amount.minor,
        None if amount is None else amount.currency,
        None if supporter.period is None else Period(supporter.period).value,
        supporter.tier,
        supporter.tier_id,
        None if supporter.since is None else supporter.since.isoformat(),
        None if supporter.last_charge is None else supporter.last_charge.isoformat(),
    )


def data_supporter(provider: str, account: str, supporter_id: str, data: Data) -> Supporter:
    name, email, status, minor, currency, period, tier, tier_id, since, last_charge = data
    return Supporter(
        provider=provider,
        id=supporter_id,
        name=name,
        status=SupporterStatus(status),
        amount=None if minor is None else Money(int(minor), currency),
        period=None if period is None else Period(period),
        tier=tier,
        tier_id=tier_id,
        email=email,
        since=None if since is None else datetime.fromisoformat(since),
        last_charge=None if last_charge is None else datetime.fromisoformat(last_charge),
        account=account,
    )


def _record(supporter_id: str, data: Data | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {"id": supporter_id, **dict(zip(DATA_COLUMNS, data, strict=True))}


@dataclass(frozen=True)
class _FinishSql:
    """The statements :meth:`SqlStore.finish` runs, spelled for one kind of database."""

    counts: str
    log_seen: str
    write_new: str
    write_known: str
    observe_unchanged: str
    log_removed: str
    write_removed: str


@functools.cache
def _finish_sql(same: str, json_object: str) -> _FinishSql:
    """The statements applying a run's staging in the database, not in Python.

    ``s`` is a staged supporter and ``r`` its mirror row (NULL when there is
    none); ``same`` spells null-safe equality, ``json_object`` the function
    building the change log's records (the fields :func:`_record` names).
    """

    def record(alias: str) -> str:
        pairs = [f"'id', {alias}.supporter_id"] + [f"'{c}', {alias}.{c}" for c in DATA_COLUMNS]
        return f"{json_object}({', '.join(pairs)})"

    def staged(join: str) -> str:  # (provider, account, run_id)
        return (
            f" FROM sync_staged s {join} sync_supporters r ON r.provider = s.provider"
            " AND r.account = s.account AND r.supporter_id = s.supporter_id"
            " WHERE s.provider = ? AND s.account = ? AND s.run_id = ?"
        )

    joined = staged("LEFT JOIN")
    equal = " AND ".join(f"s.{c} {same} r.{c}" for c in DATA_COLUMNS)
    # the rules of finish's docstring; the parameter is the walk's start (observed_us)
    action = (
        "CASE WHEN r.observed_us >= ?"
        f" THEN CASE WHEN NOT r.removed AND {equal} THEN 'unchanged' ELSE 'ignored' END"
        " WHEN r.supporter_id IS NULL OR r.removed THEN 'added'"
        f" WHEN {equal} THEN 'unchanged' ELSE 'changed' END"
    )
    write = (
        f"INSERT INTO sync_supporters (provider, account, supporter_id, {_DATA}, removed,"
        " observed_us, updated_us) SELECT s.provider, s.account, s.supporter_id,"
        f" {', '.join(f's.{c}' for c in DATA_COLUMNS)}, FALSE, ?, ?"
    )
    log = (
        "INSERT INTO sync_changes (provider, account, supporter_id, source, run_id, action,"
        " before_json, after_json, at_us)"
    )
    # once the rows seen are written, each is observed as of the walk or later: the rows
    # still older are the unseen ones
    unseen = " WHERE provider = ? AND account = ? AND NOT removed AND observed_us < ?"
    return _FinishSql(
        # (observed, provider, account, run_id)
        counts=f"SELECT action, COUNT(*) FROM (SELECT {action} AS action{joined}) c"
        " GROUP BY action",
        # (at, observed, provider, account, run_id)
        log_seen=f"{log} SELECT provider, account, supporter_id, 'reconcile', run_id, action,"
        " before_json, after_json, ? FROM (SELECT s.provider, s.account, s.supporter_id,"
        f" s.run_id, {action} AS action, CASE WHEN r.supporter_id IS NULL OR r.removed"
        f" THEN NULL ELSE {record('r')} END AS before_json, {record('s')} AS after_json"
        f"{joined}) c WHERE action <> 'unchanged' ORDER BY supporter_id",
        # (observed, now, provider, account, run_id): the added never mirrored, a plain
        # INSERT (cheaper than an upsert; the account's writers wait for its lock)
        write_new=f"{write} FROM sync_staged s WHERE s.provider = ? AND s.account = ?"
        " AND s.run_id = ? AND NOT EXISTS (SELECT 1 FROM sync_supporters r"
        " WHERE r.provider = s.provider AND r.account = s.account"
        " AND r.supporter_id = s.supporter_id)",
        # (observed, now, provider, account, run_id, observed): the changed, and the
        # added over a tombstone
        write_known=f"{write}{staged('JOIN')}"
        f" AND r.observed_us < ? AND (r.removed OR NOT ({equal}))"
        f" ON CONFLICT (provider, account, supporter_id) DO UPDATE SET {_DATA_UPDATE},"
        " removed = excluded.removed, observed_us = excluded.observed_us,"
        " updated_us = excluded.updated_us",
        # (observed, provider, account, observed, provider, account, run_id): the unchanged
        # rows seen are now known as of the walk, so older news cannot undo them
        observe_unchanged="UPDATE sync_supporters SET observed_us = ? WHERE provider = ?"
        " AND account = ? AND observed_us < ? AND supporter_id IN (SELECT supporter_id"
        " FROM sync_staged WHERE provider = ? AND account = ? AND run_id = ?)",
        # (run_id, at, provider, account, observed), after the rows seen are written
        log_removed=f"{log} SELECT r.provider, r.account, r.supporter_id, 'reconcile', ?,"
        f" 'removed', {record('r')}, NULL, ? FROM sync_supporters r{unseen}"
        " ORDER BY supporter_id",
        # (observed, now, provider, account, observed), after log_removed
        write_removed="UPDATE sync_supporters SET removed = TRUE, observed_us = ?,"
        f" updated_us = ?{unseen}",
    )


def _batches(items: Iterable[Supporter], size: int) -> Iterator[list[Supporter]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _Duplicate(Exception):
    """Another transaction recorded this delivery first: roll back, answer ``duplicate``."""


@dataclass
class _Row:
    data: Data
    removed: bool
    observed: int


class Cursor(Protocol):
    """What the shared logic needs of a DB-API cursor (sqlite3's and psycopg's both fit)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def executemany(self, query: Any, params_seq: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


class SqlStore:
    """The operations of :class:`MirrorStore` in SQL both SQLite and PostgreSQL run.

    A subclass opens transactions (:meth:`_transaction`), serializes the
    writers of one account (:meth:`_lock_account`: SQLite's ``IMMEDIATE``
    transactions already serialize every writer) and spells placeholders
    (:meth:`_q`; the SQL here uses ``?``), null-safe equality (:attr:`_same`)
    and JSON objects (:attr:`_json_object`), and may prepare the joins of a
    run's finish (:meth:`_joining`).
    """

    url: str

    # -- what a subclass provides ---------------------------------------------------------

    #: The null-safe equality of two values (SQLite's ``IS``).
    _same = "IS"
    #: The function making a JSON object of its key and value arguments.
    _json_object = "json_object"

    def _transaction(self, *, write: bool) -> contextlib.AbstractContextManager[Cursor]:
        raise NotImplementedError

    def _lock_account(self, cur: Cursor, provider: str, account: str) -> None:
        """Hold the account's writers off until this transaction ends."""

    def _q(self, sql: str) -> str:
        return sql

    def _joining(self, cur: Cursor) -> None:
        """Prepare the transaction for statements joining an account's staging and mirror."""

    def close(self) -> None:
        """Release the store's connections (nothing for a per-call store)."""

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url!r}>"

    # -- helpers ------------------------------------------------------------------------

    def _run(self, cur: Cursor, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cur.execute(self._q(sql), tuple(params))
        return cur

    def _many(self, cur: Cursor, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run ``sql`` (an ``INSERT``) for each of ``rows``; how many rows it wrote."""
        if not rows:
            return 0
        cur.executemany(self._q(sql), [tuple(row) for row in rows])
        return cur.rowcount

    def _touch_account(self, cur: Cursor, provider: str, account: str) -> None:
        self._run(
            cur,
            "INSERT INTO sync_accounts (provider, account) VALUES (?, ?)"
            " ON CONFLICT (provider, account) DO NOTHING",
            (provider, account),
        )

    def _stored(self, cur: Cursor, provider: str, account: str, supporter_id: str) -> _Row | None:
        row = self._run(
            cur,
            f"SELECT {_DATA}, removed, observed_us FROM sync_supporters"
            " WHERE provider = ? AND account = ? AND supporter_id = ?",
            (provider, account, supporter_id),
        ).fetchone()
        return None if row is None else _Row(tuple(row[:-2]), bool(row[-2]), int(row[-1]))

    def _write_rows(
        self, cur: Cursor, provider: str, account: str, rows: Sequence[tuple[str, Data, bool, int]]
    ) -> None:
        """Upsert ``(supporter_id, data, removed, observed_us)`` rows (the caller decided)."""
        now = now_us()
        self._many(
            cur,
            f"INSERT INTO sync_supporters (provider, account, supporter_id, {_DATA}, removed,"
            f" observed_us, updated_us) VALUES (?, ?, ?, {_DATA_MARKS}, ?, ?, ?)"
            f" ON CONFLICT (provider, account, supporter_id) DO UPDATE SET {_DATA_UPDATE},"
            " removed = excluded.removed, observed_us = excluded.observed_us,"
            " updated_us = excluded.updated_us",
            [
                (provider, account, sid, *data, removed, observed, now)
                for sid, data, removed, observed in rows
            ],
        )

    def _log(
        self,
        cur: Cursor,
        provider: str,
        account: str,
        source: str,
        run_id: str,
        entries: Sequence[tuple[str, str, Data | None, Data | None]],
        *,
        returning: bool = False,
    ) -> tuple[int, int]:
        """Append ``(supporter_id, action, before, after)`` entries to the change log.

        Returns the entry's ``seq`` (with ``returning``, for one entry; else 0)
        and the time written (microseconds).
        """
        now = now_us()
        sql = (
            "INSERT INTO sync_changes (provider, account, supporter_id, source, run_id, action,"
            " before_json, after_json, at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        rows = [
            (
                provider,
                account,
                sid,
                source,
                run_id,
                action,
                None if before is None else json.dumps(_record(sid, before)),
                None if after is None else json.dumps(_record(sid, after)),
                now,
            )
            for sid, action, before, after in entries
        ]
        if returning:
            return int(self._run(cur, sql + " RETURNING seq", rows[0]).fetchone()[0]), now
        self._many(cur, sql, rows)
        return 0, now

    @staticmethod
    def _check(provider: str, supporter: Supporter | Removal) -> tuple[str, str]:
        """The account and id of a delivery's subject, which must be of ``provider``."""
        if supporter.provider != provider:
            raise InvalidRequest(
                f"a delivery of {provider} about a supporter of {supporter.provider}"
            )
        if not supporter.account:
            raise InvalidRequest(f"supporter {supporter.id} of {provider} names no account")
        return supporter.account, supporter.id

    # -- deliveries ---------------------------------------------------------------------

    def apply_delivery(
        self,
        provider: str,
        delivery_id: str,
        supporter_or_removal: Supporter | Removal,
        observed_at: datetime,
    ) -> Applied:
        """Apply one webhook delivery, once; see the module's docstring for the rules.

        ``supporter_or_removal`` is the supporter as the delivery states it (a
        :class:`~paysupport.supporters.Supporter` with its ``account``), or a
        :class:`Removal`. ``observed_at`` is the provider's timestamp of that
        state (the event's time, or the member's last update).
        """
        account, supporter_id = self._check(provider, supporter_or_removal)
        observed = to_us(observed_at)
        try:
            with self._transaction(write=True) as cur:
                self._lock_account(cur, provider, account)
                first = self._run(
                    cur,
                    "SELECT outcome FROM sync_deliveries WHERE provider = ? AND delivery_id = ?",
                    (provider, delivery_id),
                ).fetchone()
                if first is not None:
                    return Applied(provider, delivery_id, str(first[0]), duplicate=True)
                outcome, change = self._apply(
                    cur,
                    provider,
                    account,
                    supporter_id,
                    supporter_or_removal,
                    observed,
                    delivery_id,
                )
                self._run(
                    cur,
                    "INSERT INTO sync_deliveries (provider, delivery_id, account, supporter_id,"
                    " outcome, observed_us, received_us) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (provider, delivery_id) DO NOTHING",
                    (provider, delivery_id, account, supporter_id, outcome, observed, now_us()),
                )
                if cur.rowcount == 0:
                    raise _Duplicate
                self._touch_account(cur, provider, account)
                self._run(
                    cur,
                    "UPDATE sync_accounts SET last_delivery_us = ?"
                    " WHERE provider = ? AND account = ?",
                    (now_us(), provider, account),
                )
        except _Duplicate:
            return self.apply_delivery(provider, delivery_id, supporter_or_removal, observed_at)
        return Applied(provider, delivery_id, outcome, change=change)

    def _apply(
        self,
        cur: Cursor,
        provider: str,
        account: str,
        supporter_id: str,
        item: Supporter | Removal,
        observed: int,
        delivery_id: str,
    ) -> tuple[str, Change | None]:
        stored = self._stored(cur, provider, account, supporter_id)
        removal = isinstance(item, Removal)
        data = None if isinstance(item, Removal) else supporter_data(item)
        before = None if stored is None or stored.removed else stored.data
        if stored is not None and observed <= stored.observed:
            if (stored.removed and removal) or (not removal and before == data):
                return "unchanged", None  # the same news again, under another delivery id
            action, after = "ignored", data
        elif removal:
            action, after = ("removed" if before is not None else "unchanged"), None
            tombstone = stored.data if stored is not None else (None, None, "past") + (None,) * 7
            self._write_rows(cur, provider, account, [(supporter_id, tombstone, True, observed)])
        else:
            assert data is not None
            action = "added" if before is None else ("changed" if before != data else "unchanged")
            after = data
            self._write_rows(cur, provider, account, [(supporter_id, data, False, observed)])
        if action == "unchanged":
            return action, None
        entry = (supporter_id, action, before, after)
        seq, at = self._log(
            cur, provider, account, "delivery", delivery_id, [entry], returning=True
        )
        change = Change(
            seq,
            provider,
            account,
            supporter_id,
            "delivery",
            delivery_id,
            action,
            _record(supporter_id, before),
            _record(supporter_id, after),
            from_us(at),
        )
        return action, change

    # -- reconciliation -----------------------------------------------------------------

    def _run_row(self, cur: Cursor, provider: str, account: str) -> Progress | None:
        row = self._run(
            cur,
            "SELECT run_id, cursor, staged, observed_us, updated_us FROM sync_runs"
            " WHERE provider = ? AND account = ?",
            (provider, account),
        ).fetchone()
        if row is None:
            return None
        run_id, cursor, staged, observed, updated = row
        return Progress(
            provider, account, run_id, cursor, int(staged), from_us(observed), from_us(updated)
        )

    def _current(self, cur: Cursor, provider: str, account: str, run_id: str) -> Progress:
        progress = self._run_row(cur, provider, account)
        if progress is None or progress.run_id != run_id:
            newer = "none" if progress is None else repr(progress.run_id)
            raise RunSuperseded(
                f"run {run_id!r} of {provider} account {account!r} is not the current one"
                f" (current: {newer}); a newer run took over or this one finished",
                url=self.url,
            )
        return progress

    def begin(
        self, provider: str, account: str, run_id: str, *, observed_at: datetime | None = None
    ) -> Progress:
        """Start reconciliation run ``run_id`` of an account, or resume it when it is current.

        ``observed_at`` is when the walk starts (default: now): everything it
        sees is taken as that old. A different run in progress is superseded
        (its staging discarded; its :meth:`stage` and :meth:`finish` raise
        :class:`RunSuperseded`). Resuming returns the saved cursor.
        """
        observed = now_us() if observed_at is None else to_us(observed_at)
        with self._transaction(write=True) as cur:
            self._lock_account(cur, provider, account)
            progress = self._run_row(cur, provider, account)
            if progress is not None and progress.run_id == run_id:
                return progress
            self._run(
                cur,
                "DELETE FROM sync_staged WHERE provider = ? AND account = ?",
                (provider, account),
            )
            now = now_us()
            self._run(
                cur,
                "INSERT INTO sync_runs (provider, account, run_id, cursor, staged, observed_us,"
                " updated_us) VALUES (?, ?, ?, NULL, 0, ?, ?) ON CONFLICT (provider, account)"
                " DO UPDATE SET run_id = excluded.run_id, cursor = NULL, staged = 0,"
                " observed_us = excluded.observed_us, updated_us = excluded.updated_us",
                (provider, account, run_id, observed, now),
            )
            self._touch_account(cur, provider, account)
        return Progress(provider, account, run_id, None, 0, from_us(observed), from_us(now))

    def stage(
        self,
        provider: str,
        account: str,
        run_id: str,
        supporters: Iterable[Supporter],
        *,
        cursor: str | None = None,
    ) -> Progress:
        """Stage one page of run ``run_id``'s walk, with the cursor to resume after it.

        The page and the cursor are saved together, so a job killed after this
        resumes at ``cursor`` and one killed before stages the page again (a
        supporter staged twice keeps its last version). Raises
        :class:`RunSuperseded` when the run is not current.
        """
        rows: dict[str, tuple[Any, ...]] = {}  # a supporter given twice: its last version
        for supporter in supporters:
            if supporter.provider != provider or (supporter.account or account) != account:
                raise InvalidRequest(
                    f"run {run_id!r} of {provider} account {account!r} was given supporter"
                    f" {supporter.id} of {supporter.provider} account {supporter.account!r}"
                )
            rows[supporter.id] = (
                provider,
                account,
                run_id,
                supporter.id,
                *supporter_data(supporter),
            )
        with self._transaction(write=True) as cur:
            self._lock_account(cur, provider, account)
            progress = self._current(cur, provider, account, run_id)
            insert = (
                f"INSERT INTO sync_staged (provider, account, run_id, supporter_id, {_DATA})"
                f" VALUES (?, ?, ?, ?, {_DATA_MARKS}) ON CONFLICT (provider, account, run_id,"
                " supporter_id) DO "
            )
            # the run's count goes up by the supporters new to its staging; a page staged
            # again (its job killed after the commit) is rewritten with its last version
            new = self._many(cur, insert + "NOTHING", list(rows.values()))
            if new < len(rows):
                self._many(cur, insert + f"UPDATE SET {_DATA_UPDATE}", list(rows.values()))
            staged = progress.staged + new
            now = now_us()
            self._run(
                cur,
                "UPDATE sync_runs SET cursor = ?, staged = ?, updated_us = ?"
                " WHERE provider = ? AND account = ?",
                (cursor, staged, now, provider, account),
            )
        return Progress(
            provider, account, run_id, cursor, int(staged), progress.observed_at, from_us(now)
        )

    def finish(self, provider: str, account: str, run_id: str, *, complete: bool) -> Reconciled:
        """Apply run ``run_id``'s staging to the mirror in one transaction, and end the run.

        Staged supporters are added or changed unless the mirror holds a newer
        observation (a delivery since the walk began: ``ignored``). When the
        walk was ``complete``, supporters it did not see, observed before it
        began, are marked removed; an incomplete walk removes nothing. A
        complete run is the account's last success. Raises
        :class:`RunSuperseded` when the run is not current (finished already,
        or superseded), having changed nothing.
        """
        with self._transaction(write=True) as cur:
            self._lock_account(cur, provider, account)
            progress = self._current(cur, provider, account, run_id)
            observed = to_us(progress.observed_at)
            counts = self._apply_staging(
                cur, provider, account, run_id, observed, complete=complete
            )
            self._run(
                cur,
                "DELETE FROM sync_staged WHERE provider = ? AND account = ?",
                (provider, account),
            )
            self._run(
                cur, "DELETE FROM sync_runs WHERE provider = ? AND account = ?", (provider, account)
            )
            self._touch_account(cur, provider, account)
            if complete:
                self._run(
                    cur,
                    "UPDATE sync_accounts SET last_success_us = ?, last_observed_us = ?,"
                    " last_run_id = ? WHERE provider = ? AND account = ?",
                    (now_us(), observed, run_id, provider, account),
                )
            else:
                self._run(
                    cur,
                    "UPDATE sync_accounts SET last_run_id = ? WHERE provider = ? AND account = ?",
                    (run_id, provider, account),
                )
        return Reconciled(provider, account, run_id, complete, **counts)

    def _apply_staging(
        self,
        cur: Cursor,
        provider: str,
        account: str,
        run_id: str,
        observed: int,
        *,
        complete: bool,
    ) -> dict[str, int]:
        """Apply the staging to the mirror and the change log; the count of each action.

        The database decides and writes every row (:func:`_finish_sql`): a
        thousand supporters are a few statements, not a thousand rows read into
        Python and written back.
        """
        sql = _finish_sql(self._same, self._json_object)
        self._joining(cur)
        run = (provider, account, run_id)
        counts = dict.fromkeys(("added", "changed", "removed", "unchanged", "ignored"), 0)
        for action, count in self._run(cur, sql.counts, (observed, *run)).fetchall():
            counts[action] = int(count)
        now = now_us()
        # a statement with nothing to do still joins the account's rows: skip it
        if counts["added"] or counts["changed"] or counts["ignored"]:
            self._run(cur, sql.log_seen, (now, observed, *run))
        new = (
            self._run(cur, sql.write_new, (observed, now, *run)).rowcount if counts["added"] else 0
        )
        if counts["changed"] or counts["added"] > new:  # changed, or added over a tombstone
            self._run(cur, sql.write_known, (observed, now, *run, observed))
        if counts["unchanged"]:
            self._run(cur, sql.observe_unchanged, (observed, provider, account, observed, *run))
        if complete:
            unseen = (provider, account, observed)
            self._run(cur, sql.log_removed, (run_id, now, *unseen))
            counts["removed"] = self._run(cur, sql.write_removed, (observed, now, *unseen)).rowcount
        return counts

    def reconcile(
        self,
        provider: str,
        account: str,
        run_id: str,
        supporters_seen: Iterable[Supporter],
        complete: bool,
        *,
        observed_at: datetime | None = None,
        batch: int = BATCH,
    ) -> Reconciled:
        """Converge an account's mirror to one walk: :meth:`begin`, :meth:`stage`, :meth:`finish`.

        ``supporters_seen`` may be a lazy walk: it is staged ``batch`` at a
        time in short transactions, so the store is not locked while the
        provider is read. If the walk raises, the exception goes through and
        the mirror is untouched (the staging is discarded by the next run).
        ``complete`` says the walk saw every supporter (so the unseen are
        removed); pass ``False`` for a partial walk.
        """
        self.begin(provider, account, run_id, observed_at=observed_at)
        for page in _batches(supporters_seen, batch):
            self.stage(provider, account, run_id, page)
        return self.finish(provider, account, run_id, complete=complete)

    def progress(self, provider: str, account: str) -> Progress | None:
        """The account's run in progress (to resume from its cursor), or ``None``."""
        with self._transaction(write=False) as cur:
            return self._run_row(cur, provider, account)

    def record_error(
        self, provider: str, account: str, error: str, *, run_id: str | None = None
    ) -> None:
        """Record a failed walk or job of the account, for :meth:`status`."""
        with self._transaction(write=True) as cur:
            self._lock_account(cur, provider, account)
            self._touch_account(cur, provider, account)
            self._run(
                cur,
                "UPDATE sync_accounts SET last_error = ?, last_error_us = ?,"
                " last_run_id = COALESCE(?, last_run_id) WHERE provider = ? AND account = ?",
                (error, now_us(), run_id, provider, account),
            )

    # -- reading ------------------------------------------------------------------------

    def records(self, provider: str, account: str) -> list[Mirrored]:
        """Every supporter row of the account, removed ones included, by supporter id."""
        with self._transaction(write=False) as cur:
            rows = self._run(
                cur,
                f"SELECT supporter_id, {_DATA}, removed, observed_us, updated_us"
                " FROM sync_supporters WHERE provider = ? AND account = ? ORDER BY supporter_id",
                (provider, account),
            ).fetchall()
        return [
            Mirrored(
                data_supporter(provider, account, row[0], tuple(row[1:-3])),
                bool(row[-3]),
                from_us(row[-2]),
                from_us(row[-1]),
            )
            for row in rows
        ]

    def supporters(self, provider: str, account: str) -> list[Supporter]:
        """The account's supporters as mirrored now (removed ones left out), by id."""
        return [row.supporter for row in self.records(provider, account) if not row.removed]

    def changes(
        self,
        provider: str | None = None,
        account: str | None = None,
        *,
        run_id: str | None = None,
        after: int = 0,
    ) -> list[Change]:
        """The change log, oldest first, filtered; ``after`` is the last ``seq`` already read."""
        query = (
            "SELECT seq, provider, account, supporter_id, source, run_id, action, before_json,"
            " after_json, at_us FROM sync_changes WHERE seq > ?"
        )
        params: list[Any] = [after]
        for column, value in (("provider", provider), ("account", account), ("run_id", run_id)):
            if value is not None:
                query += f" AND {column} = ?"
                params.append(value)
        with self._transaction(write=False) as cur:
            rows = self._run(cur, query + " ORDER BY seq", params).fetchall()
        return [
            Change(
                int(seq),
                prov,
                acct,
                sid,
                source,
                run,
                action,
                None if before is None else json.loads(before),
                None if after_ is None else json.loads(after_),
                from_us(at),
            )
            for seq, prov, acct, sid, source, run, action, before, after_, at in rows
        ]

    def status(self) -> list[AccountStatus]:
        """Every account the store knows, by provider and account."""
        with self._transaction(write=False) as cur:
            accounts = self._run(
                cur,
                "SELECT a.provider, a.account, a.last_success_us, a.last_observed_us,"
                " a.last_run_id, a.last_error, a.last_error_us, a.last_delivery_us,"
                " (SELECT COUNT(*) FROM sync_supporters s WHERE s.provider = a.provider"
                " AND s.account = a.account AND s.removed = ?)"
                " FROM sync_accounts a ORDER BY a.provider, a.account",
                (False,),
            ).fetchall()
            running = {
                (provider, account): Progress(
                    provider,
                    account,
                    run_id,
                    cursor,
                    int(staged),
                    from_us(observed),
                    from_us(updated),
                )
                for provider, account, run_id, cursor, staged, observed, updated in self._run(
                    cur,
                    "SELECT provider, account, run_id, cursor, staged, observed_us, updated_us"
                    " FROM sync_runs",
                ).fetchall()
            }
        now = now_us()
        return [
            AccountStatus(
                provider=provider,
                account=account,
                supporters=int(count),
                last_success=None if success is None else from_us(success),
                last_run_id=run_id,
                last_error=error,
                last_error_at=None if error_at is None else from_us(error_at),
                last_delivery=None if delivery is None else from_us(delivery),
                lag=None if observed is None else (now - observed) / 1e6,
                running=running.get((provider, account)),
            )
            for (
                provider,
                account,
                success,
                observed,
                run_id,
                error,
                error_at,
                delivery,
                count,
            ) in accounts
        ]

    def prune(
        self,
        *,
        deliveries_before: datetime | None = None,
        changes_before: datetime | None = None,
    ) -> Pruned:
        """Forget delivery ids received, and change-log entries written, before these times.

        The delivery ids are what makes a repeated delivery a no-op, and they
        are only needed while a provider may still send one again (its retries
        last hours, a redelivery by hand days): keep them for
        :data:`KEEP_DELIVERIES`. A delivery that comes back after its id was
        forgotten is applied again, and changes nothing the mirror holds newer:
        a supporter is never rolled back to an older observation, and the
        providers that re-read the supporter read today's state. The change log
        is the operator's record: it is kept until asked (``changes_before``).
        Mirror rows and tombstones are never pruned. Each table is one
        ``DELETE`` in its own transaction, so a large prune blocks no sync long.
        """
        deleted = {"deliveries": 0, "changes": 0}
        for table, column, before in (
            ("sync_deliveries", "received_us", deliveries_before),
            ("sync_changes", "at_us", changes_before),
        ):
            if before is None:
                continue
            with self._transaction(write=True) as cur:
                deleted[table.removeprefix("sync_")] = self._run(
                    cur, f"DELETE FROM {table} WHERE {column} < ?", (to_us(before),)
                ).rowcount
        return Pruned(**deleted)

    # -- schema -------------------------------------------------------------------------

    def _create_schema(self, cur: Cursor, schema: str) -> None:
        """Create the tables if missing; refuse a store written by a newer schema."""
        for statement in schema_statements(schema):
            cur.execute(statement)
        row = self._run(
            cur, "SELECT value FROM sync_meta WHERE key = ?", ("schema_version",)
        ).fetchone()
        if row is None:
            self._run(
                cur,
                "INSERT INTO sync_meta (key, value) VALUES (?, ?)",
                ("schema_version", str(SCHEMA_VERSION)),
            )
        elif int(row[0]) > SCHEMA_VERSION:
            raise MirrorError(
                f"written by a newer paysupport (schema {row[0]}, this one reads"
                f" {SCHEMA_VERSION}); upgrade paysupport",
                url=self.url,
            )
