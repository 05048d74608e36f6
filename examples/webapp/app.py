"""The web example: "log in with" Patreon, GitHub, Flattr or Ipernity, a page for patrons and
sponsors, a Flattr button and a Patreon webhook endpoint, on paysupport's web flows.

Run it with ``flask --app examples.webapp.app run`` (sandbox by default); see README.md.

Who is who. A visitor gets a random account id in their (signed) session cookie; their
provider tokens live server-side in an SQLite token store under that id, never in the
cookie. The cookie also carries, between the redirect to a provider and its callback,
the :meth:`~paysupport.login.LoginStart.to_dict` of the login (for OAuth 2 the ``state``
and the PKCE verifier), so a callback that does not belong to it is refused. Every
provider logs in with the same two calls, ``client.start_login`` and
``client.finish_login``, whatever its protocol (OAuth 2 or Ipernity's frob).

The page for supporters (``/patrons``) opens to a visitor who supports the site at any
provider they logged in with: an active patron of the Patreon campaign (asked with the
visitor's own token), or an active sponsor of the site's GitHub account (asked with the
site's maintainer token, which sees private sponsorships too).

Configuration (``create_app(config)`` or ``PAYSUPPORT_WEBAPP_<KEY>`` in the environment,
JSON values allowed): ``SANDBOX`` (default 1), ``SECRET_KEY``, ``PUBLIC_URL``,
``PROVIDERS``, ``PATREON_CAMPAIGN_ID``, ``PATREON_WEBHOOK_SECRET``, ``FLATTR_OWNER``,
``DATA_DIR``, ``MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import secrets
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from paysupport_flattr import AlreadyFlattred, FlattrClient, NotEnoughMeans, OwnThing
from paysupport_github import GitHubClient
from paysupport_patreon import Member, PatreonClient, WebhookEvent, flask_view
from paysupport_patreon.webhooks import MAX_BODY

from examples.webapp.events import EventLog
from examples.webapp.services import PROVIDERS, TITLES, Services, build_services
from paysupport.errors import (
    AccessDenied,
    AuthError,
    InvalidToken,
    NotFound,
    PaySupportError,
    StateMismatch,
)
from paysupport.tokens import SqliteTokenStore

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

#: What each login asks for: enough to know who the visitor is and to act for them
#: (Ipernity's are frob permissions, written ``category:level``).
LOGIN_SCOPES: Mapping[str, tuple[str, ...]] = {
    "patreon": ("identity", "identity.memberships"),
    "github": ("read:user",),
    "flattr": ("flattr",),
    "ipernity": ("doc:read",),
}
#: Who to sign in as at an emulated consent page (sandbox only): the authorization URL's
#: parameter each provider reads (GitHub's ``login`` is its real "suggested account").
LOGIN_AS = {"patreon": "login_as", "github": "login"}
#: The providers whose supporters the supporters' page opens to, and what they are called.
GATED = {"patreon": "patrons", "github": "sponsors"}
#: What a webhook delivery makes the site re-read about the member.
MEMBER_FIELDS = ("full_name", "patron_status", "currently_entitled_amount_cents")

PAGE_TITLE = "paysupport web example"
DEFAULTS: Mapping[str, Any] = {
    "SANDBOX": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",  # sent on the provider's top-level redirect back
    # Forms and webhook deliveries are a few kilobytes; a larger body is refused (413)
    # before it is read, so nobody can make the server hold it in memory.
    "MAX_CONTENT_LENGTH": 1_000_000,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The app; ``config`` overrides ``PAYSUPPORT_WEBAPP_*`` from the environment."""
    app = Flask(__name__, instance_path=str(HERE / "instance"))
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("PAYSUPPORT_WEBAPP")
    app.config.from_mapping(config or {})
    if not app.config.get("SECRET_KEY"):
        if not app.config["SANDBOX"]:
            log.warning("no SECRET_KEY configured: sessions end when the process stops")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    data_dir = Path(app.config.get("DATA_DIR") or app.instance_path)
    app.extensions["paysupport_webapp"] = _State(
        token_store=SqliteTokenStore(data_dir / "tokens.sqlite3"),
        events=EventLog(data_dir / "webhooks.sqlite3"),
    )
    _routes(app)
    return app


@dataclasses.dataclass
class _State:
    """What the app holds besides Flask: the stores, and the services once resolved."""

    token_store: SqliteTokenStore
    events: EventLog
    services: Services | None = None
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


def _state() -> _State:
    state: _State = current_app.extensions["paysupport_webapp"]
    return state


