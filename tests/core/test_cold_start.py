"""What starting up imports: ``import paysupport`` and listing providers leave requests alone.

Each check runs in a fresh interpreter, since this test process has long imported
everything. ``requests`` (through the HTTP layer and the clients), ``rich`` and
``werkzeug`` (the emulators' server) are the slow imports: a bare ``import
paysupport`` loads none of them, and ``paysupport providers`` (table or JSON)
none either: it prints plain text, reads entry points without stevedore or
``importlib.metadata`` and imports the standard library, click, the core's few
modules and each provider's ``info`` only. ``python -m benchmarks --only P5``
measures what this buys (docs/performance.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

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


def test_the_providers_table_imports_none_of_them_and_shows_the_same_in_process() -> None:
    loaded, out = cli_loads("providers")
    assert loaded == []
    assert out == CliRunner().invoke(main, ["providers"]).stdout
    for info in paysupport.available():
        assert info.name in out and info.title.split()[0] in out
    assert out.splitlines()[1].split() == [
        "name",
        "title",
        "auth",
        "capabilities",
        "collections",
        "sandbox",
    ]


#: Runs the command line, then prints the modules it imported (not those the interpreter
#: loaded to start, such as the editable installs' finders).
LISTING_PROBE = """
import json, sys
before = set(sys.modules)
from paysupport.cli import main
try:
    main({args!r}, prog_name="paysupport")
except SystemExit as done:
    assert not done.code, done.code
print("\\nLOADED " + json.dumps(sorted(set(sys.modules) - before)))
"""


@pytest.mark.parametrize("args", [["providers"], ["providers", "--json"]])
def test_listing_providers_imports_the_standard_library_click_and_declarations_only(
    args: list[str],
) -> None:
    loaded, _ = loaded_after(LISTING_PROBE.format(args=args))
    packages = {name.partition(".")[0] for name in loaded} - set(sys.stdlib_module_names)
    providers = {p for p in packages if p.startswith("paysupport_")}
    assert packages - providers == {"click", "paysupport"}
    # Of a provider, its package and its declaration (info.py): never its client.
    assert {m for m in loaded if m.startswith("paysupport_")} == {
        name for p in providers for name in (p, f"{p}.info")
    }
    # The standard library's slow part for this job: the registry reads entry points itself.
    assert "importlib.metadata" not in loaded
    for slow in ("stevedore", "rich", "requests", "paysupport.http", "paysupport.provider"):
        assert slow not in loaded


def _distribution(folder: Path, name: str, entry_points: str) -> None:
    dist = folder / f"{name}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(entry_points)


def _both(group: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    ours = [(ep.name, ep.value) for ep in registry.entry_points(group)]
    theirs = [(ep.name, ep.value) for ep in metadata.entry_points(group=group)]
    return ours, theirs


def test_entry_points_are_found_as_importlib_metadata_finds_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A distribution shadowing an installed one (the first on sys.path wins, whatever
    # the spelling of its name), and one whose file has comments, blanks and spacing.
    _distribution(
        tmp_path, "Paysupport.Example", "[paysupport.providers]\nexample = nowhere:INFO\n"
    )
    _distribution(
        tmp_path,
        "odd_provider",
        "# made by hand\n\n[console_scripts]\nodd = odd:main\n\n"
        "[paysupport.providers]\n  odd=odd_info : Outer.INFO [extra]\n",
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    for group in ("paysupport.providers", "paysupport.sandboxes", "console_scripts"):
        ours, theirs = _both(group)
        assert ours == theirs
    ours, _ = _both("paysupport.providers")
    assert ("example", "nowhere:INFO") in ours and ("odd", "odd_info : Outer.INFO [extra]") in ours


def test_a_zip_on_the_path_is_read_by_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\n")
        zipped.writestr(
            "zipped-1.0.dist-info/entry_points.txt", "[paysupport.providers]\nzipped = z:INFO\n"
        )
    monkeypatch.setattr(sys, "path", [str(archive), *sys.path])
    ours, theirs = _both("paysupport.providers")
    assert ours == theirs and ours[0] == ("zipped", "z:INFO")


def test_an_entry_point_loads_the_object_it_names() -> None:
    assert (
        registry.EntryPoint("x", "paysupport.info : ProviderInfo").load() is paysupport.ProviderInfo
    )
    assert registry.EntryPoint("x", "paysupport.errors").load() is paysupport.errors
    with pytest.raises(ValueError, match="not a 'module:attr' reference"):
        registry.EntryPoint("x", "not a reference").load()
