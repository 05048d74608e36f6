"""The command line against a running sandbox, as a person would use it from a terminal."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from paysupport.emulation import Emulator
from paysupport.registry import emulator_factories
from paysupport.sandbox import Sandbox, SandboxOptions, answer_consent
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
    account = ("--sandbox", "--account", "cli-test")
    login = cli(*account, "login", provider, "--no-browser")
    assert login.returncode == 0, login.stderr
    assert f"logged in to {provider}" in login.stdout
    whoami = cli(*account, "whoami", provider)
    assert whoami.returncode == 0, whoami.stderr
    assert f"{provider}:" in whoami.stdout
    logout = cli(*account, "logout", provider)
    assert logout.returncode == 0
    # Logged out means logged out: the sandbox's ready token does not log the account
    # back in, and the error says how to log in again.
    refused = cli(*account, "whoami", provider)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()]
    assert refused.stderr.strip().endswith(
        f"to log in: paysupport --sandbox --account cli-test login {provider}"
    )
    again = cli(*account, "login", provider, "--no-browser")
    assert again.returncode == 0, again.stderr
    assert cli(*account, "whoami", provider).returncode == 0


def test_logout_in_an_embedded_sandbox_says_it_lasts_one_command() -> None:
    logout = cli("--sandbox", "logout", "flattr")
    assert logout.returncode == 0, logout.stderr
    assert "forgets every login when the command ends" in logout.stderr


def test_logout_names_a_setting_that_would_log_in_again(recorded: Sandbox) -> None:
    env = {**os.environ, **flattr_settings(recorded), "FLATTR_ACCESS_TOKEN": "from-the-env"}
    logout = cli("logout", "flattr", env=env)
    assert logout.returncode == 0, logout.stderr
    assert "the access_token setting (config file or environment) logs this account in again" in (
        logout.stderr
    )
    assert "from-the-env" not in logout.stdout + logout.stderr


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


@pytest.mark.parametrize(
    ("provider", "route", "sent"),
    [
        ("flattr", "user", "/rest/v2/user"),
        ("flattr", "rest/v2/user", "/rest/v2/user"),
        ("flattr", "/rest/v2/user", "/rest/v2/user"),
        ("patreon", "identity", "/api/oauth2/v2/identity"),
        ("patreon", "api/oauth2/v2/identity", "/api/oauth2/v2/identity"),
    ],
)
def test_a_route_as_it_appears_in_urls_is_not_sent_with_the_root_twice(
    recorded: Sandbox, provider: str, route: str, sent: str
) -> None:
    answer = cli("--sandbox", "call", provider, route)
    assert answer.returncode == 0, answer.stderr
    # stderr lists what was really sent
    assert f"GET {recorded.url(provider)}{sent} -> 200" in answer.stderr
    assert json.loads(answer.stdout)


def test_a_refused_route_is_reported_as_sent(recorded: Sandbox) -> None:
    missing = cli("--sandbox", "call", "flattr", "users/nobody-at-all")
    assert missing.returncode == 1
    assert "GET /rest/v2/users/nobody-at-all: " in missing.stderr  # the path on the wire


def test_tables_fit_the_terminal_and_never_split_a_header(recorded: Sandbox) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    table = cli("--sandbox", "walk", "patreon", "members", "--filter",
                f"campaign={first_campaign()}", "--limit", "5", env=env)  # fmt: skip
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), table.stdout
    header = lines[1]  # under the top border
    for column in ("id", "full_name", "patron_status", "currently_entitled_amount_cents"):
        assert f" {column} " in header
    assert len([line for line in lines if line.startswith("│")]) == 5
    assert "…" in table.stdout  # long cells end in an ellipsis instead of wrapping


def test_columns_are_chosen_with_columns(recorded: Sandbox) -> None:
    walk = ("--sandbox", "walk", "patreon", "members", "--filter", f"campaign={first_campaign()}")
    table = cli(*walk, "--limit", "2", "--columns", "full_name,email")
    assert table.returncode == 0, table.stderr
    assert [cell.strip() for cell in table.stdout.splitlines()[1].strip("┃").split("┃")] == [
        "full_name",
        "email",
    ]
    as_csv = cli(*walk, "--limit", "2", "--columns", "email,id", "--format", "csv")
    assert as_csv.stdout.splitlines()[0] == "email,id"
    unknown = cli(*walk, "--limit", "2", "--columns", "full_name,shoe_size")
    assert unknown.returncode == 2
    assert "no column 'shoe_size' (columns: id, user_id, full_name" in unknown.stderr


def test_json_keeps_lists_and_json_lines_stream_one_object_a_line(recorded: Sandbox) -> None:
    as_json = cli("--sandbox", "walk", "flattr", "things", "--limit", "5", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    things = json.loads(as_json.stdout)
    assert len(things) == 5 and all(isinstance(thing["tags"], list) for thing in things)
    lines = cli("--sandbox", "walk", "flattr", "things", "--limit", "5", "--format", "jsonl")
    assert [json.loads(line) for line in lines.stdout.splitlines()] == things


def test_export_members_as_json_and_json_lines(recorded: Sandbox) -> None:
    as_csv = list(csv.DictReader(io.StringIO(cli("--sandbox", "export-members").stdout)))
    as_json = json.loads(cli("--sandbox", "export-members", "--format", "json").stdout)
    lines = cli("--sandbox", "export-members", "--format", "jsonl").stdout.splitlines()
    assert len(as_json) == len(lines) == len(as_csv) == 150
    assert [json.loads(line) for line in lines] == as_json
    assert [m["id"] for m in as_json] == [row["id"] for row in as_csv]


def test_json_members_carry_their_tiers_as_lists_and_csv_joins_them(recorded: Sandbox) -> None:
    as_json = json.loads(cli("--sandbox", "export-members", "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(cli("--sandbox", "export-members").stdout)))
    with_tiers = [m for m in as_json if m["tier_ids"]]
    assert with_tiers and all(isinstance(m["tier_titles"], list) for m in as_json)
    by_id = {row["id"]: row for row in as_csv}
    for member in with_tiers:
        assert by_id[member["id"]]["tier_ids"] == "; ".join(member["tier_ids"])


def first_campaign() -> str:
    campaigns = cli("--sandbox", "walk", "patreon", "campaigns", "--format", "json")
    assert campaigns.returncode == 0, campaigns.stderr
    return str(json.loads(campaigns.stdout)[0]["id"])


def flattr_settings(sandbox: Sandbox, **overrides: str) -> dict[str, str]:
    """Environment pointing a plain (not --sandbox) command at the sandbox's Flattr."""
    credentials = sandbox.credentials("flattr")
    settings = {
        "PAYSUPPORT_FLATTR_BASE_URL": sandbox.url("flattr"),
        "PAYSUPPORT_FLATTR_CLIENT_ID": credentials["client_id"],
        "PAYSUPPORT_FLATTR_CLIENT_SECRET": credentials["client_secret"],
    }
    settings.update({f"PAYSUPPORT_FLATTR_{k.upper()}": v for k, v in overrides.items()})
    return settings


