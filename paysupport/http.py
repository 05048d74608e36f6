"""The HTTP layer: a thin, well-named layer on one ``requests.Session`` per client.

What it adds to requests, and why:

* connection pooling and keep-alive come from the session; every request has a
  connect and a read timeout (the seed libraries had none), and a total
  deadline over every attempt, retry sleep, redirect and the body;
* bodies are read by streaming up to a size cap, so a runaway answer costs an
  error rather than the process's memory;
* redirects are followed only where secrets cannot leak: GET and HEAD within
  their origin; a POST (token requests, signed calls) never follows one;
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

import functools
import ipaddress
import json
import logging
import os
import platform
import random
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout as UrllibTimeout

from paysupport._version import __version__
from paysupport.errors import (
    ConfigError,
    DeadlineExceeded,
    HTTPError,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
    PaySupportError,
    RateLimited,
    RedirectRefused,
    ResponseFormatError,
    ResponseTooLarge,
    Timeout,
    TransportError,
)
from paysupport.redact import Redactor
from paysupport.walk import PREFETCH_WORKERS

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
#: The only methods that follow redirects (within their origin): they carry no body.
REDIRECTABLE_METHODS = frozenset({"GET", "HEAD"})
MAX_REDIRECTS = 10
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REQUEST_ID_HEADERS = ("X-Request-Id", "X-Patreon-Request-Id", "X-Amzn-Trace-Id", "CF-Ray")


@dataclass(frozen=True)
class HttpOptions:
    """Transport settings a caller may override per client.

    ``retries`` bounds attempts after the first; ``max_retry_after`` caps how
    long one ``Retry-After`` may make the client sleep (a server asking for
    longer gets the cap, and a :class:`RateLimited` if it still refuses).

    ``connect_timeout`` and ``read_timeout`` bound each wait on the socket, which
    a server trickling its answer never trips; ``deadline`` bounds one call of
    :meth:`HttpClient.request` as a whole: every attempt, every retry sleep
    (a ``Retry-After`` that would outlast it is not waited for: the answer is
    returned), redirects and the reading of the body. Past it,
    :class:`~paysupport.errors.DeadlineExceeded`. ``max_body_bytes`` caps a
    body (after decompression); a larger one is refused with
    :class:`~paysupport.errors.ResponseTooLarge` without being held in memory.

    ``pool_maxsize`` is how many connections to a host are kept open for reuse:
    enough for a prefetching walk's workers (:data:`~paysupport.walk.PREFETCH_WORKERS`)
    and a few calls of the caller's own at the same time. With fewer, every
    request beyond it opens a new connection and closes it after use.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff_factor: float = 0.3
    backoff_max: float = 20.0
    backoff_jitter: float = 0.3
    max_retry_after: float = 60.0
    pool_maxsize: int = PREFETCH_WORKERS + 4
    app_name: str | None = None
    deadline: float = 60.0
    max_body_bytes: int = 32 * 1024 * 1024

    def __post_init__(self) -> None:
        if not self.deadline > 0 or self.max_body_bytes < 1:
            raise ConfigError(
                f"HttpOptions: deadline ({self.deadline!r} s) and max_body_bytes"
                f" ({self.max_body_bytes!r}) must be positive"
            )

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


#: When the request being sent in this context must be done (``time.monotonic()``).
#: Set by :meth:`HttpClient.request`; read by the retry policy, which urllib3 runs in
#: the sending thread, so each thread (the prefetching walk's too) sees its own.
_DEADLINE: ContextVar[float | None] = ContextVar("paysupport_http_deadline", default=None)

#: The shortest wait handed to a socket: zero would make it non-blocking.
_MIN_WAIT = 0.001


class _DeadlineReached(urllib3.exceptions.HTTPError):
    """A retry was given up because its wait would outlast the request's deadline."""


