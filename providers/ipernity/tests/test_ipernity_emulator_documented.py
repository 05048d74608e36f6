"""Every catalog method with a documented response answers in that response's shape.

Methods the emulator's world models are answered from it; the others answer their
documented example (``emulator/documented.py``). Catalog methods with no documented
response, like unknown ones, answer Ipernity's "Method not found" (code 1).
"""

from __future__ import annotations

from typing import Any

import requests
from ipernity_helpers import Api, Consent
from paysupport_ipernity.catalog import Method, load_catalog
from paysupport_ipernity.emulator.api import HANDLERS
from paysupport_ipernity.emulator.documented import example_json

CATALOG = load_catalog()
DOCUMENTED = [m for m in CATALOG if m.response_example]
UNDOCUMENTED = [m for m in CATALOG if not m.response_example]


def _arguments(api: Api, consent: Consent, method: Method) -> dict[str, str]:
    """Values a real caller would send for the method's required parameters."""
    first_doc = api.ok("doc.getList", user_id="1001", per_page="1")["docs"]["doc"][0]["doc_id"]
    album = api.ok("album.getList", user_id="1001", per_page="1")["albums"]["album"][0]
    values = {
        "doc_id": first_doc,
        "album_id": album["album_id"],
        "user_id": "1001",
        "title": "A title",
        "keywords": "sea,sky",
        "tickets": "0",
        "echo": "hello",
    }
    if method.name == "auth.getToken":
        frob = api.ok("auth.getFrob", token=False)["auth"]["frob"]
        consent.answer(consent.link(frob=frob, perm_doc="read"), "allow")
        values["frob"] = frob
    # Known values for every parameter the method documents (doc.tags.add needs one of its
    # optional keywords/members, upload.replace its optional doc_id); "7" for other required.
    known = {p.name: values[p.name] for p in method.parameters if p.name in values}
    required = {name: "7" for name in method.required_parameters}
    skipped = ("api_key", "auth_token", "file")
    return {k: v for k, v in {**required, **known}.items() if k not in skipped}


def test_every_documented_method_answers_with_the_documented_top_elements(
    api: Api, consent: Consent
) -> None:
    for method in DOCUMENTED:
        arguments = _arguments(api, consent, method)
        files = (
            {"file": ("sea.jpg", b"\xff\xd8 not much of a photo")}
            if "file" in [p.name for p in method.parameters]
            else None
        )
        body = api.call(method.name, post=method.post, files=files, **arguments)
        assert body["api"]["status"] == "ok", (method.name, body)
        documented = example_json(method, api.base_url + "/")
        assert set(body) - {"api"} >= set(documented), (method.name, body)


def test_unmodelled_methods_answer_the_documented_example_about_what_was_asked(
    api: Api,
) -> None:
    served_by_example = [m for m in DOCUMENTED if m.name not in HANDLERS]
    assert {"folder.getList", "folder.albums.getList"} <= {m.name for m in served_by_example}

    folders = api.ok("folder.getList", user_id="1001")["folders"]
    assert folders["total"] == 17 and isinstance(folders["folder"], list)
    assert folders["folder"][0]["link"].startswith(api.base_url + "/doc/")
    folder = api.ok("folder.albums.getList", folder_id="42")["folder"]
    assert folder["folder_id"] == "42"
    assert [a["title"] for a in folder["albums"]["album"]] == ["test de photo", "110693"]
    assert folder["albums"]["album"][0]["thumb"]["url"].startswith(api.base_url + "/")


def _describe(api: Api, name: str) -> dict[str, Any]:
    # api.methods.get is neither signed nor for a user: a bare GET, as Api.call's own
    # ``method`` argument would shadow the parameter of the same name.
    params = {"api_key": api.api_key, "method": name}
    response = requests.get(f"{api.base_url}/api/api.methods.get/json", params=params, timeout=10)
    body: dict[str, Any] = response.json()
    return body


def test_api_methods_describe_the_catalog(api: Api) -> None:
    listed = api.ok("api.methods.getList")["methods"]
    assert listed["total"] == len(CATALOG) == len(listed["method"])
    described = _describe(api, "doc.set")["method"]
    assert described["authentication"] == {"token": "1", "sign": "1", "post": "1"}
    assert described["permissions"] == {"doc": "write"}
    assert {"name": "doc_id", "required": "1"}.items() <= described["parameters"]["param"][
        1
    ].items()
    assert _describe(api, "doc.fly")["api"]["code"] == 1


def test_methods_without_a_documented_response_are_not_found(api: Api) -> None:
    unserved = [m for m in UNDOCUMENTED if m.name not in HANDLERS]
    assert unserved, "every catalog method is answered: update this test"
    for method in unserved:
        body = api.call(method.name, post=method.post)
        assert body["api"] == {"status": "error", "code": 1, "message": "Method not found"}
