"""Providers are found through entry points only; a third party plugs in the same way."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import paysupport
from paysupport import registry
from paysupport.emulation import EmulatorSettings
from paysupport.errors import ProviderNotFound, Unsupported
from paysupport.provider import Capability, Client, ProviderInfo
from paysupport.testing import serve_wsgi


@pytest.fixture
def emulator() -> Any:
    return registry.emulator_factories()["example"](EmulatorSettings(sizes={"items": 95}))


@pytest.fixture
def example_sandbox(emulator: Any) -> Iterator[tuple[str, dict[str, str]]]:
    with serve_wsgi(emulator) as served:
        yield served.url, emulator.credentials()


def test_the_third_party_provider_is_listed_with_its_capabilities() -> None:
    infos = {info.name: info for info in paysupport.available()}
    assert infos["example"].capabilities == {
        Capability.IDENTITY,
        Capability.WALK,
        Capability.SUPPORT,
    }


def test_connect_through_the_entry_point(example_sandbox: tuple[str, dict[str, str]]) -> None:
    url, credentials = example_sandbox
    with paysupport.connect("example", base_url=url, **credentials) as client:
        assert client.identity().name == "Example User"
        items = list(client.walk("items", max_workers=3))
    assert [item["id"] for item in items] == list(range(95))


def test_core_never_imports_a_provider() -> None:
    core_files = Path(paysupport.__file__).parent.rglob("*.py")
    for path in core_files:
        text = path.read_text()
        for name in ("paysupport_patreon", "paysupport_flattr", "paysupport_ipernity"):
            assert name not in text, f"{path} imports {name}"


def test_unknown_provider_lists_what_is_installed() -> None:
    with pytest.raises(ProviderNotFound) as caught:
        paysupport.connect("nope")
    assert "example" in caught.value.installed
    assert "example" in str(caught.value)


def test_unsupported_verb_raises_before_any_request(
    example_sandbox: tuple[str, dict[str, str]], emulator: Any
) -> None:
    url, credentials = example_sandbox
    client = paysupport.connect("example", base_url=url, **credentials)
    with pytest.raises(Unsupported) as caught:
        client.register("https://example.com/post", "A post")
    assert caught.value.capability == "register"
    assert caught.value.provider == "example"
    with pytest.raises(Unsupported, match="no collection"):
        client.walk("things")
    assert emulator.admin_state()["requests"] == 0


def test_unknown_setting_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="does not take client_secret"):
        paysupport.connect("example", client_secret="x")


def test_settings_come_from_the_environment_alias(
    example_sandbox: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, credentials = example_sandbox
    monkeypatch.setenv("EXAMPLE_API_KEY", credentials["api_key"])
    monkeypatch.setenv("PAYSUPPORT_EXAMPLE_BASE_URL", url)
    assert paysupport.connect("example").identity().id == "1"


def test_a_plugin_that_fails_to_import_is_reported_and_spares_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "broken_provider-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-provider\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[paysupport.providers]\nbroken = broken_provider_missing:Client\n"
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    registry.reload()
    try:
        names = [info.name for info in paysupport.available()]
        failures = {f.name: f.error for f in paysupport.load_failures()}
        assert "example" in names and "broken" not in names
        assert "broken_provider_missing" in failures["broken"]
        with pytest.raises(ProviderNotFound, match="failed to load"):
            paysupport.connect("broken")
    finally:
        monkeypatch.undo()
        registry.reload()


def test_declared_capabilities_must_match_the_code() -> None:
    info = ProviderInfo(
        name="liar",
        title="Liar",
        default_base_url="https://liar.example",
        capabilities=frozenset({Capability.SUPPORT}),
    )
    with pytest.raises(TypeError, match="declares 'support'"):
        type("LiarClient", (Client,), {"info": info})

    silent = ProviderInfo(
        name="silent",
        title="Silent",
        default_base_url="https://s.example",
        capabilities=frozenset(),
    )
    with pytest.raises(TypeError, match="implements 'identity'"):
        type("SilentClient", (Client,), {"info": silent, "identity": lambda self: None})


def _install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str]) -> None:
    """A distribution made on the spot: its modules and its ``paysupport.providers`` entry."""
    dist = tmp_path / "lazy_provider-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: lazy-provider\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[paysupport.providers]\nlazy = lazy_provider_info:INFO\n"
    )
    for module, source in modules.items():
        (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    registry.reload()


LAZY_INFO = """
from paysupport.info import Capability, ProviderInfo

