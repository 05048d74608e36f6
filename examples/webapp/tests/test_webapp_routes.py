"""The web example's routes through Flask's test client, against a sandbox on 127.0.0.1.

Consent pages are answered with :func:`paysupport.sandbox.answer_consent`, which
reads and posts the form as a browser would; the browser itself is exercised by
``test_webapp_browser.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from paysupport_patreon.emulator import sign_webhook

from examples.webapp.app import create_app, shutdown
from examples.webapp.events import EventLog
from examples.webapp.services import Services, sandbox_config, start_sandbox
from examples.webapp.tests.kit import Deferred, admin_flattrs
from paysupport.sandbox import Sandbox, answer_consent
from paysupport.sandbox.serving import ServedApp

PUBLIC_URL = "http://localhost"  # where Flask's test client sends requests


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = start_sandbox(PUBLIC_URL)
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def make_app(tmp_path: Path, sandbox: Sandbox) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(**config: Any) -> Flask:
        settings = {"TESTING": True, "DATA_DIR": str(tmp_path / f"app{len(apps)}")}
        settings.update(sandbox_config(sandbox))
        settings.update(config)
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        shutdown(app)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def services_of(app: Flask) -> Services:
    found: Services | None = app.extensions["paysupport_webapp"].services
    assert found is not None, "no request has been served yet"
    return found


def events_of(app: Flask) -> EventLog:
    log: EventLog = app.extensions["paysupport_webapp"].events
    return log


def message(html: str) -> str:
    found = re.search(r'id="message">([^<]*)<', html)
    assert found, html
    return found.group(1)


def csrf(client: FlaskClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


def local(url: str) -> str:
    """The path and query of a callback URL, for the test client."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL, url
    return f"{parts.path}?{parts.query}"


def start_login(client: FlaskClient, provider: str, **form: str) -> str:
    """Press "Log in with" (a form posting the CSRF token) up to the consent page's URL."""
    answer = client.post(f"/login/{provider}", data={"csrf": csrf(client), **form})
    assert answer.status_code == 302, answer.text
    return str(answer.location)


def log_in(client: FlaskClient, provider: str, decision: str = "allow", **args: str) -> Any:
    consent = answer_consent(start_login(client, provider, **args), decision)
    assert consent.status_code == 302, consent.text
    return client.get(local(consent.headers["Location"]))


def patron_ids(app: Flask, client: FlaskClient) -> dict[str, str]:
    """A seeded user id per Patreon status, from the sandbox's sign-in choice."""
    client.get("/")
    return {p.status: p.user_id for p in reversed(services_of(app).sandbox_people)}


# -- logins and the patron-only page ---------------------------------------------------


def test_an_active_patron_sees_the_patron_page(app: Flask) -> None:
    client = app.test_client()
    ids = patron_ids(app, client)
    answer = log_in(client, "patreon", **{"as": ids["active_patron"]})
    assert answer.status_code == 302 and answer.location == "/"
    assert "logged in as" in client.get("/").text
    page = client.get("/patrons")
    assert page.status_code == 200
    assert "active patron" in message(page.text)


@pytest.mark.parametrize("status", ["former_patron", "declined_patron", "the creator"])
def test_others_are_refused_the_patron_page(app: Flask, status: str) -> None:
    client = app.test_client()
    ids = patron_ids(app, client)
    args = {} if status == "the creator" else {"as": ids[status]}
    log_in(client, "patreon", **args)
    page = client.get("/patrons")
    assert page.status_code == 403
    assert "for active patrons" in message(page.text)


def test_anonymous_visitors_are_refused_the_patron_page(app: Flask) -> None:
    page = app.test_client().get("/patrons")
    assert page.status_code == 403
    assert "Log in with Patreon" in message(page.text)


def sponsor_logins(app: Flask, client: FlaskClient) -> list[str]:
    """Seeded sponsors of the site's GitHub account, from the sandbox's sign-in choice."""
    client.get("/")
    people = services_of(app).github_people
    assert people, "no sponsor to sign in as"
    return [p.user_id for p in people]


