"""Managing webhooks through API v2: list, create, update (including un-pausing), delete.

All need the ``w:campaigns.webhook`` scope. A webhook's ``secret`` comes back in
these answers; it is registered with the client's redactor at once, so it never
reaches a log line or an error message. This is the creator's side, setting
webhooks up through the client; receiving deliveries is the app endpoint's side,
:mod:`paysupport_patreon.webhooks`, which needs no client.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from paysupport._args import several
from paysupport.errors import InvalidRequest, ResponseFormatError
from paysupport.jsonapi import JsonApiDocument
from paysupport.redact import Redactor
from paysupport_patreon import catalog as cat
from paysupport_patreon.catalog import Fields, build_params
from paysupport_patreon.errors import PROVIDER
from paysupport_patreon.resources import Webhook
from paysupport_patreon.transport import V2, Transport


def _check_triggers(triggers: Iterable[str]) -> list[str]:
    chosen = list(several(triggers, "triggers", provider=PROVIDER))
    unknown = [t for t in chosen if t not in cat.TRIGGERS]
    if not chosen or unknown:
        raise InvalidRequest(
            f"triggers must be a non-empty list of: {', '.join(cat.TRIGGERS)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
            provider=PROVIDER,
        )
    return chosen


class WebhookCalls:
    """Mixed into the client; needs ``_transport`` and ``redactor``."""

    _transport: Transport
    redactor: Redactor

    def _remember_secrets(self, document: JsonApiDocument) -> JsonApiDocument:
        for resource in document.data_list():
            secret = resource.attributes.get("secret")
            if isinstance(secret, str):
                self.redactor.add(secret)
        return document

    def _webhook(self, document: JsonApiDocument) -> Webhook:
        data = self._remember_secrets(document).data()
        if data is None or isinstance(data, list):
            raise ResponseFormatError("expected one webhook in the answer", provider=PROVIDER)
        return Webhook(data)

    def get_webhooks(
        self,
        includes: Iterable[str] | str | None = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
    ) -> JsonApiDocument:
        """The webhooks this client registered (with ``fields[webhook]`` as asked)."""
        params = build_params(cat.WEBHOOKS, includes, fields, include_all=include_all)
        return self._remember_secrets(self._transport.document("GET", f"{V2}/webhooks", params))

    def webhooks(self) -> list[Webhook]:
        """Every webhook this client registered, with all its attributes."""
        document = self.get_webhooks(fields={"webhook": sorted(cat.ATTRIBUTES["webhook"])})
        return [Webhook(r) for r in document.data_list()]

    def create_webhook(self, campaign_id: str | int, uri: str, triggers: Sequence[str]) -> Webhook:
        """Register ``uri`` for ``triggers`` on a campaign; the answer carries the ``secret``."""
        body = {
            "data": {
                "type": "webhook",
                "attributes": {"uri": uri, "triggers": _check_triggers(triggers)},
                "relationships": {
                    "campaign": {"data": {"type": "campaign", "id": str(campaign_id)}}
                },
            }
        }
        return self._webhook(self._transport.document("POST", f"{V2}/webhooks", json_body=body))

    def update_webhook(
        self,
        webhook_id: str | int,
        *,
        uri: str | None = None,
        triggers: Sequence[str] | None = None,
        paused: bool | None = None,
    ) -> Webhook:
        """Change a webhook; ``paused=False`` resumes one Patreon paused after failed deliveries
        (Patreon then sends what queued up meanwhile)."""
        attributes: dict[str, Any] = {}
        if uri is not None:
            attributes["uri"] = uri
        if triggers is not None:
            attributes["triggers"] = _check_triggers(triggers)
        if paused is not None:
            attributes["paused"] = paused
        if not attributes:
            raise InvalidRequest(
                "nothing to update: give uri, triggers or paused", provider=PROVIDER
            )
        body = {"data": {"type": "webhook", "id": str(webhook_id), "attributes": attributes}}
        path = f"{V2}/webhooks/{quote(str(webhook_id), safe='')}"
        return self._webhook(self._transport.document("PATCH", path, json_body=body))

    def unpause_webhook(self, webhook_id: str | int) -> Webhook:
        """Resume deliveries to a paused webhook."""
        return self.update_webhook(webhook_id, paused=False)

    def delete_webhook(self, webhook_id: str | int) -> None:
        """Remove a webhook; deliveries stop at once."""
        path = f"{V2}/webhooks/{quote(str(webhook_id), safe='')}"
        self._transport.call("DELETE", path)
