"""The sync at scale on Dramatiq: page jobs and deliveries as actors, on any number of machines.

Every worker imports this module (``paysupport sync worker``, or Dramatiq's own
``dramatiq paysupport.sync.dramatiq_app``), which configures the broker from
the environment:

``PAYSUPPORT_SYNC_REDIS``
    the Redis broker (``redis://:password@host:port/0``); also where the
    cluster-wide rate limiter keeps its windows;
``PAYSUPPORT_SYNC_DB``
    the mirror store, PostgreSQL for workers on several machines;
``PAYSUPPORT_TOKEN_STORE``
    where the accounts' tokens are, ``postgresql://...`` so that a rotating
    refresh token is spent once cluster-wide (:mod:`paysupport.sync.tokens_pg`);
``PAYSUPPORT_SYNC_LIMITS``
    rate limits replacing the documented ones (``patreon:token=100/60 ...``);
``PAYSUPPORT_SYNC_PAGE_SIZE``, ``PAYSUPPORT_SYNC_HEARTBEAT_MS``
    the page size asked of providers; how long a silent worker is taken for
    dead before its messages go to others (Dramatiq's ``heartbeat_timeout``);
``PAYSUPPORT_SYNC_WEBHOOK_SECRETS``
    the file of webhook secrets per account (``{"patreon:7100000": "..."}``,
    mode 0600, re-read when it changes; :mod:`paysupport.sync.secrets`).

Clients read their settings (``client_id``, ``base_url``...) and the
provider-wide webhook secrets (``PAYSUPPORT_<PROVIDER>_WEBHOOK_SECRET``) from
the config file and environment, as everywhere.

A delivery is queued by the endpoint in front of the workers
(:func:`webhook_app`, ``POST /<provider>[/<account>]``) with the account its
URL named, so the worker verifies it with the same secret and refuses it in
the same way when it is about another account. Messages queued before the
account was carried (three arguments) are verified with the provider-wide
secret, as then.

Each job is a pure function of its arguments (:func:`~paysupport.sync.jobs.sync_page`
of ``(provider, account, run_id, cursor)``), which enqueues the next page's
job; retries (transient failures only, :func:`~paysupport.sync.jobs.transient`)
and time limits are Dramatiq's middleware. Redis keeps a message until it is
acknowledged after the job, so a worker killed mid-job leaves its messages to
be delivered again once its heartbeat is missed; a job run twice changes
nothing twice (staging is idempotent, deliveries are applied once).
"""

from __future__ import annotations

import base64
import logging
import os
import signal
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from paysupport._extras import needs_extra
from paysupport.sync.jobs import Account, Connector, new_run_id, sync_page, transient
from paysupport.sync.ratelimit import RedisLimiter, parse_limits
from paysupport.sync.secrets import NoWebhookSecret, SecretLookup, WebhookSecrets, secret_for
from paysupport.sync.store import MirrorStore, RunSuperseded, open_store

if TYPE_CHECKING:
    from paysupport.sync.webhooks import Handle, SyncWebhookApp

with needs_extra("sync", "paysupport sync's Dramatiq workers"):
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.brokers.stub import StubBroker
    from dramatiq.middleware import Retries, TimeLimit

__all__ = [
    "apply_delivery",
    "broker",
    "enqueue_deliveries",
    "enqueue_sync",
    "run_worker",
    "sync_page_job",
    "webhook_app",
]

log = logging.getLogger("paysupport.sync")

#: Milliseconds one job may run before Dramatiq stops it (then it is retried).
TIME_LIMIT_MS = 120_000
#: Attempts after the first for a transient failure.
MAX_RETRIES = 20


def _retry_when(retries: int, exc: BaseException) -> bool:
    return retries <= MAX_RETRIES and transient(exc)


