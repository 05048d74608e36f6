"""docs/writing-a-provider.md shows this provider's files as they are, so it cannot drift.

The page's blocks that show a file of the provider are marked
``<!-- no-test: the file tests/example_provider/<path>, verbatim: ... -->`` (the
whole file) or ``<!-- no-test: an excerpt of tests/example_provider/<path>, ... -->``
(consecutive lines of it, dedented). They are not run as samples (they define the
package itself); these tests compare them with the files instead.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "writing-a-provider.md"

SHOWN = re.compile(
    r"<!-- no-test: (?P<kind>the file|an excerpt of) (?P<path>\S+), verbatim: [^\n]*-->\n"
    r"```[a-z]*\n(?P<body>.*?)\n```\n",
    re.DOTALL,
)


def shown() -> list[tuple[str, str, str]]:
    """(kind, path, body) of every block of the page that shows a file."""
    return [(m["kind"], m["path"], m["body"]) for m in SHOWN.finditer(DOC.read_text())]


def is_excerpt(body: str, text: str) -> bool:
    """Whether ``body`` is consecutive lines of ``text``, as they are or dedented."""
    wanted = body.splitlines()
    lines = text.splitlines()
    return any(
        textwrap.dedent("\n".join(lines[i : i + len(wanted)])) == body
        for i in range(len(lines) - len(wanted) + 1)
    )


def test_the_page_shows_the_main_files_of_the_provider() -> None:
    paths = {path for _, path, _ in shown()}
    provider = "tests/example_provider/paysupport_example"
    assert {
        "tests/example_provider/pyproject.toml",
        f"{provider}/info.py",
        f"{provider}/transport.py",
        f"{provider}/client.py",
        f"{provider}/emulator/app.py",
        "tests/example_provider/tests/conftest.py",
    } <= paths


@pytest.mark.parametrize(("kind", "path", "body"), shown(), ids=[p for _, p, _ in shown()])
def test_a_block_showing_a_file_is_the_file(kind: str, path: str, body: str) -> None:
    text = (ROOT / path).read_text()
    if kind == "the file":
        assert body + "\n" == text, f"docs/writing-a-provider.md's copy of {path} differs"
    else:
        assert is_excerpt(body, text), f"docs/writing-a-provider.md's excerpt of {path} differs"


def test_a_changed_line_is_caught() -> None:
    text = "def f():\n    return 1\n\n\ndef g():\n    return 2\n"
    assert is_excerpt("def g():\n    return 2", text)
    assert is_excerpt("return 1", text)
    assert not is_excerpt("def g():\n    return 3", text)
