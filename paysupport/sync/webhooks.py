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
WSGI endpoint ``paysupport sync --watch`` serves (``POST /<provider>``), which
applies a delivery, or hands it to a queue, before answering 2xx: a delivery
is answered 200 only once it cannot be lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from paysupport.errors import PaySupportError, Unsupported
from paysupport.supporters import Supporter
from paysupport.sync.store import Applied, MirrorStore, Removal

if TYPE_CHECKING:
    from paysupport._wsgi import StartResponse, WSGIEnvironment
    from paysupport.provider import Client

__all__ = ["SupporterDelivery", "SyncWebhookApp", "apply", "is_signature_error", "to_mirror"]

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
) -> SupporterDelivery | None:
    """Verify and read a delivery through the provider's own hook (see the module's docstring).

    ``clients(account)`` is the client of the delivery's account, for the
    provider's re-read with that account's token; ``client`` when not given.
    """
    hook = getattr(client, "supporter_from_delivery", None)
    if hook is None:
        raise Unsupported(
            f"{client.info.name} deliveries cannot be mirrored: its client has no"
            " supporter_from_delivery(headers, raw_body, secret, clients)",
            provider=client.info.name,
        )
    found: SupporterDelivery | None = hook(headers, raw_body, secret, clients)
    return found


def apply(
    store: MirrorStore,
    client: Client,
    headers: Headers,
    raw_body: bytes,
    secret: str,
    clients: Callable[[str], Client] | None = None,
) -> Applied | None:
    """Verify, read and apply one delivery; ``None`` when it is not about a supporter.

    Raises the provider's ``InvalidSignature`` for a forged or damaged delivery
    (answer 403; nothing is read or written), and its or the store's errors
    when the re-read or the write failed (answer 5xx: the provider, or the
    queue, delivers it again, and the store applies it once).
    """
    delivery = parse(client, headers, raw_body, secret, clients)
    if delivery is None:
        return None
    return store.apply_delivery(
        delivery.provider, delivery.delivery_id, to_mirror(delivery), delivery.observed_at
    )


def is_signature_error(exc: BaseException) -> bool:
    """A provider's ``InvalidSignature`` (each provider has its own class of that name)."""
    return any(cls.__name__ == "InvalidSignature" for cls in type(exc).__mro__)


Handle = Callable[[str, list[tuple[str, str]], bytes], object]


class SyncWebhookApp:
    """``POST /<provider>``: each delivery applied (or queued) before the 2xx answer.

    ``handle(provider, headers, raw_body)`` is what to do with a delivery: apply
    it (the embedded engine) or enqueue it (Dramatiq); ``check(provider,
    headers, raw_body)``, when given, rejects forged deliveries before they are
    queued (the provider's signature check, raising ``InvalidSignature``).
    Answers 403 for a bad signature, 400 for a delivery that cannot be read,
    404 for another provider, 500 when handling failed (the provider retries).
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

    def answer(self, provider: str, headers: list[tuple[str, str]], raw_body: bytes) -> int:
        if provider not in self.providers:
            return 404
        try:
            if self.check is not None:
                self.check(provider, headers, raw_body)
            self.handle(provider, headers, raw_body)
        except Exception as exc:
            status = 403 if is_signature_error(exc) else 400 if _unreadable(exc) else 500
            log.warning(
                "delivery refused",
                extra={"provider": provider, "status": status, "error": str(exc)},
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

        provider = str(environ.get("PATH_INFO", "")).strip("/")
        if environ.get("REQUEST_METHOD") != "POST":
            status = 405
        else:
            try:
                body = read_wsgi_body(environ, self.max_body)
            except BodyTooLarge:
                status = 413
            except PaySupportError:
                status = 400
            else:
                status = self.answer(provider, wsgi_headers(environ), body)
        text = status_line(status)
        start_response(text, [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
        return [text.encode()]


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
