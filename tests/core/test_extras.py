"""Install only what you use: the core runs without the extras, and each part names its extra.

Each check runs a fresh interpreter in which the extras' libraries (werkzeug,
vcrpy, feedparser) cannot be imported, as if ``pip install paysupport`` alone
had been run: a ``sitecustomize`` on ``PYTHONPATH`` puts a finder first on
``sys.meta_path`` that refuses them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import paysupport
from paysupport._extras import EXTRAS, needs_extra
from paysupport.errors import ConfigError, MissingExtra

ROOT = Path(__file__).resolve().parents[2]
PAYSUPPORT = str(Path(sys.executable).with_name("paysupport"))

#: The libraries the extras bring, and so what a bare ``pip install paysupport`` lacks.
OPTIONAL = ("werkzeug", "vcr", "feedparser")

BLOCKER = f"""
import sys

BLOCKED = {OPTIONAL!r}


class Uninstalled:
    \"\"\"Answers for the extras' modules as if they were not installed.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, Uninstalled())
"""


@pytest.fixture
def bare(tmp_path: Path) -> dict[str, str]:
    """The environment of a process where only the core's dependencies can be imported."""
    site = tmp_path / "bare-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    return {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path)}


def run(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_blocker_really_hides_the_extras(bare: dict[str, str], tmp_path: Path) -> None:
    result = run(
        """
        for name in ("werkzeug", "vcr", "feedparser"):
            try:
                __import__(name)
            except ModuleNotFoundError:
                print("hidden", name)
        """,
        bare,
        tmp_path,
    )
    assert result.stdout.split("\n")[:3] == ["hidden werkzeug", "hidden vcr", "hidden feedparser"]


def test_the_core_and_every_client_work_without_any_extra(
    bare: dict[str, str], tmp_path: Path
) -> None:
    """A web app on ``pip install paysupport paysupport-<name>``: clients never import emulators."""
    result = run(
        """
        import sys
        import paysupport
        import paysupport.blog  # registering posts (`paysupport publish`) reads no feed
        import paysupport.cli
        import paysupport.login  # the terminal login's callback server is the standard library's
        import paysupport.testing  # the pytest plugin, loaded by every pytest run

        for info in paysupport.available():
            client = paysupport.connect(info.name, base_url="http://127.0.0.1:9")
            print(info.name, type(client).__name__)
        loaded = sorted(sys.modules)
        extras = [m for m in loaded if m.partition(".")[0] in ("werkzeug", "vcr", "feedparser")]
        emulators = [m for m in loaded if ".emulator" in m or m.startswith("paysupport.sandbox")]
        print("imported:", extras, emulators)
        """,
        bare,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    made = dict(line.split() for line in result.stdout.splitlines()[:-1])
    assert {"patreon", "flattr", "ipernity"} <= set(made)
    assert made["patreon"] == "PatreonClient"
    assert result.stdout.splitlines()[-1] == "imported: [] []"


@pytest.mark.parametrize(
    ("statement", "extra"),
    [
        ("from paysupport import sandbox", "sandbox"),
        ("import paysupport.sandbox.serving", "sandbox"),
        ("import paysupport.demo", "sandbox"),
        ("from paysupport.testing import serve_wsgi", "sandbox"),
        ("import paysupport.testing; paysupport.testing.recorder('cassettes')", "testing"),
        ("import paysupport.feeds", "feeds"),
        ("import paysupport.podcatcher", "feeds"),
        ("from paysupport.blog import Blog; Blog(connect=print).sync_feed(b'')", "feeds"),
    ],
)
def test_a_part_without_its_extra_names_the_extra(
    statement: str, extra: str, bare: dict[str, str], tmp_path: Path
) -> None:
    result = run(
        f"""
        import paysupport

        try:
            {statement}
        except paysupport.MissingExtra as error:
            assert isinstance(error, ImportError) and isinstance(error, paysupport.ConfigError)
            print(error.extra, "|", error)
        """,
        bare,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    named, _, message = result.stdout.strip().partition(" | ")
    assert named == extra
    assert f"pip install 'paysupport[{extra}]'" in message


def test_the_pytest_plugin_loads_without_the_extras_and_its_fixtures_name_them(
    bare: dict[str, str], tmp_path: Path
) -> None:
    """pytest loads ``paysupport.testing`` in every run: a project without extras still tests."""
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            """
            def test_plain():
                assert 1 + 1 == 2

            def test_sandbox(paysupport_sandbox):
                pass

            def test_server(wsgi_server):
                pass
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        env=bare,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "1 passed, 2 errors" in result.stdout, result.stdout + result.stderr
    assert result.stdout.count("pip install 'paysupport[sandbox]'") >= 2


def test_the_cli_says_which_extra_a_command_needs(bare: dict[str, str], tmp_path: Path) -> None:
    result = subprocess.run(
        [PAYSUPPORT, "sandbox"],
        env=bare,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "pip install 'paysupport[sandbox]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_extra_is_a_config_error_and_an_import_error() -> None:
    error = MissingExtra("feeds", part="podcasts", module="feedparser")
    assert isinstance(error, ConfigError) and isinstance(error, ImportError)
    assert error.name == "feedparser"
    assert str(error) == (
        "podcasts needs the 'feeds' extra (no module named 'feedparser'): "
        "pip install 'paysupport[feeds]'"
    )
    assert paysupport.MissingExtra is MissingExtra


def test_a_provider_names_its_own_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "werkzeug", None)  # makes `import werkzeug` fail
    with (
        pytest.raises(MissingExtra, match=r"pip install 'paysupport-patreon\[sandbox\]'"),
        needs_extra("sandbox", "Patreon's emulator", distribution="paysupport-patreon"),
    ):
        import werkzeug  # noqa: F401


def test_other_import_errors_are_not_blamed_on_an_extra() -> None:
    """A module the extra does not bring (a broken install) keeps its own error."""
    with pytest.raises(ModuleNotFoundError) as raised, needs_extra("feeds", "podcasts"):
        import paysupport_no_such_module  # noqa: F401
    assert not isinstance(raised.value, MissingExtra)


def test_each_extra_declares_the_distribution_of_its_modules() -> None:
    """``_extras.EXTRAS`` and pyproject.toml agree, and the core declares none of them."""
    tomllib = pytest.importorskip("tomllib")
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]

    def names(requirements: list[str]) -> set[str]:
        """``["werkzeug>=3.0", "paysupport[sandbox]"]`` -> ``{"werkzeug", "paysupport"}``."""
        return {re.split(r"[\[<>=;!~ ]", req, maxsplit=1)[0].lower() for req in requirements}

    owners = packages_distributions()
    for extra, modules in EXTRAS.items():
        for module in modules:
            distributions = {d.lower() for d in owners.get(module, [module])}
            assert distributions & names(optional[extra]), (extra, module)
            assert not distributions & names(project["dependencies"]), (extra, module)
    assert set(EXTRAS) <= set(optional)
    assert "requests-oauthlib" not in names(project["dependencies"])
