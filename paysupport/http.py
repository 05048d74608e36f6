"""The HTTP layer: a thin, well-named layer on one ``requests.Session`` per client.

What it adds to requests, and why:

* connection pooling and keep-alive come from the session; every request has a
  connect and a read timeout (the seed libraries had none);
* retries are urllib3's :class:`~urllib3.util.Retry` on the adapter: connection
  errors, 429/500/502/503/504 with ``Retry-After`` honoured, exponential backoff
  with jitter and a cap, and only for idempotent methods, so a POST is never
  repeated blindly. A body cut short in transit is re-fetched the same way;
* one 401 lets the auth refresh its token and the request go once more;
* events for logging, with every secret redacted;
* transport failures become the library's :class:`~paysupport.errors.TransportError`.

Interpreting an answer (error bodies, JSON) is the provider's job; the
:func:`decode_json` and :func:`error_for_status` helpers do the common part.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import platform
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from paysupport._version import __version__
from paysupport.errors import (
    ConfigError,
    HTTPError,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
    PaySupportError,
    RateLimited,
    ResponseFormatError,
    Timeout,
    TransportError,
)
from paysupport.redact import Redactor

log = logging.getLogger("paysupport.http")


class _RedactingFilter(logging.Filter):
    """Masks secret-named query parameters in urllib3's own log lines.

    urllib3 logs request paths (with ``access_token=``, ``api_sig=``...) at
    DEBUG and on every retry at WARNING; an application that turns logging up
    must not find tokens in its logs because of us.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _DEFAULT_REDACTOR.text(record.getMessage())
        record.args = None
        return True


_DEFAULT_REDACTOR = Redactor()
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager"):
    logging.getLogger(_name).addFilter(_RedactingFilter())

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REQUEST_ID_HEADERS = ("X-Request-Id", "X-Patreon-Request-Id", "X-Amzn-Trace-Id", "CF-Ray")


@dataclass(frozen=True)
class HttpOptions:
    """Transport settings a caller may override per client.

    ``retries`` bounds attempts after the first; ``max_retry_after`` caps how
    long one ``Retry-After`` may make the client sleep (a server asking for
    longer gets the cap, and a :class:`RateLimited` if it still refuses).
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff_factor: float = 0.3
    backoff_max: float = 20.0
    backoff_jitter: float = 0.3
    max_retry_after: float = 60.0
    pool_maxsize: int = 10
    app_name: str | None = None

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


class _CappedRetry(Retry):
    """urllib3's Retry with ``Retry-After`` capped so a hostile server cannot stall us."""

    max_retry_after: float = 60.0

    def new(self, **kw: Any) -> _CappedRetry:
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)