def test_an_active_sponsor_logs_in_with_github_and_sees_the_page(app: Flask) -> None:
    client = app.test_client()
    sponsor = sponsor_logins(app, client)[0]
    answer = log_in(client, "github", **{"as": sponsor})
    assert answer.status_code == 302 and answer.location == "/"
    with client.session_transaction() as session:
        assert session["logins"]["github"]["handle"] == sponsor
    page = client.get("/patrons")
    assert page.status_code == 200, page.text
    assert "active sponsor on GitHub" in message(page.text)
    assert "Sponsoring: $" in page.text


def test_the_maintainer_is_not_their_own_sponsor(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "github")  # the consent page's default user: the site's maintainer
    page = client.get("/patrons")
    assert page.status_code == 403
    assert "for active sponsors (" in message(page.text)
    assert "has no active sponsorship" in message(page.text)


def test_a_sponsor_gets_in_even_when_their_patreon_pledge_ended(app: Flask) -> None:
    # The page is gated on any connected provider: one that says yes is enough.
    client = app.test_client()
    ids = patron_ids(app, client)
    log_in(client, "patreon", **{"as": ids["former_patron"]})
    refused = client.get("/patrons")
    assert refused.status_code == 403
    assert "for active patrons (patron status is former_patron)" in message(refused.text)
    log_in(client, "github", **{"as": sponsor_logins(app, client)[0]})
    assert client.get("/patrons").status_code == 200


def test_a_visitor_refused_everywhere_is_told_why_by_each_provider(app: Flask) -> None:
    client = app.test_client()
    ids = patron_ids(app, client)
    log_in(client, "patreon", **{"as": ids["declined_patron"]})
    log_in(client, "github")
    page = client.get("/patrons")
    assert page.status_code == 403
    text = message(page.text)
    assert "for active patrons and active sponsors" in text
    assert "declined_patron" in text and "no active sponsorship" in text


def test_a_tampered_state_is_refused_and_burns_the_login(app: Flask) -> None:
    client = app.test_client()
    consent = answer_consent(start_login(client, "patreon"), "allow")
    genuine = consent.headers["Location"]
    parts = urlsplit(genuine)
    query = dict(parse_qsl(parts.query))
    query["state"] = query["state"][::-1]
    tampered = urlunsplit(parts._replace(query=urlencode(query)))
    answer = client.get(local(tampered))
    assert answer.status_code == 400
    assert "state mismatch" in message(answer.text)
    # The pending login is gone: even the genuine answer is no longer accepted.
    again = client.get(local(genuine))
    assert again.status_code == 400 and "No login was in progress" in message(again.text)
    with client.session_transaction() as session:
        uid = session["uid"]
        assert "patreon" not in session.get("logins", {})
    assert services_of(app).token_store.load("patreon", uid) is None


def test_a_tampered_frob_is_refused_and_burns_the_login(app: Flask) -> None:
    # Ipernity's callback has no state: a frob Ipernity did not issue to this site is
    # refused like a tampered state, through the same login steps as every provider.
    client = app.test_client()
    consent = answer_consent(start_login(client, "ipernity"), "allow")
    genuine = consent.headers["Location"]
    parts = urlsplit(genuine)
    query = dict(parse_qsl(parts.query))
    query["frob"] = query["frob"][::-1]
    answer = client.get(local(urlunsplit(parts._replace(query=urlencode(query)))))
    assert answer.status_code == 400
    assert "state mismatch" in message(answer.text)
    again = client.get(local(genuine))
    assert again.status_code == 400 and "No login was in progress" in message(again.text)
    with client.session_transaction() as session:
        uid = session["uid"]
        assert "ipernity" not in session.get("logins", {})
    assert services_of(app).token_store.load("ipernity", uid) is None


def test_a_callback_without_a_login_in_progress_is_refused(app: Flask) -> None:
    client = app.test_client()
    attempts = (
        ("patreon", "code=x&state=y"),
        ("github", "code=x&state=y"),
        ("ipernity", "frob=1-2"),
    )
    for provider, query in attempts:
        answer = client.get(f"/callback/{provider}?{query}")
        assert answer.status_code == 400, provider
        assert "No login was in progress" in message(answer.text)


def test_deny_stores_nothing(app: Flask) -> None:
    client = app.test_client()
    answer = log_in(client, "flattr", "deny")
    assert answer.status_code == 403
    assert "You declined" in message(answer.text)
    with client.session_transaction() as session:
        assert not session.get("logins")