def log_in_by_hand(env: dict[str, str]) -> tuple[str, subprocess.CompletedProcess[str]]:
    """`paysupport login flattr --no-browser` as a person does it: copy the URL, open it, allow.

    Returns the URL as copied from the terminal and the finished command.
    """
    command = [sys.executable, "-m", "paysupport.cli", "login", "flattr", "--no-browser"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)  # fmt: skip
    try:
        assert process.stderr is not None
        printed = [process.stderr.readline() for _ in range(2)]
        assert printed[0].startswith("Open this URL"), printed
        url = printed[1].strip()  # the line a person copies
        consent = answer_consent(url, "allow")
        requests.get(consent.headers["Location"], timeout=10)  # the browser follows it
        stdout, stderr = process.communicate(timeout=60)
        return url, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    finally:
        process.kill()
        process.wait()


def test_the_login_url_is_printed_whole_on_a_narrow_terminal(recorded: Sandbox) -> None:
    env = {**os.environ, **flattr_settings(recorded), "COLUMNS": "40"}
    url, login = log_in_by_hand(env)
    assert len(url) > 40 and parse_qs(urlsplit(url).query)["state"]
    assert login.returncode == 0, login.stderr
    assert "logged in to flattr" in login.stdout


def test_refused_client_credentials_name_the_settings_to_check(recorded: Sandbox) -> None:
    wrong = "not-the-secret-4f1c"
    env = {**os.environ, **flattr_settings(recorded, client_secret=wrong)}
    _, login = log_in_by_hand(env)
    assert login.returncode == 1
    assert login.stderr.strip().splitlines() == [login.stderr.strip()]
    assert (
        "check the client_id and client_secret settings ([flattr] in the config file, or "
        "PAYSUPPORT_FLATTR_CLIENT_ID and PAYSUPPORT_FLATTR_CLIENT_SECRET)" in login.stderr
    )
    assert wrong not in login.stderr + login.stdout


