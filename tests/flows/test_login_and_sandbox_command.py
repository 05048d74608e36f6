"""A person's login at a terminal, and `paysupport sandbox` started and stopped like one."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
import requests

from paysupport.errors import StateMismatch
from paysupport.login import frob_login, oauth_login
from paysupport.sandbox import Sandbox, SandboxOptions, answer_consent
from paysupport.sandbox.state import find_running


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


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_sandbox_command_serves_until_stopped(stop: signal.Signals) -> None:
    command = [sys.executable, "-m", "paysupport.cli", "sandbox", "--members", "50"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None
    lines = []
    for line in server.stdout:
        lines.append(line)
        if "Ctrl-C to stop" in line:
            break
    output = "".join(lines)
    exports = dict(re.findall(r"export (PAYSUPPORT_\w+_BASE_URL)=(\S+)", output))
    assert set(exports) >= {f"PAYSUPPORT_{p}_BASE_URL" for p in ("PATREON", "FLATTR", "IPERNITY")}
    running = find_running()
    assert running is not None and running.pid == server.pid
    url = exports["PAYSUPPORT_FLATTR_BASE_URL"]
    assert requests.get(f"{url}/rest/v2/categories", timeout=5).status_code == 200
    os.kill(server.pid, stop)
    assert server.wait(20) == 0
    assert find_running() is None
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/rest/v2/categories", timeout=5)