def test_ipernity_web_flow_logs_in(app: Flask) -> None:
    client = app.test_client()
    url = start_login(client, "ipernity")
    assert "frob=" not in url  # the web flow: Ipernity makes the frob
    answer = log_in(client, "ipernity")
    assert answer.status_code == 302
    with client.session_transaction() as session:
        assert session["logins"]["ipernity"]["id"]


def test_visitors_never_share_tokens_nor_get_the_sites(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    log_in(first, "flattr")
    start_login(second, "flattr")  # a visitor with an account id, not logged in yet
    found = services_of(app)
    with first.session_transaction() as one, second.session_transaction() as two:
        assert found.token_store.load("flattr", one["uid"]) is not None
        assert found.token_store.load("flattr", two["uid"]) is None
        # the sandbox's pre-issued tokens are the site's, never a visitor's
        for provider in ("patreon", "github", "flattr", "ipernity"):
            client = found.user_client(provider, two["uid"])
            assert found.token_store.load(provider, two["uid"]) is None, provider
            client.close()


def test_logout_forgets_the_tokens(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "flattr")
    with client.session_transaction() as session:
        uid = session["uid"]
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 400
    assert client.post("/logout", data={"csrf": csrf(client)}).status_code == 302
    assert services_of(app).token_store.load("flattr", uid) is None


def test_a_non_ascii_csrf_token_is_a_400_not_a_crash(app: Flask) -> None:
    # Anyone can post any text; comparing it must not raise (TESTING re-raises a 500).
    client = app.test_client()
    csrf(client)
    for route in ("/logout", "/flattr", "/login/flattr"):
        answer = client.post(route, data={"csrf": "jeton-p\u00e9rim\u00e9 \u2603"})
        assert answer.status_code == 400, route
        assert "The form is stale" in message(answer.text)


def test_another_site_cannot_start_a_login(app: Flask) -> None:
    # Login CSRF: an attacker consents at Ipernity in their own browser and keeps the
    # callback URL (with their frob); a page they control then makes the visitor's
    # browser start a login and follow that URL. Ipernity's flow has no ``state``,
    # so only the login's start can tell the visitor's own login from a forged one.
    attacker, visitor = app.test_client(), app.test_client()
    consent = answer_consent(start_login(attacker, "ipernity"), "allow")
    attackers_callback = local(consent.headers["Location"])
    assert visitor.get("/login/ipernity").status_code == 405  # an <img> or a link
    forged = visitor.post("/login/ipernity")  # a cross-site form: no token to send
    assert forged.status_code == 400
    answer = visitor.get(attackers_callback)
    assert answer.status_code == 400 and "No login was in progress" in message(answer.text)
    with visitor.session_transaction() as session:
        assert not session.get("logins")


def test_a_login_issues_a_new_session(app: Flask) -> None:
    # Session fixation: the attacker plants a cookie they also keep (or copies one
    # before the visitor logs in). After the login, it must grant nothing.
    attacker, visitor = app.test_client(), app.test_client()
    start_login(attacker, "patreon")  # gives the attacker's session an account id
    planted_token = csrf(attacker)
    cookie = attacker.get_cookie("session")
    assert cookie is not None
    visitor.set_cookie("session", cookie.value)
    with visitor.session_transaction() as session:
        planted_uid = session["uid"]
    assert log_in(visitor, "flattr").status_code == 302
    found = services_of(app)
    with visitor.session_transaction() as session:
        assert session["uid"] != planted_uid and session["csrf"] != planted_token
        assert found.token_store.load("flattr", session["uid"]) is not None
        assert "flattr" in session["logins"]
    assert found.token_store.load("flattr", planted_uid) is None
    # the planted token no longer works in the visitor's session
    assert visitor.post("/flattr", data={"csrf": planted_token}).status_code == 400
    # a second login keeps the first: tokens move to each new session
    log_in(visitor, "ipernity")
    with visitor.session_transaction() as session:
        assert set(session["logins"]) == {"flattr", "ipernity"}
        assert found.token_store.load("flattr", session["uid"]) is not None


# -- the Flattr button -----------------------------------------------------------------


def test_the_flattr_button_flattrs_the_page_once(app: Flask, sandbox: Sandbox) -> None:
    client = app.test_client()
    refused = client.post("/flattr", data={"csrf": csrf(client)})
    assert refused.status_code == 403 and "Log in with Flattr" in refused.text
    assert client.post("/flattr", data={}).status_code == 400  # no CSRF token
    log_in(client, "flattr")
    token = csrf(client)  # a login issues a new session, with a new token
    before = admin_flattrs(sandbox, f"{PUBLIC_URL}/")["count"]
    done = client.post("/flattr", data={"csrf": token})
    assert done.status_code == 200 and "You flattred this page" in message(done.text)
    again = client.post("/flattr", data={"csrf": token})
    assert again.status_code == 200 and "flattred this page before" in message(again.text)
    after = admin_flattrs(sandbox, f"{PUBLIC_URL}/")
    assert after["count"] == before + 1
    assert (
        after["flattrs"][-1]["username"] == sandbox.emulator("flattr").admin_state()["primary_user"]
    )


# -- the webhook endpoint --------------------------------------------------------------


def member_body(member_id: str, status: str) -> bytes:
    document = {
        "data": {
            "type": "member",
            "id": member_id,
            "attributes": {
                "full_name": "Grace Hopper",
                "patron_status": status,
                "currently_entitled_amount_cents": 500,
            },
        }
    }
    return json.dumps(document).encode()


def deliver(client: FlaskClient, body: bytes, secret: str, trigger: str) -> Any:
    headers = {"X-Patreon-Event": trigger, "X-Patreon-Signature": sign_webhook(secret, body)}
    return client.post("/webhooks/patreon", data=body, headers=headers)


def sandbox_member(app: Flask, sandbox: Sandbox, status: str) -> str:
    """A member of the site's campaign whose status at the emulated Patreon is ``status``."""
    found = services_of(app)
    assert found.patreon_campaign
    client = found.site_client("patreon")
    member = next(iter(client.walk("members", campaign=found.patreon_campaign)))
    client.close()
    answer = requests.patch(
        f"{sandbox.url('patreon')}/_admin/members/{member.id}",
        json={"patron_status": status},
        timeout=10,
    )
    answer.raise_for_status()
    return str(member.id)


def test_webhooks_are_verified_and_recorded_once(app: Flask, sandbox: Sandbox) -> None:
    client = app.test_client()
    client.get("/")
    secret = services_of(app).patreon_webhook_secret
    assert secret
    member_id = sandbox_member(app, sandbox, "active_patron")
    body = member_body(member_id, "active_patron")
    assert deliver(client, body, "wrong secret", "members:create").status_code == 403
    assert deliver(client, body, secret, "members:exploded").status_code == 400
    assert events_of(app).deliveries() == []
    for _ in range(3):  # Patreon retries until it gets a 2xx: the same body again
        assert deliver(client, body, secret, "members:create").status_code == 200
    assert [d.trigger for d in events_of(app).deliveries()] == ["members:create"]
    sandbox_member(app, sandbox, "former_patron")
    deliver(client, member_body(member_id, "former_patron"), secret, "members:update")
    state = events_of(app).member(member_id)
    assert state is not None and state.patron_status == "former_patron"
    assert len(events_of(app).deliveries()) == 2


def test_an_older_delivery_after_a_newer_one_changes_nothing(app: Flask, sandbox: Sandbox) -> None:
    # The member left; Patreon's retry of an earlier "active" delivery arrives last.
    client = app.test_client()
    client.get("/")
    secret = services_of(app).patreon_webhook_secret
    member_id = sandbox_member(app, sandbox, "former_patron")
    newer = member_body(member_id, "former_patron")
    older = member_body(member_id, "active_patron")
    assert deliver(client, newer, secret, "members:pledge:delete").status_code == 200
    assert deliver(client, older, secret, "members:pledge:create").status_code == 200
    state = events_of(app).member(member_id)
    assert state is not None and state.patron_status == "former_patron"
    assert state.last_trigger == "members:pledge:create"  # both deliveries were recorded
    assert len(events_of(app).deliveries()) == 2


def test_a_delivery_about_a_member_patreon_no_longer_has_records_them_gone(app: Flask) -> None:
    client = app.test_client()
    client.get("/")
    secret = services_of(app).patreon_webhook_secret
    body = member_body("no-such-member", "active_patron")
    assert deliver(client, body, secret, "members:update").status_code == 200
    state = events_of(app).member("no-such-member")
    assert state is not None and state.patron_status is None and state.amount_cents == 0


def test_bodies_over_max_content_length_are_refused_unread(app: Flask) -> None:
    client = app.test_client()
    client.get("/")
    secret = services_of(app).patreon_webhook_secret
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = member_body("m-3", "active_patron")
    padded = body + b" " * (limit + 1 - len(body))  # valid JSON, correctly signed
    assert deliver(client, padded, secret, "members:create").status_code == 413
    assert events_of(app).deliveries() == []
    form = {"csrf": csrf(client), "padding": "x" * limit}
    assert client.post("/logout", data=form).status_code == 413


def test_the_sandbox_delivers_member_changes_to_the_served_app(
    tmp_path: Path, wsgi_server: Callable[..., ServedApp]
) -> None:
    # The app reached over real HTTP: an embedded sandbox, a webhook registered at startup.
    deferred = Deferred()
    served = wsgi_server(deferred)
    app = create_app({"DATA_DIR": str(tmp_path), "PUBLIC_URL": served.url})
    deferred.app = app
    try:
        assert requests.get(served.url, timeout=10).status_code == 200
        found = services_of(app)
        assert found.sandbox is not None and found.patreon_campaign
        member = next(
            iter(found.site_client("patreon").walk("members", campaign=found.patreon_campaign))
        )
        answer = requests.patch(
            f"{found.sandbox.url('patreon')}/_admin/members/{member.id}",
            json={"patron_status": "former_patron"},
            timeout=10,
        )
        answer.raise_for_status()
        assert all(d["ok"] for d in answer.json()["deliveries"]), answer.json()
        recorded = {d.trigger for d in events_of(app).deliveries() if d.resource_id == member.id}
        assert "members:update" in recorded
        state = events_of(app).member(member.id)
        assert state is not None and state.patron_status == "former_patron"
    finally:
        shutdown(app)


def test_paysupport_trigger_delivers_to_the_served_app(
    tmp_path: Path,
    wsgi_server: Callable[..., ServedApp],
    paysupport_trigger: Callable[..., Any],
) -> None:
    # `paysupport trigger` as a fixture: deliveries signed with the site's stored secret
    # are recorded; one signed with another secret is refused before anything is read.
    deferred = Deferred()
    served = wsgi_server(deferred)
    app = create_app({"DATA_DIR": str(tmp_path), "PUBLIC_URL": served.url})
    deferred.app = app
    try:
        assert requests.get(served.url, timeout=10).status_code == 200
        found = services_of(app)
        assert found.sandbox is not None
        hook = f"{served.url}/webhooks/patreon"
        emulator = found.sandbox.emulator("patreon")  # records the app can read back
        sent = paysupport_trigger(
            "patreon", "members:pledge:delete", to=hook, secret=found.patreon_webhook_secret,
            emulator=emulator,
        )  # fmt: skip
        assert sent.status == 200, sent.answer
        [delivery] = events_of(app).deliveries()
        assert delivery.trigger == "members:pledge:delete"
        state = events_of(app).member(delivery.resource_id)
        assert state is not None and state.patron_status == "former_patron"
        forged = paysupport_trigger("patreon", "members:create", to=hook, secret="guessed")
        assert forged.status == 403
        assert len(events_of(app).deliveries()) == 1
    finally:
        shutdown(app)


def test_real_mode_uses_the_configuration_only(make_app: Callable[..., Flask]) -> None:
    # No sandbox started, no webhook registered: what a production site gets by config.
    app = make_app(SANDBOX=False, PATREON_WEBHOOK_SECRET="configured-secret")
    client = app.test_client()
    assert "Sandbox mode" not in client.get("/").text
    found = services_of(app)
    assert found.sandbox is None and not found.sandbox_people
    assert found.patreon_campaign  # from the creator token in the configuration
    body = member_body("m-2", "active_patron")
    assert deliver(client, body, "configured-secret", "members:create").status_code == 200
    # sandbox-only conveniences are off: ``as`` is not passed to the real Patreon
    assert "login_as" not in start_login(client, "patreon", **{"as": "123"})
