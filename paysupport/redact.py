"""Keep secrets out of log lines, exception text, reprs and cassettes.

Two defences work together. Values the library knows to be secret (tokens,
client secrets, api secrets) are registered with a :class:`Redactor` and masked
wherever they appear. Parameters and headers whose *names* mark them as secret
(``access_token``, ``api_sig``, ``Authorization``...) are masked whatever their
value, so a secret the library never saw (a provider's fresh token in a
response body) is masked too.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

MASK = "***"

#: Parameter and JSON keys whose values are always secret.
SECRET_KEYS: frozenset[str] = frozenset(
    {
        "access_token",
        "refresh_token",
        "client_secret",
        "api_secret",
        "api_sig",
        "api_key",
        "auth_token",
        "token",
        "secret",
        "password",
        "code_verifier",
        "creator_access_token",
        "creator_refresh_token",
    }
)

#: Keys secret only in URLs and form bodies (an OAuth ``code``); in JSON bodies
#: ``code`` is usually a harmless error number, which logs and cassettes keep.
URL_ONLY_SECRET_KEYS: frozenset[str] = frozenset({"code", "frob"})

#: Keys whose values are secret in JSON bodies: a ``frob`` there (Ipernity's
#: ``auth.getFrob`` answer) can be traded for a token like one in a URL.
JSON_SECRET_KEYS: frozenset[str] = SECRET_KEYS | {"frob"}

#: Headers whose values are always secret.
SECRET_HEADERS: frozenset[str] = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-patreon-signature"}
)

#: Secrets shorter than this are not masked by value: masking "1" would mangle
#: every number in a log line. Such values are still masked by name.
MIN_SECRET_LENGTH = 4


def _alternation(keys: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(k) for k in keys), key=len, reverse=True))


_URL_PARAM = re.compile(
    r"(?i)(?<![A-Za-z0-9_])("
    + _alternation(SECRET_KEYS | URL_ONLY_SECRET_KEYS)
    + r")=([^&\s\"'<>]*)"
)
_JSON_FIELD = re.compile(
    r'(?i)"(' + _alternation(JSON_SECRET_KEYS) + r')"(\s*:\s*)(?:"(?:[^"\\]|\\.)*"|-?\d+)'
)
_MULTIPART_FIELD = re.compile(
    r'(?i)(name="(?:' + _alternation(SECRET_KEYS) + r')"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n)'
    r"[^\r\n]*"
)
_AUTH_SCHEME = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+")


class Redactor:
    """Masks registered secret values and secret-named fields in text.

    Thread-safe; one per client. ``add()`` new secrets as they arrive (a
    refreshed token, for example) so they are masked from then on.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Register secret values; ``None`` and very short values are ignored."""
        fresh = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        with self._lock:
            if fresh - self._values:
                self._values |= fresh
                self._pattern = re.compile(_alternation(self._values))

    def text(self, value: object) -> str:
        """Return ``str(value)`` with every known or secret-named secret masked."""
        text = str(value)
        # Names first: masking a registered value inside a name ("access_token")
        # would stop the name from being recognised and leave its value bare.
        text = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", text)
        text = _MULTIPART_FIELD.sub(lambda m: f"{m.group(1)}{MASK}", text)
        text = _URL_PARAM.sub(lambda m: f"{m.group(1)}={MASK}", text)
        text = _JSON_FIELD.sub(lambda m: f'"{m.group(1)}"{m.group(2)}"{MASK}"', text)
        pattern = self._pattern
        if pattern is not None:
            # Until nothing matches: the mask next to what surrounds a secret can
            # spell the secret again ("***a" in "a***aa"). Each pass shortens the text.
            while pattern.search(text):
                text = pattern.sub(MASK, text)
        return text

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy of ``headers`` with secret headers masked and values scrubbed."""
        return {
            name: MASK if name.lower() in SECRET_HEADERS else self.text(value)
            for name, value in headers.items()
        }

    def excerpt(self, body: bytes | str, limit: int = 200) -> str:
        """A short, redacted, single-line start of a response body for error messages."""
        if isinstance(body, bytes):
            # Decode it all: cutting first could split a secret, and a cut prefix
            # is no longer recognised, yet survives once whitespace is collapsed.
            body = body.decode("utf-8", errors="replace")
        # Redacted before and after collapsing whitespace: a secret may hold a run
        # of spaces, or its words may be split across lines in the body.
        flat = self.text(" ".join(self.text(body).split()))
        return flat[:limit] + ("..." if len(flat) > limit else "")

    def __repr__(self) -> str:
        return f"<Redactor masking {len(self._values)} values>"


#: A redactor with no registered values: masks by name only.
DEFAULT = Redactor()
