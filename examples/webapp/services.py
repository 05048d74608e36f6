"""How the web example reaches Patreon, GitHub, Flattr and Ipernity: the sandbox or the real ones.

The app talks to providers only through ``paysupport.connect``. What differs
between the sandbox and production is the settings each client gets:

- ``PROVIDERS`` in the app's config (``{"patreon": {"base_url": ..., "client_id": ...}}``)
  is passed to ``paysupport.connect``; anything missing comes from paysupport's own
  configuration (``config.ini``, ``PAYSUPPORT_<PROVIDER>_<KEY>``), as for any program;
- in sandbox mode with no ``PROVIDERS``, an embedded sandbox is started in-process and
  its URLs and credentials become ``PROVIDERS``.

Two kinds of client come out of it. A *user client* acts for one visitor: its tokens
live in the app's server-side token store under the visitor's account id, and every
token setting (a creator token, the sandbox's pre-issued tokens) is blanked so that a
visitor can never inherit the site's own token. The *site client* acts for the site
itself (the Patreon creator's token, to find the campaign and register the webhook; the
GitHub maintainer's token, to ask whether a visitor sponsors them).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paysupport_github import GitHubClient
from paysupport_github.emulator import GitHubEmulator
from paysupport_ipernity.emulator import IpernityEmulator
from paysupport_patreon import Member, PatreonClient

import paysupport
from paysupport.emulation import EmulatorSettings
from paysupport.provider import Client
from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.tokens import TokenStore

log = logging.getLogger(__name__)

PROVIDERS = ("patreon", "github", "flattr", "ipernity")
TITLES = {"patreon": "Patreon", "github": "GitHub", "flattr": "Flattr", "ipernity": "Ipernity"}

#: Settings that carry somebody's token: never given to a visitor's client.
TOKEN_SETTINGS = {
    "patreon": ("access_token", "refresh_token", "creator_access_token", "creator_refresh_token"),
    "github": ("access_token", "refresh_token"),
    "flattr": ("access_token",),
    "ipernity": ("auth_token",),
}

#: The site's own account in the token store (visitors' accounts are random ids).
SITE_ACCOUNT = "site"
APP_NAME = "paysupport-webapp"

WEBHOOK_PATH = "/webhooks/patreon"
IPERNITY_CALLBACK_PATH = "/callback/ipernity"
#: Where GitHub may send visitors back: a GitHub OAuth app registers one callback URL,
#: and a login's ``redirect_uri`` must be under it.
GITHUB_CALLBACK_ROOT = "/callback"
WEBHOOK_TRIGGERS = (
    "members:create",
    "members:update",
    "members:delete",
    "members:pledge:create",
    "members:pledge:update",
    "members:pledge:delete",
)


@dataclass(frozen=True)
class SandboxPerson:
    """A seeded user a visitor may sign in as on an emulated consent page (Patreon, GitHub)."""

    user_id: str
    name: str
    status: str


@dataclass
class Services:
    """Everything the routes need to know about the providers, resolved once."""

    settings: Mapping[str, Mapping[str, Any]]
    token_store: TokenStore
    sandbox_mode: bool
    patreon_campaign: str | None = None
    patreon_webhook_secret: str = ""
    github_maintainer: str | None = None
    flattr_owner: str | None = None
    sandbox_people: list[SandboxPerson] = field(default_factory=list)
    github_people: list[SandboxPerson] = field(default_factory=list)
    sandbox: Sandbox | None = None

    def user_client(self, provider: str, account: str) -> Client:
        """A client acting for one visitor; its tokens are that visitor's only."""
        blank = dict.fromkeys(TOKEN_SETTINGS.get(provider, ()), "")
        return paysupport.connect(
            provider,
            **{**self.settings.get(provider, {}), **blank},
            account=account,
            token_store=self.token_store,
            app_name=APP_NAME,
        )

    def site_client(self, provider: str) -> Client:
        """A client acting for the site, with the token settings the site was given."""
        return paysupport.connect(
            provider,
            **self.settings.get(provider, {}),
            account=SITE_ACCOUNT,
            token_store=self.token_store,
            app_name=APP_NAME,
        )

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()


def start_sandbox(public_url: str, **options: Any) -> Sandbox:
    """Every emulator on 127.0.0.1, Ipernity's and GitHub's with the app's callback registered.

    Ipernity calls back the URL an application registered (there is no redirect
    parameter), and GitHub sends visitors back only under the OAuth app's
    registered callback URL, so both emulators are built with ``public_url``'s.
    """
    root = public_url.rstrip("/")

    def ipernity(settings: EmulatorSettings) -> IpernityEmulator:
        return IpernityEmulator(settings, callback_url=root + IPERNITY_CALLBACK_PATH)

    def github(settings: EmulatorSettings) -> GitHubEmulator:
        emulator = GitHubEmulator(settings)
        emulator.oauth_app = emulator.auth.register(
            "paysupport web example", root + GITHUB_CALLBACK_ROOT, "oauth_app"
        )
        return emulator

    options.setdefault("sizes", {"members": 40})
    factories = {"ipernity": ipernity, "github": github}
    return Sandbox(SandboxOptions(factories=factories, **options)).start()


