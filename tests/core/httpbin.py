"""A small WSGI app whose routes misbehave on purpose, for the HTTP layer's tests."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request, Response


class MisbehavingApp:
    """Routes that fail a set number of times per ``key``, then succeed."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.seen_headers: list[dict[str, str]] = []

    def count(self, key: str) -> int:
        with self.lock:
            self.hits[key] += 1
            return self.hits[key]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        with self.lock:
            self.seen_headers.append(dict(request.headers))
        key = request.args.get("key", request.path)
        fail = request.args.get("fail", 0, type=int)
        attempt = self.count(key)
        path = request.path
        if path == "/status":
            status = request.args.get("status", 503, type=int)
            if attempt <= fail:
                headers = {}
                if "retry_after" in request.args:
                    headers["Retry-After"] = request.args["retry_after"]
                response = _json({"error": "nope", "attempt": attempt}, status, headers)
            else:
                response = _json({"ok": True, "attempt": attempt})
        elif path == "/truncated":
            if attempt <= fail:
                # Raw WSGI: a Response object would correct the Content-Length.
                start_response(
                    "200 OK",
                    [
                        ("Content-Type", "application/json"),
                        ("Content-Length", "500"),
                        ("Connection", "close"),
                    ],
                )
                return [b'{"items": [1, 2, 3']
            response = _json({"items": [1, 2, 3], "attempt": attempt})
        elif path == "/slow":
            if attempt <= fail:
                time.sleep(request.args.get("delay", 1.0, type=float))
            response = _json({"attempt": attempt})
        elif path == "/html":
            response = Response(
                "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>"
                "<p>upstream said access_token=leaky-token-123</p></body></html>",
                status=request.args.get("status", 502, type=int),
                content_type="text/html",
            )
        elif path == "/redirect":
            response = Response(status=302, headers={"Location": request.args["to"]})
        elif path == "/headers":
            response = _json(dict(request.headers))
        else:
            response = _json({"path": path, "method": request.method, "attempt": attempt})
        return response(environ, start_response)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
    )
