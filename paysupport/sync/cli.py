"""``paysupport sync``: mirror supporters embedded in one process, or on Dramatiq workers.

``paysupport sync --accounts patreon:ID github:LOGIN --db sqlite:///mirror.db``
walks each account once on a thread pool and exits (1 when an account failed);
``--watch`` keeps going: it serves the webhook endpoint (``POST
/<provider>/<account>`` verified with that account's own secret, ``POST
/<provider>`` with the provider-wide one; :mod:`paysupport.sync.secrets`) and
walks every account again each ``--interval``. Secrets are never printed or
logged, only which keys have one. ``paysupport sync status``
shows each account's health; ``paysupport sync worker`` and ``paysupport sync
enqueue`` run the same jobs on Dramatiq (:mod:`paysupport.sync.dramatiq_app`).
Logs are one line per event, as text or JSON (``--log-format json``).
Registered on the ``paysupport`` group by :mod:`paysupport.cli`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import click

__all__ = ["sync"]

#: The attributes every log record has; anything else was passed as ``extra``.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD and v is not None
        )
        return f"{time.strftime('%H:%M:%S')} {record.getMessage()} {extras}".rstrip()


def configure_logging(fmt: str) -> None:
    """Send ``paysupport.sync``'s records to stderr, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("paysupport.sync")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _accounts(specs: Sequence[str]) -> list[Any]:
    from paysupport.errors import ConfigError
    from paysupport.sync.jobs import parse_accounts

    given = list(specs) or (os.environ.get("PAYSUPPORT_SYNC_ACCOUNTS") or "").split()
    accounts = parse_accounts(given)
    if not accounts:
        raise ConfigError("name the accounts: --accounts patreon:<campaign id> github:<login>")
    return accounts


def _db(db: str | None) -> str:
    from paysupport.errors import ConfigError

    url = db or os.environ.get("PAYSUPPORT_SYNC_DB")
    if not url:
        raise ConfigError("name the mirror store: --db sqlite:///mirror.db (or PAYSUPPORT_SYNC_DB)")
    return url


def _secrets(pairs: Iterable[str], file: str | None) -> Any:
    """The webhook secrets: ``--webhook-secret`` pairs, the file, then the settings."""
    from paysupport.sync.secrets import WebhookSecrets

    return WebhookSecrets.from_sources(pairs, file)


db_option = click.option(
    "--db",
    default=None,
    help="The mirror store: sqlite:///PATH or postgresql://... (PAYSUPPORT_SYNC_DB).",
)
secrets_file_option = click.option(
    "--webhook-secrets",
    "secrets_file",
    default=None,
    metavar="FILE",
    help="A JSON or TOML file mapping provider:account (or provider) to its webhook secret;"
    " mode 0600, re-read when it changes (PAYSUPPORT_SYNC_WEBHOOK_SECRETS).",
)
log_option = click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Log lines as text or JSON.",
)


