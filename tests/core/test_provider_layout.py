"""Every installed provider follows the provider layout, checked from its files."""

from __future__ import annotations

from pathlib import Path

import pytest

from paysupport.layout import find_cycle, import_graph, layout_problems
from paysupport.registry import provider_infos

#: Each installed provider's package, read from its declaration (``client`` names it).
PACKAGES = sorted({info.client.partition(".")[0] for info in provider_infos().values()})


def test_every_bundled_provider_is_checked() -> None:
    expected = {"patreon", "flattr", "ipernity", "github", "lightning", "example"}
    assert {f"paysupport_{name}" for name in expected} <= set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_provider_follows_the_layout(package: str) -> None:
    assert layout_problems(package) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_a_package_that_breaks_the_layout_is_told_what_is_wrong(tmp_path: Path) -> None:
    root = tmp_path / "paysupport_broken"
    (root / "emulator").mkdir(parents=True)
    files = {
        "__init__.py": '"""A broken provider."""\n',
        "info.py": '"""Its declaration."""\nimport requests\n',
        "client.py": '"""Its client."""\nfrom paysupport_broken import resources\n'
        "from paysupport_broken.emulator import app\n",
        "resources.py": '"""Its records."""\nfrom paysupport_broken import client\n',
        "_hidden.py": "x = 1\n",
        "emulator/__init__.py": '"""Its emulator."""\n',
        "emulator/app.py": '"""Its app."""\n',
    }
    for name, text in files.items():
        (root / name).write_text(text)
    problems = "\n".join(layout_problems("paysupport_broken", root=root))
    for expected in (
        "errors.py is missing",
        "emulator.store.py is missing",
        "_hidden.py has a private name",
        "_hidden.py does not say its job",
        "py.typed is missing",
        "import cycle: paysupport_broken.client -> paysupport_broken.resources",
        "resources imports paysupport_broken.client",
        "info imports requests",
        "paysupport_broken.client imports the emulator",
    ):
        assert expected in problems, expected
    assert import_graph("paysupport_broken", root)["paysupport_broken.emulator.app"] == set()
