"""The sync's jobs: pure functions of (provider, account, run, cursor), run by any engine.

A reconciliation walk of one account is a chain of page jobs.
:func:`sync_page` reads the page at ``cursor`` of the account's supporters,
stages it in the mirror store with the next cursor, and returns that cursor
(the engine then runs, or enqueues, the next page's job), or finishes the run
on the last page. Nothing else is kept between jobs, so the embedded thread
pool (:mod:`paysupport.sync.engine`) and Dramatiq workers on many machines
(:mod:`paysupport.sync.dramatiq_app`) run the same code, and a job killed at
any point is simply run again: staging a page twice changes nothing, and a
run's mirror changes happen in :meth:`~paysupport.sync.store.MirrorStore.finish`
alone. Retries, time limits and rate limits are the engines' business, not
the jobs': :func:`transient` says which failures are worth a retry.

Providers take part through one optional client method,
``sync_supporters(account, *, start=None, count=None) -> Walk[Supporter]``:
the account's supporters from a cursor (Patreon: a campaign's members,
GitHub: a login's sponsors). docs/writing-a-provider.md describes it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paysupport.errors import (
    ConfigError,
    DeadlineExceeded,
    HTTPError,
    InvalidRequest,
    PaySupportError,
    RateLimited,
    ResponseFormatError,
    TransportError,
    Unsupported,
)
from paysupport.sync.ratelimit import DEFAULT_LIMITS, Limit, Limiter, request_hook
from paysupport.sync.store import MirrorError, MirrorStore, Reconciled, RunSuperseded

if TYPE_CHECKING:
    from paysupport.http import HttpEvent
    from paysupport.provider import Client
    from paysupport.sync.metrics import Metrics

__all__ = [
    "Account",
    "Connector",
    "PageDone",
    "new_run_id",
    "parse_accounts",
    "sync_page",
    "transient",
]

log = logging.getLogger("paysupport.sync")

#: Supporters per page asked of the provider (``None``: the provider's largest page).
PAGE_SIZE: int | None = None


@dataclass(frozen=True, order=True)
class Account:
    """A connected account to mirror: ``patreon:<campaign id>``, ``github:<login>``."""

    provider: str
    account: str

    @classmethod
    def parse(cls, spec: str) -> Account:
        provider, _, account = spec.strip().partition(":")
        if not provider or not account:
            raise ConfigError(
                f"account {spec!r}: write provider:account (patreon:<campaign id>, github:<login>)"
            )
        return cls(provider, account)

    def __str__(self) -> str:
        return f"{self.provider}:{self.account}"


def parse_accounts(specs: Iterable[str]) -> list[Account]:
    """Accounts from specs, commas allowed inside one (``patreon:1,patreon:2``), deduplicated."""
    seen: dict[Account, None] = {}
    for spec in specs:
        for part in spec.split(","):
            if part.strip():
                seen[Account.parse(part)] = None
    return list(seen)


def new_run_id() -> str:
    """A run id that sorts by start time and is unique across machines."""
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class PageDone:
    """What one page job did: supporters staged, the next cursor, the run's result at its end."""

    staged: int
    next_cursor: str | None
    reconciled: Reconciled | None = None


@dataclass
class Connector:
    """Makes (and keeps, one per account in the process) the clients the jobs use.

    ``settings`` are per provider (``base_url``, ``client_id``...); what is not
    given comes from the config file and environment, as for any client. Every
    client's token lives in ``token_store`` (a spec such as
    ``postgresql://...`` shared by every worker, or ``sqlite:PATH``) under
    the account's name. ``limiter`` and ``limits`` (per provider, as
    :data:`~paysupport.sync.ratelimit.DEFAULT_LIMITS`) pace every request.

    A client is shared by every thread of the process (clients are safe to
    use from several threads): a page job lands on whichever thread is free,
    and a client made per thread would be made again for most pages (a
    token read and a new connection each), which on a busy machine cost more
    than the request.
    """

    token_store: Any = None
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    limiter: Limiter | None = None
    limits: Mapping[str, tuple[tuple[str, int, float], ...]] = field(
        default_factory=lambda: dict(DEFAULT_LIMITS)
    )
    metrics: Metrics | None = None
    connect: Callable[..., Client] | None = None
    _clients: dict[tuple[str, str], Client] = field(default_factory=dict, repr=False)
    _stores: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _token_store(self) -> Any:
        if self.token_store is None or not isinstance(self.token_store, str):
            return self.token_store
        with self._lock:  # one store (one pool) per process, not per client
            if self.token_store not in self._stores:
                from paysupport.tokens import open_store

                self._stores[self.token_store] = open_store(self.token_store)
            return self._stores[self.token_store]

    def limits_for(self, client: Client, account: str) -> list[Limit]:
        """The budgets a request for ``account`` spends: its OAuth client's, its token's."""
        provider = client.info.name
        owner = str(client.settings.get("client_id") or "default")
        found = []
        for scope, limit, window in self.limits.get(provider, ()):
            key = (
                f"{provider}:client:{owner}" if scope == "client" else f"{provider}:token:{account}"
            )
            found.append(Limit(key, limit, window))
        return found

    def client(self, provider: str, account: str) -> Client:
        """The process's client of ``account``, made on first use."""
        key = (provider, account)
        found = self._clients.get(key)
        if found is not None:
            return found
        made = self._new_client(provider, account)  # outside the lock: accounts in parallel
        with self._lock:
            return self._clients.setdefault(key, made)

    def warm(self, providers: Iterable[str]) -> None:
        """Import the providers' clients and open the token store now, not in the first job.

        A worker calls this as it starts, so that the first page jobs of a
        sync wait for nothing but their requests.
        """
        from paysupport.registry import provider_class

        self._token_store()
        for provider in providers:
            try:
                provider_class(provider)
            except PaySupportError:
                log.warning("provider %s is not installed: its jobs will fail", provider)

    def _new_client(self, provider: str, account: str) -> Client:
        from paysupport.http import HttpOptions
        from paysupport.registry import connect

        settings = dict(self.settings.get(provider, {}))
        settings.setdefault("http_options", HttpOptions(retries=0))
        store = self._token_store()
        if store is not None:
            settings["token_store"] = store
        client = (self.connect or connect)(provider, account=account, **settings)
        metrics = self.metrics
        if self.limiter is not None:
            limits = self.limits_for(client, account)
            on_response = None if metrics is None else _counting(metrics, provider, account)
            client.http.hooks.append(
                request_hook(
                    self.limiter,
                    limits,
                    blocks=[limit.key for limit in limits if ":token:" in limit.key],
                    on_wait=None if metrics is None else metrics.waited,
                    on_response=on_response,
                )
            )
        elif metrics is not None:
            client.http.hooks.append(_counting(metrics, provider, account))
        return client


