"""The command line against a running sandbox, as a person would use it from a terminal."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.sandbox.state import SandboxClaim
from tests.core.feeds_kit import podcast_feed


@pytest.fixture(scope="module")
def running_sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(sizes={"members": 150, "things": 40, "docs": 60})) as sandbox:
        yield sandbox


@pytest.fixture
def recorded(running_sandbox: Sandbox) -> Iterator[Sandbox]:
    with SandboxClaim() as claim:  # what `paysupport sandbox` does in another terminal
        claim.publish(running_sandbox)
        yield running_sandbox


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paysupport.cli", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


@pytest.mark.parametrize("provider", ["patreon", "flattr", "ipernity"])
def test_login_then_whoami_then_logout(recorded: Sandbox, provider: str) -> None:
    login = cli("--sandbox", "--account", "cli-test", "login", provider, "--no-browser")
    assert login.returncode == 0, login.stderr
    assert f"logged in to {provider}" in login.stdout
    whoami = cli("--sandbox", "--account", "cli-test", "whoami", provider)
    assert whoami.returncode == 0, whoami.stderr
    assert f"{provider}:" in whoami.stdout
    logout = cli("--sandbox", "--account", "cli-test", "logout", provider)
    assert logout.returncode == 0


def test_walk_members_as_csv_and_export_them(recorded: Sandbox) -> None:
    campaigns = cli("--sandbox", "walk", "patreon", "campaigns", "--format", "json")
    assert campaigns.returncode == 0, campaigns.stderr
    campaign = json.loads(campaigns.stdout)[0]["id"]
    walked = cli("--sandbox", "walk", "patreon", "members", "--filter", f"campaign={campaign}",
                 "--format", "csv")  # fmt: skip
    assert walked.returncode == 0, walked.stderr
    assert len(list(csv.DictReader(io.StringIO(walked.stdout)))) == 150
    exported = cli("--sandbox", "export-members", "patreon")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert exported.returncode == 0 and len(rows) == 150
    assert any("tier" in column for column in rows[0])


def test_raw_calls(recorded: Sandbox) -> None:
    echo = cli("--sandbox", "call", "ipernity", "test.echo", "echo=hello")
    assert echo.returncode == 0, echo.stderr
    assert "hello" in echo.stdout
    categories = cli("--sandbox", "call", "flattr", "/categories")
    assert categories.returncode == 0, categories.stderr


def test_provider_errors_exit_1_in_one_line(recorded: Sandbox) -> None:
    missing = cli("--sandbox", "call", "ipernity", "doc.get", "doc_id=999999999")
    assert missing.returncode == 1
    assert len(missing.stderr.strip().splitlines()) == 1 and "Traceback" not in missing.stderr
    unknown = cli("--sandbox", "call", "ipernity", "doc.nosuchmethod")
    assert unknown.returncode == 2 or unknown.returncode == 1
    assert "doc.nosuchmethod" in unknown.stderr


def test_the_demo_runs_every_provider_end_to_end() -> None:
    started = time.monotonic()
    demo = cli("demo")
    elapsed = time.monotonic() - started
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "all steps passed" in demo.stdout
    for provider in ("patreon", "flattr", "ipernity"):
        assert f"\n{provider} at http://127.0.0.1:" in demo.stdout
    print(f"demo took {elapsed:.1f} s")  # the goal is < 30 s; benchmarks/ tracks it


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose home and temporary directories are empty folders of the test."""
    for name in ("home", "tmp"):
        (tmp_path / name).mkdir()
    return {**os.environ, "HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "tmp")}


def feed_with_flattr_links(tmp_path: Path) -> str:
    link = "https://flattr.com/submit/auto?user_id=flattr&url={url}&title=Episode+{{n}}"
    feed = tmp_path / "feed.xml"
    feed.write_bytes(podcast_feed(2, link=link.format(url=quote("https://show.example/ep{n}"))))
    return str(feed)


def real_data_dir() -> Path:
    return Path(os.environ["XDG_DATA_HOME"], "paysupport")


def test_sandbox_runs_keep_their_ledger_in_the_running_sandbox(
    recorded: Sandbox, home: dict[str, str], tmp_path: Path
) -> None:
    feed = feed_with_flattr_links(tmp_path)
    supported = cli("--sandbox", "support-feed", feed, "--guid", "ep-1", "--json", env=home)
    assert supported.returncode == 0, supported.stderr
    assert json.loads(supported.stdout)["summary"] == {"supported": 1}
    post = ("--sandbox", "publish", "--url", "https://blog.example/kept", "--title", "Kept")
    assert json.loads(cli(*post, "--json", env=home).stdout)["status"] == "created"
    assert json.loads(cli(*post, "--json", env=home).stdout)["status"] == "unchanged"
    assert (recorded.data_dir / "ledger.sqlite3").exists()
    assert not real_data_dir().exists() and os.listdir(home["HOME"]) == []


def test_embedded_sandbox_runs_leave_no_data_behind(home: dict[str, str], tmp_path: Path) -> None:
    feed = feed_with_flattr_links(tmp_path)
    supported = cli("--sandbox", "support-feed", feed, "--guid", "ep-1", "--json", env=home)
    assert supported.returncode == 0, supported.stderr
    assert "starting an embedded one" in supported.stderr
    published = cli("--sandbox", "publish", "--url", "https://blog.example/p", "--title", "P",
                    "--json", env=home)  # fmt: skip
    assert json.loads(published.stdout)["status"] == "created", published.stderr
    assert not real_data_dir().exists() and os.listdir(home["HOME"]) == []
    assert os.listdir(home["TMPDIR"]) == []  # the embedded sandbox's data went with it
