"""The older library's v1 calls, for code written against patreon-python.

Patreon deprecated API v1, but existing integrations still call it; these keep
the old names and shapes (``fetch_user``, ``fetch_campaign``,
``fetch_campaign_and_patrons``, ``fetch_page_of_pledges``, ``extract_cursor``)
while answering with the core's :class:`JsonApiDocument`, raising the library's
errors instead of returning error dicts, and using the client's pooled session.
v1 sends every default attribute; ``fields`` adds optional ones
(``{"pledge": ["total_historical_amount_cents", "is_paused"]}``).
"""

from __future__ import annotations

from urllib.parse import quote

from paysupport.jsonapi import JsonApiDocument
from paysupport_patreon.catalog import Fields, split_names
from paysupport_patreon.transport import V1, Transport
from paysupport_patreon.walks import extract_cursor


class V1Calls:
    """Mixed into the client; needs ``_transport``."""

    _transport: Transport

    def fetch_user(self) -> JsonApiDocument:
        """``current_user``: the token's user, with their pledges or campaign linked."""
        return self._transport.document("GET", f"{V1}/current_user")

    def fetch_campaign(self) -> JsonApiDocument:
        """``current_user/campaigns`` with rewards, creator and goals."""
        return self._transport.document(
            "GET", f"{V1}/current_user/campaigns", {"include": "rewards,creator,goals"}
        )

    def fetch_campaign_and_patrons(self) -> JsonApiDocument:
        """``current_user/campaigns`` with rewards, creator, goals and every pledge."""
        return self._transport.document(
            "GET", f"{V1}/current_user/campaigns", {"include": "rewards,creator,goals,pledges"}
        )

    def fetch_page_of_pledges(
        self,
        campaign_id: str | int,
        page_size: int,
        cursor: str | None = None,
        sort: str | None = None,
        fields: Fields | None = None,
    ) -> JsonApiDocument:
        """One page of a campaign's pledges; pass :meth:`extract_cursor` of it for the next."""
        params: dict[str, str] = {"page[count]": str(int(page_size))}
        if cursor:
            params["page[cursor]"] = cursor
        if sort:
            params["sort"] = sort
        for rtype, names in (fields or {}).items():
            params[f"fields[{rtype}]"] = ",".join(split_names(names, f"fields[{rtype!r}]"))
        path = f"{V1}/campaigns/{quote(str(campaign_id), safe='')}/pledges"
        return self._transport.document("GET", path, params)

    extract_cursor = staticmethod(extract_cursor)