def make_broker(url: str | None = None) -> dramatiq.Broker:
    """The Redis broker for ``url`` (``PAYSUPPORT_SYNC_REDIS``); a stub broker without one."""
    url = url or os.environ.get("PAYSUPPORT_SYNC_REDIS")
    made: dramatiq.Broker
    if url:
        heartbeat = int(os.environ.get("PAYSUPPORT_SYNC_HEARTBEAT_MS") or 60_000)
        made = RedisBroker(  # type: ignore[no-untyped-call]
            url=url,
            namespace="paysupport-sync",
            heartbeat_timeout=heartbeat,
            # look for dead workers' messages often: one command in a hundred
            maintenance_chance=10_000,
        )
    else:
        made = StubBroker()
    for middleware in list(made.middleware):
        if isinstance(middleware, (Retries, TimeLimit)):
            made.middleware.remove(middleware)
    made.add_middleware(
        Retries(
            max_retries=MAX_RETRIES, min_backoff=200, max_backoff=30_000, retry_when=_retry_when
        )
    )
    made.add_middleware(TimeLimit(time_limit=TIME_LIMIT_MS, interval=1000))
    return made


broker = make_broker()
dramatiq.set_broker(broker)


@dataclass
class _Runtime:
    store: MirrorStore
    connector: Connector
    page_size: int | None
    #: the webhook secrets: PAYSUPPORT_SYNC_WEBHOOK_SECRETS's file, then the settings
    secrets: SecretLookup = field(default_factory=WebhookSecrets.from_sources, repr=False)


_runtime: _Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> _Runtime:
    """This process's store and clients, made on the first job from the environment."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            db = os.environ.get("PAYSUPPORT_SYNC_DB")
            if not db:
                raise RuntimeError("PAYSUPPORT_SYNC_DB names no mirror store")
            redis_url = os.environ.get("PAYSUPPORT_SYNC_REDIS")
            limits = parse_limits((os.environ.get("PAYSUPPORT_SYNC_LIMITS") or "").split())
            size = os.environ.get("PAYSUPPORT_SYNC_PAGE_SIZE")
            _runtime = _Runtime(
                open_store(db),
                Connector(
                    token_store=os.environ.get("PAYSUPPORT_TOKEN_STORE"),
                    limiter=RedisLimiter.from_url(redis_url) if redis_url else None,
                    limits=limits,
                ),
                int(size) if size else None,
            )
        return _runtime


@dramatiq.actor(queue_name="paysupport-sync", time_limit=TIME_LIMIT_MS)
def sync_page_job(provider: str, account: str, run_id: str, cursor: str | None) -> None:
    """Stage the page at ``cursor`` of the run, then enqueue the next page's job (or finish)."""
    here = runtime()
    try:
        done = sync_page(
            here.store, here.connector, provider, account, run_id, cursor, page_size=here.page_size
        )
    except RunSuperseded:
        return  # a newer run owns the account: this chain ends here
    except Exception as exc:
        if not transient(exc):
            here.store.record_error(
                provider, account, f"{type(exc).__name__}: {exc}", run_id=run_id
            )
        raise
    if done.next_cursor is not None:
        sync_page_job.send(provider, account, run_id, done.next_cursor)


@dramatiq.actor(queue_name="paysupport-sync", time_limit=TIME_LIMIT_MS)
def apply_delivery(
    provider: str, headers: list[list[str]], body: str, addressed_to: str | None = None
) -> None:
    """Verify, re-read and apply one queued delivery (``body`` in base64), once.

    ``addressed_to`` is the account of the URL it was sent to: verified with
    that account's secret and refused (``AccountMismatch``, not retried) when
    about another account. Absent from messages queued by older versions, and
    for ``POST /<provider>``: the provider-wide secret.
    """
    from paysupport.sync.webhooks import apply

    here = runtime()
    secret = secret_for(here.secrets, provider, addressed_to)
    if not secret:
        raise NoWebhookSecret(provider, addressed_to)
    client = here.connector.client(provider, "default")
    apply(
        here.store,
        client,
        [(name, value) for name, value in headers],
        base64.b64decode(body),
        secret,
        lambda name: here.connector.client(provider, name),
        addressed_to=addressed_to,
    )


QUEUE = "paysupport-sync"


