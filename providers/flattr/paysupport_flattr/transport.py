"""One Flattr API call: where it goes, sending it, reading the answer, refusing the closed hosts.

Every route goes through :meth:`FlattrApi.call`: the rate-limit gate first,
then the pooled HTTP layer (timeouts, retries of idempotent calls, token
refresh, redaction), then the answer: its budget headers are recorded, an
error body becomes a named library error (:mod:`paysupport_flattr.errors`),
anything but JSON becomes a :class:`~paysupport.ResponseFormatError`.

Where Flattr lives (api.md, NOTES.md): the API at ``https://api.flattr.com/rest/v2``
and the site (OAuth, thing pages, auto-submit) at ``https://flattr.com``. A base
URL other than the real one (the sandbox, a test server) serves both on one
root, so every URL is derived from it (:class:`Hosts`).

Flattr closed its service in 2023: the real hosts answer nothing any more. The
client keeps their names (auto-submit and thing URLs in old feeds and archives
still point there), but :class:`ClosedService` refuses every request to them
with a clear error instead of a connection failure after the timeouts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter

from paysupport.auth.oauth2 import OAuth2Endpoints
from paysupport.errors import NotFound, PaySupportError, RateLimited, Unsupported
from paysupport.http import HttpClient, decode_json

from .auth import oauth_endpoints
from .catalog import Vocabulary
from .errors import error_from_response
from .info import PROVIDER
from .ratelimit import RateLimit, RateLimitGate

__all__ = [
    "API_PREFIX",
    "CLOSED_MESSAGE",
    "CLOSED_ROOTS",
    "REAL_API_ROOT",
    "REAL_SITE_ROOT",
    "STREAM_JSON",
    "Answer",
    "ClosedService",
    "Context",
    "FlattrApi",
    "Hosts",
    "refuse_closed_hosts",
]

REAL_API_ROOT = "https://api.flattr.com"
REAL_SITE_ROOT = "https://flattr.com"
API_PREFIX = "/rest/v2"

#: resources/activities.md: the activity routes answer only Activity Streams JSON.
STREAM_JSON = "application/stream+json"

#: Hosts of the closed service; requests to them never leave the machine.
CLOSED_ROOTS = (REAL_API_ROOT, REAL_SITE_ROOT, "https://www.flattr.com")

CLOSED_MESSAGE = (
    "Flattr closed its service in 2023, so no live Flattr call is possible. "
    "Give base_url (the sandbox: paysupport.sandbox.running(), `paysupport --sandbox`, "
    "or `paysupport sandbox`) to use the emulator of Flattr's documented API"
)


# -- where calls go --------------------------------------------------------------------


@dataclass(frozen=True)
class Hosts:
    api: str  # ends in /rest/v2
    site: str  # flattr.com, or the sandbox root

    @classmethod
    def for_base_url(cls, base_url: str) -> Hosts:
        """Hosts for a base URL, given with or without the ``/rest/v2`` suffix."""
        root = base_url.rstrip("/")
        if root.endswith(API_PREFIX):
            root = root[: -len(API_PREFIX)]
        site = REAL_SITE_ROOT if root == REAL_API_ROOT else root
        return cls(api=root + API_PREFIX, site=site)

    @property
    def sites(self) -> tuple[str, ...]:
        """Site roots whose thing and auto-submit URLs this client recognises."""
        return (REAL_SITE_ROOT,) if self.site == REAL_SITE_ROOT else (REAL_SITE_ROOT, self.site)

    def oauth_endpoints(self) -> OAuth2Endpoints:
        """The OAuth 2 endpoints on this site (see :mod:`paysupport_flattr.auth`)."""
        return oauth_endpoints(self.site)


class ClosedService(BaseAdapter):
    """A transport adapter that refuses, with :class:`Unsupported`, before anything is sent."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> NoReturn:
        raise Unsupported(CLOSED_MESSAGE, provider=PROVIDER, capability="service")

    def close(self) -> None:
        """Nothing to release: no connection is ever opened."""


def refuse_closed_hosts(session: requests.Session) -> None:
    """Route every request to the closed Flattr hosts to :class:`ClosedService`."""
    for root in CLOSED_ROOTS:
        session.mount(root + "/", ClosedService())


# -- sending a call and reading its answer -----------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A successful answer: status, decoded JSON (``None`` for 204) and headers."""

    status: int
    body: Any
    headers: Mapping[str, str]


class FlattrApi:
    """Sends requests to ``<api root>/<path>`` and returns :class:`Answer` or raises."""

    def __init__(self, http: HttpClient, api_root: str, gate: RateLimitGate) -> None:
        self.http = http
        self.api_root = api_root.rstrip("/")
        self.gate = gate

    def url(self, path: str) -> str:
        return f"{self.api_root}/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        accept: str = "application/json",
        not_found: type[NotFound] = NotFound,
        allow_redirects: bool = True,
        expected: tuple[int, ...] = (),
        rate_limited: bool = True,
    ) -> Answer:
        """Send one call; statuses in ``expected`` are answers, not errors (lookup's 302/404).

        A ``rate_limit_exceeded`` refusal in ``"wait"`` mode is tried once more
        after the period resets (the refused request was never acted on).
        ``rate_limited=False`` is for ``/rate_limit``, which spends no budget.
        """
        url = self.url(path)
        what = f"{method} {urlsplit(url).path}"  # the path really sent, with the API's root
        for attempt in (1, 2):
            if rate_limited:
                self.gate.before_request()
            sent_at = self.gate.now()
            response = self.http.request(
                method,
                url,
                params=params,
                json_body=json_body,
                headers={"Accept": accept},
                allow_redirects=allow_redirects,
            )
            self.gate.observe(response.headers, sent_at=sent_at)
            status = response.status_code
            if status < 400 or status in expected:
                body = self._decode(response) if response.content.strip() else None
                return Answer(status, body, response.headers)
            error = self._error(response, what, not_found)
            if isinstance(error, RateLimited) and attempt == 1 and self.gate.mode == "wait":
                if RateLimit.from_headers(response.headers) is None:
                    self.gate.exhausted(None)
                if error.retry_after is not None and error.retry_after <= self.gate.max_wait:
                    continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    def _decode(self, response: requests.Response) -> Any:
        return decode_json(response, PROVIDER, self.http.redactor)

    def _error(
        self, response: requests.Response, what: str, not_found: type[NotFound]
    ) -> PaySupportError:
        body = self._decode(response)  # an HTML error page raises ResponseFormatError here
        seen = RateLimit.from_headers(response.headers)
        return error_from_response(
            response,
            body,
            what,
            self.http.redactor,
            not_found=not_found,
            retry_after=seen.seconds_to_reset() if seen else None,
        )


@dataclass(frozen=True)
class Context:
    """What the calls of one client share: the API, its hosts, the vocabulary."""

    api: FlattrApi
    hosts: Hosts
    vocabulary: Vocabulary
