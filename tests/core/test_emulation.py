"""``paysupport.emulation``: the emulator contract and the helpers every emulator shares.

The helpers are what each emulator would otherwise write again: compact JSON
answers and redirect URLs, the OAuth consent form, a sliding-window limit per
token, and outgoing webhook deliveries kept in order and retried. Deliveries
are posted over real HTTP to a receiver served on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pytest

from paysupport.emulation import loads_object, pages
from paysupport.emulation.ratelimit import SlidingWindowLimit
from paysupport.emulation.responses import html_response, json_response, with_query
from paysupport.emulation.webhooks import DeliveryHub, Outgoing
from paysupport.sandbox.consent import read_consent_form
from paysupport.sandbox.serving import serve_wsgi


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_contract_reads_without_the_helpers_and_their_werkzeug() -> None:
    # The sandbox and the CLI import the contract; the helpers stay for emulators.
    code = (
        "import sys, paysupport.emulation as e; e.EmulatorSettings(); "
        "print(sorted(m for m in sys.modules if m.startswith('paysupport.emulation.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_loads_object_reads_an_admin_body_or_says_what_is_wrong() -> None:
    assert loads_object(b"") == {} and loads_object('{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError, match="not valid JSON"):
        loads_object(b"{")
    with pytest.raises(ValueError, match="not valid JSON"):
        loads_object(b"[" * 50_000)
    with pytest.raises(ValueError, match="must be a JSON object"):
        loads_object(b"[1]")


# -- responses ----------------------------------------------------------------------


def test_json_response_is_compact_json_with_headers() -> None:
    answer = json_response({"a": [1, 2]}, 201, {"X-Id": "7"})
    assert answer.status_code == 201 and answer.get_data() == b'{"a":[1,2]}'
    assert answer.headers["X-Id"] == "7"
    assert answer.content_type == "application/json; charset=utf-8"
    assert html_response("<p>", 400).content_type == "text/html; charset=utf-8"


def test_with_query_keeps_the_redirect_uris_own_query() -> None:
    assert with_query("http://a/cb", {"code": "x", "state": None}) == "http://a/cb?code=x"
    assert with_query("http://a/cb?k=1", {"code": "x y"}) == "http://a/cb?k=1&code=x+y"


# -- pages --------------------------------------------------------------------------


def test_the_consent_page_is_a_form_a_browser_posts_back() -> None:
    html = pages.consent_page(
        "Example",
        "/oauth/authorize",
        {"client_id": "c1", "state": '"><script>'},
        title="Authorize <app>",
        heading="App wants in",
        in_form=f"    <ul>\n{pages.scope_items(['read'])}\n    </ul>",
    )
    form = read_consent_form(html, "http://127.0.0.1:9/oauth/authorize?x=1")
    assert form.action == "http://127.0.0.1:9/oauth/authorize" and form.method == "post"
    assert form.fields == {"client_id": "c1", "state": '"><script>'}  # escaped, read back whole
    assert form.buttons == {"decision": ["allow", "deny"]}
    assert "<title>Authorize &lt;app&gt; - Example (emulated)</title>" in html
    assert "<li>read</li>" in html and "<script>" not in html


def test_scope_items_say_something_when_no_scope_is_asked() -> None:
    assert pages.scope_items([], empty="public data") == "    <li>public data</li>"
    assert pages.scope_items([]) == ""


def test_the_error_page_names_the_service() -> None:
    html = pages.error_page("Example", "Bad <uri>", "No redirect.")
    assert "<h1>Bad &lt;uri&gt;</h1>" in html and "- Example (emulated)" in html


# -- the sliding window -------------------------------------------------------------


def test_the_sliding_window_refuses_the_extra_request_and_says_the_wait() -> None:
    clock = Clock()
    limit = SlidingWindowLimit(2, 60.0, clock)
    assert limit.check("t") is None
    clock.now += 10
    assert limit.check("t") is None
    assert limit.check("t") == 50  # the first request leaves the window in 50 s
    assert limit.check("other") is None  # per key
    clock.now += 50
    assert limit.check("t") is None  # the window slid past the first request
    assert limit.check("t") == 10


def test_no_limit_is_unlimited() -> None:
    limit = SlidingWindowLimit(None, 1.0, Clock())
    assert all(limit.check("t") is None for _ in range(1000))


# -- outgoing webhooks --------------------------------------------------------------


@dataclass
class Delivery:
    id: str
    body: bytes
    attempts: int = 0


@dataclass
class Hook:
    id: int
    url: str
    paused: bool = False
    failures: int = 0
    pending: deque[Delivery] = field(default_factory=deque)


class Hub(DeliveryHub[Hook, Delivery]):
    """A hub that pauses a hook after two failures in a row."""

    def add(self, url: str) -> Hook:
        hook = Hook(next(self._ids), url)
        self.hooks[hook.id] = hook
        return hook

    def send(self, body: bytes) -> list[dict[str, Any]]:
        with self._lock:
            for hook in self.hooks.values():
                hook.pending.append(Delivery(f"d{next(self._ids)}", body))
        return self.flush(list(self.hooks.values()))

    def prepare(self, hook: Hook, delivery: Delivery) -> Outgoing:
        entry = {"delivery": delivery.id, "attempt": delivery.attempts}
        return Outgoing(hook.url, {"X-Delivery": delivery.id}, entry)

    def may_deliver(self, hook: Hook) -> bool:
        return not hook.paused

    def attempted(self, hook: Hook, ok: bool) -> None:
        hook.failures = 0 if ok else hook.failures + 1
        hook.paused = hook.failures >= 2


class Inbox:
    """A receiver that answers ``status`` and records (delivery id, body)."""

    def __init__(self) -> None:
        self.status = "200 OK"
        self.got: list[tuple[str, bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if self.status.startswith("2"):
            self.got.append((environ["HTTP_X_DELIVERY"], body))
        start_response(self.status, [("Content-Length", "0")])
        return [b""]


def test_a_failed_delivery_waits_at_the_head_and_later_ones_behind_it() -> None:
    inbox = Inbox()
    hub = Hub(Clock(), timeout=5)
    with serve_wsgi(inbox, quiet=True) as served:
        hook = hub.add(served.url)
        inbox.status = "503 Service Unavailable"
        (first,) = hub.send(b"one")
        assert (first["ok"], first["status"], first["error"]) == (False, 503, "HTTP 503")
        inbox.status = "200 OK"
        again, second = hub.send(b"two")  # the failed one goes first, then the new one
    assert (again["delivery"], again["attempt"], again["ok"]) == (first["delivery"], 2, True)
    assert second["attempt"] == 1 and second["ok"] and second["status"] == 200
    assert inbox.got == [(first["delivery"], b"one"), (second["delivery"], b"two")]
    assert not hook.pending and hub.log == [first, again, second]


def test_a_paused_hook_keeps_its_queue_and_an_unreachable_one_logs_why() -> None:
    inbox = Inbox()
    hub = Hub(Clock(), timeout=5)
    with serve_wsgi(inbox, quiet=True) as served:
        url = served.url
    hook = hub.add(url)  # the server is gone: the connection is refused
    (failed,) = hub.send(b"one")
    assert failed["status"] is None and failed["error"].startswith("ConnectionError")
    hub.send(b"two")  # one attempt, at the head; "two" waits behind it
    assert hook.paused and len(hook.pending) == 2
    assert hub.send(b"three") == [] and len(hook.pending) == 3  # paused: nothing is tried
    assert len(hub.log) == 2
