"""Keep every test away from the developer's real config, tokens and environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    providers = ("PAYSUPPORT_", "IPERNITY_", "PATREON_", "FLATTR_", "EXAMPLE_", "GITHUB_")
    for name in list(os.environ):
        if name.startswith(providers):
            del os.environ[name]
    for kind in ("DATA", "CONFIG", "CACHE", "STATE", "RUNTIME"):
        path = Path(home, kind.lower())
        path.mkdir()
        os.environ[f"XDG_{kind}_HOME" if kind != "RUNTIME" else "XDG_RUNTIME_DIR"] = str(path)
    os.environ["PAYSUPPORT_TOKEN_STORE"] = "memory"
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
