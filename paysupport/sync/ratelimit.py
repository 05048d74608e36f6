"""Rate limits shared by every worker: per OAuth client and per token, before each request.

A provider limits requests per OAuth client and per token (Patreon: 100
requests per 2 seconds per client, 100 per minute per token). Workers of one
deployment share those budgets, so each request first takes a place in every
window that applies to it (:meth:`Limiter.acquire`), waiting until all have
one. The windows are sliding logs, like the providers' own: at most ``limit``
requests in any ``window`` seconds, with a small margin (:data:`MARGIN`) for the
time a request takes to reach the provider. A provider's 429 names how long to
wait (``Retry-After``, Patreon's ``retry_after_seconds``): :meth:`Limiter.block`
makes every worker wait that long before the next request on that budget, so
one worker's 429 is the last of its window instead of the first of a storm.

:class:`LocalLimiter` keeps the windows in the process (the embedded
engine's threads); :class:`RedisLimiter` in Redis, decided atomically by one
Lua script on Redis's own clock, for workers on many machines.
:func:`request_hook` plugs either into a client's HTTP layer (its ``hooks``),
where it sees every attempt, token refreshes included.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from paysupport.errors import ConfigError

if TYPE_CHECKING:
    from paysupport.http import HttpEvent

__all__ = [
    "DEFAULT_LIMITS",
    "MARGIN",
    "Limit",
    "Limiter",
    "LocalLimiter",
    "RedisLimiter",
    "parse_limits",
    "request_hook",
]

#: Added to every window: a request counted at ``t`` reaches the provider a little later.
MARGIN = 0.05


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` requests in any ``window`` seconds, on the budget ``key`` names."""

    key: str
    limit: int
    window: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0:
            raise ConfigError(f"rate limit {self.key}: need at least 1 request per positive window")


#: The documented limits, as ``(scope, limit, window)``; scope ``client`` or ``token``.
#: GitHub's GraphQL budget is points per hour; a page of supporters costs about one.
DEFAULT_LIMITS: Mapping[str, tuple[tuple[str, int, float], ...]] = {
    "patreon": (("client", 100, 2.0), ("token", 100, 60.0)),
    "github": (("token", 5000, 3600.0),),
}


def parse_limits(specs: Sequence[str]) -> dict[str, tuple[tuple[str, int, float], ...]]:
    """``["patreon:token=30/1", ...]`` as :data:`DEFAULT_LIMITS` with those replaced.

    Each spec is ``provider:scope=LIMIT/SECONDS`` (scope ``client`` or ``token``);
    ``provider:scope=none`` drops that limit.
    """
    limits = {
        provider: dict((s, (n, w)) for s, n, w in scopes)
        for provider, scopes in DEFAULT_LIMITS.items()
    }
    for spec in specs:
        target, _, value = spec.partition("=")
        provider, _, scope = target.partition(":")
        if scope not in ("client", "token") or not provider or not value:
            raise ConfigError(
                f"rate limit {spec!r}: write provider:client=LIMIT/SECONDS or provider:token=..."
            )
        table = limits.setdefault(provider.strip(), {})
        if value.strip().lower() == "none":
            table.pop(scope, None)
            continue
        count, _, seconds = value.partition("/")
        try:
            table[scope] = (int(count), float(seconds))
        except ValueError:
            raise ConfigError(f"rate limit {spec!r}: LIMIT/SECONDS are numbers (100/60)") from None
    return {p: tuple((s, n, w) for s, (n, w) in sorted(t.items())) for p, t in limits.items()}


class Limiter(Protocol):
    """Where the windows live; safe to share between threads."""

    def acquire(self, limits: Sequence[Limit]) -> float:
        """Wait until every limit has room, take a place in each; return the seconds waited."""
        ...

    def block(self, key: str, seconds: float) -> None:
        """No request on budget ``key`` for ``seconds`` (a 429's Retry-After), anywhere."""
        ...


