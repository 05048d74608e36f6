"""Public names imported on first use: reading a provider's info imports no client."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
import paysupport_patreon
assert "paysupport_patreon.client" not in sys.modules, "imported at package import"
client_class = paysupport_patreon.PatreonClient
assert "paysupport_patreon.client" in sys.modules
assert paysupport_patreon.__dict__["PatreonClient"] is client_class  # kept: found once
assert "PatreonClient" in dir(paysupport_patreon) and "Member" in dir(paysupport_patreon)
print("ok")
"""


def test_a_public_name_is_imported_when_first_touched() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_an_unknown_name_is_an_attribute_error() -> None:
    import paysupport_patreon

    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        paysupport_patreon.Nope  # noqa: B018


def test_a_renamed_name_still_works_and_warns() -> None:
    import paysupport_ipernity

    with pytest.warns(DeprecationWarning, match=r"Catalogue is now paysupport_ipernity\.Catalog"):
        old = paysupport_ipernity.Catalogue  # type: ignore[attr-defined]
    assert old is paysupport_ipernity.Catalog
