"""Helpers shared by the web example's tests."""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask

from paysupport.sandbox import Sandbox


class Deferred:
    """A WSGI app to serve before the real one exists: the app's config needs its own URL."""

    app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.app is not None, "no app yet"
        return self.app(environ, start_response)


def admin_flattrs(sandbox: Sandbox, url: str) -> dict[str, Any]:
    """The Flattr emulator's admin view of the flattrs of ``url``, seeded ones left out."""
    answer = requests.get(
        f"{sandbox.url('flattr')}/_admin/flattrs", params={"url": url, "seeded": "0"}, timeout=10
    )
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found
