"""Webhook secrets per account, with a provider-wide fallback.

A platform that mirrors many creators registers one webhook per creator:
Patreon gives every webhook (one per campaign) a secret of its own, GitHub
Sponsors webhooks are set up per sponsorable account, each with its secret.
So a delivery is verified with the secret of the account its URL names
(``POST /<provider>/<account>``), and a delivery to ``POST /<provider>`` with
the provider's one secret, as before.

A lookup is any callable ``(provider, account) -> secret | None``
(:data:`SecretLookup`), where ``account`` is ``None`` for the provider-wide
endpoint: a platform with its own database passes a function reading it.
:class:`WebhookSecrets` is the one ``paysupport sync`` builds from its
sources, an account's own secret first, then the provider's:

1. ``--webhook-secret provider:account=SECRET`` and ``provider=SECRET``;
2. the file ``--webhook-secrets FILE`` (or ``PAYSUPPORT_SYNC_WEBHOOK_SECRETS``),
   a JSON object or TOML table mapping ``"provider:account"`` or
   ``"provider"`` to the secret, read again when it changes (so a creator
   added to it needs no restart) and refused unless only its owner may read it;
3. the provider's ``webhook_secret`` setting (config file or
   ``PAYSUPPORT_<PROVIDER>_WEBHOOK_SECRET``), provider-wide.

Secrets never reach a repr, a log line or an error message: errors name the
file and the key, never a value.
"""

from __future__ import annotations

import importlib
import json
import os
import stat
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from paysupport._files import FILE_MODE
from paysupport.errors import ConfigError, PaySupportError

__all__ = [
    "ENV_FILE",
    "NoWebhookSecret",
    "SecretLookup",
    "WebhookSecrets",
    "parse_pairs",
    "secret_for",
    "settings_secret",
]

#: The environment variable naming the secrets file (for Dramatiq workers, which take no options).
ENV_FILE = "PAYSUPPORT_SYNC_WEBHOOK_SECRETS"

#: ``(provider, account)`` to the secret verifying deliveries to that URL; ``account`` is
#: ``None`` for ``POST /<provider>``. ``None`` when no secret is known (the URL answers 404).
SecretLookup = Callable[[str, str | None], str | None]

#: How many keys a repr lists before it only counts the rest.
_SHOWN_KEYS = 10


class NoWebhookSecret(PaySupportError):
    """No secret verifies deliveries to this URL: nobody listens there (answered 404).

    ``account`` is the account the URL names (``None`` for ``/<provider>``).
    """

    def __init__(self, provider: str, account: str | None) -> None:
        self.account = account
        what = f"{provider}:{account} (nor a provider-wide one)" if account else provider
        super().__init__(f"no webhook secret for {what}", provider=provider)


def secret_for(
    secrets: SecretLookup | Mapping[str, str], provider: str, account: str | None
) -> str | None:
    """The secret for deliveries to ``provider``/``account`` from a lookup or a plain mapping.

    A mapping is read like a :class:`WebhookSecrets`' keys (``"provider:account"``,
    then ``"provider"``), so ``Engine(secrets={"patreon": ...})`` keeps working.
    An empty secret is none: it would verify any delivery signed with it.
    """
    if isinstance(secrets, Mapping):
        found = secrets.get(f"{provider}:{account}") if account is not None else None
        return found or secrets.get(provider) or None
    return secrets(provider, account) or None


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``provider=SECRET`` and ``provider:account=SECRET`` (``--webhook-secret``) as keys.

    A malformed pair is a :class:`ConfigError` that quotes at most the part
    before ``=``: a secret given without its key must not be echoed back.
    """
    from paysupport.registry import provider_infos

    found: dict[str, str] = {}
    known: set[str] | None = None
    for pair in pairs:
        key, sep, secret = pair.partition("=")
        if not sep:
            raise ConfigError(
                "--webhook-secret takes provider=SECRET or provider:account=SECRET"
                " (this one has no '=')"
            )
        # A secret typed alone may hold '=' (base64): what comes before it is then part
        # of the secret, so it must name a provider, and is never quoted when it does not.
        known = set(provider_infos()) if known is None else known
        if key.strip().partition(":")[0] not in known:
            raise ConfigError(
                "--webhook-secret takes provider=SECRET or provider:account=SECRET, and one"
                f" names no provider before '=' (providers: {', '.join(sorted(known))})"
            )
        found[_checked_key(key.strip(), "--webhook-secret", None)] = _checked_secret(
            secret, key.strip(), "--webhook-secret", None
        )
    return found


def settings_secret(provider: str) -> str | None:
    """The provider's ``webhook_secret`` setting (config, ``PAYSUPPORT_<P>_WEBHOOK_SECRET``)."""
    from paysupport.config import resolve_settings

    value = resolve_settings(provider, ("webhook_secret",), {}).get("webhook_secret")
    return str(value) if value else None


