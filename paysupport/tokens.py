"""Tokens and where they are kept.

A store is keyed by (provider, account). Stores also hand out a *refresh
lock* for a key: OAuth refresh tokens rotate, so two processes refreshing
with the same refresh token would leave one of them holding a dead token. The
lock lets the second process wait, re-read the store and use the token the
first one obtained. File and SQLite stores use a cross-process file lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import platformdirs

from paysupport.errors import ConfigError

if TYPE_CHECKING:  # imported where used, so that importing paysupport stays quick
    import sqlite3

    import filelock

APP_NAME = "paysupport"


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
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            token_type=str(data.get("token_type") or "Bearer"),
            expires_at=data.get("expires_at"),
            scope=tuple(data.get("scope") or ()),
            extra=dict(data.get("extra") or {}),
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


def _file_lock(path: str) -> filelock.FileLock:
    """A cross-process lock on ``path`` (filelock is imported on first use)."""
    import filelock

    return filelock.FileLock(path)


def _lock_name(provider: str, account: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{provider}.{account}")
    return f"{safe}.refresh.lock"


class JsonFileTokenStore:
    """Tokens in one JSON file, written atomically with mode 0600.

    Every write takes a file lock, re-reads the file and replaces it through a
    temporary file and ``os.replace``, so concurrent processes never see a
    half-written file and never lose each other's keys.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_data_dir() / "tokens.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _file_lock(str(self.path) + ".lock")

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"token file is not valid JSON: {exc.msg}", path=str(self.path), line=exc.lineno
            ) from None
        if not isinstance(data, dict):
            raise ConfigError("token file must hold a JSON object", path=str(self.path))
        return data

    def _write(self, data: Mapping[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @staticmethod
    def _key(provider: str, account: str) -> str:
        return f"{provider}:{account}"

    def load(self, provider: str, account: str) -> Token | None:
        with self._lock:
            entry = self._read().get(self._key(provider, account))
        return Token.from_dict(entry) if entry else None

    def save(self, provider: str, account: str, token: Token) -> None:
        with self._lock:
            data = self._read()
            data[self._key(provider, account)] = token.to_dict()
            self._write(data)

    def delete(self, provider: str, account: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(self._key(provider, account), None) is not None:
                self._write(data)

    def accounts(self, provider: str) -> list[str]:
        with self._lock:
            keys = self._read()
        prefix = f"{provider}:"
        return sorted(k[len(prefix) :] for k in keys if k.startswith(prefix))

    def refresh_lock(self, provider: str, account: str) -> filelock.FileLock:
        return _file_lock(str(self.path.parent / _lock_name(provider, account)))

    def __repr__(self) -> str:
        return f"<JsonFileTokenStore {str(self.path)!r}>"


class SqliteTokenStore:
    """Tokens in an SQLite database; safe across processes (SQLite's own locking)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_data_dir() / "tokens.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS tokens ("
                " provider TEXT NOT NULL, account TEXT NOT NULL, data TEXT NOT NULL,"
                " updated REAL NOT NULL, PRIMARY KEY (provider, account))"
            )
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        import sqlite3

        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def load(self, provider: str, account: str) -> Token | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT data FROM tokens WHERE provider = ? AND account = ?", (provider, account)
            ).fetchone()
        return Token.from_dict(json.loads(row[0])) if row else None

    def save(self, provider: str, account: str, token: Token) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO tokens (provider, account, data, updated)"
                " VALUES (?, ?, ?, ?)",
                (provider, account, json.dumps(token.to_dict()), time.time()),
            )

    def delete(self, provider: str, account: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM tokens WHERE provider = ? AND account = ?", (provider, account))

    def accounts(self, provider: str) -> list[str]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT account FROM tokens WHERE provider = ? ORDER BY account", (provider,)
            ).fetchall()
        return [r[0] for r in rows]

    def refresh_lock(self, provider: str, account: str) -> filelock.FileLock:
        return _file_lock(str(self.path.parent / _lock_name(provider, account)))

    def __repr__(self) -> str:
        return f"<SqliteTokenStore {str(self.path)!r}>"


class KeyringTokenStore:
    """Tokens in the operating system's keyring (install the ``keyring`` extra).

    Keyrings cannot list entries, so the account names of each provider are kept
    in one extra keyring entry.
    """

    def __init__(self, service: str = APP_NAME) -> None:
        try:
            import keyring
        except ImportError:
            raise ConfigError(
                "the keyring token store needs the optional 'keyring' package: "
                "pip install 'paysupport[keyring]'"
            ) from None
        self._keyring = keyring
        self.service = service
        self._lock_dir = Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))

    def _index(self, provider: str) -> list[str]:
        raw = self._keyring.get_password(self.service, f"{provider}:__accounts__")
        return list(json.loads(raw)) if raw else []

    def load(self, provider: str, account: str) -> Token | None:
        raw = self._keyring.get_password(self.service, f"{provider}:{account}")
        return Token.from_dict(json.loads(raw)) if raw else None

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
        self._lock_dir.mkdir(parents=True, exist_ok=True)
        return _file_lock(str(self._lock_dir / _lock_name(provider, account)))

    def __repr__(self) -> str:
        return f"<KeyringTokenStore service={self.service!r}>"


def open_store(spec: str | None) -> TokenStore:
    """A store from a short spec: ``memory``, ``json[:PATH]``, ``sqlite[:PATH]``, ``keyring``.

    ``None`` means the JSON file in the platform data directory.
    """
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
        f"unknown token store {kind!r}: use memory, json[:PATH], sqlite[:PATH] or keyring"
    )
