"""Every code block of the docs runs as written, against a sandbox.

README.md, docs/*.md, the providers' READMEs and the web example's README: each
fenced block is one test named after the file and line where the block starts
(``docs/quickstart.md:27``). Python blocks run in one namespace per file where
``paysupport.connect(name)`` reaches that file's sandbox (its URLs and
credentials are the environment's ``PAYSUPPORT_<PROVIDER>_<KEY>``); shell blocks
run each ``paysupport`` command as a subprocess with ``--sandbox``. A block
that cannot run carries ``<!-- no-test: reason -->``; a block of any other
kind without one fails, so a new sample is never left untested by accident.
See tests/docs/samples.py for the directives.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import traceback
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paysupport.sandbox import Sandbox, SandboxOptions, answer_consent
from paysupport.sandbox.serving import serve_wsgi
from paysupport.sandbox.state import SandboxClaim
from tests.docs.samples import ROOT, RUNNABLE, Block, blocks, commands, doc_files

PAYSUPPORT = str(Path(sys.executable).with_name("paysupport"))
ALL = [block for path in doc_files() for block in blocks(path)]


class DocsFile:
    """One docs file's sandbox, temporary HOME, environment and Python namespace."""

    def __init__(self, path: Path, tmp: Path) -> None:
        self.path = path
        self.tmp = tmp
        self.home = tmp / "home"
        self.work = tmp / "work"
        for directory in (self.home, self.work, tmp / "tmp"):
            directory.mkdir(parents=True)
        state = tmp / "state"
        (state / "paysupport").mkdir(parents=True, mode=0o700)
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "LANG": "C.UTF-8",
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(tmp / "config"),
            "XDG_DATA_HOME": str(tmp / "data"),
            "XDG_STATE_HOME": str(state),
            "XDG_CACHE_HOME": str(tmp / "cache"),
            "TMPDIR": str(tmp / "tmp"),
            "COLUMNS": "120",
        }
        self.stack = contextlib.ExitStack()
        self.sandbox = self.stack.enter_context(
            Sandbox(SandboxOptions(data_dir=tmp / "sandbox-data"))
        )
        # `paysupport --sandbox` in the subprocesses finds this sandbox.
        claim = self.stack.enter_context(SandboxClaim(state / "paysupport"))
        claim.publish(self.sandbox)
        # What the Python blocks see (set again for each test: the root conftest.py
        # clears PAYSUPPORT_* around every test).
        self.python_env = {k: v for k, v in self.env.items() if k != "PATH"}
        self.python_env["PAYSUPPORT_TOKEN_STORE"] = "memory"
        for name in self.sandbox.names:
            prefix = f"PAYSUPPORT_{name.upper()}_"
            self.python_env[f"{prefix}BASE_URL"] = self.sandbox.url(name)
            for key, value in self.sandbox.credentials(name).items():
                self.python_env[f"{prefix}{key.upper()}"] = value
        self.patch = pytest.MonkeyPatch()
        self.namespace: dict[str, Any] = {
            "__name__": "__docs__",
            "docs_sandbox": self.sandbox,
            "docs_home": self.home,
            "docs_browser_allows": self.browser_allows,
            "docs_active_patron": self.active_patron,
            "docs_serve": self.serve,
            **{f"{name}_url": self.sandbox.url(name) for name in self.sandbox.names},
        }
        self.done: set[int] = set()

    def browser_allows(self) -> None:
        """``webbrowser.open`` becomes a person clicking Allow on the consent page."""
        self.patch.setattr(webbrowser, "open", lambda url, *a, **k: bool(answer_consent(url)))

    def serve(self, body: bytes, content_type: str = "application/rss+xml") -> str:
        """Serve ``body`` on 127.0.0.1 until the file's blocks are done; its URL."""

        def app(environ: Any, start_response: Any) -> list[bytes]:
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]

        return self.stack.enter_context(serve_wsgi(app, quiet=True)).url + "/feed.xml"

    def active_patron(self) -> tuple[str, str]:
        """The creator's campaign id and the access token of an active patron of it."""
        creator = self.sandbox.connect("patreon")
        campaign = next(iter(creator.walk("campaigns")))
        member = next(m for m in creator.walk("members", campaign=campaign.id) if m.is_active)
        patron = self.sandbox.connect("patreon", creator_access_token="", creator_refresh_token="")
        assert patron.oauth is not None
        request = patron.oauth.authorization_url(["identity", "identity.memberships"])
        answer = answer_consent(request.url, login_as=member.user_id)
        token = patron.oauth.fetch_token(
            authorization_response=answer.headers["Location"], request=request
        )
        return str(campaign.id), token.access_token

    def close(self) -> None:
        self.stack.close()

    def fill_in(self, block: Block, source: str) -> str:
        for literal, name in block.fill_ins:
            if literal not in source:
                pytest.fail(f"{block.where}: the fill-in {literal!r} is not in the block")
            if name not in self.namespace:
                pytest.fail(f"{block.where}: no value for the fill-in {name!r}")
            source = source.replace(literal, str(self.namespace[name]))
        return source

    def run_python(self, line: int, source: str, where: str) -> None:
        code = compile("\n" * (line - 1) + source, str(self.path), "exec")
        try:
            exec(code, self.namespace)
        except Exception:
            failure = traceback.format_exc()
        else:
            return
        pytest.fail(f"the python block at {where} failed:\n{failure}", False)

    def run(self, block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
        self.patch = monkeypatch
        for name, value in self.python_env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(self.work)
        for earlier in ALL:  # blocks above it first: a sample may use names defined there
            if earlier.path != block.path or earlier.line >= block.line:
                continue
            if earlier.line not in self.done and _runnable(earlier):
                self.done.add(earlier.line)
                self._run_one(earlier)
        self.done.add(block.line)
        self._run_one(block)

    def _run_one(self, block: Block) -> None:
        for line, source in block.harness:
            self.run_python(line, source, f"{block.where} (its harness)")
        source = self.fill_in(block, block.source)
        if block.language == "python":
            self.run_python(block.first_source_line, source, block.where)
            return
        for command in commands(Block(block.path, block.line, block.language, source)):
            self.run_command(command, block)

    def run_command(self, command: str, block: Block) -> None:
        words = command.split(None, 1)
        rest = words[1] if len(words) > 1 else ""
        if not rest.startswith("--sandbox"):
            rest = f"--sandbox {rest}"
        done = subprocess.run(
            ["bash", "-c", f"{PAYSUPPORT} {rest}"],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            pytest.fail(
                f"`{command}` ({block.where}) exited with {done.returncode}:\n"
                f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}",
                False,
            )


def _runnable(block: Block) -> bool:
    return block.language in RUNNABLE and block.no_test is None and not block.problems


class DocsRun:
    """One DocsFile at a time: the blocks of a file run one after another."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.current: DocsFile | None = None

    def for_file(self, path: Path) -> DocsFile:
        if self.current is None or self.current.path != path:
            self.close()
            name = "-".join(path.relative_to(ROOT).with_suffix("").parts)
            self.current = DocsFile(path, self.factory.mktemp(f"docs-{name}"))
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None


@pytest.fixture(scope="module")
def docs_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocsRun]:
    run = DocsRun(tmp_path_factory)
    try:
        yield run
    finally:
        run.close()


def _param(block: Block) -> Any:
    reason = f"no-test at {block.where}: {block.no_test}"
    marks = [pytest.mark.skip(reason=reason)] if block.no_test else []
    return pytest.param(block, id=block.where, marks=marks)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("block", [_param(block) for block in ALL])
def test_code_block(block: Block, docs_run: DocsRun, monkeypatch: pytest.MonkeyPatch) -> None:
    if block.problems:
        pytest.fail(f"{block.where}: " + "; ".join(block.problems), False)
    if block.language not in RUNNABLE:
        pytest.fail(
            f"{block.where}: a ```{block.language or '(no language)'} block is not tested: "
            "give it a harness or mark it `<!-- no-test: reason -->`",
            False,
        )
    if block.language != "python":
        try:
            problem = "" if commands(block) else "the block runs no paysupport command"
        except ValueError as exc:
            problem = str(exc)
        if problem:
            pytest.fail(f"{block.where}: {problem}", False)
    docs_run.for_file(block.path).run(block, monkeypatch)


def test_every_docs_file_is_read() -> None:
    names = {str(block.path.relative_to(ROOT)) for block in ALL}
    assert {"README.md", "docs/quickstart.md", "docs/testing.md"} <= names
    assert {f"providers/{p}/README.md" for p in ("patreon", "flattr", "ipernity")} <= names


def test_directives_attach_to_the_block_right_below_them(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "<!-- no-test: a config file -->\n"
        "```ini\n[patreon]\n```\n\n"
        "<!-- fill-in: http://127.0.0.1:8080 = flattr_url -->\n"
        "```sh\npaysupport walk flattr things --filter base=http://127.0.0.1:8080\n```\n\n"
        "<!-- no-test: left above prose -->\n\nSome prose.\n\n"
        "```yaml\nkey: value\n```\n",
        encoding="utf-8",
    )
    config, shell, yaml = blocks(page)
    assert (config.line, config.no_test, config.problems) == (4, "a config file", [])
    assert shell.fill_ins == [("http://127.0.0.1:8080", "flattr_url")]
    assert commands(shell) == ["paysupport walk flattr things --filter base=http://127.0.0.1:8080"]
    assert yaml.no_test is None
    assert yaml.problems == ["line 13: a no-test directive above no block"]


def test_a_shell_block_holds_only_paysupport_commands(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```sh\n.venv/bin/paysupport providers\npip install x\n```\n")
    (block,) = blocks(page)
    with pytest.raises(ValueError, match="`pip install x` is not a paysupport command"):
        commands(block)
