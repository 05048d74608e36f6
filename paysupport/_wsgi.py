"""WSGI type aliases shared by the test kit, the sandbox and the emulators."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WSGIEnvironment = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]
