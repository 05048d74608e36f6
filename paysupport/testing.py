"""Test kit: serve WSGI apps on 127.0.0.1, run the sandbox, record cassettes without secrets.

Installed as a pytest plugin (entry point ``pytest11``), so downstream
applications get the ``wsgi_server``, ``paysupport_sandbox`` and
``paysupport_trigger`` fixtures and :func:`vcr_config` by installing paysupport.

pytest loads this plugin in every run of an environment holding paysupport,
extras or not, so importing it needs neither: the fixtures and
:data:`serve_wsgi`/:data:`ServedApp` need the ``sandbox`` extra (werkzeug) when
used, :func:`recorder` the ``testing`` extra (vcrpy) when called; each raises
:class:`~paysupport.errors.MissingExtra` naming its extra otherwise.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from paysupport._extras import needs_extra
from paysupport._wsgi import WSGIApp
from paysupport.redact import (
    MASK,
    SECRET_HEADERS,
    SECRET_KEYS,
    URL_ONLY_SECRET_KEYS,
    Redactor,
)

if TYPE_CHECKING:
    import vcr

    from paysupport.emulation import Emulator
    from paysupport.sandbox import Sandbox
    from paysupport.sandbox.serving import ServedApp, serve_wsgi
    from paysupport.trigger import Sent

__all__ = [
    "ServedApp",
    "paysupport_sandbox",
    "paysupport_trigger",
    "recorder",
    "serve_wsgi",
    "vcr_config",
    "wsgi_server",
]

#: Names this module re-exports from the sandbox, imported on first use (werkzeug).
_FROM_SERVING = ("ServedApp", "serve_wsgi")


def __getattr__(name: str) -> Any:
    """``from paysupport.testing import serve_wsgi`` imports the server (sandbox extra) then."""
    if name in _FROM_SERVING:
        return getattr(importlib.import_module("paysupport.sandbox.serving"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@pytest.fixture
def wsgi_server() -> Iterator[Callable[[WSGIApp], ServedApp]]:
    """Fixture: call it with a WSGI app to get a :class:`ServedApp` (closed after the test)."""
    from paysupport.sandbox.serving import serve_wsgi

    stack = contextlib.ExitStack()

    def start(app: WSGIApp) -> ServedApp:
        return stack.enter_context(serve_wsgi(app))

    with stack:
        yield start


@pytest.fixture
def paysupport_sandbox() -> Iterator[Sandbox]:
    """Fixture: every installed emulator served on 127.0.0.1, no faults, small data.

    ``paysupport_sandbox.connect("flattr")`` gives a client pointed at it.
    """
    from paysupport.sandbox import running

    with running() as sandbox:
        yield sandbox


@pytest.fixture
def paysupport_trigger() -> Callable[..., Sent]:
    """Fixture: send your app a signed webhook delivery, as ``paysupport trigger`` does.

    ``paysupport_trigger("patreon", "members:pledge:create", to=url, secret=secret)``
    returns the :class:`~paysupport.trigger.Sent` (``status``, ``ok``, ``delivery``).
    Keyword choices pick the records (``member="..."``, ``tier="..."``). Within a
    test, deliveries of one provider come from one emulator (the same records),
    or from ``emulator=`` (``paysupport_sandbox.emulator("patreon")``: records
    the app can then fetch from the sandbox).
    """
    from paysupport.trigger import new_emulator, trigger

    made: dict[tuple[str, int], Emulator] = {}

    def send(
        provider: str,
        event: str,
        *,
        to: str,
        secret: str,
        emulator: Emulator | None = None,
        seed: int = 0,
        **choices: str,
    ) -> Sent:
        if emulator is None:
            key = (provider, seed)
            if key not in made:
                made[key] = new_emulator(provider, seed)
            emulator = made[key]
        return trigger(provider, event, to, secret, emulator=emulator, seed=seed, choices=choices)

    return send


def _scrub_body(body: Any, redactor: Redactor) -> Any:
    if body is None:
        return None
    if isinstance(body, bytes):
        try:
            return redactor.text(body.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            # Binary multipart uploads still carry signed text fields: latin-1 maps
            # every byte to one character, so the file's bytes survive unchanged.
            return redactor.text(body.decode("latin-1")).encode("latin-1")
    return redactor.text(body)


def vcr_config(secrets: Iterable[str | None] = ()) -> dict[str, Any]:
    """Settings for ``vcr.VCR(**vcr_config(...))`` that keep every secret out of cassettes.

    Headers such as ``Authorization``, query and form parameters such as
    ``access_token``, ``api_sig``, ``auth_token`` or ``frob``, JSON fields with those
    names (``frob`` included, ``code`` not: in JSON it is an error number), and any
    value passed in ``secrets`` are replaced by ``***`` in requests and responses
    before a cassette is written.
    """
    redactor = Redactor(secrets)
    names = sorted(SECRET_KEYS | URL_ONLY_SECRET_KEYS)

    def scrub_request(request: Any) -> Any:
        request.uri = redactor.text(request.uri)
        request.body = _scrub_body(request.body, redactor)
        for name in list(request.headers):
            if name.lower() in SECRET_HEADERS:
                request.headers[name] = MASK
        return request

    def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in SECRET_HEADERS:
                headers[name] = [MASK]
            else:
                headers[name] = [redactor.text(v) for v in headers[name]]
        body = response.get("body", {})
        if "string" in body:
            body["string"] = _scrub_body(body["string"], redactor)
        return response

    return {
        "filter_headers": [(h, MASK) for h in sorted(SECRET_HEADERS)],
        "filter_query_parameters": [(n, MASK) for n in names],
        "filter_post_data_parameters": [(n, MASK) for n in names],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "match_on": ["method", "scheme", "path", "query"],
    }


def recorder(
    cassette_dir: str | Path, secrets: Iterable[str | None] = (), **overrides: Any
) -> vcr.VCR:
    """A ``vcr.VCR`` writing scrubbed cassettes under ``cassette_dir`` (the ``testing`` extra)."""
    with needs_extra("testing", "recording cassettes (paysupport.testing.recorder)"):
        import vcr

    config = {**vcr_config(secrets), **overrides}
    return vcr.VCR(cassette_library_dir=str(cassette_dir), **config)
