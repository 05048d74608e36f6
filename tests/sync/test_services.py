"""Redis and PostgreSQL run private to one directory, unprivileged, and leave nothing behind.

``scripts/services.sh`` (what the fixtures and ``./dev services`` use) is run
here on a directory of this test's own, so what it leaves after ``purge`` can
be checked; the session's own services are checked the same way at teardown.
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.sync.conftest import Server, running, services, start


def uid_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_fixtures_services_answer_on_loopback_with_a_password(
    redis_server: Server, postgres_server: Server
) -> None:
    import psycopg
    import redis

    assert redis.Redis.from_url(redis_server.url).ping()
    with psycopg.connect(postgres_server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    for server in (redis_server, postgres_server):
        url = urlsplit(server.url)
        assert url.hostname == "127.0.0.1" and url.password
        assert uid_of(server.pid) != 0  # never root, even when the tests run as root
    with socket.create_connection(("127.0.0.1", urlsplit(redis_server.url).port or 0)) as bare:
        bare.sendall(b"PING\r\n")
        assert bare.recv(100).startswith(b"-NOAUTH")  # no password, no answer
    wrong = urlsplit(postgres_server.url)._replace(
        netloc=f"paysupport:wrong@127.0.0.1:{urlsplit(postgres_server.url).port}"
    )
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(wrong.geturl())


def test_services_stop_without_leaving_a_process_or_their_data(tmp_path: Path) -> None:
    redis_server, postgres_server = start("redis", tmp_path), start("postgres", tmp_path)
    ports = [urlsplit(s.url).port for s in (redis_server, postgres_server)]
    assert "redis: running" in services("status", tmp_path)
    data = [(tmp_path / name).resolve() for name in ("redis", "postgres")]
    assert all(directory.is_dir() for directory in data)

    services("purge", tmp_path)

    for server, port in zip((redis_server, postgres_server), ports, strict=True):
        assert not running(server.pid), server
        assert port is not None and not listening(port)
    assert not any(directory.exists() for directory in data)
    assert not (tmp_path / "redis").exists() and not (tmp_path / "postgres").exists()
    assert (tmp_path / "env").read_text() == ""


def test_a_second_start_reuses_the_running_services(tmp_path: Path) -> None:
    first = start("redis", tmp_path)
    try:
        again = start("redis", tmp_path)
        assert (again.pid, again.url) == (first.pid, first.url)
    finally:
        services("purge", tmp_path, "redis")
    assert not running(first.pid)