class WebhookSecrets:
    """Secrets by ``"provider:account"`` and ``"provider"``: an account's own first.

    ``entries`` are given keys (the command line's), ``file`` a JSON or TOML
    file of more (re-read whenever it changes; refused with :class:`ConfigError`
    when group or others may read it, as the token store's 0600 files), and
    ``defaults(provider)`` the provider-wide secret when neither has one
    (:func:`settings_secret`; asked once per provider). Entries win over the
    file's keys of the same name, and any account's own secret over every
    provider-wide one. Safe to share between threads; calling it is :meth:`secret`.
    """

    def __init__(
        self,
        entries: Mapping[str, str] | None = None,
        *,
        file: str | os.PathLike[str] | None = None,
        defaults: Callable[[str], str | None] | None = None,
    ) -> None:
        self._given = {
            _checked_key(k, "secrets", None): _checked_secret(v, k, "secrets", None)
            for k, v in (entries or {}).items()
        }
        self.file = Path(file) if file is not None else None
        self._defaults = defaults
        self._asked: dict[str, str | None] = {}
        self._table: dict[str, str] = dict(self._given)
        self._stamp: tuple[int, int, int, int] | None = None
        self._lock = threading.Lock()
        if self.file is not None:
            self._refresh()  # a bad file fails the start, not the first delivery

    @classmethod
    def from_sources(
        cls,
        pairs: Iterable[str] = (),
        file: str | os.PathLike[str] | None = None,
        *,
        settings: bool = True,
    ) -> WebhookSecrets:
        """What ``paysupport sync`` uses: ``--webhook-secret`` pairs, the file, the settings.

        ``file`` defaults to the one ``PAYSUPPORT_SYNC_WEBHOOK_SECRETS`` names.
        """
        chosen = file if file is not None else (os.environ.get(ENV_FILE) or None)
        return cls(parse_pairs(pairs), file=chosen, defaults=settings_secret if settings else None)

    def secret(self, provider: str, account: str | None = None) -> str | None:
        """The secret for deliveries to ``/<provider>/<account>`` (or ``/<provider>``).

        Raises :class:`ConfigError` when the file changed into one that cannot
        be used (its permissions, its syntax): a delivery is then refused and
        retried by the provider rather than checked against stale secrets.
        """
        table = self._refresh() if self.file is not None else self._table
        if account is not None:
            own = table.get(f"{provider}:{account}")
            if own:
                return own
        found = table.get(provider)
        if found:
            return found
        if self._defaults is None:
            return None
        if provider not in self._asked:
            self._asked[provider] = self._defaults(provider) or None
        return self._asked[provider]

    __call__ = secret

    def keys(self) -> list[str]:
        """The keys that have a secret (given and from the file), sorted: safe to show."""
        table = self._refresh() if self.file is not None else self._table
        return sorted(table)

    def describe(self, providers: Iterable[str]) -> str:
        """One line for the command's output: per provider, how many accounts, any fallback."""
        keys = self.keys()
        parts = []
        for provider in sorted(set(providers)):
            accounts = sum(1 for k in keys if k.startswith(provider + ":"))
            wide = self.secret(provider) is not None
            what = [f"{accounts} account{'s' * (accounts != 1)}"] if accounts else []
            what += ["provider-wide"] if wide else []
            parts.append(f"{provider} ({', '.join(what) or 'no secret: 404'})")
        return "; ".join(parts)

    def __repr__(self) -> str:
        keys = sorted(self._table)
        shown = ", ".join(repr(k) for k in keys[:_SHOWN_KEYS])
        more = f", ... {len(keys) - _SHOWN_KEYS} more" if len(keys) > _SHOWN_KEYS else ""
        file = "" if self.file is None else f", file={str(self.file)!r}"
        settings = "" if self._defaults is None else ", settings=True"
        return f"WebhookSecrets(keys=[{shown}{more}]{file}{settings})"

    __str__ = __repr__

    def _refresh(self) -> dict[str, str]:
        """The merged table, re-read from the file when its inode, size or times changed."""
        assert self.file is not None
        path = self.file
        try:
            info = path.stat()
        except OSError as exc:
            raise ConfigError(
                f"webhook secrets file cannot be read: {exc.strerror}", path=str(path)
            ) from None
        stamp = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        with self._lock:
            if stamp != self._stamp:
                loaded = load_file(path)
                self._table = {**loaded, **self._given}
                self._stamp = stamp
            return self._table


