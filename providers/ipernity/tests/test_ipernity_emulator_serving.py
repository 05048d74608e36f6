"""Serving concerns: pagination at scale, prefix mounting, rate limits, the admin view."""

from __future__ import annotations

import time

import requests
from ipernity_helpers import Api, Consent, Served
from paysupport_ipernity.emulator import create_emulator
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from paysupport.emulation import Emulator, EmulatorSettings
from paysupport.testing import serve_wsgi


def test_the_emulator_honours_the_core_contract() -> None:
    emulator = create_emulator()
    assert isinstance(emulator, Emulator) and emulator.name == "ipernity"


def test_every_public_doc_is_listed_exactly_once_across_5000(serve: object) -> None:
    started = time.monotonic()
    served = serve(EmulatorSettings(sizes={"docs": 5000}))  # type: ignore[operator]
    api = served.api.with_token(None)
    seen: list[str] = []
    page, pages = 1, None
    while pages is None or page <= pages:
        docs = api.ok("doc.search", page=str(page), per_page="100")["docs"]
        pages = docs["pages"]
        assert docs["page"] == page and docs["per_page"] == 100
        seen += [d["doc_id"] for d in docs["doc"]]
        page += 1
    world = served.emulator.state.world
    assert len(seen) == len(set(seen)) == docs["total"] == len(world.public_docs)
    assert set(seen) == {str(d) for d in world.public_docs}
    assert 4000 < len(seen) < 5000  # some seeded docs are private
    assert api.ok("doc.search", page=str(pages + 1), per_page="100")["docs"]["doc"] == []
    assert time.monotonic() - started < 20


def test_owner_sees_all_their_docs_once(serve: object) -> None:
    served = serve(EmulatorSettings(sizes={"docs": 5000, "users": 2}))  # type: ignore[operator]
    api: Api = served.api
    seen: list[str] = []
    for page in range(1, 100):
        docs = api.ok("doc.getList", user_id="1001", page=str(page), per_page="100")["docs"]
        seen += [d["doc_id"] for d in docs["doc"]]
        if page >= docs["pages"]:
            break
    world = served.emulator.state.world
    assert len(seen) == len(set(seen)) == len(world.user_docs["1001"])


def test_mounted_under_a_prefix(consent: Consent) -> None:
    emulator = create_emulator()

    def elsewhere(environ: dict[str, object], start_response: object) -> object:
        return Response("not here", status=404)(environ, start_response)  # type: ignore[arg-type]

    app = DispatcherMiddleware(elsewhere, {"/prefix": emulator})
    creds = emulator.credentials()
    with serve_wsgi(app) as server:
        base = server.url + "/prefix"
        api = Api(base, creds["api_key"], creds["api_secret"], creds["auth_token"])
        doc = api.ok("doc.get", doc_id="100001")["doc"]
        assert doc["link"].startswith(base + "/doc/")
        thumb = doc["thumbs"]["thumb"][0]["url"]
        assert thumb.startswith(base + "/_files/") and requests.get(thumb, timeout=10).ok

        frob = api.ok("auth.getFrob", token=False)["auth"]["frob"]
        served = Served(emulator, base, api)
        prefixed = Consent(served)
        link = prefixed.link(frob=frob, perm_doc="read")
        assert prefixed.answer(link, "allow").status_code == 200
        assert api.ok("auth.getToken", token=False, frob=frob)["auth"]["permissions"]["doc"] == (
            "read"
        )
        assert requests.get(base + "/_admin/state", timeout=10).json()["counts"]["docs"] == 500


def test_rate_limit_answers_429_with_retry_after(serve: object) -> None:
    settings = EmulatorSettings(rate_limit=3, rate_window=60)
    served = serve(settings)  # type: ignore[operator]
    api = served.api
    for _ in range(3):
        api.ok("test.hello")
    params = {"api_key": api.api_key, "auth_token": api.token}
    response = requests.get(f"{served.url}/api/test.hello/json", params=params, timeout=10)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.json()["api"]["code"] == 110
    # Another caller (no token: keyed by api key) has its own quota.
    assert api.with_token(None).ok("test.hello")


def test_admin_state(served: Served) -> None:
    state = requests.get(f"{served.url}/_admin/state", timeout=10).json()
    assert state["counts"]["docs"] == 500 and state["counts"]["albums"] == 10
    assert [u["user_id"] for u in state["users"]] == ["1001", "1002", "1003", "1004", "1005"]
    assert sum(u["docs"] for u in state["users"]) == 500
    assert set(state["faves"]) == {u["user_id"] for u in state["users"]}
    assert state["uploads"] == []
    assert state == served.emulator.admin_state()


def test_unknown_paths_are_404(served: Served) -> None:
    assert requests.get(f"{served.url}/nothing", timeout=10).status_code == 404
