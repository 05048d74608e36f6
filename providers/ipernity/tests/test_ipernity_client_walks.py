"""Walks hide Ipernity's pages: every item once, in order, with prefetch when asked.

Counts are checked against the emulator's own records, so a walk that skips or repeats a
page fails.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ipernity_helpers import Requests, Served, client_for
from paysupport_ipernity import Album, Doc, IpernityClient, element_path
from paysupport_ipernity.walks import read_list

from paysupport.cli import to_row
from paysupport.emulation import EmulatorSettings
from paysupport.errors import InvalidRequest, ResponseFormatError, Unsupported

SUPERMAN = "1001"


def test_walk_docs_lists_every_own_document_once(client: IpernityClient, served: Served) -> None:
    expected = [str(d) for d in reversed(served.emulator.state.world.user_docs[SUPERMAN])]
    requests = Requests(client)
    walk = client.walk_docs(per_page=7)
    assert walk.total == len(expected)  # reads the first page, which the walk then reuses
    docs = list(walk)
    assert [d.id for d in docs] == expected  # newest first, private ones included
    assert requests.count == -(-len(expected) // 7) + 1  # pages, plus checkToken for user_id
    assert all(isinstance(d, Doc) and d.owner_id == SUPERMAN for d in docs)


def test_prefetching_keeps_the_order(client: IpernityClient) -> None:
    sequential = [d.id for d in client.walk_doc_search(per_page=9)]
    prefetched = [d.id for d in client.walk_doc_search(per_page=9, max_workers=4)]
    assert prefetched == sequential
    assert len(set(sequential)) == len(sequential) > 100


def test_walk_doc_search_filters(client: IpernityClient, served: Served) -> None:
    world = served.emulator.state.world
    found = list(client.walk_doc_search(tags="beach", media="photo", per_page=10))
    expected = {
        str(d)
        for d in world.public_docs
        if "beach" in [k.lower() for k in world.docs[d].keywords] and world.docs[d].media == "photo"
    }
    assert {d.id for d in found} == expected and expected


def test_walk_albums_and_album_docs(client: IpernityClient, served: Served) -> None:
    world = served.emulator.state.world
    albums = list(client.walk("albums", user_id=SUPERMAN, per_page=1))
    assert all(isinstance(a, Album) for a in albums)
    own = [str(a) for a in world.user_albums[SUPERMAN] if world.albums[a].doc_ids]
    assert [a.id for a in albums] == own
    album = max(world.albums.values(), key=lambda a: len(a.doc_ids))
    docs = list(client.walk("album_docs", album_id=album.album_id, per_page=4, max_workers=2))
    visible = [str(d) for d in album.doc_ids if world.visible(world.docs[d], SUPERMAN)]
    assert [d.id for d in docs] == visible
    assert albums[0].doc_count == len(world.albums[int(albums[0].id)].doc_ids)


def test_walk_data_guesses_or_follows_the_element_path(client: IpernityClient) -> None:
    albums = client.walk_data("album.getList", user_id=SUPERMAN)
    assert all("album_id" in a for a in albums)
    faves = list(client.walk_data("faves.docs.getList", "docs.doc", user_id=SUPERMAN))
    assert faves and all("doc_id" in d for d in faves)
    assert element_path("album.getList") == ("albums", "album")
    assert element_path("doc.search") == ("docs", "doc")
    assert element_path("album.docs.getList", "album.docs.doc") == ("album", "docs", "doc")
    assert element_path("faves.docs.getList", "doc") == ("docs", "doc")


def test_bad_walks_fail_before_any_request(client: IpernityClient) -> None:
    requests = Requests(client)
    with pytest.raises(InvalidRequest, match="cannot guess"):
        client.walk_data("faves.docs.getList", user_id=SUPERMAN)
    with pytest.raises(InvalidRequest, match="album_id"):
        client.walk("album_docs")
    with pytest.raises(Unsupported, match="no collection 'members'"):
        client.walk("members")
    with pytest.raises(InvalidRequest, match="empty part"):
        client.walk_data("album.getList", "albums..album")
    assert requests.count == 0


def test_a_walk_resumes_from_its_cursor(client: IpernityClient) -> None:
    everything = [d.id for d in client.walk_doc_search(per_page=10)]
    first = client.walk_doc_search(per_page=10)
    pages = first.pages()
    next(pages)
    next(pages)
    assert first.cursor == 2  # page 1 is done; page 2 was handed out, maybe not read
    rest = [d.id for d in client.walk_doc_search(per_page=10, page=first.cursor)]
    assert rest == everything[10:]


def test_rows_for_the_command_line(client: IpernityClient) -> None:
    doc = client.walk_docs().first(1)[0]  # dates and links are asked for by default
    row = to_row(doc)
    assert row["doc_id"] == doc.id and row["title"] == doc.title
    assert row["owner_id"] == SUPERMAN and row["link"] and row["posted_at"]
    album_row = to_row(client.walk_albums().first(1)[0])
    assert {"album_id", "title", "docs"} <= set(album_row)


def test_an_empty_list_is_one_page(serve: Callable[..., Served]) -> None:
    served = serve(EmulatorSettings(sizes={"docs": 0, "albums": 0}))
    client = client_for(served)
    walk = client.walk_doc_search()
    assert list(walk) == [] and walk.total == 0
    client.close()


# -- list answers in the shapes Ipernity's XML heritage allows ------------------------


def test_read_list_accepts_strings_single_objects_and_missing_pages() -> None:
    body = {"albums": {"total": "17", "per_page": "2", "page": "3", "album": {"album_id": "9"}}}
    items, info = read_list(body, ("albums", "album"), "album.getList", 3)
    assert items == [{"album_id": "9"}]
    assert (info.total, info.pages, info.page, info.per_page) == (17, 9, 3, 2)
    empty, info = read_list({"docs": {"total": 0}}, ("docs", "doc"), "doc.search", 1)
    assert empty == [] and info.total == 0


@pytest.mark.parametrize(
    "body",
    [
        {"api": {"status": "ok"}},
        {"docs": []},
        {"docs": {"doc": "text"}},
        {"docs": {"doc": [1, 2]}},
        {"docs": {"doc": [], "total": "many"}},
    ],
)
def test_read_list_refuses_malformed_lists(body: dict[str, object]) -> None:
    with pytest.raises(ResponseFormatError):
        read_list(body, ("docs", "doc"), "doc.search", 1)


def test_records_without_an_id_are_refused() -> None:
    with pytest.raises(ResponseFormatError, match="no doc_id"):
        Doc.from_record({"title": "nameless"})
