"""The API methods the emulator implements, one function per method, and the call they read.

Each method gets the :class:`~paysupport_ipernity.emulator.store.State` (lock already held)
and a checked :class:`Call`, and returns the JSON body without the ``api`` status (the app
adds it). Methods raise :class:`~paysupport_ipernity.emulator.errors.ApiError` with the
method-specific codes listed in :mod:`paysupport_ipernity.emulator.errors`. They are found
by name in :data:`HANDLERS`, which :func:`handles` fills: the methods here, the ``auth.*``
methods of :mod:`~paysupport_ipernity.emulator.auth` and the ``api.methods.*`` reflection of
:mod:`~paysupport_ipernity.emulator.documented` (the package imports all three).

Simplifications, on purpose: there is no family/friends graph (a document is visible to
everyone when public, otherwise only to its owner), albums are always public, and
``safesurf``/``share`` filters other than the privacy level are ignored.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from paysupport_ipernity.catalog import Method
from paysupport_ipernity.emulator.errors import (
    ACCESS_DENIED,
    BAD_VALUE,
    NOT_FOUND,
    PARAMETER_MISSING,
    ApiError,
)
from paysupport_ipernity.emulator.store import (
    Album,
    Doc,
    Original,
    State,
    Ticket,
    Token,
    User,
    format_created,
    media_for_extension,
)
from paysupport_ipernity.emulator.views import (
    DEFAULT_THUMB,
    JSON,
    album_view,
    doc_full,
    doc_share,
    doc_summary,
    newest_first,
    page_of,
    user_view,
)

__all__ = ["HANDLERS", "UPLOAD_ETA", "Call", "Handler", "handles", "split_keywords"]

# -- the checked call ------------------------------------------------------------------


@dataclass
class Call:
    """A checked call: api key, signature, token and permissions are already verified.

    ``root`` is the request's URL root (with the mount prefix and a trailing slash), from
    which every absolute URL in the answer is built.
    """

    method: Method
    params: dict[str, str]
    root: str
    now: float
    token: Token | None = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def viewer(self) -> str | None:
        """The calling user's id, if the call carries a token."""
        return self.token.user_id if self.token else None

    def text(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    def has(self, name: str) -> bool:
        return self.params.get(name, "") != ""

    def integer(self, name: str, default: int | None = None) -> int:
        """Parameter ``name`` as an int; error 3 if malformed, 103 if absent with no default."""
        raw = self.params.get(name, "").strip()
        if raw == "":
            if default is None:
                raise ApiError(PARAMETER_MISSING, f"Missing required parameter: {name}")
            return default
        try:
            return int(raw)
        except ValueError:
            raise ApiError(BAD_VALUE, f"Invalid value for {name}: {raw!r}") from None

    def number(self, name: str) -> float | None:
        raw = self.params.get(name, "").strip()
        if raw == "":
            return None
        try:
            return float(raw)
        except ValueError:
            raise ApiError(BAD_VALUE, f"Invalid value for {name}: {raw!r}") from None

    def id_list(self, name: str, limit: int) -> list[int]:
        """A comma separated list of numeric ids, at most ``limit`` of them."""
        raw = [part.strip() for part in self.params.get(name, "").split(",") if part.strip()]
        if not raw:
            raise ApiError(PARAMETER_MISSING, f"Missing required parameter: {name}")
        if len(raw) > limit:
            raise ApiError(BAD_VALUE, f"Too many values in {name} (maximum is {limit})")
        try:
            return [int(part) for part in raw]
        except ValueError:
            raise ApiError(BAD_VALUE, f"Invalid value for {name}") from None

    def extras(self) -> set[str]:
        return {e.strip().lower() for e in self.params.get("extra", "").split(",") if e.strip()}

    def paging(self, default: int, maximum: int = 100) -> tuple[int, int]:
        """``(page, per_page)``: 1-based page, per_page clamped to ``1..maximum``.

        Malformed values fall back to the defaults rather than failing the call.
        """
        try:
            page = max(1, int(self.params.get("page", "1") or "1"))
        except ValueError:
            page = 1
        raw = self.params.get("per_page") or self.params.get("count") or str(default)
        try:
            per_page = min(maximum, max(1, int(raw)))
        except ValueError:
            per_page = default
        return page, per_page


def split_keywords(raw: str) -> list[str]:
    """Keyword tags as Ipernity writes them: ``holidays,beach`` or ``"blue sky",sunset``."""
    rows = list(csv.reader([raw], skipinitialspace=True))
    return [k.strip() for k in (rows[0] if rows else []) if k.strip()]


# -- the methods -----------------------------------------------------------------------

Handler = Callable[[State, Call], JSON]
HANDLERS: dict[str, Handler] = {}

UPLOAD_ETA = 2  # seconds announced per pending poll of an upload ticket
_NOT_ECHOED = frozenset({"api_key", "api_sig", "auth_token", "api"})


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the answer to API method ``name``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


# -- lookups ---------------------------------------------------------------------------


def _doc(state: State, call: Call, name: str = "doc_id") -> Doc:
    doc = state.world.docs.get(call.integer(name))
    if doc is None or not state.world.visible(doc, call.viewer):
        raise ApiError(NOT_FOUND, "Document not found")
    return doc


def _own_doc(state: State, call: Call, name: str = "doc_id") -> Doc:
    doc = _doc(state, call, name)
    if doc.owner_id != call.viewer:
        raise ApiError(ACCESS_DENIED, "You do not own this document")
    return doc


def _album(state: State, call: Call) -> Album:
    album = state.world.albums.get(call.integer("album_id"))
    if album is None:
        raise ApiError(NOT_FOUND, "Album not found")
    return album


def _user(state: State, call: Call, name: str = "user_id") -> User:
    """The user named by ``name`` (id or alias), else the caller; error if neither."""
    if call.has(name):
        user = state.world.find_user(call.text(name))
        if user is None:
            raise ApiError(NOT_FOUND, "User not found")
        return user
    if call.viewer is None:
        raise ApiError(PARAMETER_MISSING, f"Missing required parameter: {name}")
    return state.world.users[call.viewer]


def _thumbsize(call: Call) -> str:
    return call.text("thumbsize", DEFAULT_THUMB) or DEFAULT_THUMB


def _doc_list(
    state: State, call: Call, ids: list[int], total: int, page: int, per_page: int
) -> JSON:
    world, size, extras = state.world, _thumbsize(call), call.extras()
    docs = [doc_summary(world, call.root, world.docs[i], size, extras) for i in ids]
    return {**page_of(total, page, per_page), "doc": docs}


def _filter_media(state: State, call: Call, ids: Iterable[int]) -> list[int] | None:
    """``ids`` restricted by ``media``/``share``, or ``None`` when no filter was given."""
    media = call.text("media").lower()
    share = call.text("share")
    if not media and not share:
        return None
    docs = state.world.docs
    return [
        i
        for i in ids
        if (not media or docs[i].media == media)
        and (not share or doc_share(docs[i], public=4) == share)
    ]


# -- test ------------------------------------------------------------------------------


@handles("test.echo")
def test_echo(state: State, call: Call) -> JSON:
    return {k: v for k, v in call.params.items() if k not in _NOT_ECHOED}


@handles("test.hello")
def test_hello(state: State, call: Call) -> JSON:
    return {"hello": "hello world!"}


# -- users -----------------------------------------------------------------------------


@handles("user.get")
def user_get(state: State, call: Call) -> JSON:
    return {"user": user_view(state.world, call.root, _user(state, call))}


# -- documents -------------------------------------------------------------------------


@handles("doc.get")
def doc_get(state: State, call: Call) -> JSON:
    doc = _doc(state, call)
    return {"doc": doc_full(state.world, call.root, doc, call.viewer, call.extras())}


@handles("doc.getList")
def doc_get_list(state: State, call: Call) -> JSON:
    user = _user(state, call)
    page, per_page = call.paging(default=20)
    ids = state.world.docs_of(user.user_id, call.viewer)
    filtered = _filter_media(state, call, ids)
    if filtered is not None:
        ids = filtered
    return {
        "docs": _doc_list(state, call, newest_first(ids, page, per_page), len(ids), page, per_page)
    }


_TERM = re.compile(r'([+-]?)(?:"([^"]*)"|(\S+))')


def _text_matcher(query: str) -> Callable[[Doc], int]:
    """Score documents against Ipernity's fulltext syntax (``+must -not "a phrase" any``).

    Returns a function giving ``-1`` for a document that must be left out, otherwise the
    number of optional terms it contains.
    """
    must: list[str] = []
    must_not: list[str] = []
    optional: list[str] = []
    for sign, phrase, word in _TERM.findall(query):
        term = (phrase or word).lower().strip()
        if term:
            {"+": must, "-": must_not}.get(sign, optional).append(term)

    def score(doc: Doc) -> int:
        haystack = " ".join([doc.title, doc.description, *doc.keywords]).lower()
        if any(t not in haystack for t in must) or any(t in haystack for t in must_not):
            return -1
        hits = sum(t in haystack for t in optional)
        return hits if hits or not optional else -1

    return score


@handles("doc.search")
def doc_search(state: State, call: Call) -> JSON:
    world = state.world
    page, per_page = call.paging(default=20)
    if call.has("album_id"):
        album = _album(state, call)
        base: list[int] = [d for d in album.doc_ids if world.visible(world.docs[d], call.viewer)]
    elif call.has("user_id"):
        base = world.docs_of(_user(state, call).user_id, call.viewer)
    else:
        base = world.public_docs
    sort = call.text("sort", "relevance")
    filters = [
        n
        for n in ("text", "tags", "license", "posted_min", "posted_max", "media", "share")
        if call.has(n)
    ]
    if not filters:
        ids = (
            list(base[(page - 1) * per_page : page * per_page])
            if sort.endswith("-asc")
            else newest_first(base, page, per_page)
        )
        return {"docs": _doc_list(state, call, ids, len(base), page, per_page)}

    docs = world.docs
    found = _filter_media(state, call, base)
    candidates = found if found is not None else base
    tags = {t.lower() for t in split_keywords(call.text("tags"))}
    licenses = {int(x) for x in call.text("license").split(",") if x.strip().isdigit()}
    posted_min = call.integer("posted_min", 0)
    posted_max = call.integer("posted_max", 2**63)
    scorer = _text_matcher(call.text("text")) if call.has("text") else None
    scored: list[tuple[int, int]] = []
    for doc_id in candidates:
        doc = docs[doc_id]
        if not posted_min <= doc.posted_at <= posted_max:
            continue
        if licenses and doc.license not in licenses:
            continue
        if tags and not tags & {k.lower() for k in doc.keywords}:
            continue
        score = scorer(doc) if scorer else 0
        if score >= 0:
            scored.append((score, doc_id))
    if sort.endswith("-asc"):
        scored.sort(key=lambda s: s[1])
    elif sort == "relevance" and scorer:
        scored.sort(key=lambda s: (-s[0], -s[1]))
    else:
        scored.sort(key=lambda s: -s[1])
    ids = [doc_id for _, doc_id in scored[(page - 1) * per_page : page * per_page]]
    return {"docs": _doc_list(state, call, ids, len(scored), page, per_page)}


@handles("doc.set")
def doc_set(state: State, call: Call) -> JSON:
    doc = _own_doc(state, call)
    if "title" in call.params:
        doc.title = call.text("title")
    if "description" in call.params:
        doc.description = call.text("description")
    if call.has("license"):
        doc.license = call.integer("license")
    if call.has("safety"):
        safety = call.integer("safety")
        if safety not in (1, 2, 3):
            raise ApiError(BAD_VALUE, "Invalid value for safety (1, 2 or 3)")
        doc.safety = safety
    doc.modified_at = int(call.now)
    return {
        "doc": {
            "doc_id": str(doc.doc_id),
            "title": doc.title,
            "share": doc_share(doc, public=4),
            "description": doc.description,
        }
    }


@handles("doc.delete")
def doc_delete(state: State, call: Call) -> JSON:
    doc = _own_doc(state, call)
    state.world.delete_doc(doc.doc_id)
    return {}


@handles("doc.tags.add")
def doc_tags_add(state: State, call: Call) -> JSON:
    doc = _doc(state, call)
    if not call.has("keywords") and not call.has("members"):
        raise ApiError(BAD_VALUE, "At least one of keywords or members is required")
    user_id = call.viewer or doc.owner_id
    added: list[JSON] = []
    dropped = 0
    for keyword in split_keywords(call.text("keywords")):
        tag = state.world.add_keyword_tag(doc, user_id, keyword)
        if tag is None:
            dropped += 1
        else:
            added.append(
                {"type": "keyword", "id": str(tag.tag_id), "user_id": user_id, "tag": tag.keyword}
            )
    for ident in (m.strip() for m in call.text("members").split(",") if m.strip()):
        member = state.world.find_user(ident)
        tag = state.world.add_member_tag(doc, user_id, member) if member else None
        if tag is None:
            dropped += 1
        else:
            added.append(
                {"type": "member", "id": str(tag.tag_id), "user_id": user_id, "tag": tag.title}
            )
    if added:
        doc.modified_at = int(call.now)
    return {"tags": {"added": str(len(added)), "dropped": str(dropped), "tag": added}}


# -- albums ----------------------------------------------------------------------------


@handles("album.get")
def album_get(state: State, call: Call) -> JSON:
    album = _album(state, call)
    size = _thumbsize(call)
    return {
        "album": {**album_view(state.world, call.root, album, call.viewer, size), "thumbsize": size}
    }


@handles("album.getList")
def album_get_list(state: State, call: Call) -> JSON:
    world = state.world
    user = _user(state, call)
    page, per_page = call.paging(default=100)
    size = _thumbsize(call)
    ids = world.user_albums[user.user_id]
    if call.text("empty") != "1":
        ids = [
            a
            for a in ids
            if any(world.visible(world.docs[d], call.viewer) for d in world.albums[a].doc_ids)
        ]
    chosen = ids[(page - 1) * per_page : page * per_page]
    albums = [album_view(world, call.root, world.albums[a], call.viewer, size) for a in chosen]
    return {
        "albums": {
            **page_of(len(ids), page, per_page),
            "count": str(len(albums)),
            "thumbsize": size,
            "can": {"create": "1" if call.viewer == user.user_id else "0"},
            "album": albums,
        }
    }


@handles("album.create")
def album_create(state: State, call: Call) -> JSON:
    assert call.viewer is not None
    title = call.text("title").strip()
    if not title:
        raise ApiError(BAD_VALUE, "The album title cannot be empty")
    perm_comment = call.integer("perm_comment", 3)
    if not 0 <= perm_comment <= 5:
        raise ApiError(BAD_VALUE, "Invalid value for perm_comment (0 to 5)")
    cover = _own_doc(state, call, "cover_id") if call.has("cover_id") else None
    album = state.world.create_album(
        call.viewer, title=title, description=call.text("description"), created_at=int(call.now)
    )
    album.perm_comment = perm_comment
    if cover is not None:
        state.world.add_to_album(album, cover.doc_id)
    return {"album": album_view(state.world, call.root, album, call.viewer)}


@handles("album.docs.getList")
def album_docs_get_list(state: State, call: Call) -> JSON:
    world = state.world
    album = _album(state, call)
    page, per_page = call.paging(default=20)
    ids = [d for d in album.doc_ids if world.visible(world.docs[d], call.viewer)]
    filtered = _filter_media(state, call, ids)
    if filtered is not None:
        ids = filtered
    chosen = ids[(page - 1) * per_page : page * per_page]
    view = album_view(world, call.root, album, call.viewer, _thumbsize(call))
    answer: JSON = {
        "album_id": str(album.album_id),
        "docs": _doc_list(state, call, chosen, len(ids), page, per_page),
    }
    if "cover" in view:
        answer["cover"] = view["cover"]
    return {"album": answer}


@handles("album.docs.add")
def album_docs_add(state: State, call: Call) -> JSON:
    album = _album(state, call)
    if album.owner_id != call.viewer:
        raise ApiError(ACCESS_DENIED, "You do not own this album")
    results: list[JSON] = []
    for doc_id in call.id_list("doc_id", limit=20):
        doc = state.world.docs.get(doc_id)
        if doc is None or doc.owner_id != call.viewer:
            # error="1" is Ipernity's "too many albums"; "2" is the emulator's "not yours".
            results.append({"doc_id": str(doc_id), "added": "0", "error": "2"})
            continue
        added = state.world.add_to_album(album, doc_id)
        results.append({"doc_id": str(doc_id), "added": "1" if added else "0", "error": "0"})
    added_count = sum(r["added"] == "1" for r in results)
    return {
        "album": {
            "album_id": str(album.album_id),
            "total": str(len(album.doc_ids)),
            "added": str(added_count),
            "skipped": str(len(results) - added_count),
            "doc": results,
        }
    }


# -- faves -----------------------------------------------------------------------------


@handles("faves.docs.add")
def faves_docs_add(state: State, call: Call) -> JSON:
    assert call.viewer is not None
    if not call.has("doc_id"):
        raise ApiError(NOT_FOUND, "Document not found")
    doc = _doc(state, call)
    state.world.add_fave(call.viewer, doc.doc_id, int(call.now))
    return {}


@handles("faves.docs.getList")
def faves_docs_get_list(state: State, call: Call) -> JSON:
    world = state.world
    user = _user(state, call)
    owner = _user(state, call, "owner_id").user_id if call.has("owner_id") else None
    page, per_page = call.paging(default=20)
    ids = [
        d
        for d in reversed(world.faves[user.user_id])
        if world.visible(world.docs[d], call.viewer)
        and (world.docs[d].owner_id == owner if owner else world.docs[d].owner_id != user.user_id)
    ]
    listing = _doc_list(
        state, call, ids[(page - 1) * per_page : page * per_page], len(ids), page, per_page
    )
    for doc in listing["doc"]:
        doc.update({"isfamily": "0", "isfriend": "0", "iscontact": "0"})
    return {"docs": listing}


# -- uploads ---------------------------------------------------------------------------


def _upload(call: Call) -> tuple[str, bytes]:
    if "file" in call.files:
        return call.files["file"]
    if "file" in call.params:  # a url-encoded post, as the catalog describes
        return "upload.bin", call.params["file"].encode("utf-8")
    raise ApiError(PARAMETER_MISSING, "Missing required parameter: file")


@handles("upload.file")
def upload_file(state: State, call: Call) -> JSON:
    assert call.viewer is not None
    filename, content = _upload(call)
    if call.has("album_id"):
        album = _album(state, call)
        if album.owner_id != call.viewer:
            raise ApiError(ACCESS_DENIED, "You do not own this album")
    for name in ("license", "safety", "is_public", "is_family", "is_friend"):
        call.integer(name, 0)  # validate now: processing happens later and cannot fail
    for name in ("lat", "lng"):
        call.number(name)
    params = {k: v for k, v in call.params.items() if k != "file"}
    ticket = state.new_ticket(call.viewer, params, filename, content)
    return {"ticket": ticket.ticket}


@handles("upload.replace")
def upload_replace(state: State, call: Call) -> JSON:
    assert call.viewer is not None
    filename, content = _upload(call)
    if not call.has("doc_id"):
        raise ApiError(NOT_FOUND, "Document not found")
    doc = _own_doc(state, call)
    ticket = state.new_ticket(call.viewer, {}, filename, content, replace_doc_id=doc.doc_id)
    return {"ticket": ticket.ticket}


def _original(filename: str, content: bytes) -> Original:
    ext = os.path.splitext(filename)[1].lstrip(".").lower() or "bin"
    return Original(
        filename=filename,
        ext=ext,
        size=len(content),
        md5=hashlib.md5(content).hexdigest(),
        content=content,
    )


def _process(state: State, ticket: Ticket, now: int) -> None:
    """Finish an upload: create (or replace the file of) the document."""
    world = state.world
    original = _original(ticket.filename, ticket.content)
    if ticket.replace_doc_id is not None:
        doc = world.docs.get(ticket.replace_doc_id)
        if doc is None:
            ticket.invalid = True
            return
        doc.original, doc.replaced_at, doc.modified_at = original, now, now
        doc.media = media_for_extension(original.ext)
        ticket.doc_id = doc.doc_id
        return
    p = ticket.params
    lat = float(p["lat"]) if p.get("lat") else None
    lng = float(p["lng"]) if p.get("lng") else None
    if lat == -999 or lng == -999:
        lat = lng = None
    doc = Doc(
        doc_id=world.new_doc_id(),
        owner_id=ticket.user_id,
        title=p.get("title") or os.path.splitext(ticket.filename)[0],
        description=p.get("description", ""),
        media=media_for_extension(original.ext),
        license=int(p.get("license") or 0),
        safety=int(p.get("safety") or 1),
        is_public=p.get("is_public", "1") != "0",
        is_friend=p.get("is_friend", "0") == "1",
        is_family=p.get("is_family", "0") == "1",
        posted_at=now,
        created=p.get("created_at") or format_created(now),
        modified_at=now,
        original=original,
        lat=lat,
        lng=lng,
    )
    for keyword in split_keywords(p.get("keywords", "")):
        world.add_keyword_tag(doc, ticket.user_id, keyword)
    for ident in (m.strip() for m in p.get("member_ids", "").split(",") if m.strip()):
        member = world.find_user(ident)
        if member is not None:
            world.add_member_tag(doc, ticket.user_id, member)
    world.add_doc(doc)
    album_id = p.get("album_id", "")
    album = world.albums.get(int(album_id)) if album_id.isdigit() else None
    if album is not None and album.owner_id == ticket.user_id:
        world.add_to_album(album, doc.doc_id)
    ticket.doc_id = doc.doc_id


@handles("upload.checkTickets")
def upload_check_tickets(state: State, call: Call) -> JSON:
    names = [t.strip() for t in call.text("tickets").split(",") if t.strip()]
    if len(names) > 50:
        raise ApiError(BAD_VALUE, "Too many tickets (maximum is 50)")
    now = int(call.now)
    rows: list[dict[str, Any]] = []
    for name in names:
        ticket = state.tickets.get(name)
        if ticket is None or ticket.user_id != call.viewer or ticket.invalid:
            rows.append({"id": name, "done": "0", "invalid": "1", "eta": "0"})
            continue
        if ticket.doc_id is None and ticket.polls_left > 0:
            eta = ticket.polls_left * UPLOAD_ETA
            ticket.polls_left -= 1
            rows.append({"id": name, "done": "0", "invalid": "0", "eta": str(eta)})
            continue
        if ticket.doc_id is None:
            _process(state, ticket, now)
        if ticket.invalid:
            rows.append({"id": name, "done": "0", "invalid": "1", "eta": "0"})
        else:
            rows.append(
                {"id": name, "done": "1", "invalid": "0", "doc_id": str(ticket.doc_id), "eta": "0"}
            )
    done = sum(r["done"] == "1" for r in rows)
    invalid = sum(r["invalid"] == "1" for r in rows)
    return {
        "tickets": {
            "count": str(len(rows)),
            "done": str(done),
            "invalid": str(invalid),
            "left": str(len(rows) - done - invalid),
            "eta": str(max((int(r["eta"]) for r in rows), default=0)),
            "ticket": rows,
        }
    }