@click.group(invoke_without_command=True)
@click.option(
    "--accounts",
    "-a",
    multiple=True,
    help="provider:account, repeatable (PAYSUPPORT_SYNC_ACCOUNTS).",
)
@db_option
@click.option("--workers", default=4, show_default=True, help="Threads walking accounts at once.")
@click.option(
    "--page-size",
    type=int,
    default=None,
    help="Supporters per request (default: the provider's largest).",
)
@click.option(
    "--limit",
    "limits",
    multiple=True,
    help="A rate limit, provider:client|token=N/SECONDS (or =none).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep going: serve the webhook endpoint and walk again each --interval.",
)
@click.option(
    "--port",
    default=8765,
    show_default=True,
    help="The webhook endpoint's port on 127.0.0.1 (--watch).",
)
@click.option(
    "--interval", default=3600.0, show_default=True, help="Seconds between walks (--watch)."
)
@click.option(
    "--keep-deliveries",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Days a delivery id is kept to refuse its repeats (--watch prunes after each walk).",
)
@click.option(
    "--webhook-secret",
    "secrets",
    multiple=True,
    help="provider:account=SECRET for /<provider>/<account>, provider=SECRET for /<provider>"
    " and any account without its own (default: the webhook_secret setting); repeatable."
    " Other local users can see a command line: prefer --webhook-secrets.",
)
@secrets_file_option
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    help="Serve Prometheus metrics on this port (GET /metrics).",
)
@click.option(
    "--metrics-file",
    default=None,
    help="Write Prometheus metrics to this textfile after each walk.",
)
@log_option
@click.pass_context
def sync(
    ctx: click.Context,
    accounts: tuple[str, ...],
    db: str | None,
    workers: int,
    page_size: int | None,
    limits: tuple[str, ...],
    watch: bool,
    port: int,
    interval: float,
    keep_deliveries: float,
    secrets: tuple[str, ...],
    secrets_file: str | None,
    metrics_port: int | None,
    metrics_file: str | None,
    log_format: str,
) -> None:
    """Mirror the supporters of --accounts into --db, embedded: one process, no server."""
    if ctx.invoked_subcommand is not None:
        return
    from paysupport.sync.engine import Engine
    from paysupport.sync.jobs import Connector
    from paysupport.sync.metrics import Metrics, serve
    from paysupport.sync.ratelimit import LocalLimiter, parse_limits
    from paysupport.sync.store import open_store

    configure_logging(log_format)
    chosen = _accounts(accounts)
    webhook_secrets = _secrets(secrets, secrets_file)  # a bad file fails before the store opens
    store = open_store(_db(db))
    root = ctx.find_root().obj
    metrics = Metrics()
    connector = Connector(
        limiter=LocalLimiter(), limits=parse_limits(limits), metrics=metrics, connect=_connect(root)
    )
    engine = Engine(
        store,
        connector,
        workers=workers,
        page_size=page_size,
        secrets=webhook_secrets,
    )
    served = [] if metrics_port is None else [serve(metrics, store, port=metrics_port)]
    try:
        if not watch:
            results = engine.sync(chosen)
            _report(results)
            if metrics_file:
                metrics.write_textfile(metrics_file, store)
            if not all(r.ok for r in results):
                raise SystemExit(1)
            return
        _watch(engine, chosen, port, interval, metrics, metrics_file, keep_deliveries)
    finally:
        for server in served:
            server.close()
        store.close()


def _connect(root: Any) -> Any:
    """Clients as the rest of the command line makes them (``--sandbox``, ``--token-store``)."""

    def connect(provider: str, /, *, account: str, **settings: Any) -> Any:
        import paysupport

        if root is None:
            return paysupport.connect(provider, account=account, **settings)
        if not settings.get("token_store"):
            settings["token_store"] = root.store(provider)
        if root.sandbox:
            return root.sandbox_handle().connect(provider, account=account, **settings)
        return paysupport.connect(provider, account=account, **settings)

    return connect


def _report(results: Sequence[Any]) -> None:
    for result in results:
        if result.ok:
            r = result.reconciled
            click.echo(
                f"{result.account}: {result.pages} pages, +{r.added} ~{r.changed} -{r.removed}"
                f" (run {result.run_id})"
            )
        else:
            click.echo(f"{result.account}: FAILED {result.error}", err=True)


def _watch(
    engine: Any,
    chosen: Sequence[Any],
    port: int,
    interval: float,
    metrics: Any,
    metrics_file: str | None,
    keep_deliveries: float,
) -> None:
    from paysupport.sandbox.serving import start_server
    from paysupport.sync.secrets import WebhookSecrets
    from paysupport.sync.webhooks import SyncWebhookApp

    log = logging.getLogger("paysupport.sync")
    providers = {a.provider for a in chosen}
    defaults = {a.provider: a.account for a in reversed(chosen)}

    def handle(
        provider: str, headers: list[tuple[str, str]], body: bytes, account: str | None
    ) -> None:
        engine.apply_delivery(
            provider, headers, body, account=defaults[provider], addressed_to=account
        )

    app = SyncWebhookApp(providers, handle, on_outcome=metrics.delivery)
    served = start_server(app, port=port, quiet=True)
    known = (
        engine.secrets.describe(providers)
        if isinstance(engine.secrets, WebhookSecrets)
        else ", ".join(sorted(providers))
    )
    click.echo(f"webhooks: {served.url}/<provider>/<account> or /<provider>; secrets: {known}")
    stop = threading.Event()
    try:
        while True:
            _report(engine.sync(chosen))
            if metrics_file:
                metrics.write_textfile(metrics_file, engine.store)
            pruned = engine.store.prune(deliveries_before=_days_ago(keep_deliveries))
            log.info(
                "walks done; next in %s s",
                interval,
                extra={"delivery_ids_pruned": pruned.deliveries},
            )
            if stop.wait(interval):
                return
    finally:
        served.close()


