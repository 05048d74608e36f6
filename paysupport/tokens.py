"""Tokens and where they are kept.

A store is keyed by (provider, account). Stores also hand out a *refresh
lock* for a key: OAuth refresh tokens rotate, so two processes refreshing
with the same refresh token would leave one of them holding a dead token. The
lock lets the second process wait, re-read the store and use the token the
first one obtained. File and SQLite stores use a cross-process file lock.

Stores keep secrets of one local user: their directories are 0700, their files
and lock files 0600 (see :mod:`paysupport._files`), and a lock that another
process holds for longer than ``lock_timeout`` ends in a
:class:`~paysupport.errors.TokenStoreError` instead of blocking forever. A
store that cannot be read or written, or an entry that is damaged, raises the
same error, naming the store and the entry but never a token.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import platformdirs

from paysupport._files import FILE_MODE, private_dir, tighten_file, write_private
from paysupport.errors import ConfigError, TokenStoreError

if TYPE_CHECKING:  # imported where used, so that importing paysupport stays quick
    import sqlite3

    import filelock

APP_NAME = "paysupport"

#: Seconds a store waits for a lock held by another process before giving up.
#: A refresh holds its lock for one token request (30 s read timeout at most).
LOCK_TIMEOUT = 60.0

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class Token:
    """An access token with what is needed to refresh it.

    ``expires_at`` is a Unix time, ``None`` when the provider does not say.
    ``extra`` keeps provider-specific fields (Ipernity's permissions and user,
    Patreon's ``version``) so nothing the provider sent is lost. The repr never
    shows a secret.
    """

    access_token: str
    refresh_token: str | None = None
    token_type: str = "Bearer"
    expires_at: float | None = None
    scope: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def expired(self, *, leeway: float = 60.0, now: float | None = None) -> bool:
        """True when the token expires within ``leeway`` seconds (or already has)."""
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) + leeway >= self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_at": self.expires_at,
            "scope": list(self.scope),
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        """Read a stored entry (the shape :meth:`to_dict` writes).

        Raises :class:`ValueError` saying which field is wrong, never showing a
        value (it may be a secret); stores turn it into a
        :class:`~paysupport.errors.TokenStoreError` naming the store and the key.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"the entry is a JSON {_json_kind(data)}, not an object")
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ValueError("the entry has no access_token")
        for name in ("refresh_token", "token_type"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise ValueError(f"{name} must be a string, not a JSON {_json_kind(data[name])}")
        expires_at = data.get("expires_at")
        if expires_at is not None and (
            isinstance(expires_at, bool) or not isinstance(expires_at, (int, float))
        ):
            raise ValueError(
                f"expires_at must be a number (Unix time), not a JSON {_json_kind(expires_at)}"
            )
        scope = data.get("scope") or ()
        if not isinstance(scope, (list, tuple)) or not all(isinstance(s, str) for s in scope):
            raise ValueError("scope must be a list of strings")
        extra = data.get("extra") or {}
        if not isinstance(extra, Mapping):
            raise ValueError(f"extra must be an object, not a JSON {_json_kind(extra)}")
        return cls(
            access_token=access,
            refresh_token=data.get("refresh_token"),
            token_type=data.get("token_type") or "Bearer",
            expires_at=None if expires_at is None else float(expires_at),
            scope=tuple(scope),
            extra=dict(extra),
        )

    @classmethod
    def from_oauth_response(cls, data: Mapping[str, Any], *, now: float | None = None) -> Token:
        """Build a token from an OAuth 2 token-endpoint answer (RFC 6749 section 5.1)."""
        known = {"access_token", "refresh_token", "token_type", "expires_in", "scope"}
        expires_in = data.get("expires_in")
        expires_at = None
        if expires_in not in (None, ""):
            expires_at = (time.time() if now is None else now) + float(expires_in)
        scope = data.get("scope") or ()
        if isinstance(scope, str):
            scope = tuple(scope.replace(",", " ").split())
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            token_type=str(data.get("token_type") or "Bearer"),
            expires_at=expires_at,
            scope=tuple(scope),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def succeeding(self, previous: Token | None) -> Token:
        """This token as the successor of ``previous`` after a refresh.

        Providers that do not rotate omit the refresh token: the old one is kept.
        The ``seed`` marker of a token that came from settings is carried over, so
        the same setting is not mistaken for a new token on the next run.
        """
        if previous is None:
            return self
        token = self if self.refresh_token else replace(self, refresh_token=previous.refresh_token)
        if "seed" in previous.extra and "seed" not in token.extra:
            token = replace(token, extra={**token.extra, "seed": previous.extra["seed"]})
        return token

    @staticmethod
    def seed_marker(access_token: str) -> str:
        """A fingerprint of a token given in settings (never the token itself)."""
        return hashlib.sha256(access_token.encode("utf-8")).hexdigest()[:16]

    def __repr__(self) -> str:
        expiry = (
            "never"
            if self.expires_at is None
            else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.expires_at))
        )
        return (
            f"Token(type={self.token_type!r}, scope={self.scope!r}, expires={expiry}, "
            f"refreshable={self.refresh_token is not None})"
        )


