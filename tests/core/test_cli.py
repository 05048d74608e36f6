"""The command line: output formats, exit codes, --sandbox, redacted --debug."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from click.testing import CliRunner

from paysupport.cli import main


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
