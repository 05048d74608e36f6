"""The Example service's emulator, registered under ``paysupport.sandboxes``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from paysupport.emulation import EmulatorSettings
from paysupport_example import PER_PAGE


class ExampleEmulator:
    """The Example service: one API key, ``/api/me`` and ``/api/items`` pages."""

    name = "example"

    def __init__(self, settings: EmulatorSettings) -> None:
        self.api_key = f"example-key-{settings.seed:04d}"
        self.items = settings.sizes.get("items", 25)
        self._lock = threading.Lock()
        self.requests = 0
        self.supports: dict[str, int] = {}

    def credentials(self) -> dict[str, str]:
        return {"api_key": self.api_key}

    def admin_state(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "items": self.items, "supports": dict(self.supports)}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self.requests += 1
        if request.headers.get("X-Api-Key") != self.api_key:
            response = _json({"error": "bad api key"}, 401)
        elif request.path == "/api/me":
            response = _json({"id": 1, "name": "Example User"})
        elif request.path == "/api/supports" and request.method == "POST":
            url = request.form.get("url", "")
            with self._lock:
                if url in self.supports:
                    response = _json({"error": "already supported"}, 409)
                else:
                    self.supports[url] = len(self.supports) + 1
                    response = _json({"id": self.supports[url], "url": url}, 201)
        elif request.path == "/api/items":
            pages = max(1, -(-self.items // PER_PAGE))
            page = request.args.get("page", 1, type=int) or 1
            start = (page - 1) * PER_PAGE
            items = [{"id": i} for i in range(start, min(start + PER_PAGE, self.items))]
            response = _json({"items": items, "page": page, "pages": pages, "total": self.items})
        else:
            response = _json({"error": "not found"}, 404)
        return response(environ, start_response)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def create_emulator(settings: EmulatorSettings | None = None) -> ExampleEmulator:
    return ExampleEmulator(settings or EmulatorSettings())