INFO = ProviderInfo(
    name="lazy",
    title="Lazy",
    default_base_url="https://lazy.example",
    capabilities=frozenset({Capability.IDENTITY}),
    settings=("api_key",),
    client="lazy_provider_client:LazyClient",
)
"""

LAZY_CLIENT = """
from paysupport.provider import Client, User
from lazy_provider_info import INFO


class LazyClient(Client):
    info = INFO

    def identity(self) -> User:
        return User(provider="lazy", id="7")
"""


def test_a_declaration_entry_point_is_listed_without_importing_its_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The contract of docs/writing-a-provider.md: the entry point names info.py's INFO,
    # and the client is imported only when a client is made.
    _install(
        tmp_path,
        monkeypatch,
        {"lazy_provider_info": LAZY_INFO, "lazy_provider_client": LAZY_CLIENT},
    )
    try:
        listed = {info.name: info for info in paysupport.available()}
        assert listed["lazy"].settings == ("api_key",)
        assert registry.provider_info("lazy").title == "Lazy"
        assert "lazy_provider_client" not in sys.modules
        client = paysupport.connect("lazy", api_key="k")
        assert type(client).__name__ == "LazyClient"
        assert client.identity().id == "7"
        assert "lazy_provider_client" in sys.modules
    finally:
        sys.modules.pop("lazy_provider_client", None)
        sys.modules.pop("lazy_provider_info", None)
        monkeypatch.undo()
        registry.reload()


def test_a_client_path_that_fails_to_import_is_reported_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_client = "raise ImportError('no module named werkzeug')\n"
    _install(
        tmp_path,
        monkeypatch,
        {"lazy_provider_info": LAZY_INFO, "lazy_provider_client": broken_client},
    )
    try:
        assert "lazy" in {info.name for info in paysupport.available()}
        with pytest.raises(
            ProviderNotFound, match=r"lazy_provider_client:LazyClient failed to load"
        ):
            paysupport.connect("lazy")
        failures = {f.name: f.error for f in paysupport.load_failures(emulators=False)}
        assert "werkzeug" in failures["lazy"]
    finally:
        sys.modules.pop("lazy_provider_info", None)
        monkeypatch.undo()
        registry.reload()


def test_a_declaration_must_carry_its_own_name_and_a_client_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nameless = LAZY_INFO.replace('client="lazy_provider_client:LazyClient"', 'client=""')
    _install(tmp_path, monkeypatch, {"lazy_provider_info": nameless})
    try:
        assert "lazy" not in {info.name for info in paysupport.available()}
        failures = {f.name: f.error for f in paysupport.load_failures(emulators=False)}
        assert "module:ClassName" in failures["lazy"]
    finally:
        sys.modules.pop("lazy_provider_info", None)
        monkeypatch.undo()
        registry.reload()


def test_listing_providers_imports_no_provider_client() -> None:
    # Every bundled provider declares itself in info.py, so listing them (what
    # `paysupport providers` does) imports none of their clients.
    import json
    import subprocess

    probe = (
        "import json, sys, paysupport.registry as r; r.available();"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('paysupport_'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    imported = json.loads(done.stdout)
    for name in ("patreon", "flattr", "ipernity", "example"):
        assert f"paysupport_{name}.info" in imported
        assert f"paysupport_{name}.client" not in imported
