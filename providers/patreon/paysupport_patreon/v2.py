"""The API v2 read calls: identity, campaigns, members, posts; each takes includes and fields.

Every call returns the core's :class:`~paysupport.jsonapi.JsonApiDocument`
(``data()``, ``included``, ``find_resource_by_type_and_id()``,
``normalized()``); the typed views in :mod:`paysupport_patreon.resources` wrap
its resources. ``includes``/``fields`` are checked against the catalogue first
(:mod:`paysupport_patreon.query`), and ``include_all=True`` asks for everything
the route allows. Scopes: ``campaigns`` for campaigns, ``campaigns.members`` for
members (``campaigns.members[email]`` for emails, ``campaigns.members.address``
to include addresses), ``campaigns.posts`` for posts; a missing one is an
``InsufficientScope``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from paysupport.jsonapi import JsonApiDocument
from paysupport_patreon import catalog as cat
from paysupport_patreon.query import Fields, build_params
from paysupport_patreon.transport import V2, Transport

Includes = Iterable[str] | str | None


def _segment(value: str | int) -> str:
    return quote(str(value), safe="")


class V2Calls:
    """Mixed into the client; needs ``_transport``."""

    _transport: Transport

    def _get(
        self,
        path: str,
        route: cat.RouteSpec,
        includes: Includes,
        fields: Fields | None,
        include_all: bool,
        **extra: str,
    ) -> JsonApiDocument:
        params = build_params(route, includes, fields, include_all=include_all)
        params.update({k: v for k, v in extra.items() if v})
        return self._transport.document("GET", f"{V2}/{path}", params)

    def get_identity(
        self, includes: Includes = None, fields: Fields | None = None, *, include_all: bool = False
    ) -> JsonApiDocument:
        """The token's user (any scope; email needs ``identity[email]``)."""
        return self._get("identity", cat.IDENTITY, includes, fields, include_all)

    def get_campaigns(
        self,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
        count: int | None = None,
        cursor: str | None = None,
    ) -> JsonApiDocument:
        """One page of the token's campaigns (``walk("campaigns")`` reads them all)."""
        return self._get(
            "campaigns",
            cat.CAMPAIGNS,
            includes,
            fields,
            include_all,
            **_page(count, cursor),
        )

    def get_campaign(
        self,
        campaign_id: str | int,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
    ) -> JsonApiDocument:
        """One campaign the token's user owns."""
        path = f"campaigns/{_segment(campaign_id)}"
        return self._get(path, cat.CAMPAIGNS, includes, fields, include_all)

    def get_campaign_members(
        self,
        campaign_id: str | int,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
        count: int | None = None,
        cursor: str | None = None,
        sort: str | None = None,
    ) -> JsonApiDocument:
        """One page of a campaign's members (``walk("members", campaign=...)`` reads them all)."""
        path = f"campaigns/{_segment(campaign_id)}/members"
        extra = {**_page(count, cursor), "sort": sort or ""}
        return self._get(path, cat.MEMBERS, includes, fields, include_all, **extra)

    def get_member(
        self,
        member_id: str,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
    ) -> JsonApiDocument:
        """One member of a campaign the token's user owns."""
        return self._get(
            f"members/{_segment(member_id)}", cat.MEMBERS, includes, fields, include_all
        )

    def get_campaign_posts(
        self,
        campaign_id: str | int,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
        count: int | None = None,
        cursor: str | None = None,
    ) -> JsonApiDocument:
        """One page of a campaign's posts (``walk("posts", campaign=...)`` reads them all)."""
        path = f"campaigns/{_segment(campaign_id)}/posts"
        return self._get(path, cat.POSTS, includes, fields, include_all, **_page(count, cursor))

    def get_post(
        self,
        post_id: str | int,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
    ) -> JsonApiDocument:
        """One post of a campaign the token's user owns."""
        return self._get(f"posts/{_segment(post_id)}", cat.POSTS, includes, fields, include_all)


def _page(count: int | None, cursor: str | None) -> dict[str, str]:
    page: dict[str, str] = {}
    if count is not None:
        page["page[count]"] = str(int(count))
    if cursor:
        page["page[cursor]"] = cursor
    return page
