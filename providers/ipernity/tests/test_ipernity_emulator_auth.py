"""Both authorization flows, driven through the consent form as a browser would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from ipernity_helpers import Consent, Served, parse_consent
from paysupport_ipernity.signing import sign


def test_desktop_flow(served: Served, consent: Consent) -> None:
    api = served.api
    frob = api.ok("auth.getFrob", token=False)["auth"]["frob"]
    assert api.error("auth.getToken", token=False, frob=frob) == 2  # not approved yet

    link = consent.link(frob=frob, perm_doc="write", perm_network="read")
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    form = parse_consent(page.text)
    assert form["fields"]["frob"] == frob and form["fields"]["perm_doc"] == "write"
    assert {("decision", "allow"), ("decision", "deny")} <= set(form["buttons"])

    done = consent.answer(link, "allow", user_id="1003")
    assert done.status_code == 200 and "close this window" in done.text

    auth = api.ok("auth.getToken", token=False, frob=frob)["auth"]
    assert auth["permissions"] == {
        "doc": "write",
        "blog": "none",
        "post": "none",
        "network": "read",
        "profile": "none",
    }
    assert auth["user"] == {"user_id": "1003", "username": "Ada", "realname": "Ada Lovelace"}
    again = api.ok("auth.getToken", token=False, frob=frob)["auth"]
    assert again["token"] == auth["token"]  # retrying getToken is safe

    checked = api.with_token(auth["token"]).ok("auth.checkToken")["auth"]
    assert checked["token"] == auth["token"]
    assert checked["perms"] == checked["permissions"] == auth["permissions"]
    assert checked["user"]["user_id"] == "1003"


def test_web_flow_redirects_to_the_registered_callback(serve: object) -> None:
    served = serve(callback_url="https://app.example/ipernity/done?state=1")  # type: ignore[operator]
    assert served.emulator.credentials()["callback_url"] == (
        "https://app.example/ipernity/done?state=1"
    )
    consent = Consent(served)
    link = consent.link(perm_doc="delete")
    answer = consent.answer(link, "allow")
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "app.example",
        "/ipernity/done",
    )
    query = parse_qs(location.query)
    assert query["state"] == ["1"]
    (frob,) = query["frob"]
    auth = served.api.ok("auth.getToken", token=False, frob=frob)["auth"]
    assert auth["permissions"]["doc"] == "delete"
    assert auth["user"]["user_id"] == "1001"  # the first user answers by default


def test_default_callback_url(served: Served, consent: Consent) -> None:
    answer = consent.answer(consent.link(perm_doc="read"), "allow")
    assert answer.headers["Location"].startswith("http://127.0.0.1/callback?frob=")


def test_denying_authorizes_nothing(served: Served, consent: Consent) -> None:
    api = served.api
    frob = api.ok("auth.getFrob", token=False)["auth"]["frob"]
    answer = consent.answer(consent.link(frob=frob, perm_doc="read"), "deny")
    assert answer.status_code == 200 and "refused" in answer.text
    assert api.error("auth.getToken", token=False, frob=frob) == 2
    web = consent.answer(consent.link(perm_doc="read"), "deny")
    assert web.status_code == 200 and "Location" not in web.headers


def test_bad_links_get_an_error_page(served: Served, consent: Consent) -> None:
    api = served.api
    unsigned = f"{served.url}/apps/authorize?api_key={api.api_key}&perm_doc=read"
    assert requests.get(unsigned, timeout=10).status_code == 400
    method_signed = {"api_key": api.api_key, "perm_doc": "read"}
    method_signed["api_sig"] = sign(method_signed, api.api_secret, "auth.getFrob")
    response = requests.get(f"{served.url}/apps/authorize", params=method_signed, timeout=10)
    assert response.status_code == 400 and "105" in response.text
    for bad in (
        {"perm_doc": "admin"},
        {"perm_profile": "delete"},
        {},
        {"frob": "1-nope", "perm_doc": "read"},
    ):
        assert requests.get(consent.link(**bad), timeout=10).status_code == 400, bad


def test_a_tampered_form_is_refused(served: Served, consent: Consent) -> None:
    link = consent.link(perm_doc="read")
    form = parse_consent(requests.get(link, timeout=10).text)
    data = {**form["fields"], "perm_doc": "delete", "decision": "allow"}
    response = requests.post(
        f"{served.url}/apps/authorize", data=data, allow_redirects=False, timeout=10
    )
    assert response.status_code == 400


def test_a_frob_is_approved_once(served: Served, consent: Consent) -> None:
    frob = served.api.ok("auth.getFrob", token=False)["auth"]["frob"]
    link = consent.link(frob=frob, perm_doc="read")
    assert consent.answer(link, "allow").status_code == 200
    assert requests.get(link, timeout=10).status_code == 400


def test_get_token_with_an_unknown_frob(served: Served) -> None:
    assert served.api.error("auth.getToken", token=False, frob="123-unknown") == 1


def test_credentials_token_has_every_permission(served: Served) -> None:
    creds = served.emulator.credentials()
    assert set(creds) == {"api_key", "api_secret", "callback_url", "auth_token"}
    auth = served.api.ok("auth.checkToken")["auth"]
    assert auth["permissions"] == {
        "doc": "delete",
        "blog": "delete",
        "post": "delete",
        "network": "delete",
        "profile": "write",
    }


def test_the_core_consent_driver_can_answer_the_page(served: Served, consent: Consent) -> None:
    from paysupport.sandbox import answer_consent

    answer = answer_consent(consent.link(perm_doc="write"), "allow")
    assert answer.status_code == 302
    (frob,) = parse_qs(urlsplit(answer.headers["Location"]).query)["frob"]
    auth = served.api.ok("auth.getToken", token=False, frob=frob)["auth"]
    assert auth["permissions"]["doc"] == "write"
