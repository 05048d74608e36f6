"""What starting up imports: ``import paysupport`` and listing providers leave requests alone.

Each check runs in a fresh interpreter, since this test process has long imported
everything. ``requests`` (through the HTTP layer and the clients), ``rich`` and
``werkzeug`` (the emulators' server) are the slow imports: a bare ``import
paysupport`` loads none of them, ``paysupport providers --json`` none either and
the table form only rich, which draws it. ``python -m benchmarks --only P5``
measures what this buys (docs/performance.md).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import paysupport
from paysupport import registry
from paysupport.cli import main

SLOW = ("requests", "rich", "werkzeug")

#: Runs the command line in this interpreter, then prints the slow modules it loaded.
PROBE = """
import json, sys
from paysupport.cli import main
try:
    main({args!r}, prog_name="paysupport")
except SystemExit as done:
    assert not done.code, done.code
print("\\nLOADED " + json.dumps(sorted(m for m in {slow!r} if m in sys.modules)))
"""


def loaded_after(code: str) -> tuple[list[str], str]:
    """The slow modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    head, _, loaded = done.stdout.rpartition("\nLOADED ")
    return json.loads(loaded), head


def cli_loads(*args: str) -> tuple[list[str], str]:
    return loaded_after(PROBE.format(args=list(args), slow=SLOW))


def test_import_paysupport_imports_no_http_layer() -> None:
    code = (
        "import json, sys\nimport paysupport\n"
        f"print('\\nLOADED ' + json.dumps(sorted(m for m in {SLOW!r} + ('paysupport.http',)"
        " if m in sys.modules)))"
    )
    assert loaded_after(code)[0] == []


def test_public_names_and_old_submodule_attributes_still_work() -> None:
    code = (
        "import json, sys\nimport paysupport\n"
        "names = [getattr(paysupport, n) for n in paysupport.__all__]\n"
        "assert paysupport.http.HttpClient and paysupport.errors.PaySupportError\n"
        "assert paysupport.Capability is paysupport.provider.Capability\n"
        "print('\\nLOADED ' + json.dumps(sorted(m for m in ('requests',) if m in sys.modules)))"
    )
    assert loaded_after(code)[0] == ["requests"]  # touching Client or HttpOptions loads it


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        paysupport.Nope  # type: ignore[attr-defined]  # noqa: B018


def test_providers_as_json_imports_neither_requests_nor_rich_nor_werkzeug() -> None:
    loaded, out = cli_loads("providers", "--json")
    assert loaded == []
    listed = json.loads(out)
    assert [p["name"] for p in listed] == [info.name for info in paysupport.available()]
    emulators = registry.emulator_names()
    for entry, info in zip(listed, paysupport.available(), strict=True):
        assert entry == {
            "name": info.name,
            "title": info.title,
            "auth": info.auth,
            "capabilities": sorted(c.value for c in info.capabilities),
            "collections": list(info.collections),
            "sandbox": info.name in emulators,
        }


def test_the_providers_table_imports_rich_only_and_shows_the_same_as_before() -> None:
    loaded, out = cli_loads("providers")
    assert loaded == ["rich"]
    assert out == CliRunner().invoke(main, ["providers"]).stdout
    for info in paysupport.available():
        assert info.name in out and info.title.split()[0] in out
