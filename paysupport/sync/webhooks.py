"""Webhook deliveries into the mirror: verified by the provider, applied once by the store.

A provider takes part through one optional client method,
``supporter_from_delivery(headers, raw_body, secret, clients=None) -> SupporterDelivery | None``:
it verifies the delivery with its own signature check (raising its
``InvalidSignature``), reads it, and says which supporter of which account it
is about, as of when (``None`` for a delivery about something else, such as a
post). A provider whose deliveries carry no trustworthy time of the change
(Patreon, GitHub) re-reads the supporter there and dates the observation by
the start of that read, so a late or reordered delivery can never roll a
supporter back: whatever order deliveries are applied in, the newest read
wins (:meth:`~paysupport.sync.store.MirrorStore.apply_delivery`). The core
never imports a provider; docs/writing-a-provider.md describes the method.

:func:`apply` is one delivery, start to end; :class:`SyncWebhookApp` is the
WSGI endpoint ``paysupport sync --watch`` serves, which applies a delivery, or
hands it to a queue, before answering 2xx: a delivery is answered 200 only
once it cannot be lost.

A platform registers one webhook per creator, at ``POST /<provider>/<account>``,
each verified with that account's own secret (:mod:`paysupport.sync.secrets`);
``POST /<provider>`` is verified with the provider-wide secret. An account's
secret vouches for deliveries about that account only: a creator knows their
own webhook's secret and could sign anything with it, so a delivery sent to
``/patreon/A`` that is about campaign B is refused (:class:`AccountMismatch`,
403) before B's token re-reads anything and before anything is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from paysupport.errors import PaySupportError, Unsupported
from paysupport.supporters import Supporter
from paysupport.sync.secrets import NoWebhookSecret
from paysupport.sync.store import Applied, MirrorStore, Removal

if TYPE_CHECKING:
    from paysupport._wsgi import StartResponse, WSGIEnvironment
    from paysupport.provider import Client

__all__ = [
    "AccountMismatch",
    "SupporterDelivery",
    "SyncWebhookApp",
    "apply",
    "is_signature_error",
    "to_mirror",
]

log = logging.getLogger("paysupport.sync")

Headers = Mapping[str, str] | Sequence[tuple[str, str]]

#: The largest delivery read: a member or sponsorship document is a few kilobytes.
MAX_BODY = 5_000_000


@dataclass(frozen=True)
class SupporterDelivery:
    """What a verified delivery says about one supporter.

    ``delivery_id`` is the same for a repeated delivery (the provider's
    delivery id, or a hash of the signed body). ``supporter`` is the supporter
    as of ``observed_at`` (the provider's time of that state, or the start of a
    re-read), ``None`` when they no longer support ``account``.
    """

    provider: str
    delivery_id: str
    account: str
    supporter_id: str
    supporter: Supporter | None
    observed_at: datetime


class AccountMismatch(PaySupportError):
    """A delivery sent to one account's URL is about another account: refused (403).

    ``addressed_to`` is the account of the URL (whose secret verified it),
    ``about`` the account the delivery names.
    """

    def __init__(self, provider: str, addressed_to: str, about: str) -> None:
        self.addressed_to = addressed_to
        self.about = about
        super().__init__(
            f"a delivery sent to /{provider}/{addressed_to} is about account {about!r}:"
            f" {addressed_to}'s secret vouches for deliveries about {addressed_to} only",
            provider=provider,
        )


def to_mirror(delivery: SupporterDelivery) -> Supporter | Removal:
    """The delivery as the store takes it: a current supporter, or a removal.

    A supporter who is ``past`` is a removal: the mirror holds whom a walk of
    current supporters would list.
    """
    supporter = delivery.supporter
    if supporter is None or supporter.status == "past":
        return Removal(delivery.provider, delivery.account, delivery.supporter_id)
    return supporter


def parse(
    client: Client,
    headers: Headers,
    raw_body: bytes,
    secret: str,
    clients: Callable[[str], Client] | None = None,
    *,
    addressed_to: str | None = None,
) -> SupporterDelivery | None:
    """Verify and read a delivery through the provider's own hook (see the module's docstring).

    ``clients(account)`` is the client of the delivery's account, for the
    provider's re-read with that account's token; ``client`` when not given.
    ``addressed_to`` is the account the delivery was sent to (``/<provider>/<account>``,
    verified with that account's ``secret``): a delivery about another account
    raises :class:`AccountMismatch`, as soon as the hook asks for that account's
    client (before any re-read) and again on what the hook returns.
    """
    provider = client.info.name
    hook = getattr(client, "supporter_from_delivery", None)
    if hook is None:
        raise Unsupported(
            f"{provider} deliveries cannot be mirrored: its client has no"
            " supporter_from_delivery(headers, raw_body, secret, clients)",
            provider=provider,
        )
    readers = clients
    if addressed_to is not None:
        reader_of = clients if clients is not None else (lambda _account: client)

        def bound(account: str) -> Client:
            if account != addressed_to:
                raise AccountMismatch(provider, addressed_to, account)
            return reader_of(account)

        readers = bound
    found: SupporterDelivery | None = hook(headers, raw_body, secret, readers)
    if found is not None and addressed_to is not None and found.account != addressed_to:
        raise AccountMismatch(provider, addressed_to, found.account)
    return found


def apply(
    store: MirrorStore,
    client: Client,
    headers: Headers,
    raw_body: bytes,
    secret: str,
    clients: Callable[[str], Client] | None = None,
    *,
    addressed_to: str | None = None,
) -> Applied | None:
    """Verify, read and apply one delivery; ``None`` when it is not about a supporter.

    Raises the provider's ``InvalidSignature`` for a forged or damaged delivery
    and :class:`AccountMismatch` for one sent to ``addressed_to``'s URL about
    another account (answer 403; nothing is written), and its or the store's
    errors when the re-read or the write failed (answer 5xx: the provider, or
    the queue, delivers it again, and the store applies it once).
    """
    delivery = parse(client, headers, raw_body, secret, clients, addressed_to=addressed_to)
    if delivery is None:
        return None
    return store.apply_delivery(
        delivery.provider, delivery.delivery_id, to_mirror(delivery), delivery.observed_at
    )


def is_signature_error(exc: BaseException) -> bool:
    """A provider's ``InvalidSignature`` (each provider has its own class of that name)."""
    return any(cls.__name__ == "InvalidSignature" for cls in type(exc).__mro__)


#: ``(provider, headers, raw_body, account)``: ``account`` is the URL's, ``None`` for
#: ``POST /<provider>``.
Handle = Callable[[str, list[tuple[str, str]], bytes, str | None], object]


class SyncWebhookApp:
    """``POST /<provider>[/<account>]``: each delivery applied (or queued) before the 2xx answer.

    ``handle(provider, headers, raw_body, account)`` is what to do with a
    delivery: apply it (the embedded engine) or enqueue it (Dramatiq), verified
    with the secret of ``account`` (the URL's; ``None`` for ``POST /<provider>``:
    the provider-wide secret). ``check`` (same arguments), when given, rejects
    forged deliveries before they are queued (the provider's signature check,
    raising ``InvalidSignature``).

    Answers 403 for a bad signature or a delivery about another account than
    the URL's (:class:`AccountMismatch`), 400 for a delivery that cannot be
    read, 404 for another provider or a URL no secret verifies
    (:class:`~paysupport.sync.secrets.NoWebhookSecret`: an account with no
    secret of its own when the provider has no provider-wide one), 500 when
    handling failed (the provider retries). 404 rather than 403 for an unknown
    account: nothing listens at that URL, which is what its operator must fix
    (register the account's secret), whereas 403 says a delivery was forged.
    """

    def __init__(
        self,
        providers: Iterable[str],
        handle: Handle,
        *,
        check: Handle | None = None,
        max_body: int = MAX_BODY,
        on_outcome: Callable[[str, str], None] | None = None,
    ) -> None:
        self.providers = set(providers)
        self.handle = handle
        self.check = check
        self.max_body = max_body
        self.on_outcome = on_outcome

    def answer(
        self,
        provider: str,
        headers: list[tuple[str, str]],
        raw_body: bytes,
        account: str | None = None,
    ) -> int:
        """The status for one delivery to ``/<provider>`` (or ``/<provider>/<account>``)."""
        if provider not in self.providers:
            return 404
        try:
            if self.check is not None:
                self.check(provider, headers, raw_body, account)
            self.handle(provider, headers, raw_body, account)
        except Exception as exc:
            status = _status(exc)
            log.warning(
                "delivery refused",
                extra={
                    "provider": provider,
                    "account": account,
                    "status": status,
                    "error": f"{type(exc).__name__}: {exc}",
                },
            )
            self._count(provider, f"http_{status}")
            return status
        self._count(provider, "accepted")
        return 200

    def _count(self, provider: str, outcome: str) -> None:
        if self.on_outcome is not None:
            self.on_outcome(provider, outcome)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        from paysupport.webhooks import BodyTooLarge, read_wsgi_body, status_line, wsgi_headers

        provider, slash, account = str(environ.get("PATH_INFO", "")).strip("/").partition("/")
        if environ.get("REQUEST_METHOD") != "POST":
            status = 405
        elif provider not in self.providers or (slash and "/" in account):
            status = 404  # decided before reading a body nobody would verify
        else:
            try:
                body = read_wsgi_body(environ, self.max_body)
            except BodyTooLarge:
                status = 413
            except PaySupportError:
                status = 400
            else:
                status = self.answer(provider, wsgi_headers(environ), body, account or None)
        text = status_line(status)
        start_response(text, [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
        return [text.encode()]


def _status(exc: BaseException) -> int:
    """The answer to a delivery whose check or handling raised ``exc``."""
    if is_signature_error(exc) or isinstance(exc, AccountMismatch):
        return 403
    if isinstance(exc, NoWebhookSecret):
        return 404
    return 400 if _unreadable(exc) else 500


def _unreadable(exc: BaseException) -> bool:
    from paysupport.errors import ResponseFormatError

    return isinstance(exc, ResponseFormatError) or (
        isinstance(exc, PaySupportError)
        and type(exc).__name__ in ("UnknownTrigger", "UnknownEvent")
    )


def headers_list(headers: Headers) -> list[tuple[str, str]]:
    """Headers as a JSON-friendly list of pairs (for a queued delivery)."""
    items: Iterable[Any] = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(name), str(value)) for name, value in items]