class _CappedRetry(Retry):
    """urllib3's Retry with ``Retry-After`` capped so a hostile server cannot stall us,
    and no retry whose wait would outlast the request's deadline."""

    max_retry_after: float = 60.0

    def new(self, **kw: Any) -> _CappedRetry:
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> _CappedRetry:
        """One more attempt, unless its wait would end past the deadline.

        Given up for an answer (a 429 or 503), urllib3 hands that answer back to the
        caller; given up for an error, the error reaches :meth:`HttpClient.request`,
        which reports the deadline.
        """
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        deadline = _DEADLINE.get()
        if deadline is None:
            return retry
        wait = None
        if response is not None and retry.respect_retry_after_header:
            wait = retry.get_retry_after(response)
        if wait is None:
            wait = retry.get_backoff_time()
        if time.monotonic() + wait >= deadline:
            last = f"last error: {error}" if error is not None else "retrying would outlast it"
            raise MaxRetryError(_pool, url or "", _DeadlineReached(last))  # type: ignore[arg-type]
        return retry


class _DeadlineTimeout(UrllibTimeout):
    """Connect and read timeouts shortened to what is left of the deadline.

    urllib3 reads these properties afresh for each attempt, its own retries
    included, so no attempt starts a wait that ends past the deadline.
    """

    def __init__(self, connect: float, read: float, deadline: float) -> None:
        super().__init__(connect=connect, read=read)
        self.limits = (connect, read)
        self.deadline = deadline

    def clone(self) -> _DeadlineTimeout:
        return _DeadlineTimeout(*self.limits, self.deadline)

    @property
    def connect_timeout(self) -> float:
        return _wait_left(self.limits[0], self.deadline)

    @property
    def read_timeout(self) -> float:
        return _wait_left(self.limits[1], self.deadline)


