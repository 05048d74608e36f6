"""Interactive mode: ``python -m paysupport_ipernity`` opens a console with a ready client.

The console runs in a subprocess fed a scripted command on stdin, against a served
emulator; the precedence of options, INI file and environment is checked in-process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ipernity_helpers import Served
from paysupport_ipernity.shell import build_parser, client_from_args, main


def run_shell(args: list[str], script: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "paysupport_ipernity", *args],
        input=script,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_console_answers_a_scripted_command(served: Served) -> None:
    creds = served.emulator.credentials()
    out = run_shell(
        [
            "--api-key", creds["api_key"],
            "--api-secret", creds["api_secret"],
            "--token", creds["auth_token"],
            "--base-url", served.url,
        ],
        'print(client.call("test.echo", echo="hi from the shell")["echo"])\n'
        'print(client.user.get(user_id="ada")["user"]["realname"])\n'
        "print(login == client.login)\n",
    )  # fmt: skip
    assert "hi from the shell\n" in out
    assert "Ada Lovelace\n" in out
    assert "True\n" in out


def test_the_console_reads_the_environment(served: Served) -> None:
    creds = served.emulator.credentials()
    env = {
        "IPERNITY_API_KEY": creds["api_key"],
        "IPERNITY_API_SECRET": creds["api_secret"],
        "IPERNITY_API_TOKEN": creds["auth_token"],
        "PAYSUPPORT_IPERNITY_BASE_URL": served.url,
    }
    out = run_shell([], "print(client.identity().name)\n", env)
    assert "Kal-El\n" in out


def test_options_beat_the_config_file_which_beats_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[ipernity]\napi_key = from-config\napi_secret = secret-from-config\n")
    monkeypatch.setenv("IPERNITY_API_KEY", "from-env")
    monkeypatch.setenv("IPERNITY_API_SECRET", "secret-from-env")
    monkeypatch.setenv("IPERNITY_API_TOKEN", "token-from-env")
    parser = build_parser()
    client = client_from_args(
        parser.parse_args(["--config", str(config), "--api-key", "from-option"])
    )
    assert client.settings["api_key"] == "from-option"
    assert client.settings["api_secret"] == "secret-from-config"
    assert client.settings["auth_token"] == "token-from-env"
    client.close()


def test_help_documents_the_options_and_their_precedence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["-h"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for needle in (
        "--api-key", "--api-secret", "--token", "--config", "--base-url",
        "IPERNITY_API_KEY", "IPERNITY_API_SECRET", "IPERNITY_API_TOKEN",
        "first found wins", "login()",
    ):  # fmt: skip
        assert needle in text


def test_a_broken_config_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.ini"
    config.write_text("api_key = no section\n")
    assert main(["--config", str(config)]) == 2
    assert "config.ini" in capsys.readouterr().err


def test_the_core_shell_command_opens_the_same_console(served: Served) -> None:
    creds = served.emulator.credentials()
    done = subprocess.run(
        [sys.executable, "-m", "paysupport.cli", "shell", "ipernity"],
        input='print(type(client).__name__, client.doc.get(doc_id="100001")["doc"]["doc_id"])\n',
        capture_output=True,
        text=True,
        timeout=30,
        env={
            **os.environ,
            "PAYSUPPORT_IPERNITY_BASE_URL": served.url,
            "IPERNITY_API_KEY": creds["api_key"],
            "IPERNITY_API_SECRET": creds["api_secret"],
            "IPERNITY_API_TOKEN": creds["auth_token"],
        },
    )
    assert done.returncode == 0, done.stderr
    assert "IpernityClient 100001\n" in done.stdout