def services() -> Services:
    """The providers' settings, resolved on first use (the embedded sandbox starts then).

    Resolving needs the app's public root (the Ipernity callback, the webhook URI):
    ``PUBLIC_URL`` when configured, else the root the first request came to.
    """
    state = _state()
    with state.lock:
        if state.services is None:
            public_url = current_app.config.get("PUBLIC_URL") or request.url_root
            state.services = build_services(current_app.config, public_url, state.token_store)
        return state.services


def events() -> EventLog:
    return _state().events


def shutdown(app: Flask) -> None:
    """Stop what the app started (the embedded sandbox); for tests and embedding scripts."""
    state: _State = app.extensions["paysupport_webapp"]
    with state.lock:
        if state.services is not None:
            state.services.close()


# -- the visitor -----------------------------------------------------------------------


def visitor() -> str:
    """The visitor's account id in the token store (created on first visit)."""
    if "uid" not in session:
        session["uid"] = secrets.token_urlsafe(18)
    return str(session["uid"])


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def check_csrf() -> None:
    """Refuse a form post that does not carry this session's token (400).

    Compared as UTF-8 bytes: ``hmac.compare_digest`` raises ``TypeError`` on a
    ``str`` with non-ASCII characters, which anyone can post, and that would be a 500.
    """
    sent = request.form.get("csrf", "").encode("utf-8", "surrogatepass")
    expected = str(session.get("csrf", "")).encode("utf-8")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        abort(400, "The form is stale or was not sent by this site; go back and try again.")


def logins() -> dict[str, dict[str, str]]:
    """Who the visitor is at each provider they logged in with."""
    return dict(session.get("logins", {}))


def remember_login(
    provider: str, user_id: str, name: str | None, handle: str | None = None
) -> None:
    """Who the visitor is at ``provider``; ``handle`` is their login name where ids are not it
    (GitHub: the node id is the id, the login is what sponsorships are asked by)."""
    entry = {"id": user_id, "name": name or user_id}
    if handle:
        entry["handle"] = handle
    session["logins"] = {**logins(), provider: entry}


def renew_session() -> None:
    """A new session at login: a new account id and CSRF token, the tokens moved along.

    Against session fixation: whoever planted or copied the cookie before the login
    holds an account id that no longer has any token, and a CSRF token no longer valid.
    Logins in progress for other providers are dropped with the old session.
    """
    store = services().token_store
    old = session.get("uid")
    new = secrets.token_urlsafe(18)
    if old:
        for provider in PROVIDERS:
            token = store.load(provider, str(old))
            if token is not None:
                store.save(provider, new, token)
                store.delete(provider, str(old))
    kept = logins()
    session.clear()
    session.update(uid=new, csrf=secrets.token_urlsafe(24), logins=kept)


def forget_login(provider: str) -> None:
    session["logins"] = {k: v for k, v in logins().items() if k != provider}
    services().token_store.delete(provider, visitor())


def notice(
    title: str, message: str, status: int, *, provider: str | None = None
) -> tuple[str, int]:
    """A page saying what happened; ``provider`` adds a way back to its login."""
    page = render_template("notice.html", title=title, message=message, provider=provider)
    return page, status


def page_url() -> str:
    """The page the Flattr button is on (the home page), as visitors reach it."""
    return url_for("home", _external=True)


# -- routes -----------------------------------------------------------------------------


def _routes(app: Flask) -> None:
    app.jinja_env.globals.update(csrf_token=csrf_token, titles=TITLES, page_title=PAGE_TITLE)
    app.add_url_rule("/", view_func=home)
    app.add_url_rule("/login/<provider>", view_func=login, methods=["POST"])
    app.add_url_rule("/callback/<provider>", view_func=callback)
    app.add_url_rule("/logout", view_func=logout, methods=["POST"])
    app.add_url_rule("/patrons", view_func=patrons)
    app.add_url_rule("/flattr", view_func=flattr, methods=["POST"])
    app.add_url_rule("/webhooks/patreon", view_func=patreon_webhook, methods=["POST"])

    @app.errorhandler(400)
    def bad_request(error: Any) -> ResponseReturnValue:
        return notice("Bad request", str(getattr(error, "description", error)), 400)


def home() -> ResponseReturnValue:
    found = services()
    return render_template(
        "home.html",
        logins=logins(),
        providers=PROVIDERS,
        sandbox=found.sandbox_mode,
        sandbox_people=found.sandbox_people,
        github_people=found.github_people,
        flattr_ready=found.flattr_owner is not None,
    )


