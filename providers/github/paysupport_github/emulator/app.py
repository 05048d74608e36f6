"""The GitHub emulator: a werkzeug WSGI app serving GitHub's GraphQL, OAuth and admin paths.

Routes: ``POST /graphql`` (GitHub's ``https://api.github.com/graphql``), the
OAuth pages of ``https://github.com`` (``/login/oauth/authorize``, a consent
form, and ``POST /login/oauth/access_token``), and ``/_admin/...``
(:mod:`.admin`). One app serves both hosts: point a client's API base and its
OAuth base at the same root. Every GraphQL request goes through the same
checks, in GitHub's order: a ``User-Agent``, a known token (401 otherwise),
the secondary limit (403 with ``retry-after``), a JSON body (400), the query's
syntax and validation against the schema (200 with ``errors`` and no
``data``), its pagination bounds and node count (likewise), its cost against
the token's points (``RATE_LIMITED``), then execution (:mod:`.api`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    execute_sync,
    parse,
    validate,
)
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from paysupport.emulation import EmulatorSettings, loads_json, loads_object
from paysupport.emulation.responses import html_response, json_response, with_query
from paysupport_github.emulator import cost as costing
from paysupport_github.emulator.admin import Admin, AdminError
from paysupport_github.emulator.api import Context, QueryRoot, field_resolver, type_resolver
from paysupport_github.emulator.auth import ALL_SCOPES, APP_TOKEN_LIFETIME, AuthServer, Grant, s256
from paysupport_github.emulator.errors import (
    DOCS,
    SECONDARY_DOCS,
    HttpError,
    OAuthError,
    QueryRefused,
    bad_credentials,
    error_entry,
)
from paysupport_github.emulator.pages import consent_page, error_page
from paysupport_github.emulator.ratelimit import (
    GITHUB_POINTS,
    SECONDARY_LIMIT,
    SECONDARY_WINDOW,
    Budget,
    PointsLimiter,
    SecondaryLimiter,
)
from paysupport_github.emulator.schema import github_schema
from paysupport_github.emulator.seed import MAINTAINER, first_user_sponsor, seed
from paysupport_github.emulator.store import Account, Store
from paysupport_github.emulator.webhooks import WebhookHub

log = logging.getLogger(__name__)

#: The sandbox apps' callback; any loopback port is accepted, as on GitHub.
SANDBOX_REDIRECT_URI = "http://127.0.0.1/callback"
_DEFAULT_LIFETIME = EmulatorSettings().token_lifetime


class GitHubEmulator:
    """A GitHub look-alike for the Sponsors API, with seeded data, OAuth, webhooks and rate limits.

    ``clock`` drives token expiry, rate limits and timestamps, so tests move
    time without sleeping. ``secondary_limit`` requests per token within
    ``secondary_window`` seconds trip the secondary limit. ``rate_limited_status``
    is the status of an answer refused for exhausted points: GitHub answers
    GraphQL's ``RATE_LIMITED`` with 200 (the NOTES allow 200 or 403), 403 here on request.
    """

    name = "github"

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        secondary_limit: int | None = SECONDARY_LIMIT,
        secondary_window: float = SECONDARY_WINDOW,
        rate_limited_status: int = 200,
        webhook_timeout: float = 2.0,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self._clock = clock
        self.store: Store = seed(self.settings.seed, self.settings.sizes)
        # GitHub Apps' user tokens live 8 hours; a sandbox asking for another lifetime gets it
        lifetime = self.settings.token_lifetime
        self.auth = AuthServer(
            self.settings.seed,
            clock,
            APP_TOKEN_LIFETIME if lifetime == _DEFAULT_LIFETIME else lifetime,
        )
        self.oauth_app = self.auth.register("paysupport sandbox", SANDBOX_REDIRECT_URI, "oauth_app")
        self.github_app = self.auth.register(
            "paysupport sandbox app", SANDBOX_REDIRECT_URI, "github_app"
        )
        self._maintainer_token = self.auth.personal_token(MAINTAINER)
        try:
            sponsor = first_user_sponsor(self.store).login
        except LookupError:
            sponsor = MAINTAINER
        self._sponsor_token = self.auth.personal_token(sponsor, ("read:user",))
        self.points = PointsLimiter(
            self.settings.rate_limit or GITHUB_POINTS, self.settings.rate_window, clock
        )
        self.secondary = SecondaryLimiter(secondary_limit, secondary_window, clock)
        self.rate_limited_status = rate_limited_status
        owner = self.store.account(MAINTAINER)
        self.webhooks = WebhookHub(
            clock, ("sponsors_listing", owner.database_id if owner else 0), timeout=webhook_timeout
        )
        self.admin = Admin(self)
        self.requests = 0
        self._map = Map(
            [
                Rule("/graphql", endpoint="graphql", methods=["POST"]),
                Rule("/login/oauth/authorize", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/login/oauth/access_token", endpoint="token", methods=["POST"]),
                Rule("/_admin/state", endpoint="admin_state", methods=["GET"]),
                Rule("/_admin/webhooks", endpoint="admin_webhooks", methods=["GET", "POST"]),
                Rule("/_admin/webhooks/redeliver", endpoint="admin_redeliver", methods=["POST"]),
                Rule(
                    "/_admin/webhooks/<int:hook_id>", endpoint="admin_webhook", methods=["DELETE"]
                ),
                Rule("/_admin/trigger", endpoint="admin_trigger", methods=["POST"]),
                Rule("/_admin/sponsors", endpoint="admin_sponsors", methods=["POST"]),
                Rule("/_admin/reset", endpoint="admin_reset", methods=["POST"]),
            ]
        )

    def now(self) -> float:
        return self._clock()

    # -------------------------------------------------------------- contract
    def credentials(self) -> dict[str, str]:
        return {
            "access_token": self._maintainer_token,
            "sponsor_access_token": self._sponsor_token,
            "client_id": self.oauth_app.client_id,
            "client_secret": self.oauth_app.client_secret,
            "app_client_id": self.github_app.client_id,
            "app_client_secret": self.github_app.client_secret,
            "redirect_uri": SANDBOX_REDIRECT_URI,
            "login": MAINTAINER,
        }

    def admin_state(self) -> dict[str, Any]:
        return {
            "provider": self.name,
            "seed": self.settings.seed,
            "maintainer": MAINTAINER,
            "requests": self.requests,
            "data": self.store.summary(),
            "oauth": self.auth.summary(),
            **self.webhooks.summary(),
        }

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        return self._dispatch(Request(environ))(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        try:
            endpoint, values = self._map.bind_to_environ(request.environ).match()
            handler: Callable[..., Response] = getattr(self, f"_on_{endpoint}")
            return handler(request, **values)
        except HttpError as error:
            return json_response(error.body(), error.status, error.headers)
        except OAuthError as error:
            return self._oauth_answer(request, error.body(), error.status)
        except AdminError as error:
            return json_response({"error": error.detail}, error.status)
        except MethodNotAllowed:
            return json_response({"message": "Not Found", "documentation_url": DOCS}, 404)
        except NotFound:
            if request.path.startswith("/_admin/"):
                return json_response({"error": "no such admin route"}, 404)
            return json_response({"message": "Not Found", "documentation_url": DOCS}, 404)
        except HTTPException as exc:
            return exc.get_response(request.environ)
        except Exception:
            log.exception("github emulator failed on %s %s", request.method, request.path)
            return json_response({"message": "Server Error", "documentation_url": DOCS}, 500)

    # --------------------------------------------------------------- graphql
    def _grant(self, request: Request) -> tuple[Grant, Account]:
        if not request.headers.get("User-Agent", "").strip():
            raise HttpError(
                403,
                "Request forbidden by administrative rules. Please make sure your request has "
                "a User-Agent header.",
            )
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if not token.strip():
            raise HttpError(
                401,
                "This endpoint requires you to be authenticated.",
                "https://docs.github.com/graphql/guides/forming-calls-with-graphql"
                "#authenticating-with-graphql",
            )
        grant = self.auth.lookup(token.strip()) if scheme.lower() in ("bearer", "token") else None
        account = self.store.account(grant.login) if grant else None
        if grant is None or account is None:
            raise bad_credentials()
        return grant, account

    def _on_graphql(self, request: Request) -> Response:
        grant, viewer = self._grant(request)
        self.requests += 1
        wait = self.secondary.check(grant.token)
        if wait is not None:
            raise HttpError(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before "
                "you try again. If you reach out to GitHub Support for help, please include "
                f"the request ID {uuid.uuid4()}.",
                SECONDARY_DOCS,
                {"retry-after": str(wait), **self.points.peek(grant.token).headers()},
            )
        try:
            body = loads_json(request.get_data() or b"")
        except ValueError:
            raise HttpError(400, "Problems parsing JSON", DOCS) from None
        query = body.get("query") if isinstance(body, dict) else None
        variables = body.get("variables") if isinstance(body, dict) else None
        operation_name = body.get("operationName") if isinstance(body, dict) else None
        budget = self.points.peek(grant.token)
        if not isinstance(query, str) or not query.strip():
            return self._errors(
                [{"message": "A query attribute must be specified and must be a string."}], budget
            )
        if variables is not None and not isinstance(variables, dict):
            return self._errors([{"message": "Variables are invalid JSON."}], budget)
        variables = variables or {}
        try:
            analysis, document = self._prepare(query, variables, operation_name)
        except QueryRefused as refused:
            return self._errors(refused.errors, budget)
        budget = (
            self.points.peek(grant.token)
            if analysis.dry_run
            else self.points.charge(grant.token, analysis.cost)
        )
        if budget.exceeded:
            message = f"API rate limit already exceeded for user ID {viewer.database_id}."
            return self._errors(
                [{"type": "RATE_LIMITED", "message": message}], budget, self.rate_limited_status
            )
        base = request.url_root.rstrip("/")
        context = Context(self.store, viewer, grant, analysis, budget, base)
        result = execute_sync(
            github_schema(),
            document,
            root_value=QueryRoot(),
            context_value=context,
            variable_values=variables,
            operation_name=operation_name if isinstance(operation_name, str) else None,
            field_resolver=field_resolver,
            type_resolver=type_resolver,
        )
        answer: dict[str, Any] = {}
        if result.errors:
            answer["errors"] = [error_entry(error) for error in result.errors]
        answer["data"] = result.data
        if (
            result.data is None
            and result.errors
            and not any("path" in entry for entry in answer["errors"])
        ):
            del answer["data"]  # request errors (variables, operation) carry no data
        return json_response(answer, 200, budget.headers())

    def _prepare(
        self, query: str, variables: dict[str, Any], operation_name: Any
    ) -> tuple[costing.Analysis, Any]:
        """Parse, validate and cost the query; QueryRefused with GitHub's errors otherwise."""
        schema = github_schema()
        try:
            document = parse(query)
        except GraphQLSyntaxError as error:
            raise QueryRefused([_syntax_error(error)]) from None
        problems = validate(schema, document)
        if problems:
            raise QueryRefused([_validation_error(error) for error in problems])
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        chosen = [
            op
            for op in operations
            if operation_name is None or (op.name is not None and op.name.value == operation_name)
        ]
        if len(chosen) != 1:
            detail = (
                f'Unknown operation named "{operation_name}".'
                if operation_name is not None
                else "An operation name is required"
            )
            raise QueryRefused([{"message": detail}])
        analysis = costing.analyse(schema, chosen[0], fragments, variables)
        if analysis.errors:
            raise QueryRefused(analysis.errors)
        return analysis, document

    @staticmethod
    def _errors(errors: list[dict[str, Any]], budget: Budget, status: int = 200) -> Response:
        return json_response({"errors": errors}, status, budget.headers())

    # ----------------------------------------------------------------- oauth
    def _on_authorize(self, request: Request) -> Response:
        params = request.form if request.method == "POST" else request.args
        app = self.auth.apps.get(params.get("client_id", ""))
        if app is None:
            return html_response(error_page("Not found", "No application has this client_id."), 404)
        redirect_uri = params.get("redirect_uri") or app.callback_url
        if not app.allows_redirect(redirect_uri):
            # GitHub shows this on its own page rather than redirecting to an unverified URI
            detail = "The redirect_uri is not associated with this application."
            return html_response(error_page("Redirect URI mismatch", detail), 400)
        state = params.get("state")

        def back(**result: str | None) -> Response:
            location = with_query(redirect_uri, {**result, "state": state})
            return Response(status=302, headers={"Location": location})

        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or ("S256" if challenge else None)
        if challenge and method != "S256":
            return back(
                error="invalid_request",
                error_description="code_challenge_method must be S256.",
            )
        raw_scope = params.get("scope", "")
        scopes = frozenset(s for s in raw_scope.replace(",", " ").split() if s)
        login = params.get("username") or params.get("login") or MAINTAINER
        account = self.store.account(login)
        if account is None or account.kind != "User":
            return html_response(error_page("Unknown user", f"No emulated user {login}."), 400)
        if request.method == "GET":
            hidden = {
                "client_id": app.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(sorted(scopes)),
                "state": state or "",
                "code_challenge": challenge or "",
                "code_challenge_method": method or "",
                "consent": self.auth.consent_nonce(),
            }
            shown = [] if app.expiring else sorted(scopes)
            action = f"{request.script_root}/login/oauth/authorize"
            return html_response(consent_page(action, app.name, account.login, shown, hidden))
        if not self.auth.take_nonce(params.get("consent", "")):
            detail = "The authorization form expired or was already used; start again."
            return html_response(error_page("Authorization expired", detail), 400)
        if params.get("decision") != "allow":
            return back(
                error="access_denied",
                error_description="The user has denied your application access.",
                error_uri="https://docs.github.com/apps/managing-oauth-apps/"
                "troubleshooting-authorization-request-errors/#access-denied",
            )
        code = self.auth.issue_code(
            app, params.get("redirect_uri") or None, account.login, scopes, challenge
        )
        return back(code=code)

    @staticmethod
    def _token_params(request: Request) -> dict[str, str]:
        """Form body and query string both (GitHub reads either), body winning."""
        params = dict(parse_qsl(request.query_string.decode("latin-1")))
        params.update(request.form.to_dict())
        if request.mimetype == "application/json":
            try:
                body = loads_json(request.get_data() or b"{}")
            except ValueError:
                body = {}
            if isinstance(body, dict):
                params.update({k: str(v) for k, v in body.items() if v is not None})
        return params

    def _oauth_answer(
        self, request: Request, body: Mapping[str, Any], status: int = 200
    ) -> Response:
        """JSON for ``Accept: application/json``, else form-encoded, as GitHub does."""
        headers = {"Cache-Control": "no-store"}
        if "application/json" in request.headers.get("Accept", ""):
            return json_response(dict(body), status, headers)
        text = urlencode({k: str(v) for k, v in body.items()})
        return Response(
            text,
            status=status,
            headers=headers,
            content_type="application/x-www-form-urlencoded; charset=utf-8",
        )

    def _on_token(self, request: Request) -> Response:
        params = self._token_params(request)
        client_id = params.get("client_id", "")
        secret = params.get("client_secret")
        auth = request.authorization
        if auth is not None and auth.type == "basic" and not client_id:
            client_id, secret = auth.username or "", auth.password
        if not client_id:
            raise HttpError(404, "Not Found", DOCS)  # GitHub's answer without a client_id
        app = self.auth.authenticate(client_id, secret)
        grant_type = params.get("grant_type") or (
            "refresh_token" if "refresh_token" in params else "authorization_code"
        )
        if grant_type == "authorization_code":
            issued = self.auth.exchange(
                app, params.get("code", ""), params.get("redirect_uri"), params.get("code_verifier")
            )
        elif grant_type == "refresh_token":
            issued = self.auth.refresh(app, params.get("refresh_token", ""))
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
        return self._oauth_answer(request, issued)

    # ----------------------------------------------------------------- admin
    def _admin_body(self, request: Request) -> dict[str, Any]:
        try:
            return loads_object(request.get_data())
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None

    def _on_admin_state(self, request: Request) -> Response:
        return json_response(self.admin_state())

    def _on_admin_webhooks(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response(self.webhooks.summary())
        body = self._admin_body(request)
        url, secret = body.get("url"), body.get("secret", "")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise AdminError(400, "url must be an absolute http(s) URL")
        if not isinstance(secret, str):
            raise AdminError(400, "secret must be a string")
        hook = self.webhooks.register(url, secret)
        return json_response({"id": hook.id, "url": hook.url, "events": hook.events}, 201)

    def _on_admin_webhook(self, request: Request, hook_id: int) -> Response:
        if not self.webhooks.remove(hook_id):
            raise AdminError(404, f"no webhook {hook_id}")
        return Response(status=204)

    def _on_admin_redeliver(self, request: Request) -> Response:
        return json_response({"deliveries": self.webhooks.redeliver()})

    def _urls(self, request: Request) -> tuple[str, str]:
        base = request.url_root.rstrip("/")
        return base, base

    def _on_admin_trigger(self, request: Request) -> Response:
        api, html = self._urls(request)
        return json_response(self.admin.trigger(self._admin_body(request), api, html))

    def _on_admin_sponsors(self, request: Request) -> Response:
        from paysupport_github.emulator import views

        body = self._admin_body(request)
        record = self.admin.add_sponsor(body)
        api, html = self._urls(request)
        payload = {
            "action": "created",
            "sponsorship": views.sponsorship(self.store, record, api, html),
        }
        sponsor = self.store.account(record.sponsor)
        assert sponsor is not None
        payload["sender"] = views.user(sponsor, api, html)
        deliveries = self.webhooks.send("sponsorship", payload)
        view = {"id": record.node_id, "database_id": record.database_id, "sponsor": record.sponsor}
        return json_response({"sponsorship": view, "deliveries": deliveries}, 201)

    def _on_admin_reset(self, request: Request) -> Response:
        self.store = seed(self.settings.seed, self.settings.sizes)
        return json_response({"reset": True, "data": self.store.summary()})


def _syntax_error(error: GraphQLSyntaxError) -> dict[str, Any]:
    entry: dict[str, Any] = {"message": error.message}
    if error.locations:
        entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return entry


def _validation_error(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's message, with GitHub's wording for the most common one (unknown field)."""
    message = error.message
    if message.startswith("Cannot query field '"):
        field, _, rest = message[len("Cannot query field '") :].partition("'")
        type_name = rest.partition("'")[2].partition("'")[0]
        message = f"Field '{field}' doesn't exist on type '{type_name}'"
    entry: dict[str, Any] = {}
    if error.locations:
        entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    entry["message"] = message
    return entry


def create_emulator(settings: EmulatorSettings | None = None) -> GitHubEmulator:
    """Entry point ``paysupport.sandboxes: github``."""
    return GitHubEmulator(settings)


__all__ = ["ALL_SCOPES", "SANDBOX_REDIRECT_URI", "GitHubEmulator", "create_emulator", "s256"]