def _wait_left(limit: float, deadline: float) -> float:
    """``limit``, or less when the deadline comes first."""
    return max(_MIN_WAIT, min(limit, deadline - time.monotonic()))


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
        deadline: float | None = None,
    ) -> requests.Response:
        """Send a request and return the response with its body read.

        ``auth=True`` uses the client's auth, ``None``/``False`` sends none,
        anything else is used for this request only. ``deadline`` (seconds,
        ``options.deadline`` by default) bounds the whole call: attempts, retry
        sleeps, redirects and the body. A token refresh made on the way is a
        request of its own with its own deadline: cutting it short for the
        enclosing one could lose a rotated refresh token.

        Redirects: a GET or HEAD follows them within its origin (scheme, host
        and port); a redirect elsewhere, or of any other method, raises
        :class:`RedirectRefused` and nothing is sent to its target, because
        bodies and URLs carry secrets. With ``allow_redirects=False`` the
        redirect is returned for the caller to read.

        Raises :class:`TransportError` or :class:`Timeout` when no complete
        answer arrived (:class:`DeadlineExceeded` past the deadline),
        :class:`ResponseTooLarge` above ``options.max_body_bytes``; HTTP error
        statuses are returned for the caller to interpret.
        """
        seconds = self.options.deadline if deadline is None else deadline
        ends = time.monotonic() + seconds
        context = _DEADLINE.set(ends)
        try:
            return self._request(
                method.upper(),
                self.url(path_or_url),
                _Payload(params, data, json_body, headers, files),
                self.auth if auth is True else (auth or None),
                timeout or self.options.timeout,
                allow_redirects,
                _Deadline(ends, seconds),
            )
        finally:
            _DEADLINE.reset(context)

    def _request(
        self,
        method: str,
        url: str,
        payload: _Payload,
        auth: Any,
        timeout: tuple[float, float],
        allow_redirects: bool,
        deadline: _Deadline,
    ) -> requests.Response:
        attempts = 1 + (self.options.retries if method in IDEMPOTENT_METHODS else 0)
        refreshed = False
        attempt = 0
        history: list[requests.Response] = []
        while True:
            attempt += 1
            try:
                response = self._send(method, url, payload, auth, timeout, deadline)
            except _IncompleteBody as exc:
                if attempt < attempts and self._sleep_backoff(attempt, deadline):
                    continue
                raise ResponseFormatError(
                    "response body was cut short (truncated)",
                    provider=self.provider,
                    status=exc.status,
                ) from None
            if (
                response.status_code == 401
                and not refreshed
                and isinstance(auth, RefreshingAuth)
                and auth.refresh_after_unauthorized(response)
            ):
                refreshed = True
                continue
            if allow_redirects and response.is_redirect:
                url = self._redirect_target(method, url, response, followed=len(history))
                history.append(response)
                payload = _Payload(headers=payload.headers)  # the target URL has its own query
                continue
            response.history = history
            return response

    def _redirect_target(
        self, method: str, url: str, response: requests.Response, *, followed: int
    ) -> str:
        """Where a redirect leads, or :class:`RedirectRefused` if secrets could follow it."""
        location = self.session.get_redirect_target(response) or ""
        target = urljoin(response.url or url, location)
        shown_url, shown_target = self.redactor.text(url), self.redactor.text(target)
        if method not in REDIRECTABLE_METHODS:
            why = (
                f"paysupport does not follow redirects of {method} requests, "
                "which would send their body and its secrets again"
            )
        elif _origin(target) != _origin(url):
            downgrade = urlsplit(url).scheme == "https" and urlsplit(target).scheme == "http"
            place = "plain http" if downgrade else "another origin"
            why = (
                f"paysupport does not follow a redirect to {place}: "
                "only within the same scheme, host and port, where credentials may go"
            )
        elif followed >= MAX_REDIRECTS:
            why = f"more than {MAX_REDIRECTS} redirects"
        else:
            return target
        raise RedirectRefused(
            f"{method} {shown_url} was redirected to {shown_target}; {why}",
            provider=self.provider,
            status=response.status_code,
            location=shown_target,
        )

    def _sleep_backoff(self, attempt: int, deadline: _Deadline) -> bool:
        """Wait before attempt ``attempt + 1``; False, without waiting, if it would end too late."""
        opts = self.options
        delay = min(opts.backoff_max, opts.backoff_factor * (2 ** (attempt - 1)))
        delay += random.uniform(0, opts.backoff_jitter)
        if time.monotonic() + delay >= deadline.ends:
            return False
        time.sleep(delay)
        return True

    def _send(
        self,
        method: str,
        url: str,
        payload: _Payload,
        auth: Any,
        timeout: tuple[float, float],
        deadline: _Deadline,
    ) -> requests.Response:
        shown_url = self.redactor.text(url)
        self._emit(HttpEvent("request", self.provider, method, shown_url))
        started = time.monotonic()
        connect_s, read_s = timeout
        response: requests.Response | None = None
        try:
            if started >= deadline.ends:
                raise _DeadlinePassed
            response = self.session.request(
                method,
                url,
                params=payload.params,
                data=payload.data,
                json=payload.json_body,
                headers=dict(payload.headers) if payload.headers else None,
                files=payload.files,
                auth=auth,
                timeout=_DeadlineTimeout(connect_s, read_s, deadline.ends),  # type: ignore[arg-type]
                allow_redirects=False,  # followed by request(), where it is safe
                stream=True,  # the body is read by _read_body, capped
            )
            self._read_body(response, method, shown_url, read_s, deadline)
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
            urllib3.exceptions.ProtocolError,
            urllib3.exceptions.DecodeError,
        ):
            self._emit_error(method, shown_url, "truncated body", started)
            raise _IncompleteBody(None) from None
        except ResponseTooLarge:
            self._emit_error(method, shown_url, "body too large", started)
            raise
        except (
            _DeadlinePassed,
            urllib3.exceptions.ReadTimeoutError,
            requests.exceptions.Timeout,
            requests.exceptions.ConnectionError,
        ) as exc:
            if response is not None:
                response.close()
            if isinstance(exc, _DeadlinePassed) or _deadline_reached(exc, deadline):
                self._emit_error(method, shown_url, "deadline", started)
                last = _last_error(exc)
                raise DeadlineExceeded(
                    f"{method} {shown_url} did not complete within its {deadline.seconds:g} s"
                    " deadline (HttpOptions.deadline)"
                    + (f"; {self.redactor.text(last)}" if last else ""),
                    provider=self.provider,
                    deadline=deadline.seconds,
                ) from None
            if not _is_timeout_like(exc):
                self._emit_error(method, shown_url, type(exc).__name__, started)
                raise TransportError(
                    f"{method} {shown_url} failed: {self.redactor.text(exc)}",
                    provider=self.provider,
                ) from None
            self._emit_error(method, shown_url, "timeout", started)
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
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            if response is not None:
                response.close()
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

    def _read_body(
        self,
        response: requests.Response,
        method: str,
        shown_url: str,
        read_timeout: float,
        deadline: _Deadline,
    ) -> None:
        """Read the body into ``response.content``, within the size cap and the deadline.

        ``read1`` returns whatever has arrived, so the deadline is checked however
        slowly the bytes come, and each wait on the socket is shortened to what is
        left of it; a read timeout alone bounds only the gap between two bytes.
        """
        limit = self.options.max_body_bytes
        announced = response.headers.get("Content-Length", "")
        if (
            announced.isdigit()
            and int(announced) > limit
            and not response.headers.get("Content-Encoding")
        ):
            response.close()
            raise ResponseTooLarge(
                f"{method} {shown_url}: the body announces {int(announced)} bytes, over"
                f" the limit of {_size(limit)} (HttpOptions.max_body_bytes)",
                provider=self.provider,
                status=response.status_code,
                limit=limit,
            )
        raw = response.raw
        read: Callable[[], bytes]
        if isinstance(raw, BaseHTTPResponse):
            read = functools.partial(raw.read1, _READ_CHUNK, decode_content=True)
        else:  # a stand-in for urllib3 (a cassette player's): requests' own reading
            read = functools.partial(next, response.iter_content(_READ_CHUNK), b"")
        # Chunks joined once, not a growing bytearray: that one is reallocated as it
        # grows and then copied into bytes, so a page was held up to three times over
        # (P4: about 0.4 MB less peak memory walking pages of 1,000 members).
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline.ends - time.monotonic()
            if left <= 0:
                raise _DeadlinePassed
            # None once the body is read: the connection is back in the pool then.
            sock = getattr(getattr(raw, "connection", None), "sock", None)
            if sock is not None:
                sock.settimeout(max(_MIN_WAIT, min(read_timeout, left)))
            chunk = read()
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                response.close()
                raise ResponseTooLarge(
                    f"{method} {shown_url}: the body is larger than the limit of {_size(limit)}"
                    " (HttpOptions.max_body_bytes)",
                    provider=self.provider,
                    status=response.status_code,
                    limit=limit,
                )
        response._content = b"".join(chunks)
        response._content_consumed = True  # type: ignore[attr-defined]

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


