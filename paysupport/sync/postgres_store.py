"""The mirror store in PostgreSQL: for workers on many machines sharing one mirror.

Each call borrows a connection from a pool (psycopg 3's ``ConnectionPool``:
a store is shared by a worker's threads) and runs one ``READ COMMITTED``
transaction. The writers of one account are serialized by a transaction-level
advisory lock on the account (``pg_advisory_xact_lock``), taken before
anything is read: a delivery and a reconciliation of the same account, on two
machines, cannot interleave, while other accounts proceed in parallel. The
lock is released at commit or rollback, so a worker killed mid-transaction
holds nothing (its connection closes, PostgreSQL rolls the transaction back).
Uniqueness is the database's too: a delivery id is a primary key, inserted
with ``ON CONFLICT DO NOTHING``.

Needs the ``sync`` extra (psycopg and psycopg-pool).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from paysupport._extras import needs_extra
from paysupport.sync.store import MirrorError, SqlStore, redact_url

with needs_extra("sync", "paysupport.sync's PostgreSQL store"):
    import psycopg
    import psycopg_pool

__all__ = ["PostgresStore"]

#: The advisory lock key taken while the schema is created (two workers starting at once).
_SCHEMA_LOCK = 0x70617973796E63  # "paysync"


#: Rows per multi-row ``INSERT`` (a row of the mirror has 16 parameters; PostgreSQL takes 65535).
ROWS_PER_STATEMENT = 500


@lru_cache(maxsize=64)
def _placeholders(sql: str) -> str:
    return sql.replace("?", "%s")


@lru_cache(maxsize=256)
def _multirow(sql: str, rows: int) -> str:
    """``INSERT ... VALUES (?, ...) rest`` for ``rows`` rows, with ``$n`` placeholders."""
    start = sql.index(" VALUES (") + len(" VALUES ")
    end = sql.index(")", start) + 1
    width = sql[start:end].count("?")
    groups = (
        "(" + ", ".join(f"${n * width + i + 1}" for i in range(width)) + ")" for n in range(rows)
    )
    return sql[:start] + ", ".join(groups) + sql[end:]


def account_lock_key(provider: str, account: str) -> int:
    """The advisory lock key of an account: a signed 64-bit hash of provider and account."""
    digest = hashlib.blake2b(f"{provider}\0{account}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresStore(SqlStore):
    """The mirror in the PostgreSQL database ``url`` names (``postgresql://user:pw@host/db``).

    ``pool_size`` is the most connections this store holds (one per thread
    using it at once); ``timeout`` how long a call waits for one (seconds).
    The tables are created when missing. Call :meth:`close` (or use ``with``)
    to release the connections.
    """

    def __init__(self, url: str, *, pool_size: int = 8, timeout: float = 30.0) -> None:
        scheme, _, rest = url.partition("://")
        conninfo = f"postgresql://{rest}" if scheme.partition("+")[2] else url
        self.url = redact_url(url)
        with self._guard():
            connection = psycopg.connect(conninfo, connect_timeout=max(1, int(timeout)))
            with connection as conn, conn.transaction(), conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                self._create_schema(cur, "schema.postgresql.sql")
            self._pool = psycopg_pool.ConnectionPool(
                conninfo, min_size=1, max_size=pool_size, timeout=timeout, open=True
            )

    def close(self) -> None:
        """Close the pool's connections; the store cannot be used afterwards."""
        self._pool.close()

    _same = "IS NOT DISTINCT FROM"
    _json_object = "json_build_object"

    def _q(self, sql: str) -> str:
        return _placeholders(sql)

    def _many(self, cur: Any, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """One multi-row ``INSERT`` per :data:`ROWS_PER_STATEMENT` rows, not one per row.

        A staged page is fifty rows or more; one statement per row (psycopg's
        pipelined ``executemany``) costs the worker and the server far more CPU
        than the rows themselves, CPU that a busy machine takes from the next
        requests. The rows of one call must not repeat a conflict key
        (PostgreSQL refuses to update a row twice in one statement): the callers
        pass one row per supporter. Returns the rows written.
        """
        written = 0
        # $n placeholders, in the same transaction: psycopg does not parse a long query
        with psycopg.RawCursor(cur.connection) as raw:
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                chunk = rows[start : start + ROWS_PER_STATEMENT]
                raw.execute(_multirow(sql, len(chunk)), [value for row in chunk for value in row])
                written += raw.rowcount
        return written

    def _joining(self, cur: Any) -> None:
        """Join staging and mirror rows by hashing or merging, never in nested loops.

        Tables filled since their last ``ANALYZE`` (every new mirror, and the
        staging always) have no statistics: the planner then expects one row
        per account and joins a run's thousand staged rows to the account's
        mirror rows in a nested loop that reads all of them again for each,
        seconds instead of a millisecond. A finish joins whole accounts, for
        which a hash or merge join is the right plan whatever the statistics.
        """
        cur.execute("SET LOCAL enable_nestloop = off")

    def _lock_account(self, cur: Any, provider: str, account: str) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (account_lock_key(provider, account),))

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn psycopg's connection and server errors into a MirrorError saying what to do."""
        try:
            yield
        except psycopg_pool.PoolTimeout as exc:
            raise MirrorError(
                f"no connection free or reachable ({exc}); is PostgreSQL up, and is the pool"
                " large enough for this many threads?",
                url=self.url,
            ) from None
        except psycopg.OperationalError as exc:
            raise MirrorError(f"cannot be reached ({exc})", url=self.url) from None
        except psycopg.Error as exc:
            raise MirrorError(f"failed ({type(exc).__name__}: {exc})", url=self.url) from None

    @contextlib.contextmanager
    def _transaction(self, *, write: bool) -> Iterator[psycopg.Cursor[Any]]:
        with (
            self._guard(),
            self._pool.connection() as conn,
            conn.transaction(),
            conn.cursor() as cur,
        ):
            yield cur