def _days_ago(days: float) -> Any:
    from datetime import datetime, timedelta, timezone

    return datetime.now(timezone.utc) - timedelta(days=days)


@sync.command()
@db_option
@click.option(
    "--deliveries-older-than",
    "deliveries_days",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Forget delivery ids received more than this many days ago.",
)
@click.option(
    "--changes-older-than",
    "changes_days",
    type=click.FloatRange(min=0),
    default=None,
    help="Also delete change-log entries older than this many days (default: keep them).",
)
def prune(db: str | None, deliveries_days: float, changes_days: float | None) -> None:
    """Forget old delivery ids (and, when asked, old change-log entries); cron it with workers.

    A delivery id only has to be kept while the provider may send it again; one
    that comes back later changes nothing the mirror holds newer. Supporters and
    their tombstones are never pruned.
    """
    from paysupport.sync.store import open_store

    store = open_store(_db(db))
    try:
        pruned = store.prune(
            deliveries_before=_days_ago(deliveries_days),
            changes_before=None if changes_days is None else _days_ago(changes_days),
        )
    finally:
        store.close()
    click.echo(f"pruned {pruned.deliveries} delivery ids, {pruned.changes} change-log entries")


@sync.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="JSON output instead of a table.")
def status(db: str | None, as_json: bool) -> None:
    """Each account: supporters, last success, lag, last error, the walk in progress."""
    from paysupport.sync.store import open_store

    store = open_store(_db(db))
    try:
        accounts = store.status()
    finally:
        store.close()
    rows = [
        {
            "account": f"{s.provider}:{s.account}",
            "supporters": s.supporters,
            "last_success": None if s.last_success is None else s.last_success.isoformat(),
            "lag_seconds": None if s.lag is None else round(s.lag, 1),
            "last_error": s.last_error,
            "last_error_at": None if s.last_error_at is None else s.last_error_at.isoformat(),
            "running": None
            if s.running is None
            else f"{s.running.run_id} ({s.running.staged} staged)",
        }
        for s in accounts
    ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    if not rows:
        click.echo("no account synced yet")
        return
    headers = list(rows[0])
    table = [[("" if row[h] is None else str(row[h])) for h in headers] for row in rows]
    widths = [max(len(h), *(len(line[i]) for line in table)) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for line in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


redis_option = click.option(
    "--redis", default=None, help="The Dramatiq broker (PAYSUPPORT_SYNC_REDIS)."
)


def _distributed_env(redis: str | None, db: str | None) -> None:
    from paysupport.errors import ConfigError

    if redis:
        os.environ["PAYSUPPORT_SYNC_REDIS"] = redis
    if db:
        os.environ["PAYSUPPORT_SYNC_DB"] = db
    if not os.environ.get("PAYSUPPORT_SYNC_REDIS"):
        raise ConfigError("name the broker: --redis redis://... (or PAYSUPPORT_SYNC_REDIS)")


@sync.command()
@redis_option
@db_option
@click.option("--threads", default=8, show_default=True, help="Jobs this worker runs at once.")
@secrets_file_option
@log_option
def worker(
    redis: str | None, db: str | None, threads: int, secrets_file: str | None, log_format: str
) -> None:
    """Run Dramatiq jobs (page walks, deliveries) until SIGTERM; start one per core and machine."""
    from paysupport.sync.secrets import ENV_FILE

    if secrets_file:
        os.environ[ENV_FILE] = secrets_file
    _distributed_env(redis, db)
    _db(None)
    configure_logging(log_format)
    from paysupport.sync.dramatiq_app import run_worker

    run_worker(threads)


@sync.command()
@click.option(
    "--accounts",
    "-a",
    multiple=True,
    help="provider:account, repeatable (PAYSUPPORT_SYNC_ACCOUNTS).",
)
@redis_option
def enqueue(accounts: tuple[str, ...], redis: str | None) -> None:
    """Start a walk of each account on the workers (cron this, e.g. hourly)."""
    _distributed_env(redis, None)
    from paysupport.sync.dramatiq_app import enqueue_sync

    chosen = _accounts(accounts)
    for account, run in zip(chosen, enqueue_sync(chosen), strict=True):
        click.echo(f"{account}: run {run} queued")
