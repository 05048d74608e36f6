"""Uploads: ``upload.file`` / ``upload.replace`` hand back a ticket, polled until done.

Ipernity processes a file after answering, so an upload returns a *ticket*;
``upload.checkTickets`` then says ``done`` (with the ``doc_id``), ``invalid`` (the file was
refused or lost) or pending with an ``eta`` in seconds. The poller sleeps for the ``eta``
Ipernity announces (never less than ``min_wait``, never more than ``max_wait`` or the time
left before ``timeout``) instead of hammering the API.

The file travels as a multipart part and is not signed; every other parameter is (see
:mod:`paysupport_ipernity.signing`).
"""

from __future__ import annotations

import mimetypes
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paysupport._args import several
from paysupport.errors import InvalidRequest, ResponseFormatError
from paysupport_ipernity.errors import PROVIDER, InvalidTicket, UploadTimeout
from paysupport_ipernity.transport import ApiCaller

__all__ = ["TicketStatus", "Uploader"]

#: Most tickets one ``upload.checkTickets`` call accepts.
MAX_TICKETS = 50


@dataclass(frozen=True)
class TicketStatus:
    """One ticket of ``upload.checkTickets``."""

    ticket: str
    done: bool
    invalid: bool
    eta: float
    doc_id: str | None = None


def _flag(value: Any) -> bool:
    return str(value).strip() in ("1", "true", "True")


def _seconds(value: Any) -> float:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


def _ticket_of(body: Mapping[str, Any], method: str) -> str:
    raw = body.get("ticket")
    if isinstance(raw, dict):  # an element with attributes: {"id": ...}
        raw = raw.get("id", raw.get("ticket"))
    if isinstance(raw, (str, int)) and str(raw).strip():
        return str(raw).strip()
    raise ResponseFormatError(f"{method}: no ticket in the answer", provider=PROVIDER)


class Uploader:
    """Uploads files and waits for their tickets; ``sleep`` and ``clock`` can be replaced."""

    def __init__(
        self,
        api: ApiCaller,
        *,
        timeout: float = 300.0,
        min_wait: float = 0.5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.timeout = timeout
        self.min_wait = min_wait
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock

    def send(self, method: str, path: str | os.PathLike[str], params: Mapping[str, Any]) -> str:
        """POST ``path`` with ``method`` (``upload.file`` or ``upload.replace``); the ticket."""
        file = Path(path)
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        # Parameters first, then the file: either failing sends nothing.
        prepared = self.api.prepare(method, params, files=("file",))
        try:
            handle = file.open("rb")
        except OSError as exc:
            raise InvalidRequest(
                f"{method}: cannot read {file}: {exc.strerror or exc}", provider=PROVIDER
            ) from None
        with handle:
            body = self.api.send(prepared, files={"file": (file.name, handle, kind)})
        return _ticket_of(body, method)

    def check(self, tickets: Sequence[str]) -> list[TicketStatus]:
        """``upload.checkTickets`` for up to 50 tickets, in the order Ipernity lists them.

        ``tickets`` is a list: one ticket is ``[ticket]``, a bare string is refused.
        """
        tickets = several(tickets, "tickets", provider=PROVIDER)
        if not tickets:
            return []
        if len(tickets) > MAX_TICKETS:
            raise InvalidRequest(
                f"upload.checkTickets takes at most {MAX_TICKETS} tickets", provider=PROVIDER
            )
        body = self.api.call("upload.checkTickets", {"tickets": list(tickets)})
        block = body.get("tickets")
        rows = block.get("ticket") if isinstance(block, dict) else None
        if isinstance(rows, dict):
            rows = [rows]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ResponseFormatError(
                "upload.checkTickets: no 'tickets.ticket' list in the answer", provider=PROVIDER
            )
        return [
            TicketStatus(
                ticket=str(row.get("id", "")),
                done=_flag(row.get("done")),
                invalid=_flag(row.get("invalid")),
                eta=_seconds(row.get("eta")),
                doc_id=str(row["doc_id"]) if row.get("doc_id") not in (None, "") else None,
            )
            for row in rows
        ]

    def wait(self, ticket: str, *, timeout: float | None = None) -> str:
        """Poll ``ticket`` until it is done and return its ``doc_id``.

        Raises :class:`InvalidTicket` when Ipernity marks it invalid and
        :class:`UploadTimeout` when it is still pending after ``timeout`` seconds.
        """
        deadline = self.clock() + (self.timeout if timeout is None else timeout)
        while True:
            status = next((s for s in self.check([ticket]) if s.ticket == ticket), None)
            if status is None:
                raise ResponseFormatError(
                    f"upload.checkTickets did not report ticket {ticket}", provider=PROVIDER
                )
            if status.invalid:
                raise InvalidTicket(
                    f"upload ticket {ticket} is invalid: Ipernity refused the file or "
                    "no longer knows the ticket",
                    ticket=ticket,
                )
            if status.done:
                if status.doc_id is None:
                    raise ResponseFormatError(
                        f"upload ticket {ticket} is done but has no doc_id", provider=PROVIDER
                    )
                return status.doc_id
            left = deadline - self.clock()
            if left <= 0:
                raise UploadTimeout(
                    f"upload ticket {ticket} still pending (eta {status.eta:g} s) "
                    "when the wait ended; poll it again later with wait()",
                    ticket=ticket,
                )
            self.sleep(min(max(status.eta, self.min_wait), self.max_wait, left))
