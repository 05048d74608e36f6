"""The emulated methods answer with the shapes of the catalog's examples."""

from __future__ import annotations

import pytest
from ipernity_helpers import Api, Consent, Served
from paysupport_ipernity.emulator import create_emulator

from paysupport.emulation import EmulatorSettings

OWNER = "1001"  # the pre-issued token's user


def _first_doc(api: Api, user_id: str, **params: str) -> dict[str, object]:
    docs = api.ok("doc.getList", user_id=user_id, **params)["docs"]["doc"]
    assert docs
    doc: dict[str, object] = docs[0]
    return doc


def test_test_methods(api: Api) -> None:
    assert api.ok("test.hello", signed=False, token=False)["hello"] == "hello world!"
    echoed = api.ok("test.echo", token=False, echo="yes, it worked", extra_param="é")
    assert echoed["echo"] == "yes, it worked" and echoed["extra_param"] == "é"
    assert "api_key" not in echoed and "api_sig" not in echoed


def test_user_get_by_id_or_alias(api: Api) -> None:
    user = api.ok("user.get", token=False, user_id="1002")["user"]
    assert user["username"] == "Christophe" and user["alias"] == "christophe"
    assert api.ok("user.get", token=False, user_id="christophe")["user"]["user_id"] == "1002"
    assert user["link"].startswith(api.base_url + "/home/")
    assert api.error("user.get", token=False, user_id="nobody") == 1


def test_doc_get(api: Api) -> None:
    summary = _first_doc(api, "1002")
    doc = api.ok("doc.get", doc_id=str(summary["doc_id"]), extra="tags,geo,md5")["doc"]
    assert doc["doc_id"] == summary["doc_id"]
    assert doc["owner"]["user_id"] == "1002"
    assert doc["visibility"]["share"] == "5" and doc["visibility"]["ispublic"] == "1"
    assert doc["link"] == f"{api.base_url}/doc/christophe/{doc['doc_id']}"
    assert isinstance(doc["thumbs"]["thumb"], list)
    assert int(doc["tags"]["total"]) == len(doc["tags"]["tag"])
    assert len(doc["md5"]) == 32
    assert api.error("doc.get", doc_id="1") == 1


def test_private_documents_are_only_seen_by_their_owner(served: Served, consent: Consent) -> None:
    world = served.emulator.state.world
    private = next(d for d in world.docs.values() if not d.is_public)
    owner_token = consent.token(user_id=private.owner_id, doc="read")
    stranger = next(u for u in world.users if u != private.owner_id)
    stranger_token = consent.token(user_id=stranger, doc="read")
    api = served.api
    assert api.with_token(owner_token).ok("doc.get", doc_id=str(private.doc_id))
    assert api.with_token(stranger_token).error("doc.get", doc_id=str(private.doc_id)) == 1
    assert api.with_token(None).error("doc.get", doc_id=str(private.doc_id)) == 1
    owner_total = api.with_token(owner_token).ok("doc.getList", user_id=private.owner_id)
    public_total = api.with_token(None).ok("doc.getList", user_id=private.owner_id)
    assert owner_total["docs"]["total"] > public_total["docs"]["total"]


def test_doc_get_list_is_newest_first_and_filters_media(api: Api) -> None:
    docs = api.ok("doc.getList", user_id=OWNER, per_page="50")["docs"]
    ids = [int(d["doc_id"]) for d in docs["doc"]]
    assert ids == sorted(ids, reverse=True)
    assert all(d["owner"]["user_id"] == OWNER for d in docs["doc"])
    videos = api.ok("doc.getList", user_id=OWNER, media="video", per_page="100")["docs"]
    assert videos["total"] < docs["total"] and all(d["media"] == "video" for d in videos["doc"])
    assert api.error("doc.getList", user_id="nobody") == 1


