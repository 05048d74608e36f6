"""Tokens, and the stores that keep them between runs (and between processes)."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import filelock
import pytest

from paysupport.errors import ConfigError, TokenStoreError
from paysupport.tokens import (
    JsonFileTokenStore,
    KeyringTokenStore,
    MemoryTokenStore,
    SqliteTokenStore,
    Token,
    TokenStore,
    default_data_dir,
    open_store,
)

ACCESS = "acc-3f9a7c21e0b4"
REFRESH = "ref-8d2e6b5a1c07"

# Children are spawned, not forked: the same on every platform, and no forking
# of a pytest process that may be running threads.
SPAWN = multiprocessing.get_context("spawn")


def full_token() -> Token:
    return Token(
        access_token=ACCESS,
        refresh_token=REFRESH,
        token_type="Bearer",
        expires_at=1_700_000_000.5,
        scope=("identity", "campaigns.members"),
        extra={"version": "0.0.1", "user": {"id": "42"}},
    )


# Token


def test_a_token_without_expiry_never_expires() -> None:
    assert not Token(ACCESS).expired(now=10**12)


def test_expired_counts_the_leeway() -> None:
    token = Token(ACCESS, expires_at=1000.0)
    assert not token.expired(now=939.0)  # 939 + 60 < 1000
    assert token.expired(now=940.0)  # expires within the default minute
    assert not token.expired(leeway=0, now=999.0)
    assert token.expired(leeway=0, now=1000.0)
    assert token.expired(leeway=0, now=5000.0)


def test_from_oauth_response_turns_expires_in_into_a_time() -> None:
    token = Token.from_oauth_response(
        {
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "expires_in": 3600,
            "token_type": "bearer",
        },
        now=1000.0,
    )
    assert token.access_token == ACCESS
    assert token.refresh_token == REFRESH
    assert token.expires_at == 4600.0
    assert token.token_type == "bearer"


def test_from_oauth_response_accepts_expires_in_as_a_string() -> None:
    token = Token.from_oauth_response({"access_token": ACCESS, "expires_in": "60"}, now=0.0)
    assert token.expires_at == 60.0


def test_from_oauth_response_without_optional_fields() -> None:
    token = Token.from_oauth_response({"access_token": ACCESS})
    assert token.refresh_token is None
    assert token.expires_at is None
    assert token.token_type == "Bearer"
    assert token.scope == ()
    assert token.extra == {}


@pytest.mark.parametrize(
    "scope",
    [
        "identity campaigns.members",
        "identity,campaigns.members",
        "identity, campaigns.members",
        ["identity", "campaigns.members"],
    ],
)
def test_from_oauth_response_reads_space_or_comma_separated_scopes(scope: object) -> None:
    token = Token.from_oauth_response({"access_token": ACCESS, "scope": scope})
    assert token.scope == ("identity", "campaigns.members")


def test_from_oauth_response_keeps_provider_fields_in_extra() -> None:
    token = Token.from_oauth_response(
        {"access_token": ACCESS, "expires_in": 10, "version": "0.0.1", "user_id": 7}
    )
    assert token.extra == {"version": "0.0.1", "user_id": 7}


def test_succeeding_keeps_the_refresh_token_when_the_provider_omits_it() -> None:
    previous = Token("old-access", refresh_token=REFRESH)
    assert Token(ACCESS).succeeding(previous).refresh_token == REFRESH


def test_succeeding_takes_a_rotated_refresh_token() -> None:
    previous = Token("old-access", refresh_token="old-refresh")
    fresh = Token(ACCESS, refresh_token=REFRESH)
    assert fresh.succeeding(previous) == fresh


def test_succeeding_nothing_is_the_token_itself() -> None:
    token = Token(ACCESS)
    assert token.succeeding(None) is token


def test_succeeding_carries_the_settings_seed_marker_over() -> None:
    seed = Token.seed_marker("from-settings")
    previous = Token("from-settings", refresh_token=REFRESH, extra={"seed": seed})
    assert Token(ACCESS).succeeding(previous).extra["seed"] == seed
    assert seed != Token.seed_marker("another") and "from-settings" not in seed


def test_dict_round_trip_keeps_every_field_and_survives_json() -> None:
    token = full_token()
    assert Token.from_dict(json.loads(json.dumps(token.to_dict()))) == token


def test_from_dict_fills_defaults_for_a_minimal_entry() -> None:
    assert Token.from_dict({"access_token": ACCESS}) == Token(ACCESS)


def test_repr_never_shows_the_access_or_refresh_token() -> None:
    token = full_token()
    for text in (repr(token), str(token), f"{token}", repr([token]), repr({"t": token})):
        assert ACCESS not in text
        assert REFRESH not in text
    assert "refreshable=True" in repr(token)
    assert "expires=2023-11-14T22:13:20Z" in repr(token)


# Every store keeps the same contract


class FakeKeyring(types.ModuleType):
    """Just enough of the ``keyring`` module: passwords in a dict."""

    def __init__(self) -> None:
        super().__init__("keyring")
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.passwords[(service, username)]
        except KeyError:
            raise RuntimeError("no such password") from None  # keyring's PasswordDeleteError


@pytest.fixture
def fake_keyring(monkeypatch: pytest.MonkeyPatch) -> FakeKeyring:
    fake = FakeKeyring()
    monkeypatch.setitem(sys.modules, "keyring", fake)
    return fake


@pytest.fixture(params=["memory", "json", "sqlite", "keyring"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> TokenStore:
    if request.param == "memory":
        return MemoryTokenStore()
    if request.param == "json":
        return JsonFileTokenStore(tmp_path / "tokens.json")
    if request.param == "sqlite":
        return SqliteTokenStore(tmp_path / "tokens.sqlite3")
    request.getfixturevalue("fake_keyring")
    return KeyringTokenStore()


def test_store_is_a_token_store(store: TokenStore) -> None:
    assert isinstance(store, TokenStore)


def test_store_loads_what_was_saved(store: TokenStore) -> None:
    assert store.load("patreon", "alice") is None
    store.save("patreon", "alice", full_token())
    assert store.load("patreon", "alice") == full_token()


def test_store_save_replaces_the_previous_token(store: TokenStore) -> None:
    store.save("patreon", "alice", Token("first"))
    store.save("patreon", "alice", Token("second"))
    loaded = store.load("patreon", "alice")
    assert loaded is not None and loaded.access_token == "second"
    assert store.accounts("patreon") == ["alice"]


def test_store_keys_by_provider_and_account(store: TokenStore) -> None:
    store.save("patreon", "bob", Token("p-bob"))
    store.save("patreon", "alice", Token("p-alice"))
    store.save("flattr", "alice", Token("f-alice"))
    assert store.accounts("patreon") == ["alice", "bob"]
    assert store.accounts("flattr") == ["alice"]
    assert store.accounts("ipernity") == []
    loaded = store.load("flattr", "alice")
    assert loaded is not None and loaded.access_token == "f-alice"


def test_store_delete_forgets_one_token(store: TokenStore) -> None:
    store.save("patreon", "alice", Token("a"))
    store.save("patreon", "bob", Token("b"))
    store.delete("patreon", "alice")
    store.delete("patreon", "nobody")  # deleting what is not there is not an error
    assert store.load("patreon", "alice") is None
    assert store.accounts("patreon") == ["bob"]


def test_store_refresh_lock_excludes_other_threads(store: TokenStore) -> None:
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with store.refresh_lock("patreon", "alice"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        lock = store.refresh_lock("patreon", "alice")
        assert not _acquire(lock, timeout=0.2)
        release.set()
        assert _acquire(lock, timeout=10)
        lock.release()
    finally:
        release.set()
        thread.join(10)


def _acquire(lock: object, timeout: float) -> bool:
    """Acquire a threading or file lock with a timeout; False when it timed out."""
    if isinstance(lock, filelock.BaseFileLock):
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            return False
        return True
    assert isinstance(lock, type(threading.RLock()))
    return lock.acquire(timeout=timeout)


# The JSON file store


def test_json_store_file_is_private(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    path = tmp_path / "tokens.json"
    JsonFileTokenStore(path).save("patreon", "alice", Token(ACCESS))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_json_store_replaces_the_file_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    store = JsonFileTokenStore(path)
    store.save("patreon", "alice", Token("a"))
    with path.open() as reader:  # someone reading the file while it is saved
        before = reader.read()
        for n in range(5):
            store.save("patreon", f"user{n}", Token(f"t{n}"))
        store.delete("patreon", "user0")
        # A new file renamed over the old one, never rewritten in place: an open
        # reader still sees the old file, whole.
        reader.seek(0)
        assert reader.read() == before
        assert os.fstat(reader.fileno()).st_ino != path.stat().st_ino
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json", "tokens.json.lock"]


def test_json_store_failed_write_keeps_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    store = JsonFileTokenStore(path)
    store.save("patreon", "alice", Token("a"))
    before = path.read_text()
    with pytest.raises(TypeError):
        store.save("patreon", "bob", Token("b", extra={"not json": object()}))
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json", "tokens.json.lock"]


def test_json_store_on_disk_is_readable_json(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    JsonFileTokenStore(path).save("patreon", "alice", full_token())
    assert json.loads(path.read_text())["patreon:alice"]["access_token"] == ACCESS


def test_json_store_corrupt_file_names_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{\n  "patreon:alice": {"access_token": "x"},\n  oops\n}\n')
    with pytest.raises(ConfigError) as caught:
        JsonFileTokenStore(path).load("patreon", "alice")
    assert caught.value.path == str(path)
    assert caught.value.line == 3
    assert str(path) in str(caught.value)
    assert "line 3" in str(caught.value)


def test_json_store_file_must_hold_an_object(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("[]")
    with pytest.raises(ConfigError) as caught:
        JsonFileTokenStore(path).accounts("patreon")
    assert caught.value.path == str(path)


def test_json_store_treats_an_empty_file_as_no_tokens(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("")
    store = JsonFileTokenStore(path)
    assert store.accounts("patreon") == []
    store.save("patreon", "alice", Token("a"))
    assert store.accounts("patreon") == ["alice"]


def test_json_store_creates_missing_directories(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "tokens.json"
    JsonFileTokenStore(path).save("patreon", "alice", Token("a"))
    assert path.exists()


def test_sqlite_store_file_is_private(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    path = tmp_path / "tokens.sqlite3"
    SqliteTokenStore(path).save("patreon", "alice", Token(ACCESS))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# Several processes at once


WORKERS = 4
SAVES = 25


def _save_many(spec: str, worker: int) -> None:
    store = open_store(spec)
    for n in range(SAVES):
        store.save("patreon", f"w{worker}-{n:02d}", Token(f"access-{worker}-{n}"))


@pytest.mark.parametrize("kind", ["json", "sqlite"])
def test_concurrent_processes_lose_no_token(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"tokens.{kind}"
    spec = f"{kind}:{path}"
    store = open_store(spec)
    store.save("patreon", "existing", Token("kept"))
    workers = [SPAWN.Process(target=_save_many, args=(spec, w)) for w in range(WORKERS)]
    for process in workers:
        process.start()
    reads = 0
    try:
        while any(p.is_alive() for p in workers):
            if kind == "json" and path.exists():
                json.loads(path.read_text())  # a reader never sees a half-written file
                reads += 1
    finally:
        for process in workers:
            process.join(30)
    assert [p.exitcode for p in workers] == [0] * WORKERS

    expected = sorted(
        ["existing", *(f"w{w}-{n:02d}" for w in range(WORKERS) for n in range(SAVES))]
    )
    assert store.accounts("patreon") == expected
    loaded = store.load("patreon", "w3-24")
    assert loaded is not None and loaded.access_token == "access-3-24"
    if kind == "json":
        assert reads > 0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json", "tokens.json.lock"]


def _contend_for_refresh_lock(spec: str, report: multiprocessing.Queue[str]) -> None:
    lock = open_store(spec).refresh_lock("patreon", "alice")
    try:
        lock.acquire(timeout=0.3)
    except filelock.Timeout:
        report.put("blocked")
        lock.acquire(timeout=30)
    report.put("acquired")
    lock.release()


@pytest.mark.parametrize("kind", ["json", "sqlite"])
def test_refresh_lock_blocks_another_process(tmp_path: Path, kind: str) -> None:
    spec = f"{kind}:{tmp_path / ('tokens.' + kind)}"
    report: multiprocessing.Queue[str] = SPAWN.Queue()
    other = SPAWN.Process(target=_contend_for_refresh_lock, args=(spec, report))
    try:
        with open_store(spec).refresh_lock("patreon", "alice"):
            other.start()
            assert report.get(timeout=30) == "blocked"
        assert report.get(timeout=30) == "acquired"
    finally:
        other.join(30)
    assert other.exitcode == 0


def test_refresh_locks_of_different_accounts_are_independent(tmp_path: Path) -> None:
    store = JsonFileTokenStore(tmp_path / "tokens.json")
    with store.refresh_lock("patreon", "alice"):
        other = store.refresh_lock("patreon", "bob")
        assert _acquire(other, timeout=0.2)
        other.release()


# The keyring store


def test_keyring_store_without_keyring_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes `import keyring` fail
    with pytest.raises(ConfigError, match=r"pip install 'paysupport\[keyring\]'"):
        KeyringTokenStore()


def test_keyring_store_keeps_tokens_and_an_account_index(fake_keyring: FakeKeyring) -> None:
    store = KeyringTokenStore(service="myapp")
    store.save("patreon", "alice", full_token())
    store.save("patreon", "alice", full_token())
    assert json.loads(fake_keyring.passwords[("myapp", "patreon:__accounts__")]) == ["alice"]
    assert Token.from_dict(json.loads(fake_keyring.passwords[("myapp", "patreon:alice")])) == (
        full_token()
    )
    store.delete("patreon", "alice")
    assert ("myapp", "patreon:alice") not in fake_keyring.passwords
    assert store.accounts("patreon") == []


# open_store


def test_open_store_specs(tmp_path: Path, fake_keyring: FakeKeyring) -> None:
    assert isinstance(open_store("memory"), MemoryTokenStore)

    json_store = open_store(f"json:{tmp_path / 'a.json'}")
    assert isinstance(json_store, JsonFileTokenStore)
    assert json_store.path == tmp_path / "a.json"

    sqlite_store = open_store(f"sqlite:{tmp_path / 'a.db'}")
    assert isinstance(sqlite_store, SqliteTokenStore)
    assert sqlite_store.path == tmp_path / "a.db"

    assert isinstance(open_store("keyring"), KeyringTokenStore)


@pytest.mark.parametrize("spec", [None, "json", "json:"])
def test_open_store_defaults_to_json_in_the_data_directory(spec: str | None) -> None:
    store = open_store(spec)
    assert isinstance(store, JsonFileTokenStore)
    assert store.path == default_data_dir() / "tokens.json"
    # The root conftest points the platform directories at a temporary home.
    assert str(default_data_dir()).startswith(os.environ["XDG_DATA_HOME"])


def test_open_store_default_sqlite_path() -> None:
    store = open_store("sqlite")
    assert isinstance(store, SqliteTokenStore)
    assert store.path == default_data_dir() / "tokens.sqlite3"


def test_open_store_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        open_store("redis:localhost")
    message = str(caught.value)
    assert "'redis'" in message
    for kind in ("memory", "json", "sqlite", "keyring"):
        assert kind in message


# Damaged entries and unusable stores: the library's error, naming store and key


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"refresh_token": REFRESH}, "no access_token"),
        (ACCESS, "is a JSON string, not an object"),
        ({"access_token": ACCESS, "expires_at": "tomorrow"}, "expires_at must be a number"),
        ({"access_token": ACCESS, "refresh_token": 7}, "refresh_token must be a string"),
        ({"access_token": ACCESS, "scope": "identity"}, "scope must be a list"),
    ],
)
def test_json_store_damaged_entry_names_store_and_key_not_the_secret(
    tmp_path: Path, entry: object, says: str
) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"patreon:alice": entry}))
    with pytest.raises(TokenStoreError) as caught:
        JsonFileTokenStore(path).load("patreon", "alice")
    message = str(caught.value)
    assert says in message
    assert caught.value.store == str(path) and str(path) in message
    assert caught.value.key == "patreon:alice" and "'patreon:alice'" in message
    assert ACCESS not in message and REFRESH not in message
    assert isinstance(caught.value, ConfigError)  # caught where a bad token file always was


def test_sqlite_store_damaged_entry_is_a_token_store_error(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "tokens.sqlite3"
    SqliteTokenStore(path).save("patreon", "alice", Token(ACCESS))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE tokens SET data = ?", (json.dumps({"expires_at": ACCESS}),))
    with pytest.raises(TokenStoreError, match="no access_token") as caught:
        SqliteTokenStore(path).load("patreon", "alice")
    assert caught.value.key == "patreon:alice" and ACCESS not in str(caught.value)


def test_keyring_store_damaged_entry_is_a_token_store_error(fake_keyring: FakeKeyring) -> None:
    fake_keyring.set_password("paysupport", "patreon:alice", ACCESS)  # a bare token, not JSON
    with pytest.raises(TokenStoreError, match="keyring service 'paysupport'") as caught:
        KeyringTokenStore().load("patreon", "alice")
    assert ACCESS not in str(caught.value)


@pytest.mark.parametrize("kind", ["json", "sqlite"])
def test_store_under_a_file_is_a_token_store_error(tmp_path: Path, kind: str) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    path = blocker / f"tokens.{kind}"
    with pytest.raises(TokenStoreError) as caught:
        open_store(f"{kind}:{path}")
    assert caught.value.store == str(path)
    assert "--token-store" in str(caught.value)  # says what to do


def test_json_store_that_is_a_directory_is_a_token_store_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.mkdir()
    with pytest.raises(TokenStoreError, match="cannot read the file") as caught:
        JsonFileTokenStore(path).load("patreon", "alice")
    assert caught.value.store == str(path)


def _save_with_a_small_disk(path: str, report: multiprocessing.Queue[str]) -> None:
    """Save in a process whose files may not grow past 300 bytes: the kernel refuses the write."""
    import resource
    import signal

    store = JsonFileTokenStore(path)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write is then an OSError
    resource.setrlimit(resource.RLIMIT_FSIZE, (300, resource.RLIM_INFINITY))
    try:
        store.save("patreon", "bob", Token("b" * 400, refresh_token=REFRESH))
    except TokenStoreError as exc:
        report.put(f"{type(exc).__name__}|{exc.store}|{exc.key}|{exc}")
    except BaseException as exc:
        report.put(f"{type(exc).__name__}|{exc}")
    else:
        report.put("saved")


def test_json_store_write_refused_by_the_disk_keeps_the_old_file(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("RLIMIT_FSIZE is POSIX")
    path = tmp_path / "tokens.json"
    JsonFileTokenStore(path).save("patreon", "alice", Token("a"))
    before = path.read_text()
    report: multiprocessing.Queue[str] = SPAWN.Queue()
    child = SPAWN.Process(target=_save_with_a_small_disk, args=(str(path), report))
    child.start()
    answer = report.get(timeout=30)
    child.join(30)
    kind, store, key, message = answer.split("|", 3)
    assert (kind, store, key) == ("TokenStoreError", str(path), "patreon:bob")
    assert "cannot write the file: File too large" in message
    assert REFRESH not in message
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json", "tokens.json.lock"]


# Private files, directories and locks


@pytest.fixture
def open_umask() -> Iterator[None]:
    """Run the test under umask 000, the setting that used to make everything world-writable."""
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_new_store_directories_files_and_locks_are_private(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    chosen.mkdir(mode=0o755)
    path = chosen / "new" / "dir" / "tokens.json"
    store = JsonFileTokenStore(path)
    store.save("patreon", "alice", Token(ACCESS))
    with store.refresh_lock("patreon", "alice"):
        pass
    assert _mode(chosen / "new") == 0o700
    assert _mode(chosen / "new" / "dir") == 0o700
    assert _mode(path) == 0o600
    assert _mode(path.parent / "tokens.json.lock") == 0o600
    assert _mode(path.parent / "patreon.alice.refresh.lock") == 0o600
    assert _mode(chosen) == 0o755  # a directory the user chose is left as it is


@pytest.mark.usefixtures("open_umask")
def test_sqlite_and_keyring_stores_are_private(tmp_path: Path, fake_keyring: FakeKeyring) -> None:
    path = tmp_path / "db" / "tokens.sqlite3"
    SqliteTokenStore(path).save("patreon", "alice", Token(ACCESS))
    assert (_mode(path.parent), _mode(path)) == (0o700, 0o600)
    store = KeyringTokenStore()
    with store.refresh_lock("patreon", "alice"):
        pass
    state_dir = Path(os.environ["XDG_STATE_HOME"], "paysupport")
    assert _mode(state_dir) == 0o700
    assert _mode(state_dir / "patreon.alice.refresh.lock") == 0o600


@pytest.mark.usefixtures("open_umask")
def test_default_data_directory_left_open_by_an_older_version_is_made_private() -> None:
    data_dir = default_data_dir()
    data_dir.mkdir(parents=True, mode=0o777)
    stale_lock = data_dir / "patreon.default.refresh.lock"
    stale_lock.write_text("")
    stale_lock.chmod(0o644)  # another local user could open it and hold the lock
    store = open_store("json")
    with store.refresh_lock("patreon", "default"):
        pass
    assert _mode(data_dir) == 0o700
    assert _mode(stale_lock) == 0o600


def test_a_symlink_planted_at_the_token_file_is_replaced_not_written_through(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim.json"  # any file of the user, here one that parses
    victim.write_text("{}")
    path = tmp_path / "store" / "tokens.json"
    path.parent.mkdir()
    path.symlink_to(victim)
    JsonFileTokenStore(path).save("patreon", "alice", Token(ACCESS))
    assert victim.read_text() == "{}"
    assert not path.is_symlink() and _mode(path) == 0o600


def _hold_with_flock(path: Path) -> int:
    """Hold ``path`` locked the way any process that can open the file could."""
    import fcntl

    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_a_lock_held_too_long_ends_in_a_clear_error(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("flock is POSIX")
    path = tmp_path / "tokens.json"
    store = JsonFileTokenStore(path, lock_timeout=0.2)
    lock_file = tmp_path / "patreon.alice.refresh.lock"
    fd = _hold_with_flock(lock_file)
    try:
        with pytest.raises(TokenStoreError) as caught, store.refresh_lock("patreon", "alice"):
            pytest.fail("the lock was held by someone else")
        assert caught.value.store == str(lock_file)
        assert "more than 0.2 s" in str(caught.value)
        assert str(lock_file) in str(caught.value)
    finally:
        os.close(fd)
    with store.refresh_lock("patreon", "alice"):  # free again once the holder lets go
        pass


def test_a_held_token_file_lock_ends_in_a_clear_error(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("flock is POSIX")
    path = tmp_path / "tokens.json"
    store = JsonFileTokenStore(path, lock_timeout=0.2)
    fd = _hold_with_flock(tmp_path / "tokens.json.lock")
    try:
        with pytest.raises(TokenStoreError, match="held the lock file"):
            store.save("patreon", "alice", Token(ACCESS))
    finally:
        os.close(fd)
    store.save("patreon", "alice", Token(ACCESS))
