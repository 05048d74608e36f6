"""``GitHubClient``: identity, the Sponsors walks, entitlement and raw GraphQL, in one object.

The class assembles the pieces, each in its own module: hosts and OAuth
(:mod:`.auth`), the named GraphQL documents (:mod:`.catalog`), one call with its
rate limits (:mod:`.transport`), errors (:mod:`.errors`), records
(:mod:`.resources`) and walks (:mod:`.walks`). Receiving webhooks is
:mod:`.webhooks`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from paysupport.errors import InvalidRequest, NotFound
from paysupport.http import EventHook, HttpOptions
from paysupport.money import Money
from paysupport.provider import Client, User
from paysupport.supporters import Supporter
from paysupport.tokens import TokenStore
from paysupport.walk import Walk
from paysupport_github import catalog as cat
from paysupport_github.auth import Hosts
from paysupport_github.errors import PROVIDER, FieldNotFound
from paysupport_github.info import INFO
from paysupport_github.resources import (
    CURRENCY,
    Entitlement,
    Node,
    SponsorEntity,
    Sponsorship,
    Tier,
)
from paysupport_github.transport import GraphQL, RateLimit, RateLimitGate, check_mode, check_wait
from paysupport_github.walks import connection_walk, dig, flag, page_size, supporter
from paysupport_github.webhooks import Handler, WebhookReceiver

if TYPE_CHECKING:
    from paysupport.sync.webhooks import SupporterDelivery

R = TypeVar("R")

#: The filters each collection's walk takes.
WALK_FILTERS: Mapping[str, frozenset[str]] = {
    "sponsors": frozenset({"login", "past", "include_private", "count", "start"}),
    "supporters": frozenset({"login", "past", "include_private", "count", "start"}),
    "sponsorships": frozenset({"login", "past", "maintainers", "count", "start"}),
    "tiers": frozenset({"login", "unpublished", "count", "start"}),
}


class GitHubClient(Client):
    """A GitHub Sponsors client: a maintainer's sponsors and tiers, a sponsor's sponsorships.

    Authenticate with a token (``access_token``: a personal access token, or
    ``GITHUB_TOKEN``), or log a user in through GitHub's OAuth pages
    (``start_login``/``finish_login``, or ``login()`` at a terminal). The
    maintainer read is the token's own account (the *viewer*), or the user or
    organization named by the ``login`` setting (or a walk's ``login=``).
    """

    info = INFO

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hosts = Hosts.for_base_url(self.base_url)
        self.use_oauth2(self.hosts.oauth_endpoints())
        gate = RateLimitGate(
            check_mode(self.settings.get("rate_limit_mode")),
            max_wait=check_wait(
                self.settings.get("rate_limit_wait"), self.http.options.max_retry_after
            ),
        )
        self.graphql = GraphQL(self.http, self.hosts.graphql, self.redactor, gate)
        #: The maintainer read by default: the ``login`` setting, ``None`` for the viewer.
        self.maintainer: str | None = self.settings.get("login") or None
        self._kinds: dict[str, str] = {}  # login -> "user" or "organization", as found

    # -- GraphQL ---------------------------------------------------------------------------

    def query(self, document: str, variables: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        """Run a GraphQL query (a :mod:`.catalog` document or your own); returns its ``data``.

        Errors are the library's, rate limits are waited for: see :mod:`.transport`.
        """
        return self.graphql.query(document, variables, operation=cat.operation_name(document))

    def raw(
        self, target: str, params: Mapping[str, Any] | None = None, *, http_method: str = "POST"
    ) -> Any:
        """``paysupport call github <document or operation name>``: ``params`` are the variables.

        ``target`` is a GraphQL document, or the name of one in :data:`.catalog.DOCUMENTS`
        (``Viewer``). Only POST exists: GraphQL has one route.
        """
        if http_method.upper() not in ("POST", "GET"):
            raise InvalidRequest("GitHub's GraphQL API takes POST only", provider=PROVIDER)
        document = cat.DOCUMENTS.get(target.strip(), target)
        return dict(self.query(document, params))

    @property
    def rate_limit(self) -> RateLimit | None:
        """The budget from the last answer's ``x-ratelimit-*`` headers (``None`` before any)."""
        return self.graphql.gate.last

    # -- common verbs ----------------------------------------------------------------------

    def identity(self) -> User:
        """The token's account (the viewer): ``id`` is its node id; ``email`` needs ``user:email``.

        ``name`` is the account's name, else its login (``raw.login``).
        """
        data = self.query(cat.VIEWER)
        account = SponsorEntity.from_node(dig(data, ("viewer",), "Viewer"))
        return User(
            provider=PROVIDER,
            id=account.id,
            name=account.name or account.login,
            url=account.url,
            email=account.email,
            raw=account,
        )

    def walk(self, collection: str, **filters: Any) -> Walk[Any]:
        """``sponsors``, ``supporters``, ``sponsorships`` or ``tiers``, lazily, page by page.

        - ``sponsors``: :class:`Sponsorship` received by the maintainer
          (``sponsorshipsAsMaintainer``); ``past=True`` adds past sponsors
          (``activeOnly: false``); private sponsorships are included
          (``include_private=False`` leaves them out); GitHub shows them only to
          the maintainer and an organization's admins.
        - ``supporters``: the same, as the common :class:`~paysupport.supporters.Supporter`.
        - ``sponsorships``: :class:`Sponsorship` given by the account
          (``sponsorshipsAsSponsor``); ``maintainers=["login", ...]`` keeps those to them.
        - ``tiers``: the maintainer's published :class:`Tier`; ``unpublished=True``
          adds drafts and retired ones (admins only).

        Every walk takes ``login`` (another user or organization than the default
        maintainer), ``count`` (page size, 1..100) and ``start`` (``Walk.cursor``).
        """
        self.check_collection(collection)
        unknown = set(filters) - WALK_FILTERS[collection]
        if unknown:
            raise InvalidRequest(
                f"walk({collection!r}) takes no {', '.join(sorted(unknown))}; "
                f"it takes {', '.join(sorted(WALK_FILTERS[collection]))}",
                provider=PROVIDER,
            )
        login = str(filters.get("login") or self.maintainer or "") or None
        first = page_size(filters.get("count"))
        start = filters.get("start") or None
        past = flag(filters.get("past"), False)
        if collection in ("sponsors", "supporters"):
            variables = {
                "activeOnly": not past,
                "includePrivate": flag(filters.get("include_private"), True),
            }

            def as_supporter(node: Sponsorship) -> Supporter:
                return supporter(node, login)

            return self._connection(
                cat.SPONSORSHIPS_AS_MAINTAINER,
                "sponsorshipsAsMaintainer",
                login,
                variables,
                Sponsorship,
                as_supporter if collection == "supporters" else None,
                first=first,
                start=start,
            )
        if collection == "sponsorships":
            maintainers = filters.get("maintainers")
            if isinstance(maintainers, str):
                maintainers = maintainers.split(",")
            chosen = [str(m).strip() for m in maintainers or () if str(m).strip()]
            return self._connection(
                cat.SPONSORSHIPS_AS_SPONSOR,
                "sponsorshipsAsSponsor",
                login,
                {"activeOnly": not past, "maintainers": chosen or None},
                Sponsorship,
                first=first,
                start=start,
            )
        return self._connection(
            cat.TIERS,
            "sponsorsListing.tiers",
            login,
            {"unpublished": flag(filters.get("unpublished"), False)},
            Tier,
            first=first,
            start=start,
        )

    def _connection(
        self,
        documents: Mapping[str, str],
        field: str,
        login: str | None,
        variables: Mapping[str, Any],
        kind: type[Node],
        view: Callable[[Any], Any] | None = None,
        *,
        first: int,
        start: str | None,
    ) -> Walk[Any]:
        """A walk over the connection ``field`` of the account; pages decoded from their bytes."""
        operation = cat.operation_name(documents["viewer" if login is None else "user"])

        def fetch(page: Mapping[str, Any]) -> tuple[bytes, str]:
            return self._on_account(documents, login, {**variables, **page}, self.graphql.answer)

        path = ("account", *field.split("."))
        return connection_walk(
            fetch, path, kind, view, operation=operation, first=first, start=start
        )

    def _on_account(
        self,
        documents: Mapping[str, str],
        login: str | None,
        variables: Mapping[str, Any],
        read: Callable[..., R],
    ) -> tuple[R, str]:
        """Run the query of ``documents`` for the viewer, or for ``login``; answer and root.

        ``read`` is :meth:`GraphQL.query <.transport.GraphQL.query>` (the ``data``) or
        :meth:`GraphQL.answer <.transport.GraphQL.answer>` (the body's bytes). A login
        is tried as a user, then as an organization when GitHub finds no user of that
        login; the kind found is remembered for this client.
        """
        if login is None:
            document = documents["viewer"]
            return read(document, variables, operation=cat.operation_name(document)), "viewer"
        known = self._kinds.get(login)
        roots = (
            [known] if known else [root for root in ("user", "organization") if root in documents]
        )
        for index, root in enumerate(roots):
            document = documents[root]
            try:
                answer = read(
                    document, {**variables, "login": login}, operation=cat.operation_name(document)
                )
            except FieldNotFound as exc:
                if exc.path[:1] == (root,) and index + 1 < len(roots):
                    continue
                raise
            self._kinds[login] = root
            return answer, root
        raise AssertionError("unreachable: the last root's answer returned or raised")

    # -- entitlement -----------------------------------------------------------------------

    def is_sponsored_by(
        self, login: str, minimum: Money | int | None = None, *, maintainer: str | None = None
    ) -> Entitlement:
        """Does ``login`` sponsor the maintainer now (at ``minimum`` or more, when given)?

        One call. Without ``minimum`` GitHub's ``isSponsoredBy`` answers; with it
        (a :class:`~paysupport.money.Money` in USD, or US cents) the sponsorship is
        read and its tier's monthly price compared (a one-time payment counts at
        its price while GitHub reports it active). ``bool()`` of the result is the
        answer; ``reason``, ``tier`` and ``amount`` say why. The maintainer is the
        ``maintainer`` argument, else the ``login`` setting, else the viewer; an
        unknown login raises :class:`~paysupport.errors.NotFound`.
        """
        sponsor = str(login or "").strip()
        if not sponsor:
            raise InvalidRequest("is_sponsored_by needs the sponsor's login", provider=PROVIDER)
        owner = maintainer or self.maintainer
        floor = _minimum(minimum)
        if floor is None:
            data, root = self._on_account(
                cat.IS_SPONSORED_BY, owner, {"sponsor": sponsor}, self.graphql.query
            )
            answer = dig(data, (root, "isSponsoredBy"), "IsSponsoredBy")
            who = owner or "the viewer"
            if answer is True:
                return Entitlement(True, f"{sponsor} sponsors {who}", sponsor, owner)
            return Entitlement(False, f"{sponsor} does not sponsor {who}", sponsor, owner)
        found = self._sponsorship_from(sponsor, owner)
        if found is None:
            return Entitlement(False, f"{sponsor} has no active sponsorship", sponsor, owner)
        tier = found.tier
        amount = found.amount
        if amount is None:
            return Entitlement(
                False, f"{sponsor}'s tier is not visible", sponsor, owner, None, None, found
            )
        price = f"{amount.minor / 100:.2f} USD" + (" once" if found.is_one_time_payment else "")
        if amount < floor:
            reason = f"{sponsor} sponsors at {price}, below {floor.minor / 100:.2f} USD"
            return Entitlement(False, reason, sponsor, owner, tier, amount, found)
        reason = f"{sponsor} sponsors at {price}" + (f" ({tier.name})" if tier else "")
        return Entitlement(True, reason, sponsor, owner, tier, amount, found)

    def find_supporter(self, login: str) -> Supporter | None:
        """``login``'s active sponsorship of the maintainer as a :class:`Supporter`, or ``None``.

        One call (the sponsorship :meth:`is_sponsored_by` reads for a minimum); an
        unknown login is ``None``. This is what :func:`paysupport.is_supporter` asks GitHub.
        """
        sponsor = str(login or "").strip()
        if not sponsor:
            raise InvalidRequest("find_supporter needs the sponsor's login", provider=PROVIDER)
        try:
            found = self._sponsorship_from(sponsor, self.maintainer)
        except NotFound:
            return None
        return None if found is None else supporter(found, self.maintainer)

    def _sponsorship_from(self, sponsor: str, owner: str | None) -> Sponsorship | None:
        """The active sponsorship ``sponsor`` gives ``owner`` (``None``: the viewer); one call."""
        if owner:
            data, root = self._on_account(
                cat.SPONSORSHIP_TO_MAINTAINER, sponsor, {"maintainer": owner}, self.graphql.query
            )
            connection = dig(data, (root, "sponsorshipsAsSponsor"), "SponsorshipToMaintainer")
            nodes = [n for n in connection.get("nodes") or [] if isinstance(n, Mapping)]
            return Sponsorship.from_node(nodes[0]) if nodes else None
        data, root = self._on_account(cat.SPONSORSHIP_FOR_VIEWER, sponsor, {}, self.graphql.query)
        node = dig(data, (root,), "SponsorshipForViewer").get("sponsorshipForViewerAsSponsorable")
        return Sponsorship.from_node(node) if isinstance(node, Mapping) else None

    # -- paysupport sync's hooks (docs/writing-a-provider.md) ----------------------------

    def sync_supporters(
        self, account: str, *, start: str | None = None, count: int | None = None
    ) -> Walk[Supporter]:
        """Login ``account``'s sponsors from cursor ``start`` (for paysupport sync)."""
        return self.walk("supporters", login=account, start=start, count=count)

    def supporter_from_delivery(
        self,
        headers: Mapping[str, str] | Sequence[tuple[str, str]],
        raw_body: bytes,
        secret: str,
        clients: Callable[[str], Any] | None = None,
    ) -> SupporterDelivery | None:
        """A verified ``sponsorship`` delivery as the sponsorship's state now.

        The payload's times are the sponsorship's, not the change's, so the
        sponsorship is read again (one query) and the observation is dated by
        the start of that read: of two deliveries applied in any order, the
        later read wins. No active sponsorship any more is no supporter. The
        delivery id is ``X-GitHub-Delivery``. Raises ``InvalidSignature``
        before anything is read. ``clients(account)``, when given, is the client to re-read
        with (the account's own token); else this one.
        """
        from datetime import datetime, timezone

        from paysupport.sync.webhooks import SupporterDelivery
        from paysupport_github.webhooks import parse

        event = parse(headers, raw_body, secret)
        sponsor, owner = event.sponsor, event.sponsorship.sponsorable
        if sponsor is None or not sponsor.login or owner is None or not owner.login:
            return None  # GitHub hides who: nothing to mirror
        started = datetime.now(timezone.utc)
        try:
            reader = self if clients is None else clients(owner.login)
            found = reader._sponsorship_from(sponsor.login, owner.login)
        except NotFound:
            found = None
        current = None if found is None else supporter(found, owner.login)
        return SupporterDelivery(
            provider=PROVIDER,
            delivery_id=event.id,
            account=owner.login,
            supporter_id=current.id if current else (sponsor.id or sponsor.login),
            supporter=current,
            observed_at=started,
        )

    def sponsors_page(self, login: str | None = None) -> str:
        """Where a person sponsors ``login`` (default: the ``login`` setting) on GitHub."""
        who = login or self.maintainer
        if not who:
            raise InvalidRequest("sponsors_page needs a login", provider=PROVIDER)
        return self.hosts.sponsors_page(who)

    # -- webhooks --------------------------------------------------------------------------

    def webhook_receiver(self, handler: Handler, **options: Any) -> WebhookReceiver:
        """A WSGI receiver of sponsorship deliveries, verified with ``webhook_secret``."""
        secret = self.settings.get("webhook_secret")
        if not secret:
            raise InvalidRequest(
                "the webhook_secret setting is needed to verify deliveries", provider=PROVIDER
            )
        return WebhookReceiver(secret, handler, **options)


def _minimum(value: Money | int | None) -> Money | None:
    if value is None:
        return None
    if isinstance(value, Money):
        if value.currency != CURRENCY:
            raise InvalidRequest(
                f"GitHub Sponsors prices are in {CURRENCY}, not {value.currency}",
                provider=PROVIDER,
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequest(
            f"minimum is a Money in USD or a number of US cents, not {value!r}", provider=PROVIDER
        )
    return Money(value, CURRENCY)


def connect(
    *,
    access_token: str | None = None,
    refresh_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    redirect_uri: str | None = None,
    login: str | None = None,
    webhook_secret: str | None = None,
    rate_limit_mode: str | None = None,
    rate_limit_wait: float | None = None,
    base_url: str | None = None,
    http_options: HttpOptions | None = None,
    token_store: TokenStore | str | None = None,
    account: str | None = None,
    app_name: str | None = None,
    hooks: Sequence[EventHook] = (),
) -> GitHubClient:
    """A :class:`GitHubClient`, typed: ``paysupport.connect("github", ...)`` with checks.

    ``None`` leaves a setting to the configuration chain (config file, then
    ``PAYSUPPORT_GITHUB_*`` and ``GITHUB_TOKEN``-style variables).
    """
    return GitHubClient(
        access_token=access_token,
        refresh_token=refresh_token,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        login=login,
        webhook_secret=webhook_secret,
        rate_limit_mode=rate_limit_mode,
        rate_limit_wait=None if rate_limit_wait is None else str(rate_limit_wait),
        base_url=base_url,
        http_options=http_options,
        token_store=token_store,
        account=account,
        app_name=app_name,
        hooks=hooks,
    )