def _json_kind(value: object) -> str:
    """The JSON name of a value's type, for messages that must not show the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object" if isinstance(value, Mapping) else type(value).__name__


def _entry(store: str, key: str, data: Any) -> Token:
    """A stored entry as a token, or a :class:`TokenStoreError` naming store and key."""
    try:
        return Token.from_dict(data)
    except ValueError as exc:
        raise TokenStoreError(
            f"{exc}; log in again, or delete the entry (paysupport logout)", store=store, key=key
        ) from None


def _os_error(store: str, doing: str, exc: OSError, key: str | None = None) -> TokenStoreError:
    """An :class:`OSError` of a store as the library's error, with what to do about it."""
    reason = exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != store else ""
    return TokenStoreError(
        f"cannot {doing}: {reason}{where}; make room on the disk or fix the permissions, "
        "or choose another store (--token-store, PAYSUPPORT_TOKEN_STORE)",
        store=store,
        key=key,
    )


@runtime_checkable
class TokenStore(Protocol):
    """Where tokens live between runs, keyed by (provider, account)."""

    def load(self, provider: str, account: str) -> Token | None: ...

    def save(self, provider: str, account: str, token: Token) -> None: ...

    def delete(self, provider: str, account: str) -> None: ...

    def accounts(self, provider: str) -> list[str]: ...

    def refresh_lock(self, provider: str, account: str) -> contextlib.AbstractContextManager[Any]:
        """A lock held while refreshing this key's token (cross-process where it can be)."""
        ...


def default_data_dir() -> Path:
    """The platform's per-user data directory for paysupport (created on demand)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_state_dir() -> Path:
    """The platform's per-user state directory for paysupport (lock files of the keyring store)."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def _store_dir(directory: Path, *, ours: bool, store: str) -> None:
    """Create a store's directory 0700; paysupport's own directories are also tightened."""
    try:
        private_dir(directory, tighten=ours)
    except OSError as exc:
        raise _os_error(store, f"create the directory {directory}", exc) from None