def login(provider: str) -> ResponseReturnValue:
    """Send the visitor to the provider's consent page.

    A POST carrying this session's CSRF token: a login started by a plain GET could be
    started by any site (an image, a link), and Ipernity's flow has no ``state``, so
    the attacker's own ``?frob=`` callback would then log the visitor in as the attacker.
    """
    if provider not in PROVIDERS:
        abort(404)
    check_csrf()
    found = services()
    client = found.user_client(provider, visitor())
    extra: dict[str, str] = {}
    who = request.form.get("as", "")
    if found.sandbox_mode and who and provider in LOGIN_AS:
        extra[LOGIN_AS[provider]] = who  # the emulator's stand-in for "who is signed in there"
    try:
        start = client.start_login(callback_url(provider), LOGIN_SCOPES[provider], **extra)
    except PaySupportError as exc:
        return notice("Cannot log in", str(exc), 502, provider=provider)
    finally:
        client.close()
    session["pending"] = {**session.get("pending", {}), provider: start.to_dict()}
    return redirect(start.url)


def callback_url(provider: str) -> str:
    """Where ``provider`` sends the visitor back: under ``PUBLIC_URL`` when configured.

    Ipernity calls back only the URL registered with the application (the sandbox
    registers ``PUBLIC_URL``'s), so the app names the same one.
    """
    root = current_app.config.get("PUBLIC_URL")
    if root:
        return str(root).rstrip("/") + url_for("callback", provider=provider)
    return url_for("callback", provider=provider, _external=True)


def _take_pending(provider: str) -> dict[str, Any] | None:
    """The login in progress for ``provider``, removed: a callback is accepted once."""
    pending = dict(session.get("pending", {}))
    taken: dict[str, Any] | None = pending.pop(provider, None)
    session["pending"] = pending
    return taken


def callback(provider: str) -> ResponseReturnValue:
    """The provider sends the visitor back here: check, exchange, remember who they are."""
    if provider not in PROVIDERS:
        abort(404)
    pending = _take_pending(provider)
    if pending is None:
        return notice(
            "Login refused",
            "No login was in progress in this browser; start again from the home page.",
            400,
            provider=provider,
        )
    client = services().user_client(provider, visitor())
    try:
        client.finish_login(request.url, pending)
        user = client.identity()
    except AccessDenied:
        return notice(
            "Login cancelled",
            f"You declined to share your {TITLES[provider]} account; nothing was stored.",
            403,
            provider=provider,
        )
    except StateMismatch:
        log.warning("%s callback refused: state mismatch", provider)
        return notice(
            "Login refused",
            "The answer from the provider does not match the login this browser started "
            "(state mismatch: possible cross-site request forgery). Nothing was stored.",
            400,
            provider=provider,
        )
    except PaySupportError as exc:
        return notice("Login failed", str(exc), 502, provider=provider)
    finally:
        client.close()
    handle = getattr(user.raw, "login", None) if provider == "github" else None
    remember_login(provider, user.id, user.name, handle)
    renew_session()
    return redirect(url_for("home"))


def logout() -> ResponseReturnValue:
    check_csrf()
    for provider in list(logins()):
        forget_login(provider)
    session.clear()
    return redirect(url_for("home"))


@dataclasses.dataclass(frozen=True)
class Verdict:
    """Whether one provider counts the visitor as a supporter, with why, for the page."""

    provider: str
    entitled: bool
    reason: str
    amount: str = ""  # "$5.00 a month", when known
    tiers: str = ""  # the tiers' titles, when known


def patrons() -> ResponseReturnValue:
    """For supporters: active patrons or sponsors, asked of the provider on every visit.

    Open when any provider the visitor logged in with says yes; each provider the
    site can gate on is asked in turn (one request each).
    """
    found = services()
    ready = {"patreon": found.patreon_campaign, "github": found.github_maintainer}
    available = [provider for provider in GATED if ready[provider]]
    if not available:
        return notice(
            "Not configured",
            "This site has no Patreon campaign nor GitHub account configured.",
            503,
        )
    asked = [p for p in available if p in logins()]
    if not asked:
        return notice(
            "Patrons only",
            "This page is for patrons and sponsors. Log in with Patreon or GitHub to show "
            "you are one.",
            403,
            provider="patreon",
        )
    verdicts: list[Verdict] = []
    failure: ResponseReturnValue | None = None
    for provider in asked:
        try:
            verdict = _patreon_verdict(found) if provider == "patreon" else _github_verdict(found)
        except InvalidToken:
            forget_login(provider)
            title = TITLES[provider]
            message = f"Your {title} login expired; log in again."
            failure = failure or notice("Patrons only", message, 403, provider=provider)
            continue
        except PaySupportError as exc:
            unavailable = f"{TITLES[provider]} is unavailable"
            failure = failure or notice(unavailable, str(exc), 502, provider=provider)
            continue
        if verdict.entitled:
            return render_template("patrons.html", verdict=verdict, name=_name(provider))
        verdicts.append(verdict)
    if failure is not None:
        return failure
    who = " and ".join(f"active {GATED[v.provider]}" for v in verdicts)
    reasons = "; ".join(v.reason for v in verdicts)
    page = render_template(
        "patrons.html", verdict=None, who=who, reasons=reasons, name=_name(asked[0])
    )
    return page, 403