def enqueue_sync(
    accounts: Iterable[Account], *, run_id: str | None = None, to: dramatiq.Broker | None = None
) -> list[str]:
    """Start a reconciliation run of each account: its first page job; the run ids.

    ``to`` is the broker to send to (:func:`make_broker`); this module's by default.
    """
    target = to or broker
    target.declare_queue(QUEUE)
    started = []
    for account in accounts:
        run = run_id or new_run_id()
        target.enqueue(sync_page_job.message(account.provider, account.account, run, None))
        started.append(run)
    return started


def enqueue_deliveries(
    provider: str,
    deliveries: Iterable[tuple[Sequence[tuple[str, str]], bytes]],
    *,
    addressed_to: str | None = None,
    to: dramatiq.Broker | None = None,
) -> int:
    """Queue deliveries (headers, raw body) for the workers; how many were queued.

    ``addressed_to`` is the account whose URL they were sent to (``None`` for
    ``/<provider>``); it travels in the message as a fourth argument, left out
    when ``None`` so that workers of an older version still take the message.
    """
    target = to or broker
    target.declare_queue(QUEUE)
    count = 0
    for headers, body in deliveries:
        pairs = [[name, value] for name, value in headers]
        text = base64.b64encode(body).decode("ascii")
        target.enqueue(
            apply_delivery.message(provider, pairs, text)
            if addressed_to is None
            else apply_delivery.message(provider, pairs, text, addressed_to)
        )
        count += 1
    return count


def webhook_app(
    providers: Iterable[str],
    secrets: SecretLookup | None = None,
    *,
    check: Handle | None = None,
    to: dramatiq.Broker | None = None,
) -> SyncWebhookApp:
    """The endpoint in front of the workers: ``POST /<provider>[/<account>]``, queued.

    A delivery is queued with the account its URL names (the worker verifies it
    again, with the same secret, and applies the same account check). Before
    queueing, a URL no secret verifies is answered 404 (``secrets``, the
    workers' by default: ``PAYSUPPORT_SYNC_WEBHOOK_SECRETS`` and the settings),
    and ``check(provider, headers, raw_body, account)``, when given, refuses
    forged deliveries (403) so that they never reach the queue.
    """
    from paysupport.sync.webhooks import SyncWebhookApp

    lookup = secrets if secrets is not None else WebhookSecrets.from_sources()

    def known(
        provider: str, headers: list[tuple[str, str]], body: bytes, account: str | None
    ) -> None:
        if not secret_for(lookup, provider, account):
            raise NoWebhookSecret(provider, account)
        if check is not None:
            check(provider, headers, body, account)

    def queue(
        provider: str, headers: list[tuple[str, str]], body: bytes, account: str | None
    ) -> None:
        enqueue_deliveries(provider, [(headers, body)], addressed_to=account, to=to)

    return SyncWebhookApp(providers, queue, check=known)


def run_worker(threads: int = 8, *, stop: threading.Event | None = None) -> None:
    """Work on the queue in this process until SIGTERM or SIGINT (or ``stop`` is set)."""
    from dramatiq import Worker

    ending = stop or threading.Event()
    if stop is None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: ending.set())
    if os.environ.get("PAYSUPPORT_SYNC_DB"):
        here = runtime()  # the store's pool, the limiter, the providers' code: before any job
        here.connector.warm(here.connector.limits)
    # a next page's job waits at most this long (ms) for an idle worker to poll it
    worker = Worker(broker, worker_threads=threads, worker_timeout=100)
    # take no more messages than there are free threads: a message fetched by a
    # worker whose threads are all busy waits there while other workers idle
    worker.queue_prefetch = threads
    worker.start()
    log.info("worker started", extra={"threads": threads, "pid": os.getpid()})
    try:
        ending.wait()
    finally:
        worker.stop(timeout=10_000)


def main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - the CLI's worker
    import argparse

    parser = argparse.ArgumentParser(prog="python -m paysupport.sync.dramatiq_app")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    run_worker(args.threads)


if __name__ == "__main__":  # pragma: no cover
    main()
