"""Tokens in PostgreSQL, with a refresh lock every worker of every machine shares.

Sync workers on many machines act for the same accounts. Patreon's refresh
tokens rotate (the used one dies), so two workers refreshing one account's
token at once would leave one of them holding a dead token and the account
logged out. :class:`PostgresTokenStore` keeps the tokens as rows and makes
:meth:`~PostgresTokenStore.refresh_lock` a session-level advisory lock
(``pg_advisory_lock``) on a key derived from (provider, account): the second
worker waits, re-reads the row and uses the token the first one obtained
(:meth:`paysupport.auth.oauth2.OAuth2Auth.refresh`), so each refresh token is
spent once cluster-wide. A worker killed while holding the lock loses its
connection, and PostgreSQL releases the lock with it.

Chosen by a ``token_store`` spec that is a PostgreSQL URL
(``postgresql://user:pw@host/db``, :func:`paysupport.tokens.open_store`).
Needs the ``sync`` extra (psycopg and psycopg-pool).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator

from paysupport._extras import needs_extra
from paysupport.errors import TokenStoreError
from paysupport.sync.store import redact_url
from paysupport.tokens import LOCK_TIMEOUT, Token

with needs_extra("sync", "paysupport's PostgreSQL token store"):
    import psycopg
    import psycopg_pool

__all__ = ["PostgresTokenStore", "refresh_lock_key"]

#: How often a waiting refresh lock asks again (seconds).
_POLL = 0.05


def refresh_lock_key(provider: str, account: str) -> int:
    """The advisory lock of an account's refresh: a signed 64-bit hash (not the mirror's key)."""
    digest = hashlib.blake2b(f"token\0{provider}\0{account}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresTokenStore:
    """Tokens as rows of ``paysupport_tokens`` in the database ``url`` names.

    Satisfies :class:`paysupport.tokens.TokenStore`. ``pool_size`` bounds the
    connections used for reads and writes; each refresh lock held takes one
    more connection of its own for as long as it is held (at most one refresh
    per account and thread). ``lock_timeout`` bounds the wait for a lock
    another worker holds, ending in :class:`~paysupport.errors.TokenStoreError`.
    """

    def __init__(self, url: str, *, pool_size: int = 4, lock_timeout: float = LOCK_TIMEOUT) -> None:
        scheme, _, rest = url.partition("://")
        self._conninfo = f"postgresql://{rest}" if scheme.partition("+")[2] else url
        self.url = redact_url(url)
        self.lock_timeout = lock_timeout
        self._held = threading.local()
        with self._guard(), psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS paysupport_tokens ("
                " provider TEXT NOT NULL, account TEXT NOT NULL, data TEXT NOT NULL,"
                " updated DOUBLE PRECISION NOT NULL, PRIMARY KEY (provider, account))"
            )
        self._pool = psycopg_pool.ConnectionPool(
            self._conninfo, min_size=1, max_size=pool_size, open=True, kwargs={"autocommit": True}
        )

    @contextlib.contextmanager
    def _guard(self, key: str | None = None) -> Iterator[None]:
        try:
            yield
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise TokenStoreError(
                f"the database cannot be used ({type(exc).__name__}: {exc}); is PostgreSQL up?",
                store=self.url,
                key=key,
            ) from None

    def load(self, provider: str, account: str) -> Token | None:
        key = f"{provider}:{account}"
        with self._guard(key), self._pool.connection() as conn:
            row = conn.execute(
                "SELECT data FROM paysupport_tokens WHERE provider = %s AND account = %s",
                (provider, account),
            ).fetchone()
        if row is None:
            return None
        try:
            return Token.from_dict(json.loads(row[0]))
        except ValueError as exc:
            raise TokenStoreError(
                f"{exc}; log in again, or delete the entry", store=self.url, key=key
            ) from None

    def save(self, provider: str, account: str, token: Token) -> None:
        with self._guard(f"{provider}:{account}"), self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO paysupport_tokens (provider, account, data, updated)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (provider, account)"
                " DO UPDATE SET data = excluded.data, updated = excluded.updated",
                (provider, account, json.dumps(token.to_dict()), time.time()),
            )

    def delete(self, provider: str, account: str) -> None:
        with self._guard(f"{provider}:{account}"), self._pool.connection() as conn:
            conn.execute(
                "DELETE FROM paysupport_tokens WHERE provider = %s AND account = %s",
                (provider, account),
            )

    def accounts(self, provider: str) -> list[str]:
        with self._guard(), self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT account FROM paysupport_tokens WHERE provider = %s ORDER BY account",
                (provider,),
            ).fetchall()
        return [str(row[0]) for row in rows]

    @contextlib.contextmanager
    def refresh_lock(self, provider: str, account: str) -> Iterator[None]:
        """Hold the account's cluster-wide refresh lock (re-entrant within a thread).

        The lock lives in a connection of its own, so it is held exactly as
        long as the block runs, and released by PostgreSQL if this process dies.
        """
        lock = refresh_lock_key(provider, account)
        held: dict[int, int] = self._held.__dict__.setdefault("depth", {})
        if held.get(lock):
            held[lock] += 1
            try:
                yield
            finally:
                held[lock] -= 1
            return
        key = f"{provider}:{account}"
        with self._guard(key):
            conn = psycopg.connect(self._conninfo, autocommit=True)
        try:
            deadline = time.monotonic() + self.lock_timeout
            with self._guard(key):
                while not conn.execute("SELECT pg_try_advisory_lock(%s)", (lock,)).fetchone()[0]:  # type: ignore[index]
                    if time.monotonic() >= deadline:
                        raise TokenStoreError(
                            f"another worker has held the refresh lock for more than"
                            f" {self.lock_timeout:g} s",
                            store=self.url,
                            key=key,
                        )
                    time.sleep(_POLL)
            held[lock] = 1
            try:
                yield
            finally:
                held.pop(lock, None)
                with contextlib.suppress(psycopg.Error):
                    conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))
        finally:
            conn.close()

    def close(self) -> None:
        """Close the pool's connections."""
        self._pool.close()

    def __repr__(self) -> str:
        return f"<PostgresTokenStore {self.url!r}>"