def sandbox_config(sandbox: Sandbox) -> dict[str, Any]:
    """The app's config for a running sandbox: ``PROVIDERS`` and the Flattr page owner.

    The page owner is a seeded Flattr user other than the one the consent page
    offers by default, so the default visitor can flattr the page.
    """
    providers = {
        name: {"base_url": sandbox.url(name), **sandbox.credentials(name)}
        for name in PROVIDERS
        if name in sandbox.names
    }
    config: dict[str, Any] = {"PROVIDERS": providers}
    if "flattr" in sandbox.names:
        state = sandbox.emulator("flattr").admin_state()
        taken = {"flattr", state.get("primary_user")}
        owner = next((u["username"] for u in state["users"] if u["username"] not in taken), None)
        config["FLATTR_OWNER"] = owner
    return config


def build_services(config: Mapping[str, Any], public_url: str, token_store: TokenStore) -> Services:
    """Resolve the providers' settings, the campaign, the webhook secret and the page owner.

    ``public_url`` is the app's root as browsers and providers reach it (for the
    Ipernity callback and the webhook's URI).
    """
    sandbox_mode = bool(config.get("SANDBOX", True))
    settings: dict[str, Any] = dict(config.get("PROVIDERS") or {})
    extra: dict[str, Any] = {}
    sandbox = None
    if sandbox_mode and not settings:
        sandbox = start_sandbox(public_url)
        extra = sandbox_config(sandbox)
        settings = extra["PROVIDERS"]
        log.info("embedded sandbox started: %s", {n: sandbox.url(n) for n in sandbox.names})
    services = Services(
        settings=settings,
        token_store=token_store,
        sandbox_mode=sandbox_mode,
        patreon_campaign=_text(config.get("PATREON_CAMPAIGN_ID")),
        patreon_webhook_secret=str(config.get("PATREON_WEBHOOK_SECRET") or ""),
        flattr_owner=_text(config.get("FLATTR_OWNER")) or _text(extra.get("FLATTR_OWNER")),
        sandbox=sandbox,
    )
    _prepare_patreon(services, public_url)
    _prepare_github(services)
    return services


def _prepare_patreon(services: Services, public_url: str) -> None:
    """With the creator's token: the campaign, a webhook (sandbox only) and people to sign in as.

    Without it (a production site configured by hand) the campaign and the webhook
    secret must be in the config; a site that has neither gates nothing and
    refuses every webhook delivery.
    """
    try:
        creator = services.site_client("patreon")
    except paysupport.PaySupportError as exc:
        log.warning("Patreon is not configured: %s", exc)
        return
    if not isinstance(creator, PatreonClient) or creator.oauth is None:
        return
    if creator.oauth.token is None:
        return
    try:
        if services.patreon_campaign is None:
            campaign = next(iter(creator.walk("campaigns")), None)
            services.patreon_campaign = campaign.id if campaign else None
        if services.patreon_campaign is None or not services.sandbox_mode:
            return
        if not services.patreon_webhook_secret:
            uri = public_url.rstrip("/") + WEBHOOK_PATH
            hook = creator.create_webhook(services.patreon_campaign, uri, WEBHOOK_TRIGGERS)
            services.patreon_webhook_secret = hook.secret or ""
        members = creator.walk("members", campaign=services.patreon_campaign, count=20)
        services.sandbox_people = _people(members.first(20))
    except paysupport.PaySupportError as exc:
        log.warning("Patreon setup failed: %s", exc)
    finally:
        creator.close()


def _prepare_github(services: Services) -> None:
    """With the maintainer's token: who the site is on GitHub Sponsors, and (sandbox) sponsors.

    Without a token, GitHub gates nothing: the site cannot ask who sponsors it.
    """
    try:
        site = services.site_client("github")
    except paysupport.PaySupportError as exc:
        log.warning("GitHub is not configured: %s", exc)
        return
    if not isinstance(site, GitHubClient) or not site.settings.get("access_token"):
        site.close()
        return
    try:
        services.github_maintainer = site.maintainer or site.identity().raw.login
        if services.sandbox_mode:
            sponsors = site.walk("sponsors", login=services.github_maintainer, count=20)
            services.github_people = [
                SandboxPerson(s.sponsor.login, s.sponsor.name or s.sponsor.login, "sponsor")
                for s in sponsors.first(20)
                if s.is_active and s.sponsor is not None and not s.sponsor.is_organization
            ][:3]
    except paysupport.PaySupportError as exc:
        log.warning("GitHub setup failed: %s", exc)
    finally:
        site.close()


def _people(members: list[Member]) -> list[SandboxPerson]:
    """A few patrons of each status, active ones first, for the sandbox's sign-in choice."""
    chosen: list[SandboxPerson] = []
    per_status: dict[str, int] = {}
    ordered = sorted(members, key=lambda m: (not m.is_active, m.patron_status or ""))
    for member in ordered:
        status = member.patron_status or "never pledged"
        if member.user_id is None or per_status.get(status, 0) >= 2:
            continue
        per_status[status] = per_status.get(status, 0) + 1
        chosen.append(SandboxPerson(member.user_id, member.full_name or member.user_id, status))
    return chosen


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
