"""The embedded engine: threads, SQLite, no server; exact mirrors within the rate limit.

``paysupport sync`` on one machine: each account's walk is a chain of page
jobs on a thread pool, paced by the in-process rate limiter and retried by
the policy on transient failures. Against the sandbox with faults, the mirror
equals the emulators' data; a walk interrupted half-way resumes from its
saved cursor; a 4xx is not retried but recorded for ``sync status``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from paysupport_patreon import catalog as cat

from paysupport import sandbox
from paysupport.cli import main
from paysupport.errors import InsufficientScope
from paysupport.sandbox import FaultPlan
from paysupport.sync import MirrorStore, open_store
from paysupport.sync.engine import Engine, RetryPolicy
from paysupport.sync.jobs import Account, Connector, sync_page, transient
from paysupport.sync.metrics import Metrics
from paysupport.sync.ratelimit import LocalLimiter, parse_limits
from paysupport.tokens import MemoryTokenStore, Token
from tests.sync import cluster


def connector(sb: sandbox.Sandbox, tokens: MemoryTokenStore, **options: Any) -> Connector:
    settings: dict[str, dict[str, Any]] = {}
    if "patreon" in sb.names:
        patreon = sb.credentials("patreon")
        settings["patreon"] = {
            "base_url": sb.url("patreon"),
            "client_id": patreon["client_id"],
            "client_secret": patreon["client_secret"],
        }
    if "github" in sb.names:
        github = sb.credentials("github")
        settings["github"] = {"base_url": sb.url("github"), "access_token": github["access_token"]}
    return Connector(token_store=tokens, settings=settings, **options)


def accounts_with_tokens(sb: sandbox.Sandbox, tokens: MemoryTokenStore) -> list[Account]:
    emulator: Any = sb.emulator("patreon")
    found = []
    for campaign in emulator.store.campaigns:
        issued = emulator.oauth.issue_tokens(
            emulator.client.client_id, emulator.store.creator_id, cat.SCOPES
        )
        tokens.save("patreon", campaign.id, Token.from_oauth_response(issued))
        found.append(Account("patreon", campaign.id))
    if "github" in sb.names:
        found += [Account("github", "mona"), Account("github", "paysupport-sandbox")]
    return found


@pytest.fixture
def mirror(tmp_path: Path) -> MirrorStore:
    return open_store(f"sqlite:///{tmp_path / 'mirror.db'}")


def test_threads_mirror_every_account_exactly_despite_faults(mirror: MirrorStore) -> None:
    faults = FaultPlan(rate=0.2, kinds=("500", "503", "429", "reset", "truncate"), seed=1)
    with sandbox.running(
        providers=["patreon", "github"],
        sizes={"campaigns": 4, "members": 60, "sponsors": 30},
        faults=faults,
        rate_limit=10,
        rate_window=1.0,
    ) as sb:
        seen = cluster.watch(sb)
        tokens = MemoryTokenStore()
        accounts = accounts_with_tokens(sb, tokens)
        metrics = Metrics()
        limits = parse_limits(["patreon:token=10/1"])
        engine = Engine(
            mirror,
            connector(sb, tokens, limiter=LocalLimiter(), limits=limits, metrics=metrics),
            workers=4,
            page_size=10,
            policy=RetryPolicy(min_backoff=0.05, max_backoff=0.5, retries=20),
        )
        results = engine.sync(accounts)
        assert [r.error for r in results] == [None] * len(accounts)
        for account in accounts:
            assert mirror.supporters(account.provider, account.account) == cluster.truth(
                sb, account
            )
        assert sum(sb.injectors["patreon"].injected.values()) >= 3  # the faults did happen
        assert seen.refusals_beyond_first_per_window(1.0) == 0
        text = metrics.render(mirror)
        assert 'paysupport_sync_jobs_total{kind="page",provider="patreon",outcome="retry"}' in text
        assert 'paysupport_sync_supporters{provider="github",account="mona"}' in text


def test_an_interrupted_walk_resumes_from_its_saved_cursor(mirror: MirrorStore) -> None:
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 1, "members": 50}) as sb:
        tokens = MemoryTokenStore()
        account = accounts_with_tokens(sb, tokens)[0]
        jobs = connector(sb, tokens)
        done = sync_page(mirror, jobs, "patreon", account.account, "run-1", None, page_size=10)
        assert done.next_cursor is not None  # the process "dies" here, after one page
        progress = mirror.progress("patreon", account.account)
        assert progress is not None and progress.cursor == done.next_cursor
        assert mirror.supporters("patreon", account.account) == []  # nothing half-applied
        result = Engine(mirror, jobs, page_size=10).sync_account(account)
        assert result.run_id == "run-1" and result.ok
        assert result.pages == 4  # the other four pages of 50 members, not all five again
        assert mirror.supporters("patreon", account.account) == cluster.truth(sb, account)


def test_a_refused_request_is_not_retried_but_recorded(mirror: MirrorStore) -> None:
    with sandbox.running(providers=["github"]) as sb:
        metrics = Metrics()
        engine = Engine(mirror, connector(sb, MemoryTokenStore(), metrics=metrics))
        result = engine.sync_account(Account("github", "no-such-login-anywhere"))
        assert not result.ok and result.error
        assert metrics.jobs == {("page", "github", "failed"): 1}  # never retried: no use
        [status] = mirror.status()
        assert status.last_error == result.error and status.last_success is None
    assert not transient(InsufficientScope("no", provider="patreon", status=403))


def test_the_command_syncs_and_reports_status(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'mirror.db'}"
    runner = CliRunner()
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 2, "members": 30}) as sb:
        campaigns = [c.id for c in sb.emulator("patreon").store.campaigns]  # type: ignore[attr-defined]
        creds = sb.credentials("patreon")
        env = {
            "PAYSUPPORT_PATREON_BASE_URL": sb.url("patreon"),
            **{f"PAYSUPPORT_PATREON_{k.upper()}": v for k, v in creds.items()},
        }
        args = [
            "sync",
            "--db",
            db,
            "--log-format",
            "json",
            "--metrics-file",
            str(tmp_path / "m.prom"),
        ]
        for campaign in campaigns:
            args += ["--accounts", f"patreon:{campaign}"]
        done = runner.invoke(main, ["--token-store", "memory", *args], env=env)
        assert done.exit_code == 0, done.output
        assert f"patreon:{campaigns[0]}: 1 pages" in done.output
        assert "paysupport_sync_lag_seconds" in (tmp_path / "m.prom").read_text()
        shown = runner.invoke(main, ["sync", "status", "--db", db, "--json"])
        assert shown.exit_code == 0, shown.output
        rows = json.loads(shown.output)
        assert [r["account"] for r in rows] == [f"patreon:{c}" for c in campaigns]
        assert all(r["last_success"] and r["last_error"] is None for r in rows)
        assert [r["supporters"] for r in rows] == [
            len(cluster.truth(sb, Account("patreon", c))) for c in campaigns
        ]