def _counting(metrics: Metrics, provider: str, account: str) -> Callable[[HttpEvent], None]:
    def hook(event: HttpEvent) -> None:
        if event.kind != "request":
            metrics.request(provider, event.status)

    return hook


def transient(exc: BaseException) -> bool:
    """Whether a failed job is worth running again as it is.

    Yes for what passes: rate limits, server errors, dropped or cut connections,
    timeouts, an unreachable store. No for 4xx answers (a wrong account, a
    revoked token, a missing scope: the same request would be refused again,
    and repeated 4xx count against Patreon's edge limit) and for a run
    superseded by a newer one.
    """
    if isinstance(exc, RunSuperseded):
        return False
    if isinstance(exc, (RateLimited, TransportError, DeadlineExceeded, MirrorError)):
        return True
    if isinstance(exc, ResponseFormatError):
        return True  # a truncated or garbled body: the next answer may be whole
    if isinstance(exc, HTTPError):
        status = exc.status or 0
        return status >= 500 or status == 429
    if isinstance(exc, (InvalidRequest, Unsupported, ConfigError)):
        return False
    return not isinstance(exc, PaySupportError) and isinstance(exc, (OSError, ConnectionError))


def retry_after(exc: BaseException) -> float | None:
    """The wait a rate-limited failure asks for, if it says."""
    wait = getattr(exc, "retry_after", None)
    return float(wait) if isinstance(wait, (int, float)) and wait > 0 else None


def sync_page(
    store: MirrorStore,
    connector: Connector,
    provider: str,
    account: str,
    run_id: str,
    cursor: str | None = None,
    *,
    page_size: int | None = PAGE_SIZE,
) -> PageDone:
    """Read and stage the page at ``cursor`` of run ``run_id``; finish the run on the last page.

    The first job (``cursor`` ``None``) begins the run (or resumes it, when it
    is current). Raises :class:`~paysupport.sync.store.RunSuperseded` when a
    newer run of the account took over (drop the job), and the provider's or
    the store's errors otherwise (see :func:`transient`).
    """
    if cursor is None:
        store.begin(provider, account, run_id)
    client = connector.client(provider, account)
    walker = getattr(client, "sync_supporters", None)
    if walker is None:
        raise Unsupported(
            f"{provider} cannot be synced: its client has no sync_supporters(account, start=...)",
            provider=provider,
        )
    walk = walker(account, start=cursor, count=page_size)
    walk.max_workers = 1  # this page only: the next one is another job's
    pages = walk.pages()
    try:
        page = next(pages)
    finally:
        pages.close()
    following = page.next or None
    staged = store.stage(provider, account, run_id, page.items, cursor=following)
    if following is not None:
        return PageDone(len(page.items), following)
    reconciled = store.finish(provider, account, run_id, complete=True)
    log.info(
        "run finished",
        extra={
            "provider": provider,
            "account": account,
            "run_id": run_id,
            "staged": staged.staged,
            "added": reconciled.added,
            "changed": reconciled.changed,
            "removed": reconciled.removed,
        },
    )
    return PageDone(len(page.items), None, reconciled)


def environment_settings(providers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Nothing explicit: every client reads its settings from config and environment.

    Kept as a function so that workers and ``paysupport sync`` agree on where
    settings come from; ``PAYSUPPORT_SYNC_PAGE_SIZE`` is read by the engines.
    """
    return {provider: {} for provider in providers}


def page_size_from_env() -> int | None:
    value = os.environ.get("PAYSUPPORT_SYNC_PAGE_SIZE")
    return int(value) if value else PAGE_SIZE
