"""The web example in a real browser: headless Chromium (Debian's) driven by Playwright.

The sandbox and the app are served on 127.0.0.1; the browser logs in with each
provider by clicking on the emulators' consent pages, opens the page for patrons and
sponsors (as a Patreon patron and as a GitHub sponsor), presses the Flattr button,
declines a login and has a tampered ``state`` refused.
Screenshots go to ``test-output/webapp-browser/<test>/`` under the repository.

Outside CI (``CI`` unset) a machine without Chromium or Playwright skips these tests
with a warning; in CI that is a failure, since ``./dev test`` installs both.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from flask import Flask

from examples.webapp.app import create_app, shutdown
from examples.webapp.services import sandbox_config, start_sandbox
from examples.webapp.tests.kit import Deferred, admin_flattrs
from paysupport.sandbox import Sandbox
from paysupport.sandbox.serving import start_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_missing() -> str | None:
    """Why the browser test cannot run here, or ``None``."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the 'playwright' Python package")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (Debian package 'chromium')")
    if not missing:
        return None
    return (
        f"BROWSER TESTS NOT RUN: {' and '.join(missing)} missing; "
        "./dev test installs them (apt-get needs root)"
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    why = _browser_missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI must run them")
        warnings.warn(why, stacklevel=1)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Site:
    url: str
    sandbox: Sandbox
    app: Flask


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on 127.0.0.1 pointed at a sandbox whose Ipernity calls the app back."""
    deferred = Deferred()
    served = start_server(deferred, quiet=True)
    sandbox = start_sandbox(served.url)
    config = {
        **sandbox_config(sandbox),
        "PUBLIC_URL": served.url,
        "DATA_DIR": str(tmp_path_factory.mktemp("webapp")),
    }
    deferred.app = create_app(config)
    try:
        yield Site(served.url, sandbox, deferred.app)
    finally:
        served.close()
        shutdown(deferred.app)
        sandbox.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context()
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``shot(page, "name")`` saves a numbered screenshot in this test's output folder."""
    folder = request.config.rootpath / "test-output" / "webapp-browser" / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken: list[Path] = []

    def take(page: Page, name: str) -> Path:
        path: Path = folder / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    return take


def text(page: Page, selector: str = "body") -> str:
    return page.inner_text(selector)


def session_of(page: Page, site: Site) -> dict[str, Any]:
    """The app's session as the browser holds it (signed, not encrypted: readable here)."""
    cookie = next(c for c in page.context.cookies(site.url) if c["name"] == "session")
    serializer = site.app.session_interface.get_signing_serializer(site.app)  # type: ignore[attr-defined]
    assert serializer is not None
    session: dict[str, Any] = serializer.loads(cookie["value"])
    return session


def patreon_person(page: Page, status: str) -> str:
    """The sign-in option for a seeded patron with ``status``, from the home page's select."""
    options = page.locator("#patreon-as option").all()
    for option in options:
        if f"({status})" in option.inner_text():
            return str(option.get_attribute("value"))
    raise AssertionError(f"no {status} among {[o.inner_text() for o in options]}")


def log_in_with_patreon(page: Page, site: Site, status: str) -> None:
    page.goto(site.url)
    page.select_option("#patreon-as", patreon_person(page, status))
    page.click("text=Log in with Patreon")
    page.wait_for_url(re.compile(re.escape(site.sandbox.url("patreon")) + "/oauth2/authorize"))


def test_a_patron_logs_in_with_patreon_and_sees_the_patron_page(
    page: Page, site: Site, shot: Callable[[Page, str], Path]
) -> None:
    log_in_with_patreon(page, site, "active_patron")
    before = session_of(page, site)
    assert "would like to access your Patreon account" in text(page)
    shot(page, "patreon-consent")
    page.click("button:has-text('Allow')")
    page.wait_for_url(f"{site.url}/")
    assert "Patreon: logged in as" in text(page, "#login-patreon")
    after = session_of(page, site)  # a new session at login: a fixed cookie grants nothing
    assert after["uid"] != before["uid"] and after["csrf"] != before["csrf"]
    shot(page, "home-logged-in")
    answer = page.goto(f"{site.url}/patrons")
    assert answer is not None and answer.status == 200
    assert "You are an active patron" in text(page, "#message")
    shot(page, "patron-page")


def test_a_former_patron_is_refused_the_patron_page(
    page: Page, site: Site, shot: Callable[[Page, str], Path]
) -> None:
    answer = page.goto(f"{site.url}/patrons")
    assert answer is not None and answer.status == 403
    assert "Log in with Patreon" in text(page, "#message")
    shot(page, "anonymous-refused")
    log_in_with_patreon(page, site, "former_patron")
    page.click("button:has-text('Allow')")
    page.wait_for_url(f"{site.url}/")
    answer = page.goto(f"{site.url}/patrons")
    assert answer is not None and answer.status == 403
    assert "for active patrons (patron status is former_patron)" in text(page, "#message")
    shot(page, "former-patron-refused")


def test_a_sponsor_logs_in_with_github_and_sees_the_page(
    page: Page, site: Site, shot: Callable[[Page, str], Path]
) -> None:
    page.goto(site.url)
    sponsor = str(page.locator("#github-as option").first.get_attribute("value"))
    page.select_option("#github-as", sponsor)
    page.click("text=Log in with GitHub")
    page.wait_for_url(re.compile(re.escape(site.sandbox.url("github")) + "/login/oauth/authorize"))
    assert page.input_value("input[name=username]") == sponsor
    shot(page, "github-consent")
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{site.url}/")
    assert "GitHub: logged in as" in text(page, "#login-github")
    answer = page.goto(f"{site.url}/patrons")
    assert answer is not None and answer.status == 200
    assert "You are an active sponsor on GitHub" in text(page, "#message")
    shot(page, "sponsor-page")


def test_the_flattr_button_flattrs_the_page_once(
    page: Page, site: Site, shot: Callable[[Page, str], Path]
) -> None:
    page.goto(site.url)
    page.click("text=Log in with Flattr")
    page.wait_for_url(re.compile(re.escape(site.sandbox.url("flattr")) + "/oauth/authorize"))
    visitor = page.input_value("input[name=username]")
    shot(page, "flattr-consent")
    page.click("button:has-text('Allow')")
    page.wait_for_url(f"{site.url}/")
    assert "Flattr: logged in as" in text(page, "#login-flattr")
    page_url = f"{site.url}/"
    assert admin_flattrs(site.sandbox, page_url)["count"] == 0
    page.click("#flattr-button")
    assert "You flattred this page" in text(page, "#message")
    shot(page, "flattred")
    recorded = admin_flattrs(site.sandbox, page_url)
    assert recorded["count"] == 1
    assert recorded["flattrs"][0]["username"] == visitor
    page.goto(site.url)
    page.click("#flattr-button")
    assert "You have flattred this page before" in text(page, "#message")
    shot(page, "already-flattred")
    assert admin_flattrs(site.sandbox, page_url)["count"] == 1


def test_ipernity_web_login_comes_back_through_the_registered_callback(
    page: Page, site: Site, shot: Callable[[Page, str], Path]
) -> None:
    page.goto(site.url)
    page.click("text=Log in with Ipernity")
    page.wait_for_url(re.compile(re.escape(site.sandbox.url("ipernity")) + "/apps/authorize"))
    options = page.locator("select[name=user_id] option").all()
    label = options[-1].inner_text()  # "username (Real Name)"
    username, realname = label.split(" (", 1)[0], label.split(" (", 1)[1].rstrip(")")
    page.select_option("select[name=user_id]", str(options[-1].get_attribute("value")))
    shot(page, "ipernity-consent")
    page.click("button:has-text('Allow')")
    page.wait_for_url(f"{site.url}/")
    logged = text(page, "#login-ipernity")
    assert "Ipernity: logged in as" in logged
    assert realname in logged or username in logged
    shot(page, "home-logged-in")


def test_deny_on_the_consent_page_logs_nobody_in(
    page: Page, site: Site, shot: Callable[[Page, str], Path]
) -> None:
    log_in_with_patreon(page, site, "active_patron")
    page.click("button:has-text('Deny')")
    page.wait_for_url(re.compile(re.escape(site.url) + "/callback/patreon"))
    assert "You declined to share your Patreon account" in text(page, "#message")
    shot(page, "declined")
    page.goto(site.url)
    assert "logged in" not in text(page, "#login-patreon")


def test_a_tampered_state_is_refused(
    page: Page, site: Site, shot: Callable[[Page, str], Path]
) -> None:
    log_in_with_patreon(page, site, "active_patron")
    genuine: list[str] = []

    def tamper(route: Route) -> None:
        # The consent form's answer is a redirect to the app; hand the browser that
        # redirect with a state it never issued, as an attacker's link would.
        answer = route.fetch(max_redirects=0)
        location = answer.headers["location"]
        genuine.append(location)
        parts = urlsplit(location)
        query = dict(parse_qsl(parts.query))
        query["state"] = "forged-" + query["state"][:8]
        forged = urlunsplit(parts._replace(query=urlencode(query)))
        route.fulfill(status=302, headers={"Location": forged})

    consent_url = re.compile(re.escape(site.sandbox.url("patreon")) + "/oauth2/authorize")
    page.route(consent_url, tamper)
    page.click("button:has-text('Allow')")
    page.wait_for_url(re.compile(re.escape(site.url) + "/callback/patreon"))
    assert "state=forged-" in page.url
    assert "state mismatch" in text(page, "#message")
    shot(page, "tampered-state-refused")
    page.unroute(consent_url)
    # The login this browser started is spent: its genuine answer is refused too.
    assert genuine
    answer = page.goto(genuine[0])
    assert answer is not None and answer.status == 400
    assert "No login was in progress" in text(page, "#message")
    page.goto(site.url)
    assert "logged in" not in text(page, "#login-patreon")
    shot(page, "still-logged-out")


def test_another_site_cannot_start_a_login(
    page: Page, site: Site, shot: Callable[[Page, str], Path]
) -> None:
    # An attacker's page (another port of 127.0.0.1: the same site, so the browser
    # even sends the session cookie) tries to start an Ipernity login, whose
    # callback the attacker could then complete with their own frob.
    page.goto(site.url)  # the visitor has a session with a CSRF token
    attack = (
        f'<img src="{site.url}/login/ipernity">'
        f'<form id="f" method="post" action="{site.url}/login/ipernity"></form>'
        "<script>document.getElementById('f').submit()</script>"
    ).encode()

    def attacker(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html")])
        return [attack]

    served = start_server(attacker, quiet=True)
    try:
        with page.expect_navigation(url=re.compile(re.escape(site.url) + "/login/ipernity")):
            page.goto(served.url)
    finally:
        served.close()
    assert "The form is stale or was not sent by this site" in text(page, "#message")
    assert not page.url.startswith(site.sandbox.url("ipernity"))
    shot(page, "forged-login-refused")
    assert "ipernity" not in session_of(page, site).get("pending", {})