class MemoryTokenStore:
    """Tokens in a dict, for tests and short scripts: thread-safe, not shared across processes."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], Token] = {}
        self._lock = threading.Lock()
        self._refresh_locks: dict[tuple[str, str], threading.RLock] = {}

    def load(self, provider: str, account: str) -> Token | None:
        with self._lock:
            return self._tokens.get((provider, account))

    def save(self, provider: str, account: str, token: Token) -> None:
        with self._lock:
            self._tokens[(provider, account)] = token

    def delete(self, provider: str, account: str) -> None:
        with self._lock:
            self._tokens.pop((provider, account), None)

    def accounts(self, provider: str) -> list[str]:
        with self._lock:
            return sorted(a for p, a in self._tokens if p == provider)

    def refresh_lock(self, provider: str, account: str) -> threading.RLock:
        with self._lock:
            return self._refresh_locks.setdefault((provider, account), threading.RLock())

    def __repr__(self) -> str:
        return f"<MemoryTokenStore with {len(self._tokens)} tokens>"


def _file_lock(path: str | os.PathLike[str], timeout: float = LOCK_TIMEOUT) -> filelock.FileLock:
    """A cross-process lock on ``path``: a 0600 lock file, and a timeout ending in a clear error.

    Used as ``with lock:``, a lock still held by another process after
    ``timeout`` seconds raises :class:`TokenStoreError` naming the lock file;
    ``lock.acquire(timeout=...)`` keeps filelock's own ``Timeout``. A lock file
    an older version left readable by others is made private first, so no
    other local user can open it and hold the lock.
    """
    tighten_file(path)
    return _private_lock_class()(str(path), timeout=timeout, mode=FILE_MODE)


@functools.cache
def _private_lock_class() -> type[filelock.FileLock]:
    import filelock  # imported on first use: most commands never lock anything

    class PrivateFileLock(filelock.FileLock):
        def __enter__(self) -> PrivateFileLock:
            try:
                super().__enter__()
            except filelock.Timeout:
                raise TokenStoreError(
                    f"another process has held the lock file for more than {self.timeout:g} s; "
                    "if no other paysupport process is running, check who holds it "
                    f"(fuser {self.lock_file}) and remove the file",
                    store=str(self.lock_file),
                ) from None
            return self

    return PrivateFileLock


def _lock_name(provider: str, account: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{provider}.{account}")
    return f"{safe}.refresh.lock"


class JsonFileTokenStore:
    """Tokens in one JSON file, written atomically with mode 0600 in a 0700 directory.

    Every write takes a file lock, re-reads the file and replaces it through a
    temporary file and ``os.replace``, so concurrent processes never see a
    half-written file and never lose each other's keys. ``lock_timeout`` bounds
    the wait for a lock another process holds.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, lock_timeout: float = LOCK_TIMEOUT
    ) -> None:
        self.path = Path(path) if path is not None else default_data_dir() / "tokens.json"
        self.lock_timeout = lock_timeout
        _store_dir(self.path.parent, ours=path is None, store=str(self.path))
        self._lock = _file_lock(str(self.path) + ".lock", lock_timeout)

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise _os_error(str(self.path), "read the file", exc) from None
        except UnicodeDecodeError:
            raise ConfigError("token file is not UTF-8 text", path=str(self.path)) from None
        try:
            data = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"token file is not valid JSON: {exc.msg}", path=str(self.path), line=exc.lineno
            ) from None
        if not isinstance(data, dict):
            raise ConfigError("token file must hold a JSON object", path=str(self.path))
        return data

    def _write(self, data: Mapping[str, Any], key: str) -> None:
        text = json.dumps(data, indent=1, sort_keys=True)  # a TypeError here is a caller's bug
        try:
            write_private(self.path, text)
        except OSError as exc:
            raise _os_error(str(self.path), "write the file", exc, key) from None

    @staticmethod
    def _key(provider: str, account: str) -> str:
        return f"{provider}:{account}"

    def load(self, provider: str, account: str) -> Token | None:
        key = self._key(provider, account)
        with self._lock:
            entry = self._read().get(key)
        return None if entry is None else _entry(str(self.path), key, entry)

    def save(self, provider: str, account: str, token: Token) -> None:
        key = self._key(provider, account)
        with self._lock:
            data = self._read()
            data[key] = token.to_dict()
            self._write(data, key)

    def delete(self, provider: str, account: str) -> None:
        key = self._key(provider, account)
        with self._lock:
            data = self._read()
            if data.pop(key, None) is not None:
                self._write(data, key)

    def accounts(self, provider: str) -> list[str]:
        with self._lock:
            keys = self._read()
        prefix = f"{provider}:"
        return sorted(k[len(prefix) :] for k in keys if k.startswith(prefix))

    def refresh_lock(self, provider: str, account: str) -> filelock.FileLock:
        return _file_lock(self.path.parent / _lock_name(provider, account), self.lock_timeout)

    def __repr__(self) -> str:
        return f"<JsonFileTokenStore {str(self.path)!r}>"


