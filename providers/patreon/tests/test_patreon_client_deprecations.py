"""The moved Patreon modules still import from their old paths for one release, with a warning.

Each old path warns ``DeprecationWarning`` naming the new module, and its names
are the very objects of the new module, so code written against the old path
keeps working unchanged until 0.3 (see providers/patreon/CHANGELOG.md).
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from paysupport_patreon import catalog, client, info, webhook_admin

#: old module -> (new module named in the warning, {old name: object in the new module})
MOVED = {
    "paysupport_patreon.query": (
        "paysupport_patreon.catalog",
        {
            "build_params": catalog.build_params,
            "split_names": catalog.split_names,
            "Fields": catalog.Fields,
        },
    ),
    "paysupport_patreon.pages": (
        "paysupport_patreon.info",
        {
            "URL_PATTERNS": info.URL_PATTERNS,
            "RESERVED": info.RESERVED,
            "creator_vanity": info.creator_vanity,
            "pledge_url": client.pledge_url,
        },
    ),
    "paysupport_patreon.v2": (
        "paysupport_patreon.client",
        {"Includes": client.Includes, "V2Calls": client.PatreonClient},
    ),
    "paysupport_patreon.webhook_calls": (
        "paysupport_patreon.webhook_admin",
        {"WebhookCalls": webhook_admin.WebhookCalls},
    ),
}


def fresh_import(name: str) -> object:
    """Import ``name`` anew, so its import-time warning is raised again."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_module_warns_and_gives_the_new_objects(old: str) -> None:
    new, names = MOVED[old]
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = fresh_import(old)
    for name, obj in names.items():
        assert getattr(module, name) is obj, f"{old}.{name} is not {new}'s"


def test_the_package_itself_imports_no_deprecated_module() -> None:
    """The client, the emulator and the demo use the new homes only (checked in a fresh
    interpreter, so the modules the other tests loaded stay as they are)."""
    script = (
        "import sys, paysupport_patreon.client, paysupport_patreon.emulator, "
        "paysupport_patreon.demo; print(sorted(set(sys.argv[1:]) & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *MOVED], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
