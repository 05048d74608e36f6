"""The sync's metrics in Prometheus's text format: jobs, requests, 429s, waits and lag.

Counters are kept per process (:class:`Metrics`, thread-safe) and written
as Prometheus's text exposition format, either to a file that node_exporter's
textfile collector reads (:meth:`Metrics.write_textfile`, replaced atomically)
or served over HTTP (:func:`serve`, ``GET /metrics``). The lag of each
account (seconds since the start of its last complete walk) and its mirrored
supporters come from the store, so any process reading the store reports the
whole cluster's accounts; the counters are this process's own.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paysupport._wsgi import StartResponse, WSGIEnvironment
    from paysupport.sandbox.serving import ServedApp
    from paysupport.sync.store import MirrorStore

__all__ = ["Metrics", "serve"]


def _labels(**labels: str) -> str:
    inner = ",".join(
        f'{name}="{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for name, value in labels.items()
    )
    return "{" + inner + "}"


def _head(name: str, kind: str, text: str) -> Iterator[str]:
    yield f"# HELP {name} {text}"
    yield f"# TYPE {name} {kind}"


class Metrics:
    """This process's counters; :meth:`render` adds the store's per-account gauges."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.jobs: Counter[tuple[str, str, str]] = Counter()  # (kind, provider, outcome)
        self.requests: Counter[tuple[str, str]] = Counter()  # (provider, status)
        self.deliveries: Counter[tuple[str, str]] = Counter()  # (provider, outcome)
        self.wait_seconds = 0.0

    def job(self, kind: str, provider: str, outcome: str) -> None:
        """A job ended: ``outcome`` is ``ok``, ``retry``, ``failed`` or ``superseded``."""
        with self._lock:
            self.jobs[(kind, provider, outcome)] += 1

    def request(self, provider: str, status: int | None) -> None:
        with self._lock:
            self.requests[(provider, "error" if status is None else str(status))] += 1

    def delivery(self, provider: str, outcome: str) -> None:
        with self._lock:
            self.deliveries[(provider, outcome)] += 1

    def waited(self, seconds: float) -> None:
        """Time a request waited for the rate limiter."""
        with self._lock:
            self.wait_seconds += seconds

    def rate_limited(self, provider: str) -> int:
        """429 answers received for ``provider``."""
        with self._lock:
            return self.requests[(provider, "429")]

    def lines(self, store: MirrorStore | None = None) -> Iterator[str]:
        with self._lock:
            jobs, requests = dict(self.jobs), dict(self.requests)
            deliveries, waited = dict(self.deliveries), self.wait_seconds
        name = "paysupport_sync_jobs_total"
        yield from _head(name, "counter", "Jobs ended, by kind, provider and outcome.")
        for (kind, provider, outcome), count in sorted(jobs.items()):
            yield f"{name}{_labels(kind=kind, provider=provider, outcome=outcome)} {count}"
        name = "paysupport_sync_requests_total"
        yield from _head(name, "counter", "Answers from providers, by status.")
        for (provider, code), count in sorted(requests.items()):
            yield f"{name}{_labels(provider=provider, status=code)} {count}"
        name = "paysupport_sync_rate_limited_total"
        yield from _head(name, "counter", "429 answers from providers.")
        for provider in sorted({p for p, _ in requests}):
            yield f"{name}{_labels(provider=provider)} {requests.get((provider, '429'), 0)}"
        name = "paysupport_sync_deliveries_total"
        yield from _head(name, "counter", "Webhook deliveries, by outcome.")
        for (provider, outcome), count in sorted(deliveries.items()):
            yield f"{name}{_labels(provider=provider, outcome=outcome)} {count}"
        name = "paysupport_sync_rate_wait_seconds_total"
        yield from _head(name, "counter", "Time requests waited for the rate limiter.")
        yield f"{name} {waited:.3f}"
        if store is None:
            return
        accounts = store.status()
        name = "paysupport_sync_lag_seconds"
        yield from _head(name, "gauge", "Age of the account's last complete picture.")
        for status in accounts:
            if status.lag is not None:
                labels = _labels(provider=status.provider, account=status.account)
                yield f"{name}{labels} {status.lag:.3f}"
        name = "paysupport_sync_supporters"
        yield from _head(name, "gauge", "Supporters mirrored for the account.")
        for status in accounts:
            labels = _labels(provider=status.provider, account=status.account)
            yield f"{name}{labels} {status.supporters}"
        name = "paysupport_sync_account_failing"
        yield from _head(name, "gauge", "1 when the account's last walk or job failed.")
        for status in accounts:
            failing = status.last_error_at is not None and (
                status.last_success is None or status.last_error_at > status.last_success
            )
            labels = _labels(provider=status.provider, account=status.account)
            yield f"{name}{labels} {int(failing)}"

    def render(self, store: MirrorStore | None = None) -> str:
        """The exposition text (with the store's gauges when ``store`` is given)."""
        return "\n".join(self.lines(store)) + "\n"

    def write_textfile(
        self, path: str | os.PathLike[str], store: MirrorStore | None = None
    ) -> None:
        """Replace ``path`` atomically (node_exporter must never read half a file)."""
        target = Path(path)
        text = self.render(store)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def app(self, store: MirrorStore | None = None) -> MetricsApp:
        return MetricsApp(self, store)


class MetricsApp:
    """A WSGI app answering ``GET /metrics`` (anything else: 404)."""

    def __init__(self, metrics: Metrics, store: MirrorStore | None) -> None:
        self.metrics = metrics
        self.store = store

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: GET /metrics\n"]
        body = self.metrics.render(self.store).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]


def serve(metrics: Metrics, store: MirrorStore | None = None, *, port: int = 0) -> ServedApp:
    """Serve ``GET /metrics`` on 127.0.0.1 (a free port when 0); ``.url`` and ``.close()``."""
    from paysupport.sandbox.serving import start_server

    return start_server(MetricsApp(metrics, store), port=port, quiet=True)
