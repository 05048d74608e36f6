"""The contract between the core and a provider's local emulator.

A provider distribution may register an emulator factory in the entry-point
namespace ``paysupport.sandboxes``. The factory takes :class:`EmulatorSettings`
and returns an :class:`Emulator`: a WSGI application plus what a client needs to
talk to it. The sandbox server, the demo, the test kit and the users' own tests
all reach emulators only through this contract, never by importing a provider.

Emulators must build every absolute URL they emit (``links.next``, redirects)
from the request's URL root, so they work on their own port or mounted under a
path prefix.

An emulator that runs more than a WSGI app (threads, a relay on its own port)
may define two optional hooks, called through :func:`emulator_served` and
:func:`close_emulator`: ``serving(url)``, told the root it is served at once
it is, and ``close()``, which stops what it started. The sandbox calls both;
emulators without them need nothing.

Emulators answer whatever a client sends with a 4xx in the service's own error
shape, never a 500: :func:`same_secret` and :func:`loads_json` are the two spots
where Python's standard library would otherwise raise on hostile input.

What every emulator would otherwise write again lives in the submodules, which
need the ``sandbox`` extra: :mod:`.responses` (JSON and HTML answers, redirect
URLs), :mod:`.pages` (the OAuth consent form and the error page),
:mod:`.ratelimit` (a sliding window per token) and :mod:`.webhooks` (outgoing
deliveries, kept in order and retried). This module itself imports none of
them, so the sandbox and the CLI read the contract without werkzeug.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from paysupport._wsgi import StartResponse, WSGIEnvironment


@dataclass(frozen=True)
class EmulatorSettings:
    """Knobs every emulator understands.

    ``sizes`` maps a provider-specific noun (``members``, ``things``, ``docs``)
    to how many seeded records to create; an emulator ignores nouns it does not
    know. ``rate_limit`` is the number of requests one token (or api key) may
    make per ``rate_window`` seconds; ``None`` means unlimited.
    """

    seed: int = 0
    sizes: Mapping[str, int] = field(default_factory=dict)
    token_lifetime: int = 3600
    rate_limit: int | None = None
    rate_window: float = 3600.0


@runtime_checkable
class Emulator(Protocol):
    """A running emulator: a WSGI callable with its sandbox credentials."""

    name: str

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]: ...

    def credentials(self) -> dict[str, str]:
        """Keyword arguments for ``paysupport.connect(name, ...)`` (client id, secrets)."""
        ...

    def admin_state(self) -> dict[str, Any]:
        """A JSON-serialisable view of the emulator's state for tests and the demo."""
        ...


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented secret (token, signature) with the real one.

    ``hmac.compare_digest`` raises ``TypeError`` for ``str`` arguments with non-ASCII
    characters; a client that sends ``"sécret"`` must get "wrong secret", not a crash.
    Comparing the UTF-8 bytes keeps the comparison constant-time for every input.
    """
    return hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))


def loads_json(raw: str | bytes) -> Any:
    """``json.loads`` that reports absurd nesting as ``ValueError``, like any malformed body.

    The standard parser recurses once per level, so a body of 50,000 ``[`` raises
    ``RecursionError``; callers already turn ``ValueError`` into their 400.
    """
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def loads_object(raw: str | bytes) -> dict[str, Any]:
    """An admin request's JSON body, which must be an object; an empty body is ``{}``.

    ``ValueError`` says what is wrong in words an emulator can answer with its 400.
    """
    try:
        body = loads_json(raw or b"{}")
    except ValueError:
        raise ValueError("body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def emulator_served(emulator: object, url: str) -> None:
    """Tell ``emulator`` the root URL it is served at, if it has a ``serving(url)`` hook.

    An emulator's credentials may need its own URL (a Lightning Address server's
    base URL), which is only known once a server has a port.
    """
    hook = getattr(emulator, "serving", None)
    if callable(hook):
        hook(url)


def close_emulator(emulator: object) -> None:
    """Stop what ``emulator`` started (threads, sockets) if it has a ``close()`` hook.

    Called once the emulator is no longer served; an emulator that is only a WSGI
    app has nothing to stop.
    """
    hook = getattr(emulator, "close", None)
    if callable(hook):
        hook()
