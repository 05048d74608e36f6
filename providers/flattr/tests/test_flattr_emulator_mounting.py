"""The emulator under a path prefix, the sandbox contract, determinism and size."""

from __future__ import annotations

import time
from importlib.metadata import entry_points

import requests
from paysupport_flattr.emulator import FlattrEmulator, create_emulator
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from paysupport.emulation import Emulator, EmulatorSettings


def _not_found(environ, start_response):
    return Response("outside the mount", status=404)(environ, start_response)


def test_everything_works_mounted_under_a_prefix(wsgi_server, sandbox):
    emulator = FlattrEmulator(EmulatorSettings(seed=7))
    served = wsgi_server(DispatcherMiddleware(_not_found, {"/prefix": emulator}))
    mounted = type(sandbox)(emulator, f"{served.url}/prefix")

    page = mounted.consent_page()
    assert 'action="/prefix/oauth/authorize"' in page.text
    headers = mounted.token_for()
    thing = mounted.foreign_thing(headers)
    assert thing["resource"] == f"{served.url}/prefix/rest/v2/things/{thing['id']}"
    assert thing["link"] == f"{served.url}/prefix/thing/{thing['id']}"
    assert requests.get(thing["link"]).status_code == 200
    lookup = requests.get(
        f"{mounted.api}/things/lookup", params={"url": thing["url"]}, allow_redirects=False
    )
    assert lookup.headers["Location"] == thing["resource"]
    auto = f"{mounted.url}/submit/auto?user_id=flattr&url=http%3A%2F%2Fprefixed.example%2F"
    flattred = requests.post(f"{mounted.api}/flattr", json={"url": auto}, headers=headers)
    assert flattred.status_code == 200
    assert flattred.json()["thing"]["resource"].startswith(f"{served.url}/prefix/rest/v2/")
    assert requests.get(f"{served.url}/rest/v2/categories").status_code == 404


def test_the_sandbox_entry_point_builds_an_emulator():
    (entry,) = [e for e in entry_points(group="paysupport.sandboxes") if e.name == "flattr"]
    emulator = entry.load()(EmulatorSettings())
    assert isinstance(emulator, Emulator)
    assert emulator.name == "flattr"
    assert set(emulator.credentials()) == {
        "client_id",
        "client_secret",
        "redirect_uri",
        "access_token",
    }


def test_same_seed_same_world_other_seed_other_world():
    a = create_emulator(EmulatorSettings(seed=3))
    b = create_emulator(EmulatorSettings(seed=3))
    c = create_emulator(EmulatorSettings(seed=4))
    assert a.credentials() == b.credentials() != c.credentials()
    assert a.admin_state() == b.admin_state() != c.admin_state()
    assert a.admin_state()["things_count"] == 200
    assert len(a.admin_state()["users"]) == 20


def test_ten_thousand_things_stay_fast(wsgi_server):
    started = time.perf_counter()
    emulator = create_emulator(EmulatorSettings(sizes={"things": 10_000, "users": 50}))
    served = wsgi_server(emulator)
    api = f"{served.url}/rest/v2"
    deep = requests.get(f"{api}/things/search", params={"page": 80, "count": 100}).json()
    assert (deep["page"], deep["items"]) == (80, 100)
    assert 8500 < deep["total_items"] < 9500  # about a tenth of the seeded things are hidden
    requests.get(f"{api}/things/search", params={"sort": "flattrs", "tags": "api|ruby"})
    assert requests.get(f"{api}/things/409999").status_code == 200
    assert time.perf_counter() - started < 5
    assert len(emulator.admin_state()["users"]) == 50