class _DeadlinePassed(Exception):
    """Raised inside :meth:`HttpClient._send` when no time is left; reported as DeadlineExceeded."""


@dataclass(frozen=True)
class _Payload:
    """What a request sends besides its method and URL (a redirect keeps only the headers)."""

    params: Mapping[str, Any] | list[tuple[str, Any]] | None = None
    data: Any = None
    json_body: Any = None
    headers: Mapping[str, str] | None = None
    files: Any = None


@dataclass(frozen=True)
class _Deadline:
    ends: float  # time.monotonic()
    seconds: float  # as configured, for messages


#: Bytes asked of the socket per read; ``read1`` returns less as soon as anything arrived.
_READ_CHUNK = 64 * 1024


def _deadline_reached(exc: BaseException, deadline: _Deadline) -> bool:
    """Did ``exc`` happen because the deadline came (not for a timeout of its own)?"""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, _DeadlineReached):
        return True
    # A wait shortened to the deadline ends just after it.
    return _is_timeout_like(exc) and time.monotonic() >= deadline.ends - 0.005


def _is_timeout_like(exc: BaseException) -> bool:
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return True
    return isinstance(exc, requests.exceptions.RequestException) and _is_timeout(exc)


def _last_error(exc: BaseException) -> str:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return str(reason) if isinstance(reason, _DeadlineReached) else ""


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: where a redirect may go without taking secrets elsewhere."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = -1  # unreadable: matches no real origin
    return scheme, (parts.hostname or "").lower(), port


def _size(n: int) -> str:
    """``32 MiB`` for whole mebibytes, else the byte count."""
    mib = 1024 * 1024
    return f"{n // mib} MiB" if n % mib == 0 and n else f"{n} bytes"


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
