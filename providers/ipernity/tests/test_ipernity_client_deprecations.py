"""Moved modules keep working for one release: the old path warns and gives the same objects.

Every module listed as moved in ``providers/ipernity/CHANGELOG.md`` is imported here by its
old path; the import must raise a :class:`DeprecationWarning` naming the new module, and a
name read through it must be the very object of the new module (not a copy that could
drift). The old spellings of the catalog (``Catalogue``, ``load_catalogue``) warn the same
way.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import paysupport_ipernity
import pytest
from paysupport_ipernity.catalog import Catalog, load_catalog
from paysupport_ipernity.client import IpernityClient
from paysupport_ipernity.emulator.seed import seed_world
from paysupport_ipernity.emulator.store import World

#: (old module, a public name it had, the module that now holds that name)
MOVED = [
    ("paysupport_ipernity.api", "ApiCaller", "paysupport_ipernity.transport"),
    ("paysupport_ipernity.api", "encode_value", "paysupport_ipernity.transport"),
    ("paysupport_ipernity.catalogue", "Method", "paysupport_ipernity.catalog"),
    ("paysupport_ipernity.permissions", "satisfies", "paysupport_ipernity.auth"),
    ("paysupport_ipernity.permissions", "MAX_LEVEL", "paysupport_ipernity.auth"),
    ("paysupport_ipernity.emulator.world", "format_created", "paysupport_ipernity.emulator.store"),
    ("paysupport_ipernity.emulator.model", "Doc", "paysupport_ipernity.emulator.store"),
    ("paysupport_ipernity.emulator.state", "State", "paysupport_ipernity.emulator.store"),
    ("paysupport_ipernity.emulator.state", "sandbox_app", "paysupport_ipernity.emulator.auth"),
    ("paysupport_ipernity.emulator.handlers", "HANDLERS", "paysupport_ipernity.emulator.api"),
    ("paysupport_ipernity.emulator.handlers", "doc_get", "paysupport_ipernity.emulator.api"),
    (
        "paysupport_ipernity.emulator.handlers",
        "auth_get_token",
        "paysupport_ipernity.emulator.auth",
    ),
    ("paysupport_ipernity.emulator.calls", "Call", "paysupport_ipernity.emulator.api"),
    ("paysupport_ipernity.emulator.authorize", "authorize", "paysupport_ipernity.emulator.auth"),
]


def import_fresh(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import ``name`` as if for the first time (a cached module would not warn again)."""
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name)


@pytest.mark.parametrize(("old", "name", "new"), MOVED)
def test_an_old_path_warns_and_gives_the_new_object(
    old: str, name: str, new: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = import_fresh(old, monkeypatch)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


@pytest.mark.parametrize("old", sorted({old for old, _, _ in MOVED}))
def test_an_old_path_still_offers_every_name_it_exported(
    old: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.warns(DeprecationWarning):
        module = import_fresh(old, monkeypatch)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert module.__all__ and missing == []


def test_the_old_catalog_spellings_warn_and_are_the_new_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.warns(DeprecationWarning, match="load_catalog"):
        old = import_fresh("paysupport_ipernity.catalogue", monkeypatch)
    assert old.Catalogue is Catalog
    assert old.load_catalogue is load_catalog
    with pytest.warns(DeprecationWarning, match=r"paysupport_ipernity\.Catalog\b"):
        assert paysupport_ipernity.Catalogue is Catalog  # type: ignore[attr-defined]
    with pytest.warns(DeprecationWarning, match=r"paysupport_ipernity\.load_catalog\b"):
        assert paysupport_ipernity.load_catalogue is load_catalog  # type: ignore[attr-defined]


def test_the_clients_old_catalogue_attribute_warns() -> None:
    client = IpernityClient(api_key="k", api_secret="s", token_store="memory")
    with client, pytest.warns(DeprecationWarning, match=r"IpernityClient\.catalog\b"):
        assert client.catalogue is client.catalog


def test_the_old_world_constructor_still_seeds_the_same_world(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.warns(DeprecationWarning):
        old = import_fresh("paysupport_ipernity.emulator.world", monkeypatch)
    world = old.World(seed=7, users=3, docs=40, albums=2)
    expected = World(seed=7)
    seed_world(expected, users=3, docs=40, albums=2)
    assert isinstance(world, World)
    assert len(world.docs) == 40 and len(world.albums) == 2 and len(world.users) == 3
    assert [(d.doc_id, d.owner_id, d.title) for d in world.docs.values()] == [
        (d.doc_id, d.owner_id, d.title) for d in expected.docs.values()
    ]


def test_unknown_package_names_are_still_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Catalogues'"):
        _ = paysupport_ipernity.Catalogues  # type: ignore[attr-defined]
