"""Moved modules keep working for one release: the old path warns, naming the new one.

Each old module is imported afresh (it warns once per import) under
``pytest.warns``; a name read through it is the very object of its new home, so
``isinstance`` checks and ``except`` clauses written against the old path still hold.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

#: old module -> (a name it offered, the module that has it now)
MOVED = {
    "models": [("MiniThing", "resources"), ("FlattrUser", "resources"), ("Activity", "resources")],
    "things": [("Thing", "resources"), ("ThingsService", "thing_calls"), ("WRITABLE", "catalog")],
    "users": [("LazyUser", "resources"), ("UsersService", "user_calls")],
    "subscriptions": [
        ("Subscription", "resources"),
        ("SubscriptionsService", "subscription_calls"),
    ],
    "parsing": [("Reader", "resources"), ("as_list", "resources")],
    "context": [("Context", "transport")],
    "hosts": [("Hosts", "transport"), ("refuse_closed_hosts", "transport"), ("SCOPES", "auth")],
    "validation": [("check_tags", "catalog"), ("refusal", "catalog")],
    "vocabulary": [
        ("Vocabulary", "catalog"),
        ("Choice", "catalog"),
        ("parse_choices", "resources"),
    ],
}

CASES = [(old, name, new) for old, moved in MOVED.items() for name, new in moved]


def fresh_import(module: str) -> object:
    sys.modules.pop(module, None)
    return importlib.import_module(module)


@pytest.mark.parametrize(("old", "name", "new"), CASES)
def test_the_old_path_warns_and_gives_the_same_object(old: str, name: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"paysupport_flattr\.{old} moved to .*{new}"):
        shim = fresh_import(f"paysupport_flattr.{old}")
    home = importlib.import_module(f"paysupport_flattr.{new}")
    assert getattr(shim, name) is getattr(home, name)


def test_from_the_old_path_import_still_works_with_a_warning() -> None:
    sys.modules.pop("paysupport_flattr.things", None)
    with pytest.warns(DeprecationWarning, match="paysupport_flattr.things moved"):
        from paysupport_flattr.things import Thing
    from paysupport_flattr import Thing as PublicThing

    assert Thing is PublicThing


def test_every_old_module_re_exports_what_it_lists() -> None:
    for old in MOVED:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            shim = fresh_import(f"paysupport_flattr.{old}")
        missing = [n for n in shim.__all__ if not hasattr(shim, n)]  # type: ignore[attr-defined]
        assert not missing, f"{old}: {missing}"


def test_the_package_api_warns_for_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        import paysupport_flattr

        for name in paysupport_flattr.__all__:
            getattr(paysupport_flattr, name)
