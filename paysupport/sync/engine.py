"""The embedded sync engine: the jobs on a thread pool in one process, no server to install.

``paysupport sync --accounts ... --db sqlite:///mirror.db`` runs this: each
account's reconciliation walk is a chain of :func:`~paysupport.sync.jobs.sync_page`
jobs, run one after the other by a pool thread, while other threads walk
other accounts. The policies Dramatiq gives its workers as middleware are
here too, around the jobs rather than inside them: :class:`RetryPolicy`
(transient failures again after a backoff or the provider's ``Retry-After``,
4xx answers never), and the rate limiter (:class:`~paysupport.sync.ratelimit.LocalLimiter`
by default) before every request. A run interrupted (the process killed) is
resumed from its saved cursor by the next start. Webhook deliveries are
applied by :meth:`Engine.apply_delivery`, in the thread that received them,
each verified with the secret of the account its URL names (or the
provider-wide one): ``secrets`` is any lookup ``(provider, account) -> secret``
(:mod:`paysupport.sync.secrets`), so a platform can read its creators'
secrets from its own database.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from paysupport.sync.jobs import (
    Account,
    Connector,
    PageDone,
    new_run_id,
    retry_after,
    sync_page,
    transient,
)
from paysupport.sync.secrets import NoWebhookSecret, SecretLookup, secret_for
from paysupport.sync.store import Applied, MirrorStore, Reconciled, RunSuperseded
from paysupport.sync.webhooks import Headers, apply as apply_one

__all__ = ["AccountResult", "Engine", "RetryPolicy"]

log = logging.getLogger("paysupport.sync")

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and after how long, a transient failure is tried again.

    The wait doubles from ``min_backoff`` up to ``max_backoff`` (with jitter),
    or is the provider's ``Retry-After`` when it said one.
    """

    retries: int = 8
    min_backoff: float = 0.2
    max_backoff: float = 30.0

    def delay(self, attempt: int, exc: BaseException) -> float:
        asked = retry_after(exc)
        if asked is not None:
            return asked
        base: float = min(self.max_backoff, self.min_backoff * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)

    def run(
        self,
        job: Callable[[], T],
        *,
        on_retry: Callable[[BaseException], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return job()
            except Exception as exc:
                if attempt > self.retries or not transient(exc):
                    raise
                if on_retry is not None:
                    on_retry(exc)
                sleep(self.delay(attempt, exc))


@dataclass(frozen=True)
class AccountResult:
    """How one account's walk ended: ``reconciled``, or the ``error`` it stopped on."""

    account: Account
    run_id: str
    reconciled: Reconciled | None = None
    error: str | None = None
    pages: int = 0

    @property
    def ok(self) -> bool:
        return self.reconciled is not None


@dataclass
class Engine:
    """Walks accounts on ``workers`` threads and applies deliveries; one process, any store.

    ``secrets`` verify deliveries (:meth:`apply_delivery`): a lookup
    ``(provider, account) -> secret | None`` such as
    :class:`~paysupport.sync.secrets.WebhookSecrets` or a function reading
    the platform's database, or a mapping of ``"provider:account"`` and
    ``"provider"`` keys. The engine's repr never shows them.
    """

    store: MirrorStore
    connector: Connector
    workers: int = 4
    page_size: int | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    secrets: SecretLookup | Mapping[str, str] = field(default_factory=dict, repr=False)
    sleep: Callable[[float], None] = time.sleep
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    def sync(self, accounts: Iterable[Account]) -> list[AccountResult]:
        """Walk every account once (resuming a run left unfinished); results in the given order."""
        chosen = list(accounts)
        if not chosen:
            return []
        with ThreadPoolExecutor(
            max(1, min(self.workers, len(chosen))), thread_name_prefix="paysupport-sync"
        ) as pool:
            return list(pool.map(self.sync_account, chosen))

    def stop(self) -> None:
        """Ask running walks to stop after their current page (they resume on the next start)."""
        self._stopping.set()

    def sync_account(self, account: Account, run_id: str | None = None) -> AccountResult:
        """One account's walk, page job after page job, each retried by the policy."""
        provider, name = account.provider, account.account
        metrics = self.connector.metrics
        progress = self.store.progress(provider, name)
        cursor: str | None = None
        if run_id is None and progress is not None:
            run_id, cursor = progress.run_id, progress.cursor  # resume the interrupted run
        elif run_id is None:
            run_id = new_run_id()
        current = run_id
        pages = 0

        def job() -> PageDone:
            return sync_page(
                self.store,
                self.connector,
                provider,
                name,
                current,
                cursor,
                page_size=self.page_size,
            )

        def retrying(exc: BaseException) -> None:
            if metrics is not None:
                metrics.job("page", provider, "retry")
            log.info(
                "page job retried",
                extra={"provider": provider, "account": name, "run_id": run_id, "error": str(exc)},
            )

        try:
            while True:
                if self._stopping.is_set():
                    return AccountResult(account, run_id, error="stopped", pages=pages)
                done = self.policy.run(job, on_retry=retrying, sleep=self.sleep)
                pages += 1
                if metrics is not None:
                    metrics.job("page", provider, "ok")
                if done.next_cursor is None:
                    return AccountResult(account, run_id, done.reconciled, pages=pages)
                cursor = done.next_cursor
        except RunSuperseded as exc:
            if metrics is not None:
                metrics.job("page", provider, "superseded")
            return AccountResult(account, run_id, error=str(exc), pages=pages)
        except Exception as exc:
            if metrics is not None:
                metrics.job("page", provider, "failed")
            message = f"{type(exc).__name__}: {exc}"
            log.warning(
                "account walk failed",
                extra={"provider": provider, "account": name, "run_id": run_id, "error": message},
            )
            self.store.record_error(provider, name, message, run_id=run_id)
            return AccountResult(account, run_id, error=message, pages=pages)

    def apply_delivery(
        self,
        provider: str,
        headers: Headers,
        raw_body: bytes,
        *,
        account: str | None = None,
        addressed_to: str | None = None,
    ) -> Applied | None:
        """Verify, re-read and apply one delivery (retrying what is transient).

        ``addressed_to`` is the account the delivery was sent to (the URL's
        ``/<provider>/<account>``): it is verified with that account's secret
        (or the provider-wide one) and refused with
        :class:`~paysupport.sync.webhooks.AccountMismatch` when it is about
        another account; ``None`` (``/<provider>``) verifies with the
        provider-wide secret. The re-read uses the client of the delivery's
        account. ``account`` is the client verifying it (any account of the
        provider: the first one connected by default). Raises
        :class:`~paysupport.sync.secrets.NoWebhookSecret` when no secret
        verifies deliveries to that URL.
        """
        secret = secret_for(self.secrets, provider, addressed_to)
        if not secret:
            raise NoWebhookSecret(provider, addressed_to)
        client = self.connector.client(provider, account or "default")
        metrics = self.connector.metrics

        def job() -> Applied | None:
            return apply_one(
                self.store,
                client,
                headers,
                raw_body,
                secret,
                lambda name: self.connector.client(provider, name),
                addressed_to=addressed_to,
            )

        applied = self.policy.run(job, sleep=self.sleep)
        if metrics is not None:
            outcome = (
                "ignored"
                if applied is None
                else "duplicate"
                if applied.duplicate
                else applied.outcome
            )
            metrics.delivery(provider, outcome)
        return applied


def accounts_by_provider(accounts: Sequence[Account]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for account in accounts:
        found.setdefault(account.provider, []).append(account.account)
    return found
