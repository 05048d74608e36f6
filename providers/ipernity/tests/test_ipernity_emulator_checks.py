"""Every call passes Ipernity's common checks before it reaches a method.

Error codes: 1 unknown method, 100/101 api key, 102 POST required, 103 missing parameter,
104/105 signature, 106/107 token, 108 permissions, 109 format.
"""

from __future__ import annotations

import requests
from ipernity_helpers import Api, Consent, Served
from paysupport_ipernity.signing import sign

from paysupport.emulation import EmulatorSettings


def test_api_errors_use_http_200_and_the_envelope(served: Served) -> None:
    response = requests.get(f"{served.url}/api/doc.get/json", params={"doc_id": "1"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {
        "api": {"status": "error", "code": 100, "message": "API Key is missing"}
    }


def test_invalid_api_key(api: Api) -> None:
    other = Api(api.base_url, "0" * 32, api.api_secret)
    assert other.error("test.hello") == 101


def test_unknown_method_gets_method_not_found(api: Api) -> None:
    body = api.call("doc.fly")
    assert body["api"] == {"status": "error", "code": 1, "message": "Method not found"}


def test_missing_and_invalid_signatures(api: Api) -> None:
    # auth.getFrob is signed (catalog: sign=1).
    assert api.error("auth.getFrob", signed=False, token=False) == 104
    bad = {"api_key": api.api_key, "api_sig": "0" * 32}
    body = requests.get(f"{api.base_url}/api/auth.getFrob/json", params=bad, timeout=10).json()
    assert body["api"]["code"] == 105


def test_a_signature_for_another_method_is_invalid(api: Api) -> None:
    params = {"api_key": api.api_key, "user_id": "1001"}
    params["api_sig"] = sign(params, api.api_secret, "user.getOther")
    body = requests.get(f"{api.base_url}/api/user.get/json", params=params, timeout=10).json()
    assert body["api"]["code"] == 105


def test_unsigned_methods_accept_unsigned_calls(api: Api) -> None:
    assert api.ok("doc.get", signed=False, token=False, doc_id="100001")["doc"]["doc_id"]


def test_token_missing_and_invalid(api: Api) -> None:
    anonymous = api.with_token(None)
    assert anonymous.error("auth.checkToken", auth_token="") == 106
    assert anonymous.error("album.create", post=True, title="x") == 106
    assert api.with_token("1001-forged").error("auth.checkToken") == 107


def test_expired_tokens_are_refused(serve: object, consent: Consent) -> None:
    served = serve(EmulatorSettings(token_lifetime=0))  # type: ignore[operator]
    token = Consent(served).token(doc="read")
    assert served.api.with_token(token).error("auth.checkToken") == 107


def test_write_methods_refuse_get(api: Api) -> None:
    assert api.error("doc.set", doc_id="100001", title="x") == 102
    assert api.error("doc.delete", doc_id="100001") == 102
    assert api.ok("doc.get", doc_id="100001")  # still there


def test_permissions_delete_implies_write_implies_read(served: Served, consent: Consent) -> None:
    api = served.api
    doc_id = api.ok("doc.getList", user_id="1001", per_page="1")["docs"]["doc"][0]["doc_id"]
    reader = api.with_token(consent.token(doc="read"))
    writer = api.with_token(consent.token(doc="write"))
    deleter = api.with_token(consent.token(doc="delete"))
    blogger = api.with_token(consent.token(blog="delete"))

    assert reader.ok("doc.get", doc_id=doc_id)
    assert reader.error("doc.set", post=True, doc_id=doc_id, title="no") == 108
    assert blogger.error("doc.get", doc_id=doc_id) == 108
    assert writer.ok("doc.set", post=True, doc_id=doc_id, title="yes")["doc"]["title"] == "yes"
    assert writer.error("doc.delete", post=True, doc_id=doc_id) == 108
    assert deleter.ok("doc.set", post=True, doc_id=doc_id, title="again")
    deleter.ok("doc.delete", post=True, doc_id=doc_id)
    assert api.error("doc.get", doc_id=doc_id) == 1


def test_required_parameters(api: Api) -> None:
    assert api.error("test.echo") == 103
    assert api.error("doc.get") == 103
    assert api.error("album.docs.add", post=True, album_id="50001") == 103


def test_only_json_is_emulated(api: Api) -> None:
    params = {"api_key": api.api_key}
    for fmt in ("xml", "php"):
        response = requests.get(f"{api.base_url}/api/test.hello/{fmt}", params=params, timeout=10)
        assert response.json()["api"]["code"] == 109
    default = requests.get(f"{api.base_url}/api/test.hello", params=params, timeout=10).json()
    assert default["hello"] == "hello world!"


def test_parameters_may_be_posted_to_read_methods(api: Api) -> None:
    assert api.ok("test.echo", post=True, echo="posted")["echo"] == "posted"


def test_garbage_never_crashes(api: Api) -> None:
    assert api.error("doc.get", doc_id="not-a-number") == 3
    assert api.error("doc.get", doc_id="99999999999999999999") == 1
    body = api.ok("doc.getList", user_id="1001", page="zero", per_page="-4")["docs"]
    assert (body["page"], body["per_page"]) == (1, 1)
    response = requests.post(f"{api.base_url}/api/doc.set/json", data=b"\xff\xfe", timeout=10)
    assert response.json()["api"]["status"] == "error"
    assert requests.get(f"{api.base_url}/api/", timeout=10).json()["api"]["code"] == 1
