"""A person's login at a terminal, and `paysupport sandbox` started and stopped like one."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from paysupport.errors import StateMismatch
from paysupport.login import frob_login, oauth_login
from paysupport.sandbox import Sandbox, SandboxOptions, answer_consent
from paysupport.sandbox.state import RunningSandbox, find_running, state_path


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(providers=["patreon", "flattr", "ipernity"])) as running:
        yield running


@pytest.mark.parametrize("provider", ["patreon", "flattr"])
def test_oauth_login_prints_the_url_and_catches_the_callback(
    sandbox: Sandbox, provider: str
) -> None:
    client = sandbox.connect(provider)
    client.token_store.delete(provider, client.account)
    printed: list[str] = []
    seen = threading.Event()

    def say(text: str) -> None:
        printed.append(text)
        seen.set()

    def person() -> None:  # reads the terminal, opens the URL, clicks Allow
        seen.wait(10)
        url = re.search(r"https?://\S+", printed[0])
        assert url is not None
        answer = answer_consent(url.group(0), "allow")
        requests.get(answer.headers["Location"], timeout=10)  # the browser follows the redirect

    helper = threading.Thread(target=person)
    helper.start()
    token = oauth_login(client, open_browser=False, say=say, timeout=20)
    helper.join(10)
    assert token.access_token and client.identity().provider == provider
    assert "127.0.0.1" in printed[0]


def test_a_forged_callback_is_refused(sandbox: Sandbox) -> None:
    client = sandbox.connect("patreon")
    assert client.oauth is not None
    request = client.oauth.authorization_url(redirect_uri="http://127.0.0.1:9/callback")
    answer = answer_consent(request.url, "allow")
    forged = answer.headers["Location"].replace(request.state, "forged-state")
    with pytest.raises(StateMismatch):
        client.oauth.fetch_token(authorization_response=forged)


def test_frob_login_waits_for_the_person(sandbox: Sandbox) -> None:
    client = sandbox.connect("ipernity")
    printed: list[str] = []

    def wait() -> None:  # the person approves in the browser, then presses Enter
        url = re.search(r"https?://\S+", printed[0])
        assert url is not None
        answer_consent(url.group(0), "allow")

    token = frob_login(client, open_browser=False, wait=wait, say=printed.append)
    assert token.access_token and client.identity().provider == "ipernity"


@pytest.fixture
def commands() -> Iterator[list[subprocess.Popen[str]]]:
    """Started `paysupport sandbox` processes, killed at the end whatever the test did."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def start(commands: list[subprocess.Popen[str]], *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "paysupport.cli", "sandbox", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    commands.append(process)
    return process


def found_once_serving(server: subprocess.Popen[str], timeout: float = 60) -> RunningSandbox:
    """Wait for the state file, as `paysupport --sandbox ...` in another terminal would."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = find_running()
        if running is not None and running.pid == server.pid:
            return running
        assert server.poll() is None, f"the sandbox exited: {server.communicate()[1]}"
        time.sleep(0.1)
    raise AssertionError("the sandbox never recorded itself")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_sandbox_command_serves_until_stopped(
    stop: signal.Signals,
    commands: list[subprocess.Popen[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A state path longer than the 80 columns rich assumes for a pipe: printed unwrapped.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / ("a-long-state-directory-" * 5)))
    monkeypatch.setenv("COLUMNS", "80")
    server = start(commands, "--members", "50")
    running = found_once_serving(server)
    url = running.url("flattr")
    assert requests.get(f"{url}/rest/v2/categories", timeout=5).status_code == 200
    os.kill(server.pid, stop)
    output, errors = server.communicate(timeout=20)
    assert server.returncode == 0, errors
    assert find_running() is None and not state_path().exists()
    assert not running.data_dir.exists()  # what --sandbox commands wrote went with it
    exports = dict(re.findall(r"export (PAYSUPPORT_[A-Z]+_BASE_URL)=(\S+)", output))
    assert set(running.names) >= {"patreon", "flattr", "ipernity"}
    assert exports == {f"PAYSUPPORT_{n.upper()}_BASE_URL": running.url(n) for n in running.names}
    # Each credential is printed whole on one line too (an NWC URI is longer than
    # the terminal), as an export a shell or a copy takes as it is.
    for name in running.names:
        for key, value in running.providers[name]["credentials"].items():
            assert f"  export PAYSUPPORT_{name.upper()}_{key.upper()}={value}" in output, key
    assert f"state: {state_path()}" in output.splitlines()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/rest/v2/categories", timeout=5)


def test_a_second_sandbox_is_refused_and_a_killed_one_does_not_block_the_next(
    commands: list[subprocess.Popen[str]],
) -> None:
    first = start(commands, "--provider", "flattr")
    running = found_once_serving(first)
    recorded = state_path().read_bytes()
    second = subprocess.run(
        [sys.executable, "-m", "paysupport.cli", "sandbox", "--provider", "flattr"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 2 and len(second.stderr.strip().splitlines()) == 1
    assert f"already running (pid {first.pid}: flattr at {running.url('flattr')})" in second.stderr
    assert state_path().read_bytes() == recorded  # neither overwritten nor deleted
    assert requests.get(f"{running.url('flattr')}/rest/v2/categories", timeout=5).ok
    first.kill()  # SIGKILL: no clean-up at all, its state file stays behind
    first.wait(10)
    assert state_path().exists() and find_running() is None
    third = start(commands, "--provider", "flattr")
    assert found_once_serving(third).url("flattr") != ""
    third.send_signal(signal.SIGTERM)
    assert third.wait(20) == 0
