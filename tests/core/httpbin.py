"""A small WSGI app whose routes misbehave on purpose, for the HTTP layer's tests."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from werkzeug.wrappers import Request, Response


class MisbehavingApp:
    """Routes that fail a set number of times per ``key``, then succeed."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.seen_headers: list[dict[str, str]] = []
        self.sent = 0

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
            status = request.args.get("status", 302, type=int)
            response = Response(status=status, headers={"Location": request.args["to"]})
        elif path == "/trickle":
            return self._trickle(request, start_response)
        elif path == "/large":
            return self._large(request, start_response)
        elif path == "/headers":
            response = _json(dict(request.headers))
        else:
            response = _json({"path": path, "method": request.method, "attempt": attempt})
        return response(environ, start_response)

    def _trickle(self, request: Request, start_response: Any) -> Iterable[bytes]:
        """A JSON string of ``size`` bytes, one byte every ``interval`` s: no read times out."""
        size = request.args.get("size", 50, type=int)
        interval = request.args.get("interval", 0.1, type=float)
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(size))]
        )

        def body() -> Iterator[bytes]:
            yield b'"'
            for _ in range(size - 2):
                time.sleep(interval)
                yield b"x"
            yield b'"'

        return body()

    def _large(self, request: Request, start_response: Any) -> Iterable[bytes]:
        """``size`` bytes in 64 KiB pieces, with a Content-Length unless ``length=0`` (chunked).

        ``sent`` counts what the server managed to hand over before the client hung up.
        """
        size = request.args.get("size", 1 << 20, type=int)
        headers = [("Content-Type", "application/octet-stream")]
        if request.args.get("length", 1, type=int):
            headers.append(("Content-Length", str(size)))
        start_response("200 OK", headers)
        piece = b"x" * 65536

        def body() -> Iterator[bytes]:
            left = size
            while left > 0:
                chunk = piece[:left]
                left -= len(chunk)
                yield chunk
                with self.lock:
                    self.sent += len(chunk)

        return body()


class RedirectingApp:
    """Answers every request with a redirect to the same path and query under ``to``."""

    def __init__(self, to: str, status: int = 307) -> None:
        self.to = to.rstrip("/")
        self.status = status

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        query = f"?{request.query_string.decode()}" if request.query_string else ""
        location = f"{self.to}{request.path}{query}"
        response = Response(status=self.status, headers={"Location": location})
        return response(environ, start_response)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
    )