def build_retry(options: HttpOptions) -> Retry:
    """The adapter's retry policy: idempotent methods only, Retry-After honoured."""
    retry = _CappedRetry(
        total=options.retries,
        connect=options.retries,
        read=options.retries,
        status=options.retries,
        other=0,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=options.backoff_factor,
        backoff_max=options.backoff_max,
        backoff_jitter=options.backoff_jitter,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    retry.max_retry_after = options.max_retry_after
    return retry


def user_agent(provider: str, app_name: str | None = None) -> str:
    """``paysupport/<version> (<provider>) python/<version>`` plus the application's name."""
    agent = f"paysupport/{__version__} ({provider}) python/{platform.python_version()}"
    return f"{app_name} {agent}" if app_name else agent


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_base_url(provider: str, explicit: str | None, default: str) -> str:
    """The base URL: the argument, else ``PAYSUPPORT_<PROVIDER>_BASE_URL``, else the real host.

    Plain ``http://`` is refused except for loopback hosts (the sandbox), because
    tokens and secrets travel with every request.
    """
    env_name = f"PAYSUPPORT_{provider.upper()}_BASE_URL"
    url = explicit or os.environ.get(env_name) or default
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base URL {url!r} is not an http(s) URL", provider=provider)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing plain http:// for {parts.hostname}: only loopback hosts may skip TLS",
            provider=provider,
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class HttpEvent:
    """One request or response, already redacted, for logging and metrics hooks."""

    kind: str  # "request", "response" or "error"
    provider: str
    method: str
    url: str
    status: int | None = None
    elapsed: float | None = None
    request_id: str | None = None
    error: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


EventHook = Callable[[HttpEvent], None]


class RefreshingAuth(requests.auth.AuthBase):
    """An auth that can renew its credentials after a 401 (OAuth 2 refresh)."""

    def refresh_after_unauthorized(self, response: requests.Response) -> bool:
        """Renew credentials; True when the request is worth sending once more."""
        return False


class HttpClient:
    """Sends a provider's requests through one pooled session.

    Thread-safe as requests' sessions are for sending; clients may share one
    between threads (the prefetching walk does).
    """

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        options: HttpOptions | None = None,
        redactor: Redactor | None = None,
        auth: requests.auth.AuthBase | None = None,
        session: requests.Session | None = None,
        hooks: list[EventHook] | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.options = options or HttpOptions()
        self.redactor = redactor or Redactor()
        self.auth = auth
        self.hooks: list[EventHook] = list(hooks or ())
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent(provider, self.options.app_name)
        self.session.headers["Accept"] = "application/json"
        self.session.trust_env = False  # no netrc credentials on redirects, no proxies by surprise
        adapter = HTTPAdapter(
            max_retries=build_retry(self.options),
            pool_connections=4,
            pool_maxsize=self.options.pool_maxsize,
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._local = threading.local()

    def url(self, path_or_url: str) -> str:
        """Absolute URL for a path relative to the base URL (absolute URLs pass through)."""
        if urlsplit(path_or_url).scheme in ("http", "https"):
            return path_or_url
        return urljoin(self.base_url + "/", path_or_url.lstrip("/"))

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        data: Any = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        auth: requests.auth.AuthBase | tuple[str, str] | bool | None = True,
        timeout: tuple[float, float] | None = None,
        allow_redirects: bool = True,
    ) -> requests.Response:
        """Send a request and return the response with its body read.

        ``auth=True`` uses the client's auth, ``None``/``False`` sends none,
        anything else is used for this request only. Raises
        :class:`TransportError` or :class:`Timeout` when no complete answer
        arrived; HTTP error statuses are returned for the caller to interpret.
        """
        method = method.upper()
        url = self.url(path_or_url)
        use_auth = self.auth if auth is True else (auth or None)
        idempotent = method in IDEMPOTENT_METHODS
        attempts = 1 + (self.options.retries if idempotent else 0)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send(
                    method,
                    url,
                    params,
                    data,
                    json_body,
                    headers,
                    files,
                    use_auth,
                    timeout,
                    allow_redirects,
                )
            except _IncompleteBody as exc:
                if attempt < attempts:
                    self._sleep_backoff(attempt)
                    continue
                raise ResponseFormatError(
                    "response body was cut short (truncated)",
                    provider=self.provider,
                    status=exc.status,
                ) from None
            if (
                response.status_code == 401
                and not refreshed
                and isinstance(use_auth, RefreshingAuth)
                and use_auth.refresh_after_unauthorized(response)
            ):
                refreshed = True
                continue
            return response

    def _sleep_backoff(self, attempt: int) -> None:
        opts = self.options
        delay = min(opts.backoff_max, opts.backoff_factor * (2 ** (attempt - 1)))
        time.sleep(delay + random.uniform(0, opts.backoff_jitter))

    def _send(
        self,
        method: str,
        url: str,
        params: Any,
        data: Any,
        json_body: Any,
        headers: Mapping[str, str] | None,
        files: Any,
        auth: Any,
        timeout: tuple[float, float] | None,
        allow_redirects: bool,
    ) -> requests.Response:
        shown_url = self.redactor.text(url)
        self._emit(HttpEvent("request", self.provider, method, shown_url))
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers=dict(headers) if headers else None,
                files=files,
                auth=auth,
                timeout=timeout or self.options.timeout,
                allow_redirects=allow_redirects,
            )
            response.content  # noqa: B018 - read the body now, so truncation surfaces here
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            self._emit_error(method, shown_url, "truncated body", started)
            raise _IncompleteBody(None) from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            if not _is_timeout(exc):
                self._emit_error(method, shown_url, type(exc).__name__, started)
                raise TransportError(
                    f"{method} {shown_url} failed: {self.redactor.text(exc)}",
                    provider=self.provider,
                ) from None
            self._emit_error(method, shown_url, "timeout", started)
            connect_s, read_s = timeout or self.options.timeout
            raise Timeout(
                f"{method} {shown_url} timed out (connect {connect_s:g} s, read {read_s:g} s)",
                provider=self.provider,
            ) from None
        except requests.exceptions.RetryError as exc:
            self._emit_error(method, shown_url, "retries exhausted", started)
            raise TransportError(
                f"{method} {shown_url} failed after retries: {self.redactor.text(exc)}",
                provider=self.provider,
            ) from None
        except requests.exceptions.RequestException as exc:
            self._emit_error(method, shown_url, type(exc).__name__, started)
            raise TransportError(
                f"{method} {shown_url} failed: {self.redactor.text(exc)}", provider=self.provider
            ) from None
        self._emit(
            HttpEvent(
                "response",
                self.provider,
                method,
                self.redactor.text(response.url),
                status=response.status_code,
                elapsed=time.monotonic() - started,
                request_id=request_id(response),
                headers=self.redactor.headers(response.headers),
            )
        )
        return response

    def _emit_error(self, method: str, url: str, error: str, started: float) -> None:
        self._emit(
            HttpEvent(
                "error",
                self.provider,
                method,
                url,
                elapsed=time.monotonic() - started,
                error=error,
            )
        )

    def _emit(self, event: HttpEvent) -> None:
        if log.isEnabledFor(logging.DEBUG):
            status = f" -> {event.status}" if event.status is not None else ""
            extra = f" ({event.error})" if event.error else ""
            took = f" in {event.elapsed * 1000:.0f} ms" if event.elapsed is not None else ""
            log.debug(
                "%s %s %s %s%s%s%s",
                event.provider,
                event.kind,
                event.method,
                event.url,
                status,
                took,
                extra,
            )
        for hook in self.hooks:
            hook(event)

    def close(self) -> None:
        self.session.close()

    def __repr__(self) -> str:
        return f"<HttpClient {self.provider} {self.redactor.text(self.base_url)}>"


