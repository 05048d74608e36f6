"""Real Redis and PostgreSQL for the sync tests, started privately for the run and stopped after.

``redis_server`` and ``postgres_server`` (session fixtures) start Debian's
``redis-server`` and PostgreSQL through ``scripts/services.sh``, the script
``./dev services`` uses: on 127.0.0.1, on free ports, with random passwords
and their data in pytest's temporary directory, as an unprivileged user when
the run is root's. Teardown stops them and deletes their data; a process left
behind fails the run. Each is started only when a test asks for it.

Outside CI (``CI`` unset) a machine without the packages skips the tests that
need them, with a warning; in CI that is a failure, since ``./dev test``
installs both. ``store`` is every test's mirror store, once per kind: SQLite
in the test's directory, and PostgreSQL in a schema of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from paysupport.sync import MirrorStore, open_store

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services.sh"

#: How long each service took to start in this run (reported at the end).
STARTUP: dict[str, float] = {}


@dataclass(frozen=True)
class Server:
    """A running service: its URL (with the password), its main process and its directory."""

    name: str
    url: str
    pid: int
    directory: Path


def _missing(name: str) -> str | None:
    """Why service ``name`` cannot run here, or ``None``."""
    if name == "redis":
        found = shutil.which("redis-server") or os.access("/usr/bin/redis-server", os.X_OK)
        package = "redis-server"
    else:
        found = any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        package = "postgresql"
    if found:
        return None
    return (
        f"SYNC TESTS NOT RUN: {name} missing (Debian package '{package}');"
        " ./dev test installs it (apt-get needs root)"
    )


def services(*args: str | Path) -> str:
    """Run ``scripts/services.sh`` and return its output; its failure fails the test."""
    done = subprocess.run(
        [str(SERVICES), *map(str, args)], capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/services.sh {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout


def pid_of(directory: Path, name: str) -> int:
    pidfile = (
        directory / "redis" / "redis.pid"
        if name == "redis"
        else directory / "postgres" / "data" / "postmaster.pid"
    )
    return int(pidfile.read_text().split()[0])


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (an exited one waiting to be reaped does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def start(name: str, directory: Path) -> Server:
    why = _missing(name)
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI must run them")
        warnings.warn(why, stacklevel=1)
        pytest.skip(why)
    began = time.monotonic()
    services("start", directory, name)
    STARTUP[name] = time.monotonic() - began
    url = (directory / name / "url").read_text().strip()
    return Server(name, url, pid_of(directory, name), directory)


def stop(server: Server) -> None:
    services("purge", server.directory, server.name)
    assert not running(server.pid), f"{server.name} ({server.pid}) outlived its fixture"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Redis of this run's own (``url``: ``redis://:password@127.0.0.1:port/0``)."""
    server = start("redis", tmp_path_factory.mktemp("services"))
    yield server
    stop(server)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A PostgreSQL cluster of this run's own; ``url`` names its ``postgres`` database."""
    server = start("postgres", tmp_path_factory.mktemp("services"))
    yield server
    stop(server)


@pytest.fixture
def postgres_url(postgres_server: Server) -> Iterator[str]:
    """A URL of the run's PostgreSQL whose tables land in a schema of this test's own."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_server.url}?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_server.url, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty mirror store, once per kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mirror.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[MirrorStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if STARTUP:
        took = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(STARTUP.items()))
        terminalreporter.write_line(f"sync services started in: {took}")
