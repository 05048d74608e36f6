"""The sandbox: emulators on 127.0.0.1, fault injection before effects, latency, state file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paysupport.emulation import EmulatorSettings
from paysupport.errors import ConfigError, ResponseFormatError, Timeout, TransportError
from paysupport.http import HttpClient, HttpOptions
from paysupport.sandbox import FaultPlan, Sandbox, SandboxOptions, running
from paysupport.sandbox.consent import read_consent_form
from paysupport.sandbox.faults import FAULT_KINDS, parse_kinds
from paysupport.sandbox.state import SandboxClaim, find_running, state_dir, state_path

FAST = HttpOptions(retries=8, backoff_factor=0.0, backoff_jitter=0.0, read_timeout=2.0)


def example_sandbox(**faults: Any) -> Sandbox:
    return Sandbox(
        SandboxOptions(providers=["example"], sizes={"items": 40}, faults=FaultPlan(**faults))
    )


def get_items(sb: Sandbox, options: HttpOptions = FAST) -> Any:
    key = sb.credentials("example")["api_key"]
    http = HttpClient("example", sb.url("example"), options=options)
    response = http.request("GET", "/api/items?page=1", headers={"X-Api-Key": key})
    return response


@pytest.mark.parametrize("kind", ["500", "503", "429", "reset", "truncate"])
def test_transient_faults_are_retried_by_the_http_layer(kind: str) -> None:
    with example_sandbox(rate=0.5, kinds=(kind,), seed=3, retry_after=0) as sb:
        for _ in range(10):
            assert get_items(sb).status_code == 200
        injected = sb.injectors["example"].injected[kind]
        reached = sb.emulator("example").admin_state()["requests"]  # type: ignore[attr-defined]
    assert injected > 0
    assert reached == 10  # a faulted request never reached the emulator


def test_persistent_reset_is_a_transport_error() -> None:
    with example_sandbox(rate=1.0, kinds=("reset",)) as sb:
        with pytest.raises(TransportError):
            get_items(sb, HttpOptions(retries=1, backoff_factor=0.0))
        assert sb.emulator("example").admin_state()["requests"] == 0  # type: ignore[attr-defined]


def test_persistent_truncation_is_a_format_error() -> None:
    with (
        example_sandbox(rate=1.0, kinds=("truncate",)) as sb,
        pytest.raises(ResponseFormatError, match="truncated"),
    ):
        get_items(sb, HttpOptions(retries=1, backoff_factor=0.0))


def test_slow_answers_outlast_the_client_timeout() -> None:
    with (
        example_sandbox(rate=1.0, kinds=("slow",), slow_seconds=1.0) as sb,
        pytest.raises(Timeout),
    ):
        get_items(sb, HttpOptions(retries=0, read_timeout=0.2))


def test_admin_paths_are_never_faulted() -> None:
    plan = FaultPlan(rate=1.0)
    assert plan.exempt == ("/_admin",)


def test_bad_fault_plans_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="between 0 and 1"):
        FaultPlan(rate=2)
    with pytest.raises(ConfigError, match="unknown fault kind"):
        FaultPlan(kinds=("explode",))
    assert parse_kinds("500, reset") == ("500", "reset")
    assert parse_kinds("") == FAULT_KINDS


def test_latency_is_added_to_every_answer() -> None:
    options = SandboxOptions(providers=["example"], latency_ms=150)
    with Sandbox(options) as sb:
        started = time.monotonic()
        get_items(sb)
        assert time.monotonic() - started >= 0.15


def test_running_connects_clients_and_exports_urls() -> None:
    with running(providers=["example"], sizes={"items": 7}) as sb:
        client = sb.connect("example")
        assert len(list(client.walk("items"))) == 7
        assert sb.environment() == {"PAYSUPPORT_EXAMPLE_BASE_URL": sb.url("example")}


def test_consecutive_ports_from_the_given_one() -> None:
    with Sandbox(SandboxOptions(providers=["example"])) as probe:
        port = int(probe.url("example").rsplit(":", 1)[1])
    with Sandbox(SandboxOptions(providers=["example"], port=port)) as sb:
        assert sb.url("example") == f"http://127.0.0.1:{port}"


def test_a_factory_replaces_the_entry_point_for_one_sandbox() -> None:
    from paysupport_example.emulator import ExampleEmulator  # the plugin under test, not the core's

    built: list[EmulatorSettings] = []

    def factory(settings: EmulatorSettings) -> ExampleEmulator:
        built.append(settings)
        emulator = ExampleEmulator(settings)
        emulator.api_key = "custom-key"
        return emulator

    options = SandboxOptions(
        providers=["example"], sizes={"items": 3}, factories={"example": factory}
    )
    with Sandbox(options) as sb:
        assert sb.credentials("example")["api_key"] == "custom-key"
        assert len(list(sb.connect("example").walk("items"))) == 3
    assert [s.sizes for s in built] == [{"items": 3}]
    with running(providers=["example"]) as plain:
        assert plain.credentials("example")["api_key"] != "custom-key"


@pytest.fixture
def recorded_sandbox() -> Iterator[Sandbox]:
    with running(providers=["example"]) as sb, SandboxClaim() as claim:
        claim.publish(sb)
        yield sb


def test_a_running_sandbox_is_found_by_other_commands(recorded_sandbox: Sandbox) -> None:
    found = find_running()
    assert found is not None and found.url("example") == recorded_sandbox.url("example")
    assert found.connect("example").identity().name == "Example User"
    assert found.data_dir == recorded_sandbox.data_dir
    assert state_path().stat().st_mode & 0o777 == 0o600


def test_an_embedded_sandbox_keeps_its_data_in_a_private_dir_removed_on_stop() -> None:
    with running(providers=["example"]) as sb:
        data = sb.data_dir
        assert data.is_dir() and data.stat().st_mode & 0o777 == 0o700
        assert not data.is_relative_to(Path(os.environ["XDG_DATA_HOME"]))
    assert not data.exists()


def test_a_second_sandbox_is_refused_naming_the_first(recorded_sandbox: Sandbox) -> None:
    before = state_path().read_bytes()
    with pytest.raises(ConfigError) as refused:
        SandboxClaim(wait=0.2)
    named = f"already running (pid {os.getpid()}: example at {recorded_sandbox.url('example')})"
    assert named in str(refused.value)
    assert state_path().read_bytes() == before  # the refused one wrote and removed nothing
    found = find_running()
    assert found is not None and found.url("example") == recorded_sandbox.url("example")


def test_the_state_of_a_dead_sandbox_is_ignored_even_if_its_pid_is_reused() -> None:
    # The state names a live process (this one: as if the dead sandbox's pid had been
    # reused), but no process holds the lock any more.
    directory = state_dir()
    (directory / "sandbox.lock").write_text(f"{os.getpid()}\n")
    state_path().write_text(
        f'{{"pid": {os.getpid()}, "data_dir": "/nowhere", '
        '"providers": {"example": {"url": "http://127.0.0.1:9", "credentials": {}}}}'
    )
    assert find_running() is None
    with running(providers=["example"]) as sb, SandboxClaim(wait=0.2) as claim:
        claim.publish(sb)
        found = find_running()
        assert found is not None and found.url("example") == sb.url("example")
    assert not state_path().exists()


def test_a_sandbox_killed_with_sigkill_does_not_block_the_next() -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_CLAIM], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "claimed"
        with pytest.raises(ConfigError, match=f"pid {holder.pid}"):
            SandboxClaim(wait=0.2)
        holder.kill()
        holder.wait(10)
        claim = SandboxClaim(wait=0.2)  # the kernel dropped the dead one's lock
        claim.release()
    finally:
        holder.kill()
        holder.wait(10)


#: A process that takes the sandbox claim, says so and waits to be killed.
HOLD_A_CLAIM = """
import time
from paysupport.sandbox.state import SandboxClaim
claim = SandboxClaim()
print("claimed", flush=True)
time.sleep(60)
"""


def test_the_state_is_private_and_never_written_through_a_planted_symlink(
    tmp_path: Path,
) -> None:
    # Another local user could write in a state directory made under umask 000 and
    # planted symlinks to the victim's files where the sandbox writes.
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o640)
    directory = Path(os.environ["XDG_STATE_HOME"], "paysupport")
    directory.mkdir(mode=0o777)
    directory.chmod(0o777)
    for name in ("sandbox.json", "sandbox.lock", "sandbox-data"):
        (directory / name).symlink_to(victim if name != "sandbox-data" else tmp_path)
    previous = os.umask(0)
    try:
        with running(providers=["example"]) as sb, SandboxClaim() as claim:
            claim.publish(sb)
            assert find_running() is not None
            for name, mode in (("sandbox.json", 0o600), ("sandbox.lock", 0o600)):
                info = (directory / name).lstat()
                assert not (directory / name).is_symlink() and info.st_mode & 0o777 == mode
            assert claim.data_dir.lstat().st_mode & 0o777 == 0o700
            assert not claim.data_dir.is_symlink()
    finally:
        os.umask(previous)
    assert directory.stat().st_mode & 0o777 == 0o700
    assert victim.read_text() == "precious" and victim.stat().st_mode & 0o777 == 0o640
    assert tmp_path.is_dir() and victim.exists()  # the planted data dir link was not emptied


def test_a_state_dir_others_may_write_in_is_not_trusted(tmp_path: Path) -> None:
    with running(providers=["example"]) as sb, SandboxClaim() as claim:
        claim.publish(sb)
        state_path().parent.chmod(0o777)
        try:
            assert find_running() is None
        finally:
            state_path().parent.chmod(0o700)


def test_consent_forms_are_read_like_a_browser_would() -> None:
    page = """<html><body><form method="post" action="/approve">
        <input type="hidden" name="state" value="s1">
        <input type="checkbox" name="remember" value="1">
        <button name="decision" value="allow">Allow</button>
        <button name="decision" value="deny">Deny</button></form></body></html>"""
    form = read_consent_form(page, "http://127.0.0.1:1/oauth/authorize?x=1")
    assert form.action == "http://127.0.0.1:1/approve"
    assert form.fields == {"state": "s1"}
    assert form.buttons == {"decision": ["allow", "deny"]}
    with pytest.raises(ResponseFormatError):
        read_consent_form("<html>no form</html>", "http://127.0.0.1/")


def test_emulators_with_lifecycle_hooks_learn_their_url_and_are_closed_on_stop() -> None:
    from paysupport_example.emulator import ExampleEmulator  # the plugin under test, not the core's

    events: list[str] = []

    class Hooked(ExampleEmulator):
        """An emulator that runs something besides its WSGI app (say, a relay)."""

        def serving(self, url: str) -> None:
            events.append(f"serving {url}")

        def close(self) -> None:
            events.append("closed")

    options = SandboxOptions(providers=["example"], factories={"example": Hooked})
    with Sandbox(options) as sb:
        assert events == [f"serving {sb.url('example')}"]
    assert events[-1] == "closed"


def test_an_emulator_that_cannot_be_served_is_closed_before_the_error() -> None:
    from paysupport_example.emulator import ExampleEmulator  # the plugin under test, not the core's

    closed: list[bool] = []

    class Hooked(ExampleEmulator):
        def close(self) -> None:
            closed.append(True)

    with Sandbox(SandboxOptions(providers=["example"])) as taken:
        busy_port = int(taken.url("example").rsplit(":", 1)[1])
        options = SandboxOptions(
            providers=["example"], port=busy_port, factories={"example": Hooked}
        )
        with pytest.raises((ConfigError, SystemExit)):  # werkzeug exits on a taken port
            Sandbox(options).start()
    assert closed == [True]