def _is_timeout(exc: requests.exceptions.RequestException) -> bool:
    """requests reports a read timeout that exhausted the retries as a ConnectionError."""
    if isinstance(exc, requests.exceptions.Timeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return False  # a refused connection, though urllib3 files it under timeouts
    return isinstance(reason, urllib3.exceptions.TimeoutError)


class _IncompleteBody(Exception):
    def __init__(self, status: int | None) -> None:
        self.status = status


def request_id(response: requests.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return value
    return None


def retry_after_seconds(response: requests.Response) -> float | None:
    """``Retry-After`` as seconds (delta or HTTP date), ``None`` when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def looks_like_html(response: requests.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    if "html" in content_type:
        return True
    start = response.content[:256].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def decode_json(response: requests.Response, provider: str, redactor: Redactor) -> Any:
    """Parse a JSON body or raise :class:`ResponseFormatError` with a redacted excerpt."""
    if looks_like_html(response):
        raise ResponseFormatError(
            "expected JSON but got an HTML page",
            provider=provider,
            status=response.status_code,
            excerpt=redactor.excerpt(response.content),
        )
    if not response.content.strip():
        raise ResponseFormatError(
            "expected JSON but the body is empty", provider=provider, status=response.status_code
        )
    try:
        return json.loads(response.content)
    except RecursionError:
        raise ResponseFormatError(
            "JSON body is nested too deeply", provider=provider, status=response.status_code
        ) from None
    except ValueError as exc:
        cut = "truncated" if "Expecting" in str(exc) or "Unterminated" in str(exc) else "malformed"
        raise ResponseFormatError(
            f"{cut} JSON body",
            provider=provider,
            status=response.status_code,
            excerpt=redactor.excerpt(response.content),
        ) from None


def error_for_status(
    response: requests.Response,
    provider: str,
    message: str,
    *,
    code: str | int | None = None,
) -> PaySupportError:
    """The library error matching an HTTP error status, carrying code and request id."""
    status = response.status_code
    kwargs: dict[str, Any] = {
        "provider": provider,
        "status": status,
        "code": code,
        "request_id": request_id(response),
    }
    if status == 429:
        return RateLimited(message, retry_after=retry_after_seconds(response), **kwargs)
    if status == 401:
        return InvalidToken(message, **kwargs)
    if status == 403:
        return InsufficientScope(message, **kwargs)
    if status == 404:
        return NotFound(message, **kwargs)
    if status in (400, 405, 409, 422):
        return InvalidRequest(message, **kwargs)
    return HTTPError(message, **kwargs)