def test_a_refused_token_says_how_to_log_in(recorded: Sandbox) -> None:
    env = {**os.environ, **flattr_settings(recorded, access_token="revoked-or-never-issued")}
    whoami = cli("whoami", "flattr", env=env)
    assert whoami.returncode == 1
    assert whoami.stderr.strip().splitlines() == [whoami.stderr.strip()]
    assert "(HTTP 401, code unauthorized); to log in: paysupport login flattr" in whoami.stderr


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


class PageCounter:
    """An emulator that signals when it has answered ``pages`` pages of members."""

    def __init__(self, emulator: Emulator, pages: int) -> None:
        self.emulator = emulator
        self.name = emulator.name
        self.pages = pages
        self.served = 0
        self.reached = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        answer = self.emulator(environ, start_response)
        if environ["PATH_INFO"].endswith("/members"):
            self.served += 1
            if self.served >= self.pages:
                self.reached.set()
        return answer

    def credentials(self) -> dict[str, str]:
        return self.emulator.credentials()

    def admin_state(self) -> dict[str, Any]:
        return self.emulator.admin_state()


@pytest.fixture
def slow_patreon() -> Iterator[tuple[Sandbox, PageCounter]]:
    """A running Patreon sandbox answering after 300 ms: a walk of 15 pages takes seconds."""
    made: list[PageCounter] = []

    def counting(settings: Any) -> PageCounter:
        made.append(PageCounter(emulator_factories()["patreon"](settings), pages=3))
        return made[0]

    options = SandboxOptions(sizes={"members": 150}, latency_ms=300, providers=["patreon"],
                             factories={"patreon": counting})  # fmt: skip
    with Sandbox(options) as sandbox, SandboxClaim() as claim:
        claim.publish(sandbox)
        yield sandbox, made[0]


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_ctrl_c_during_a_walk_writes_what_was_read(
    slow_patreon: tuple[Sandbox, PageCounter], fmt: str
) -> None:
    _, counter = slow_patreon
    campaign = first_campaign()
    walk = [
        "walk",
        "patreon",
        "members",
        "--filter",
        f"campaign={campaign}",
        "--filter",
        "count=10",
    ]
    command = [sys.executable, "-m", "paysupport.cli", "--sandbox", *walk, "--format", fmt]
    env = {**os.environ, "COLUMNS": "200"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)  # fmt: skip
    try:
        assert counter.reached.wait(60), "the walk never reached its third page"
        process.send_signal(signal.SIGINT)  # Ctrl-C while the fourth page is on its way
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130, stderr
    if fmt == "json":
        read = len(json.loads(stdout))
    else:
        read = len([line for line in stdout.splitlines() if line.startswith("│")])
    assert read in (20, 30)  # whole pages: the third may still be in the reading
    assert f"interrupted after {read} items; the walk's cursor: " in stderr
    assert "Traceback" not in stderr


def test_supporters_merges_every_connected_provider_with_totals(recorded: Sandbox) -> None:
    merged = cli("--sandbox", "supporters", "--format", "json")
    assert merged.returncode == 0, merged.stderr
    document = json.loads(merged.stdout)
    rows, totals = document["supporters"], document["totals"]
    assert {row["provider"] for row in rows} == {"patreon", "github"}
    assert totals["supporters"] == len(rows)
    assert sum(totals["by_status"].values()) == len(rows)
    current = [r for r in rows if r["status"] in ("active", "one-time") and r["currency"] == "USD"]
    (usd,) = totals["by_currency"]
    assert usd["currency"] == "USD" and usd["active"] == len(current)
    by_tier = sum(t["monthly_minor"] for t in totals["by_tier"])
    assert by_tier == usd["monthly_minor"] > 0
    # --totals-only: the same totals alone; --provider chooses.
    alone = cli("--sandbox", "supporters", "--totals-only", "--format", "json")
    assert json.loads(alone.stdout) == totals
    github = cli("--sandbox", "supporters", "--provider", "github", "--format", "csv")
    assert github.returncode == 0, github.stderr
    read = list(csv.DictReader(io.StringIO(github.stdout)))
    assert read and {r["provider"] for r in read} == {"github"}
    assert f"{len(read)} supporters" in github.stderr
    table = cli("--sandbox", "supporters", "--past")
    assert table.returncode == 0, table.stderr
    assert "totals per currency" in table.stdout and "totals per tier" in table.stdout
    refused = cli("--sandbox", "supporters", "--provider", "flattr")
    assert refused.returncode == 2 and "has no supporters" in refused.stderr