def test_doc_search(api: Api) -> None:
    everyone = api.ok("doc.search", token=False)["docs"]
    assert everyone["per_page"] == 20 and len(everyone["doc"]) == 20
    mine = api.ok("doc.search", user_id="1002", per_page="5")["docs"]
    assert all(d["owner"]["user_id"] == "1002" for d in mine["doc"])
    tagged = api.ok("doc.search", tags="sunset", per_page="100", extra="owner")["docs"]
    assert tagged["total"] > 0
    for d in tagged["doc"]:
        keywords = api.ok("doc.get", doc_id=d["doc_id"], extra="tags")["doc"]["tags"]["tag"]
        assert "sunset" in [t.get("keyword") for t in keywords]
        assert d["owner"]["username"]
    text = api.ok("doc.search", text="+harbour -blue", per_page="100")["docs"]
    assert text["total"] > 0
    for d in text["doc"]:
        assert "harbour" in d["title"].lower() and "blue" not in d["title"].lower()
    asc = api.ok("doc.search", sort="posted-asc", per_page="3")["docs"]["doc"]
    assert [int(d["doc_id"]) for d in asc] == sorted(int(d["doc_id"]) for d in asc)
    album_id = api.ok("album.getList", user_id=OWNER)["albums"]["album"][0]["album_id"]
    in_album = api.ok("doc.search", album_id=album_id, per_page="100")["docs"]
    assert in_album["total"] == int(
        api.ok("album.get", album_id=album_id)["album"]["count"]["docs"]
    )


def test_doc_set(api: Api) -> None:
    doc_id = str(_first_doc(api, OWNER)["doc_id"])
    edited = api.ok(
        "doc.set", post=True, doc_id=doc_id, title="Nouveau titre", description="Très bien"
    )["doc"]
    assert edited == {
        "doc_id": doc_id,
        "title": "Nouveau titre",
        "share": edited["share"],
        "description": "Très bien",
    }
    assert api.ok("doc.get", doc_id=doc_id)["doc"]["title"] == "Nouveau titre"
    others = str(_first_doc(api, "1002")["doc_id"])
    assert api.error("doc.set", post=True, doc_id=others, title="x") == 2


def test_doc_delete_removes_it_everywhere(api: Api) -> None:
    album = api.ok("album.create", post=True, title="Doomed")["album"]
    doc_id = str(_first_doc(api, OWNER)["doc_id"])
    api.ok("album.docs.add", post=True, album_id=album["album_id"], doc_id=doc_id)
    api.ok("doc.delete", post=True, doc_id=doc_id)
    assert api.error("doc.get", doc_id=doc_id) == 1
    listed = api.ok("album.docs.getList", album_id=album["album_id"])["album"]["docs"]
    assert listed["total"] == 0
    assert api.error("doc.delete", post=True, doc_id=doc_id) == 1
    others = str(_first_doc(api, "1002")["doc_id"])
    assert api.error("doc.delete", post=True, doc_id=others) == 2


def test_doc_tags_add(api: Api) -> None:
    doc_id = str(_first_doc(api, OWNER)["doc_id"])
    tags = api.ok(
        "doc.tags.add", post=True, doc_id=doc_id, keywords='"blue whale",zzz-new', members="ada"
    )["tags"]
    assert tags["added"] == "3" and tags["dropped"] == "0"
    assert [(t["type"], t["tag"]) for t in tags["tag"]] == [
        ("keyword", "blue whale"),
        ("keyword", "zzz-new"),
        ("member", "Ada"),
    ]
    again = api.ok("doc.tags.add", post=True, doc_id=doc_id, keywords="zzz-new")["tags"]
    assert (again["added"], again["dropped"]) == ("0", "1")
    assert api.error("doc.tags.add", post=True, doc_id=doc_id) == 3
    found = api.ok("doc.search", tags="blue whale")["docs"]["doc"]
    assert doc_id in [d["doc_id"] for d in found]


def test_album_get_and_get_list(api: Api) -> None:
    albums = api.ok("album.getList", user_id=OWNER)["albums"]
    assert albums["page"] == 1 and albums["per_page"] == 100 and albums["can"]["create"] == "1"
    assert albums["total"] == len(albums["album"]) > 0
    first = albums["album"][0]
    album = api.ok("album.get", album_id=first["album_id"], thumbsize="240")["album"]
    assert album["title"] == first["title"] and album["thumbsize"] == "240"
    assert album["link"].startswith(api.base_url + "/doc/superman/album/")
    assert album["permissions"] == {"comment": "3"}  # shown to the owner only
    assert (
        "permissions"
        not in api.with_token(None).ok("album.get", album_id=first["album_id"])["album"]
    )
    assert api.error("album.get", album_id="1") == 1
    assert api.with_token(None).error("album.getList") == 103  # no user_id, no caller


