"""Uploads: multipart ``upload.file`` returns a ticket; ``upload.checkTickets`` polls it."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import requests
from ipernity_helpers import Api, Consent, Served
from paysupport_ipernity.signing import sign

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _upload(api: Api, content: bytes = PNG, name: str = "beach.png", **params: str) -> str:
    body = api.ok("upload.file", files={"file": (name, content, "image/png")}, **params)
    ticket: str = body["ticket"]
    return ticket


def test_upload_then_poll_until_done(api: Api) -> None:
    ticket = _upload(api, title="At the beach", keywords='sea,"blue sky"', is_public="0")
    first = api.ok("upload.checkTickets", tickets=ticket)["tickets"]
    assert first["ticket"] == [{"id": ticket, "done": "0", "invalid": "0", "eta": first["eta"]}]
    assert int(first["eta"]) > 0 and (first["done"], first["left"]) == ("0", "1")

    second = api.ok("upload.checkTickets", tickets=ticket)["tickets"]
    (row,) = second["ticket"]
    assert (row["done"], row["invalid"], row["eta"]) == ("1", "0", "0")
    doc = api.ok("doc.get", doc_id=row["doc_id"], extra="tags,md5")["doc"]
    assert doc["title"] == "At the beach" and doc["media"] == "photo"
    assert doc["visibility"]["ispublic"] == "0"
    assert doc["md5"] == hashlib.md5(PNG).hexdigest()
    assert doc["original"]["bytes"] == str(len(PNG)) and doc["original"]["filename"] == "beach.png"
    assert [t["keyword"] for t in doc["tags"]["tag"]] == ["sea", "blue sky"]
    assert requests.get(doc["original"]["url"], timeout=10).content == PNG
    # Done tickets stay done.
    assert (
        api.ok("upload.checkTickets", tickets=ticket)["tickets"]["ticket"][0]["doc_id"]
        == (row["doc_id"])
    )


def test_the_file_is_not_signed(api: Api) -> None:
    params = {"api_key": api.api_key, "auth_token": api.token or "", "title": "t"}
    params["api_sig"] = sign(params, api.api_secret, "upload.file")
    files = {"file": ("a.jpg", b"jpeg bytes", "image/jpeg")}
    response = requests.post(
        f"{api.base_url}/api/upload.file/json", data=params, files=files, timeout=10
    )
    assert response.json()["api"]["status"] == "ok"


def test_upload_rules(api: Api, consent: Consent) -> None:
    assert api.error("upload.file", post=True, title="no file") == 103
    reader = api.with_token(consent.token(doc="read"))
    files = {"file": ("a.jpg", b"x", "image/jpeg")}
    assert reader.error("upload.file", files=files) == 108
    assert api.error("upload.file", signed=False, files=files) == 104


def test_unknown_and_foreign_tickets_are_invalid(served: Served, consent: Consent) -> None:
    api = served.api
    mine = _upload(api)
    other = api.with_token(consent.token(user_id="1002", doc="write"))
    report = other.ok("upload.checkTickets", tickets=f"{mine},999")["tickets"]
    assert [(t["id"], t["invalid"]) for t in report["ticket"]] == [(mine, "1"), ("999", "1")]
    assert (report["count"], report["invalid"], report["left"]) == ("2", "2", "0")
    assert api.error("upload.checkTickets", tickets=",".join(["1"] * 51)) == 3


def test_several_tickets_and_no_delay(serve: object) -> None:
    served = serve(upload_polls=0)  # type: ignore[operator]
    api = served.api
    tickets = [_upload(api, name=f"{n}.mp3") for n in range(3)]
    report = api.ok("upload.checkTickets", tickets=",".join(tickets))["tickets"]
    assert (report["count"], report["done"], report["left"]) == ("3", "3", "0")
    doc_ids = [t["doc_id"] for t in report["ticket"]]
    assert len(set(doc_ids)) == 3
    assert api.ok("doc.get", doc_id=doc_ids[0])["doc"]["media"] == "audio"


def test_uploads_join_an_album(api: Api) -> None:
    album_id = api.ok("album.create", post=True, title="Uploads")["album"]["album_id"]
    ticket = _upload(api, album_id=album_id)
    api.ok("upload.checkTickets", tickets=ticket)
    doc_id = api.ok("upload.checkTickets", tickets=ticket)["tickets"]["ticket"][0]["doc_id"]
    docs = api.ok("album.docs.getList", album_id=album_id)["album"]["docs"]["doc"]
    assert [d["doc_id"] for d in docs] == [doc_id]


def test_replace_keeps_the_document(api: Api) -> None:
    doc_id = api.ok("doc.getList", user_id="1001", per_page="1")["docs"]["doc"][0]["doc_id"]
    new = b"replacement content"
    ticket = api.ok(
        "upload.replace", files={"file": ("new.jpg", new, "image/jpeg")}, doc_id=doc_id
    )["ticket"]
    assert ticket.endswith(f"-{doc_id}")
    api.ok("upload.checkTickets", tickets=ticket)
    (row,) = api.ok("upload.checkTickets", tickets=ticket)["tickets"]["ticket"]
    assert row["doc_id"] == doc_id
    doc = api.ok("doc.get", doc_id=doc_id, extra="md5")["doc"]
    assert doc["md5"] == hashlib.md5(new).hexdigest()
    assert doc["dates"]["replaced_at"] != "0"


def test_admin_state_shows_uploads(served: Served) -> None:
    ticket = _upload(served.api)
    state = requests.get(f"{served.url}/_admin/state", timeout=10).json()
    (upload,) = state["uploads"]
    assert upload["ticket"] == ticket and upload["doc_id"] is None and upload["polls_left"] == 1


def test_concurrent_uploads_get_distinct_documents(serve: object) -> None:
    served = serve(upload_polls=0)  # type: ignore[operator]
    api = served.api

    def upload(n: int) -> str:
        caller = api.with_token(api.token)
        caller.session = requests.Session()
        ticket = _upload(caller, content=f"file {n}".encode(), name=f"{n}.jpg")
        report = caller.ok("upload.checkTickets", tickets=ticket)["tickets"]
        doc_id: str = report["ticket"][0]["doc_id"]
        return doc_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        doc_ids = list(pool.map(upload, range(24)))
    assert len(set(doc_ids)) == 24
    assert served.emulator.admin_state()["counts"]["docs"] == 524