class LocalLimiter:
    """The windows in this process: for the embedded engine's threads."""

    def __init__(
        self, *, margin: float = MARGIN, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}

    def _wait(self, limits: Sequence[Limit], now: float) -> float:
        wait = 0.0
        for limit in limits:
            window = limit.window + self.margin
            hits = self._hits.setdefault(limit.key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit.limit:
                wait = max(wait, hits[0] + window - now)
            wait = max(wait, self._blocked.get(limit.key, 0.0) - now)
        return wait

    def acquire(self, limits: Sequence[Limit]) -> float:
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait(limits, now)
                if wait <= 0:
                    for limit in limits:
                        self._hits[limit.key].append(now)
                    return waited
            time.sleep(wait)
            waited += wait

    def block(self, key: str, seconds: float) -> None:
        with self._lock:
            until = self._clock() + seconds
            self._blocked[key] = max(self._blocked.get(key, 0.0), until)


#: KEYS: the limits' keys. ARGV: margin (µs), a unique member, then limit and window (µs)
#: per key. Returns 0 with a place taken in every window, else the µs to wait (nothing taken).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local margin = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i]) + margin
  local blocked = tonumber(redis.call('GET', key .. ':blocked') or '0')
  if blocked - now > wait then wait = blocked - now end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local until_free = tonumber(oldest[2]) + window - now
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 + 2 * i]) + margin
  redis.call('ZADD', key, now, ARGV[2] .. ':' .. i)
  redis.call('PEXPIRE', key, math.ceil(window / 1000) + 1000)
end
return 0
"""

#: KEYS: the budget's key. ARGV: seconds (µs). Blocks it until now + seconds, never shorter.
_BLOCK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1] .. ':blocked') or '0')
if untl > current then
  redis.call('SET', KEYS[1] .. ':blocked', untl, 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
end
return 0
"""


class RedisLimiter:
    """The windows in Redis, shared by every worker that uses the same Redis and ``prefix``."""

    def __init__(
        self, client: Any, *, prefix: str = "paysupport:rate:", margin: float = MARGIN
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.margin = margin
        self._acquire = client.register_script(_ACQUIRE)
        self._block = client.register_script(_BLOCK)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisLimiter:
        import redis

        return cls(redis.Redis.from_url(url), **options)

    def acquire(self, limits: Sequence[Limit]) -> float:
        if not limits:
            return 0.0
        keys = [self.prefix + limit.key for limit in limits]
        args: list[Any] = [int(self.margin * 1e6), uuid.uuid4().hex]
        for limit in limits:
            args += [limit.limit, int(limit.window * 1e6)]
        waited = 0.0
        while True:
            wait = int(self._acquire(keys=keys, args=args)) / 1e6
            if wait <= 0:
                return waited
            wait = min(wait, max(limit.window for limit in limits) + self.margin)
            time.sleep(wait)
            waited += wait
            args[1] = uuid.uuid4().hex

    def block(self, key: str, seconds: float) -> None:
        self._block(keys=[self.prefix + key], args=[max(1, math.ceil(seconds * 1e6))])


def request_hook(
    limiter: Limiter,
    limits: Sequence[Limit],
    *,
    blocks: Sequence[str] | None = None,
    on_wait: Callable[[float], None] | None = None,
    on_response: Callable[[HttpEvent], None] | None = None,
) -> Callable[[HttpEvent], None]:
    """An HTTP event hook: each attempt waits for ``limits``; a 429 blocks budgets ``blocks``.

    ``blocks`` are the keys a 429 stops for its ``Retry-After`` (one second when
    it states none): the token's budget, whose owner the answer was about;
    every limit's key when not given.
    """
    stopped = [limit.key for limit in limits] if blocks is None else list(blocks)

    def hook(event: HttpEvent) -> None:
        if event.kind == "request":
            waited = limiter.acquire(limits)
            if waited and on_wait is not None:
                on_wait(waited)
            return
        if event.kind == "response" and event.status == 429:
            wait = _retry_after(event.headers)
            for key in stopped:
                limiter.block(key, wait)
        if on_response is not None:
            on_response(event)

    return hook


def _retry_after(headers: Mapping[str, str]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return 1.0
    return 1.0
