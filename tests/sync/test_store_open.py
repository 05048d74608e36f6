"""A store is named by a URL; opening one creates its tables, and names its failures."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from paysupport.errors import PaySupportError
from paysupport.sync import MirrorError, MirrorStore, SQLiteStore, open_store
from paysupport.sync.store import redact_url, sqlite_path
from tests.sync.kit import ACCOUNT, PROVIDER, at, fan


def test_sqlite_urls_are_spelled_as_sqlalchemy_spells_them() -> None:
    assert sqlite_path("sqlite:///mirror.db") == "mirror.db"
    assert sqlite_path("sqlite:////var/lib/sync/mirror.db") == "/var/lib/sync/mirror.db"
    for memory_or_nothing in ("sqlite:///", "sqlite:///:memory:", "sqlite://"):
        with pytest.raises(MirrorError, match="name a file"):
            sqlite_path(memory_or_nothing)


def test_an_unknown_kind_of_store_is_refused_without_its_password() -> None:
    with pytest.raises(MirrorError, match="unknown kind") as raised:
        open_store("mysql://me:secret@db/sync")
    assert "secret" not in str(raised.value) and isinstance(raised.value, PaySupportError)
    assert redact_url("postgresql://me:secret@db:5432/x") == "postgresql://me:***@db:5432/x"
    assert redact_url("postgresql://db/x") == "postgresql://db/x"


def test_a_store_keeps_its_supporters_across_openings(store_url: str) -> None:
    with open_store(store_url) as store:
        assert isinstance(store, MirrorStore)
        store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    with open_store(store_url) as again:
        assert again.supporters(PROVIDER, ACCOUNT) == [fan(1)]
        assert again.apply_delivery(PROVIDER, "d-1", fan(1), at(1)).duplicate


def test_a_store_written_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "mirror.db")
    with sqlite3.connect(tmp_path / "mirror.db") as db:
        db.execute("UPDATE sync_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(MirrorError, match="newer paysupport"):
        SQLiteStore(tmp_path / "mirror.db")


def test_a_damaged_sqlite_file_is_a_mirror_error(tmp_path: Path) -> None:
    (tmp_path / "mirror.db").write_bytes(b"not a database, just bytes" * 100)
    with pytest.raises(MirrorError, match="damaged"):
        open_store(f"sqlite:///{tmp_path / 'mirror.db'}")


def test_an_unreachable_postgresql_is_a_mirror_error_without_the_password() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"postgresql://sync:secret@127.0.0.1:{port}/mirror"
    with pytest.raises(MirrorError, match="cannot be reached") as raised:
        open_store(url, timeout=2)
    assert "secret" not in str(raised.value)


def test_importing_the_package_loads_no_database_driver() -> None:
    code = (
        "import sys, paysupport.sync as s; s.SQLiteStore;"
        " print(sorted(m for m in ('psycopg', 'psycopg_pool', 'redis', 'dramatiq')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