def _patreon_verdict(found: Services) -> Verdict:
    """Asked with the visitor's own token: are they an active patron of the campaign?"""
    client = found.user_client("patreon", visitor())
    assert isinstance(client, PatreonClient) and found.patreon_campaign is not None
    try:
        verdict = client.entitlement(client, found.patreon_campaign)
    finally:
        client.close()
    tiers = verdict.member.entitled_tiers if verdict.member else []
    return Verdict(
        "patreon",
        verdict.entitled,
        verdict.reason,
        f"${verdict.amount_cents / 100:.2f} a month",
        ", ".join(t.title or "" for t in tiers),
    )


def _github_verdict(found: Services) -> Verdict:
    """Asked with the site's maintainer token: does the visitor's login sponsor the site?"""
    handle = logins().get("github", {}).get("handle", "")
    if not handle:
        raise InvalidToken("no GitHub login name in this session", provider="github")
    client = found.site_client("github")
    assert isinstance(client, GitHubClient)
    try:
        # A minimum (any amount) reads the sponsorship itself: one call, with tier and amount.
        verdict = client.is_sponsored_by(handle, 0, maintainer=found.github_maintainer)
    finally:
        client.close()
    amount = ""
    if verdict.amount is not None:
        once = verdict.sponsorship is not None and verdict.sponsorship.is_one_time_payment
        amount = f"${verdict.amount.minor / 100:.2f} {'once' if once else 'a month'}"
    tier = verdict.tier.name if verdict.tier else ""
    return Verdict("github", verdict.entitled, verdict.reason, amount, tier or "")


def _name(provider: str) -> str:
    return logins().get(provider, {}).get("name", "")


def flattr() -> ResponseReturnValue:
    """The "Flattr this page" button: flattr the page as the logged-in Flattr user."""
    check_csrf()
    found = services()
    if found.flattr_owner is None:
        return notice("Not configured", "This site has no Flattr owner configured.", 503)
    if "flattr" not in logins():
        return notice(
            "Log in with Flattr first",
            "Flattring is done from your own Flattr account.",
            403,
            provider="flattr",
        )
    client = found.user_client("flattr", visitor())
    assert isinstance(client, FlattrClient)
    # An auto-submit link: Flattr creates the page's thing, owned by the site's owner,
    # on its first flattr, so no page needs registering in advance.
    target = client.autosubmit_url(found.flattr_owner, page_url(), title=PAGE_TITLE)
    try:
        result = client.support(target)
    except AlreadyFlattred:
        return notice("Already flattred", "You have flattred this page before. Thank you!", 200)
    except OwnThing:
        return notice("Your own page", "You cannot flattr a page you own.", 200)
    except NotEnoughMeans:
        return notice("Not enough means", "Top up your Flattr account to flattr.", 402)
    except AuthError:
        forget_login("flattr")
        return notice(
            "Log in with Flattr again", "Flattr refused your login.", 403, provider="flattr"
        )
    except PaySupportError as exc:
        return notice("Flattr is unavailable", str(exc), 502, provider="flattr")
    finally:
        client.close()
    return notice(
        "Flattred",
        f"Thank you! You flattred this page (thing {result.thing_id}).",
        200,
    )


def patreon_webhook() -> ResponseReturnValue:
    """Patreon deliveries: verified before reading, recorded once per delivery key.

    403 for a bad signature, 400 for an unknown trigger or body, 413 for a body over
    ``MAX_CONTENT_LENGTH``, 200 once the event is stored; a failure to re-read the
    member or to store is a 500, so Patreon delivers again. The member's state is
    re-read from Patreon, since deliveries arrive out of order (see ``events``).
    """
    found = services()

    def record(event: WebhookEvent) -> None:
        events().record(event, lambda member_id: current_member(found, member_id))

    max_body = int(current_app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY)
    view = flask_view(found.patreon_webhook_secret, record, max_body=max_body)
    answer: ResponseReturnValue = view()
    return answer


def current_member(found: Services, member_id: str) -> Member | None:
    """The member as Patreon has them now, asked with the creator's token; ``None`` if gone."""
    client = found.site_client("patreon")
    assert isinstance(client, PatreonClient)
    try:
        document = client.get_member(member_id, fields={"member": MEMBER_FIELDS})
    except NotFound:
        return None
    finally:
        client.close()
    data = document.data()
    return Member(data) if data is not None and not isinstance(data, list) else None