def test_album_create_and_docs(api: Api) -> None:
    doc_ids = [
        d["doc_id"] for d in api.ok("doc.getList", user_id=OWNER, per_page="3")["docs"]["doc"]
    ]
    created = api.ok(
        "album.create", post=True, title="Holidays", description="Sea", cover_id=doc_ids[0]
    )["album"]
    assert created["title"] == "Holidays" and created["cover"]["doc_id"] == doc_ids[0]
    album_id = created["album_id"]
    others = str(_first_doc(api, "1002")["doc_id"])
    added = api.ok(
        "album.docs.add", post=True, album_id=album_id, doc_id=",".join([*doc_ids, others])
    )["album"]
    assert (added["total"], added["added"], added["skipped"]) == ("3", "2", "2")
    assert [(d["doc_id"], d["added"], d["error"]) for d in added["doc"]] == [
        (doc_ids[0], "0", "0"),
        (doc_ids[1], "1", "0"),
        (doc_ids[2], "1", "0"),
        (others, "0", "2"),
    ]
    listed = api.ok("album.docs.getList", album_id=album_id, per_page="2")["album"]
    assert listed["album_id"] == album_id and listed["cover"]["doc_id"] == doc_ids[0]
    assert listed["docs"]["total"] == 3 and listed["docs"]["pages"] == 2
    assert [d["doc_id"] for d in listed["docs"]["doc"]] == doc_ids[:2]
    assert (
        api.error("album.docs.add", post=True, album_id=album_id, doc_id=",".join(["1"] * 21)) == 3
    )
    assert api.error("album.create", post=True, title="x", perm_comment="9") == 3


def test_empty_albums_are_listed_on_request(api: Api) -> None:
    album_id = api.ok("album.create", post=True, title="Empty")["album"]["album_id"]
    listed = api.ok("album.getList")["albums"]["album"]
    assert album_id not in [a["album_id"] for a in listed]
    with_empty = api.ok("album.getList", empty="1")["albums"]["album"]
    assert album_id in [a["album_id"] for a in with_empty]


def test_someone_elses_album_cannot_be_filled(api: Api) -> None:
    theirs = api.ok("album.getList", user_id="1002", empty="1")["albums"]["album"]
    if not theirs:
        pytest.skip("seed gives user 1002 no album")
    doc_id = str(_first_doc(api, OWNER)["doc_id"])
    assert (
        api.error("album.docs.add", post=True, album_id=theirs[0]["album_id"], doc_id=doc_id) == 2
    )


def test_faves(api: Api) -> None:
    before = api.ok("faves.docs.getList", user_id=OWNER, per_page="100")["docs"]
    doc_id = str(_first_doc(api, "1003")["doc_id"])
    api.ok("faves.docs.add", post=True, doc_id=doc_id)
    api.ok("faves.docs.add", post=True, doc_id=doc_id)  # twice is harmless
    after = api.ok("faves.docs.getList", user_id=OWNER, per_page="100")["docs"]
    assert after["total"] == before["total"] + 1
    assert after["doc"][0]["doc_id"] == doc_id  # most recent first
    assert {"isfamily", "isfriend", "iscontact"} <= set(after["doc"][0])
    from_ada = api.ok("faves.docs.getList", user_id=OWNER, owner_id="1003")["docs"]["doc"]
    assert from_ada and all(d["owner"]["user_id"] == "1003" for d in from_ada)
    assert api.ok("doc.get", doc_id=doc_id)["doc"]["you"]["isfave"] == "1"
    assert api.error("faves.docs.add", post=True, doc_id="1") == 1
    assert api.error("faves.docs.add", post=True) == 1


def test_own_faves_only_with_owner_id(api: Api) -> None:
    own = str(_first_doc(api, OWNER)["doc_id"])
    api.ok("faves.docs.add", post=True, doc_id=own)
    default = api.ok("faves.docs.getList", user_id=OWNER, per_page="100")["docs"]["doc"]
    assert own not in [d["doc_id"] for d in default]
    mine = api.ok("faves.docs.getList", user_id=OWNER, owner_id=OWNER)["docs"]["doc"]
    assert [d["doc_id"] for d in mine] == [own]


def test_seeded_worlds_are_deterministic() -> None:
    def snapshot(seed: int) -> list[tuple[int, str, str]]:
        world = create_emulator(EmulatorSettings(seed=seed)).state.world
        return [(d.doc_id, d.owner_id, d.title) for d in world.docs.values()]

    assert snapshot(7) == snapshot(7)
    assert snapshot(7) != snapshot(8)
    sizes = {"users": 3, "docs": 42, "albums": 4}
    counts = create_emulator(EmulatorSettings(sizes=sizes)).admin_state()["counts"]
    assert (counts["users"], counts["docs"], counts["albums"]) == (3, 42, 4)