class SqliteTokenStore:
    """Tokens in an SQLite database (mode 0600); safe across processes (SQLite's own locking)."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, lock_timeout: float = LOCK_TIMEOUT
    ) -> None:
        self.path = Path(path) if path is not None else default_data_dir() / "tokens.sqlite3"
        self.lock_timeout = lock_timeout
        _store_dir(self.path.parent, ours=path is None, store=str(self.path))
        try:
            # Created 0600 before SQLite opens it: its journals copy the database's mode.
            os.close(
                os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE)
            )
        except FileExistsError:
            pass
        except OSError as exc:
            raise _os_error(str(self.path), "create the database", exc) from None
        tighten_file(self.path)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS tokens ("
                " provider TEXT NOT NULL, account TEXT NOT NULL, data TEXT NOT NULL,"
                " updated REAL NOT NULL, PRIMARY KEY (provider, account))"
            )

    @contextlib.contextmanager
    def _connect(self, key: str | None = None) -> Iterator[sqlite3.Connection]:
        import sqlite3

        try:
            db = sqlite3.connect(self.path, timeout=self.lock_timeout)
            try:
                with db:
                    yield db
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise TokenStoreError(
                f"the database cannot be used: {exc}; make room on the disk or fix the "
                "permissions, or choose another store (--token-store, PAYSUPPORT_TOKEN_STORE)",
                store=str(self.path),
                key=key,
            ) from None

    def load(self, provider: str, account: str) -> Token | None:
        key = f"{provider}:{account}"
        with self._connect(key) as db:
            row = db.execute(
                "SELECT data FROM tokens WHERE provider = ? AND account = ?", (provider, account)
            ).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
        except (TypeError, ValueError):
            data = row[0]  # not JSON: reported as a damaged entry
        return _entry(str(self.path), key, data)

    def save(self, provider: str, account: str, token: Token) -> None:
        text = json.dumps(token.to_dict())
        with self._connect(f"{provider}:{account}") as db:
            db.execute(
                "INSERT OR REPLACE INTO tokens (provider, account, data, updated)"
                " VALUES (?, ?, ?, ?)",
                (provider, account, text, time.time()),
            )

    def delete(self, provider: str, account: str) -> None:
        with self._connect(f"{provider}:{account}") as db:
            db.execute("DELETE FROM tokens WHERE provider = ? AND account = ?", (provider, account))

    def accounts(self, provider: str) -> list[str]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT account FROM tokens WHERE provider = ? ORDER BY account", (provider,)
            ).fetchall()
        return [r[0] for r in rows]

    def refresh_lock(self, provider: str, account: str) -> filelock.FileLock:
        return _file_lock(self.path.parent / _lock_name(provider, account), self.lock_timeout)

    def __repr__(self) -> str:
        return f"<SqliteTokenStore {str(self.path)!r}>"


class KeyringTokenStore:
    """Tokens in the operating system's keyring (install the ``keyring`` extra).

    Keyrings cannot list entries, so the account names of each provider are kept
    in one extra keyring entry. Refresh locks live in the platform state directory.
    """

    def __init__(self, service: str = APP_NAME, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        try:
            import keyring
        except ImportError:
            raise ConfigError(
                "the keyring token store needs the optional 'keyring' package: "
                "pip install 'paysupport[keyring]'"
            ) from None
        self._keyring = keyring
        self.service = service
        self.lock_timeout = lock_timeout
        self._lock_dir = default_state_dir()

    @property
    def _name(self) -> str:
        return f"keyring service {self.service!r}"

    def _index(self, provider: str) -> list[str]:
        raw = self._keyring.get_password(self.service, f"{provider}:__accounts__")
        return list(json.loads(raw)) if raw else []

    def load(self, provider: str, account: str) -> Token | None:
        key = f"{provider}:{account}"
        raw = self._keyring.get_password(self.service, key)
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw  # not JSON: reported as a damaged entry
        return _entry(self._name, key, data)

    def save(self, provider: str, account: str, token: Token) -> None:
        self._keyring.set_password(
            self.service, f"{provider}:{account}", json.dumps(token.to_dict())
        )
        names = self._index(provider)
        if account not in names:
            self._keyring.set_password(
                self.service, f"{provider}:__accounts__", json.dumps([*names, account])
            )

    def delete(self, provider: str, account: str) -> None:
        with contextlib.suppress(Exception):
            self._keyring.delete_password(self.service, f"{provider}:{account}")
        names = [n for n in self._index(provider) if n != account]
        self._keyring.set_password(self.service, f"{provider}:__accounts__", json.dumps(names))

    def accounts(self, provider: str) -> list[str]:
        return sorted(self._index(provider))

    def refresh_lock(self, provider: str, account: str) -> filelock.FileLock:
        _store_dir(self._lock_dir, ours=True, store=self._name)
        return _file_lock(self._lock_dir / _lock_name(provider, account), self.lock_timeout)

    def __repr__(self) -> str:
        return f"<KeyringTokenStore service={self.service!r}>"


def open_store(spec: str | None) -> TokenStore:
    """A store from a short spec: ``memory``, ``json[:PATH]``, ``sqlite[:PATH]``, ``keyring``.

    ``None`` means the JSON file in the platform data directory. A PostgreSQL URL
    (``postgresql://user:pw@host/db``) is :class:`paysupport.sync.tokens_pg.PostgresTokenStore`:
    rows and a refresh lock shared by every machine (the ``sync`` extra).
    """
    if spec and spec.partition("://")[0].partition("+")[0].lower() in ("postgresql", "postgres"):
        from paysupport.sync.tokens_pg import PostgresTokenStore

        return PostgresTokenStore(spec)
    kind, _, where = (spec or "json").partition(":")
    path = where or None
    if kind == "memory":
        return MemoryTokenStore()
    if kind == "json":
        return JsonFileTokenStore(path)
    if kind == "sqlite":
        return SqliteTokenStore(path)
    if kind == "keyring":
        return KeyringTokenStore()
    raise ConfigError(
        f"unknown token store {kind!r}: use memory, json[:PATH], sqlite[:PATH], keyring"
        " or postgresql://..."
    )
