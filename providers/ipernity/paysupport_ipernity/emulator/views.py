"""JSON shapes of Ipernity's records, following the catalog's XML examples.

Ipernity's JSON is its XML turned inside out: an element's attributes become keys, a child
element becomes a nested object, a repeated child becomes a list under the child's name
(``{"docs": {"doc": [...]}}``) and an element holding only text becomes a string
(``{"auth": {"frob": "..."}}``). Attribute values are strings, as they are in the XML
(``"doc_id": "100001"``, ``"done": "1"``); only the pagination fields ``total``, ``page``,
``pages`` and ``per_page`` are numbers, as in the JSON list example of the reference notes.
Clients must therefore accept both. Repeated children are always lists, even of one.

Every absolute URL is built from the request's URL root, so links point back at the
emulator wherever it is mounted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paysupport_ipernity.emulator.store import Album, Doc, Tag, Token, User, World

JSON = dict[str, Any]

THUMB_SIZES = ("75x", "100", "240", "250x", "500", "560", "640", "800", "1024", "1600", "2048")
DEFAULT_THUMB = "75x"


def flag(value: bool) -> str:
    return "1" if value else "0"


def thumb(root: str, doc: Doc, label: str) -> JSON:
    """One thumbnail; ``NNNx`` labels are square crops, others bound the longest side."""
    if label not in THUMB_SIZES:
        label = DEFAULT_THUMB
    size = int(label.rstrip("x"))
    if label.endswith("x"):
        w = h = size
    else:
        ow, oh = doc.original.w, doc.original.h
        scale = size / max(ow, oh)
        w, h = max(1, round(ow * scale)), max(1, round(oh * scale))
    return {
        "label": label,
        "ext": "jpg",
        "w": str(w),
        "h": str(h),
        "url": f"{root}_files/{doc.doc_id}/{label}.jpg",
    }


def doc_link(root: str, world: World, doc: Doc) -> str:
    owner = world.users[doc.owner_id]
    return f"{root}doc/{owner.alias}/{doc.doc_id}"


def owner_view(world: World, doc: Doc) -> JSON:
    owner = world.users[doc.owner_id]
    return {"user_id": owner.user_id, "username": owner.username, "realname": owner.realname}


def tag_view(tag: Tag) -> JSON:
    view: JSON = {"tag_id": str(tag.tag_id), "type": tag.type, "user_id": tag.user_id}
    if tag.type == "keyword":
        view["keyword"] = tag.keyword
    else:
        view["member_id"] = tag.member_id
    view["title"] = tag.title
    return view


def original_view(root: str, doc: Doc) -> JSON:
    o = doc.original
    return {
        "ext": o.ext,
        "w": str(o.w),
        "h": str(o.h),
        "filename": o.filename,
        "bytes": str(o.size),
        "url": f"{root}_files/{doc.doc_id}/original.{o.ext}",
    }


def dates_view(doc: Doc) -> JSON:
    return {
        "posted_at": str(doc.posted_at),
        "replaced_at": str(doc.replaced_at),
        "created": doc.created,
        "modified_at": str(doc.modified_at),
        "comment_at": "0",
    }


def geo_view(doc: Doc) -> JSON | None:
    if doc.lat is None or doc.lng is None:
        return None
    return {"lat": str(doc.lat), "lng": str(doc.lng)}


def count_view(world: World, doc: Doc) -> JSON:
    return {
        "visits": str(doc.visits),
        "faves": str(len(world.fans.get(doc.doc_id, ()))),
        "comments": "0",
        "notes": "0",
        "tags": str(len(doc.tags)),
        "albums": str(len(world.doc_albums.get(doc.doc_id, ()))),
        "groups": "0",
    }


def doc_share(doc: Doc, public: int) -> str:
    """The ``share`` code; ``public`` is 5 for ``doc.get`` and 4 for ``doc.set`` (their notes)."""
    if doc.is_public:
        return str(public)
    return str((1 if doc.is_family else 0) + (2 if doc.is_friend else 0))


def doc_full(world: World, root: str, doc: Doc, viewer: str | None, extras: set[str]) -> JSON:
    """``doc.get``: the full document record; ``extras`` adds tags, geo and md5."""
    view: JSON = {
        "doc_id": str(doc.doc_id),
        "media": doc.media,
        "license": str(doc.license),
        "rotation": "0",
        "title": doc.title,
        "safety": str(doc.safety),
        "link": doc_link(root, world, doc),
        "owner": owner_view(world, doc),
        "description": doc.description,
        "dates": dates_view(doc),
        "visibility": {
            "ispublic": flag(doc.is_public),
            "isfriend": flag(doc.is_friend),
            "isfamily": flag(doc.is_family),
            "share": doc_share(doc, public=5),
        },
        "permissions": {"comment": "3", "tag": "3", "tagme": "3"},
        "count": count_view(world, doc),
        "can": {
            "fave": flag(viewer is not None and viewer != doc.owner_id),
            "comment": "1",
            "tag": "1",
            "tagme": "1",
            "zoom": "1",
            "download": flag(viewer == doc.owner_id),
            "print": "0",
        },
        "thumbs": {"thumb": [thumb(root, doc, label) for label in ("75x", "100", "240", "500")]},
        "original": original_view(root, doc),
    }
    if viewer is not None:
        view["you"] = {
            "isfave": flag(doc.doc_id in world.faves.get(viewer, {})),
            "visits": "0",
            "last_visit": "0",
        }
    if "geo" in extras and (geo := geo_view(doc)) is not None:
        view["geo"] = geo
    if "tags" in extras:
        view["tags"] = {"total": str(len(doc.tags)), "tag": [tag_view(t) for t in doc.tags]}
    if "notes" in extras:
        view["notes"] = {"total": "0", "note": []}
    if "md5" in extras:
        view["md5"] = doc.original.md5
    return view


def doc_summary(world: World, root: str, doc: Doc, thumbsize: str, extras: set[str]) -> JSON:
    """A document in a list (``doc.getList``, ``doc.search``, album and fave lists)."""
    view: JSON = {
        "doc_id": str(doc.doc_id),
        "media": doc.media,
        "license": str(doc.license),
        "title": doc.title,
        "safety": str(doc.safety),
        "owner": {"user_id": doc.owner_id},
        "thumb": thumb(root, doc, thumbsize),
    }
    if "owner" in extras:
        view["owner"] = owner_view(world, doc)
    if "dates" in extras:
        view["dates"] = dates_view(doc)
    if "count" in extras:
        view["count"] = count_view(world, doc)
    if "geo" in extras and (geo := geo_view(doc)) is not None:
        view["geo"] = geo
    if "original" in extras:
        view["original"] = original_view(root, doc)
    if "md5" in extras:
        view["md5"] = doc.original.md5
    if "link" in extras:
        view["link"] = doc_link(root, world, doc)
    return view


def album_view(
    world: World, root: str, album: Album, viewer: str | None, thumbsize: str = DEFAULT_THUMB
) -> JSON:
    owner = world.users[album.owner_id]
    visible = [d for d in album.doc_ids if world.visible(world.docs[d], viewer)]
    view: JSON = {
        "album_id": str(album.album_id),
        "link": f"{root}doc/{owner.alias}/album/{album.album_id}",
        "title": album.title,
        "owner": {"user_id": owner.user_id, "username": owner.username},
        "description": album.description,
        "visibility": {"family": "0", "friend": "0", "ff": "0", "public": "1"},
        "dates": {"created_at": str(album.created_at), "comment_at": "0"},
        "count": {"docs": str(len(visible)), "visits": "0", "faves": "0", "comments": "0"},
        "can": {
            "fave": flag(viewer is not None and viewer != album.owner_id),
            "comment": "1",
            "add_doc": flag(viewer == album.owner_id),
        },
    }
    if album.cover_id is not None and album.cover_id in world.docs:
        cover = world.docs[album.cover_id]
        if world.visible(cover, viewer):
            t = thumb(root, cover, thumbsize)
            view["cover"] = {"doc_id": str(cover.doc_id), "w": t["w"], "h": t["h"], "url": t["url"]}
    if viewer == album.owner_id:
        view["permissions"] = {"comment": str(album.perm_comment)}
    return view


def user_view(world: World, root: str, user: User) -> JSON:
    return {
        "user_id": user.user_id,
        "is_pro": flag(user.is_pro),
        "is_online": "0",
        "is_closed": "0",
        "tmo": "0",
        "username": user.username,
        "realname": user.realname,
        "alias": user.alias,
        "icon": f"{root}_files/users/{user.user_id}.jpg",
        "link": f"{root}home/{user.alias}",
        "location": {"country": user.country, "town": user.town},
        "count": {
            "docs": str(len(world.user_public_docs[user.user_id])),
            "posts": "0",
            "network": "0",
        },
    }


def auth_view(world: World, token: Token, *, perms_key: str = "permissions") -> JSON:
    """The ``auth`` structure of ``auth.getToken`` / ``auth.checkToken``."""
    user = world.users[token.user_id]
    return {
        "token": token.token,
        perms_key: dict(token.permissions),
        "user": {"user_id": user.user_id, "username": user.username, "realname": user.realname},
    }


def page_of(total: int, page: int, per_page: int) -> JSON:
    """The pagination fields of a list (numbers, see module docstring)."""
    pages = (total + per_page - 1) // per_page
    return {"total": total, "page": page, "pages": pages, "per_page": per_page}


def newest_first(ids: Sequence[int], page: int, per_page: int) -> list[int]:
    """Page ``page`` of ascending ``ids`` read newest first, without copying the whole list."""
    end = len(ids) - (page - 1) * per_page
    if end <= 0:
        return []
    return list(reversed(ids[max(0, end - per_page) : end]))