def load_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """A secrets file's keys: a JSON object, or a TOML table when it ends in ``.toml``.

    Refused with :class:`ConfigError` when group or others have any permission
    on it (``chmod 600``: a secret another local user can read is anyone's),
    when it is not valid JSON or TOML, or when a key is not ``provider`` or
    ``provider:account`` or a value is not a non-empty string. The error names
    the file, the line and the key, never a value.
    """
    file = Path(path)
    where = str(file)
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError as exc:
        raise ConfigError(
            f"webhook secrets file cannot be read: {exc.strerror}", path=where
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())  # the file read, not whatever the name points at later
        mode = stat.S_IMODE(info.st_mode)
        if os.name == "posix" and mode & 0o077:
            raise ConfigError(
                f"webhook secrets file is open to group or others (mode {mode:o}):"
                f" make it the owner's alone, chmod {FILE_MODE:o}",
                path=where,
            )
        raw = handle.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("webhook secrets file is not UTF-8 text", path=where) from None
    data = _parse_toml(text, where) if file.suffix.lower() == ".toml" else _parse_json(text, where)
    return {
        _checked_key(key, "webhook secrets file", where): _checked_secret(
            value, key, "webhook secrets file", where
        )
        for key, value in data.items()
    }


def _parse_json(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        # exc.doc is the whole file: never chained, never shown
        raise ConfigError(
            f"webhook secrets file is not valid JSON: {exc.msg}", path=where, line=exc.lineno
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            'webhook secrets file must hold one JSON object: {"provider:account": "SECRET"}',
            path=where,
        )
    return data


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    try:
        tomllib = importlib.import_module("tomllib")
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        raise ConfigError(
            "a TOML webhook secrets file needs Python 3.11: write it as JSON", path=where
        ) from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # its message says what and where ("Invalid value (at line 3, column 9)"), not the text
        raise ConfigError(f"webhook secrets file is not valid TOML: {exc}", path=where) from None
    return data


def _checked_key(key: object, source: str, where: str | None) -> str:
    text = key if isinstance(key, str) else ""
    provider, sep, account = text.partition(":")
    if not provider.strip() or (sep and not account.strip()) or text != text.strip():
        raise ConfigError(f"{source}: key {key!r} is not provider or provider:account", path=where)
    return text


def _checked_secret(value: object, key: object, source: str, where: str | None) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{source}: the secret of {key!r} must be a non-empty string", path=where)
    return value
