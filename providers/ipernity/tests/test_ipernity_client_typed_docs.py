"""Document walks decode each page's bytes into ``Doc`` structs; nothing sent is lost.

Against the emulator, every document walk takes the typed path (the declaration covers
every ``extra``) and a page's ``raw`` equals the answer ``call()`` returns. Against
crafted answers: a value of the wrong type is a ``ResponseFieldError`` naming its path, a
field the declaration does not know sends the page to the dict reader (the record is kept
whole), and error envelopes become the same errors as ``call()``'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec
import pytest
import requests
from paysupport_ipernity import Doc, IpernityClient
from paysupport_ipernity.catalog import load_catalog
from paysupport_ipernity.transport import ApiCaller
from paysupport_ipernity.walks import AnswerPage, doc_walk

from paysupport.decode import ResponseFieldError, Undeclared
from paysupport.errors import NotFound, PaySupportError, ResponseFormatError
from paysupport.redact import Redactor

SUPERMAN = "1001"
EVERY_EXTRA = "owner,dates,count,geo,original,md5,link"
DOCS = ("docs", "doc")


def test_every_document_walk_is_decoded_into_structs(client: IpernityClient) -> None:
    album = client.walk_albums(user_id=SUPERMAN).first(1)[0]
    walks = [
        client.walk_docs(per_page=5, extra=EVERY_EXTRA),
        client.walk_docs(per_page=5),
        client.walk_doc_search(per_page=5, extra=EVERY_EXTRA, thumbsize="240"),
        client.walk_album_docs(album.id, per_page=2, extra=EVERY_EXTRA),
    ]
    for walk in walks:
        page = next(walk.pages())
        assert isinstance(page, AnswerPage), type(page)  # not read by the dict reader
        assert page.items and all(type(d) is Doc and d._record is None for d in page.items)


def test_a_page_raw_is_the_answer_call_returns(client: IpernityClient) -> None:
    params = {"user_id": SUPERMAN, "per_page": 4, "extra": EVERY_EXTRA}
    page = next(client.walk_docs(**params).pages())
    answer = client.call("doc.getList", page=1, **params)
    assert page.raw == answer
    assert page.raw is not page.raw  # rebuilt when read, from the structs
    assert [d.raw for d in page.items] == answer["docs"]["doc"]
    assert page.total == answer["docs"]["total"] and page.pages == answer["docs"]["pages"]


def test_typed_and_dict_read_views_agree(client: IpernityClient) -> None:
    page = next(client.walk_doc_search(per_page=20, extra=EVERY_EXTRA).pages())
    for doc in page.items:
        read = Doc.from_record(doc.raw)
        assert read == doc and hash(read) == hash(doc)
        assert read.to_dict() == doc.to_dict() and read.to_row() == doc.to_row()
        assert (read.title, read.media, read.license, read.owner_id, read.link) == (
            doc.title,
            doc.media,
            doc.license,
            doc.owner_id,
            doc.link,
        )
        assert read.thumb_url == doc.thumb_url and read.attributes == doc.attributes
        assert read.attribute("owner") == doc.attribute("owner") == doc.raw["owner"]
        assert doc.attribute("nothing", "x") == "x" and doc.attribute("record") is None


# -- crafted answers -------------------------------------------------------------------


class Canned:
    """Answers every call with ``body``; ``read`` is the client's own (errors as ``call()``)."""

    def __init__(self, body: Any, status: int = 200) -> None:
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.status = status
        self.caller = ApiCaller(
            None,  # type: ignore[arg-type]  # never sends: answer() is canned
            api_key="key",
            api_secret="secret",
            token=lambda: None,
            redactor=Redactor(),
            catalog=load_catalog(),
        )

    def answer(self, name: str, params: Mapping[str, Any]) -> requests.Response:
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body
        response.headers["Content-Type"] = "application/json"
        return response

    def read(self, response: requests.Response, name: str) -> dict[str, Any]:
        return self.caller.read(response, name)


def _answer(*docs: Any, **listing: Any) -> dict[str, Any]:
    doc: Any = list(docs) if len(docs) != 1 else docs[0]
    return {
        "api": {"status": "ok"},
        "docs": {"total": 1, "page": 1, "pages": 1, "per_page": 100, **listing, "doc": doc},
    }


def _first(body: Any, status: int = 200) -> Any:
    return next(doc_walk(Canned(body, status), "doc.search", DOCS, {}).pages())


@pytest.mark.parametrize(
    ("record", "path"),
    [
        ({"doc_id": "1", "title": ["a list"]}, "$.docs.doc[1].title"),
        ({"doc_id": {"id": 1}}, "$.docs.doc[1].doc_id"),
        ({"doc_id": "1", "owner": {"user_id": 1.5}}, "$.docs.doc[1].owner.user_id"),
        ({"doc_id": "1", "thumb": "small"}, "$.docs.doc[1].thumb"),
    ],
)
def test_a_malformed_field_is_named_by_its_path(record: dict[str, Any], path: str) -> None:
    body = _answer({"doc_id": "9", "title": "fine"}, record)
    with pytest.raises(ResponseFieldError) as caught:
        _first(body)
    assert not isinstance(caught.value, Undeclared)
    assert caught.value.path == path and path in str(caught.value)
    assert "doc.search" in str(caught.value) and caught.value.provider == "ipernity"


def test_a_malformed_pagination_field_is_refused() -> None:
    with pytest.raises(ResponseFormatError, match="'total' is not a number"):
        _first(_answer({"doc_id": "1"}, total="many"))
    with pytest.raises(ResponseFieldError, match=r"\$\.docs\.pages"):
        _first(_answer({"doc_id": "1"}, pages=[1]))


@pytest.mark.parametrize(
    "body",
    [
        _answer({"doc_id": "1", "title": "Sea", "rotation": "90"}),  # doc.get's field
        _answer({"doc_id": "1", "owner": {"user_id": "5", "alias": "five"}}),
        _answer({"doc_id": "1"}, {"doc_id": "2"}, sort="relevance"),  # a container field
        {**_answer({"doc_id": "1"}), "extra": {"at": 1}},  # a top-level field
    ],
)
def test_an_unknown_field_falls_back_and_nothing_is_lost(body: dict[str, Any]) -> None:
    page = _first(body)
    assert not isinstance(page, AnswerPage)
    assert page.raw == body
    records = body["docs"]["doc"]
    records = records if isinstance(records, list) else [records]
    assert [d.raw for d in page.items] == records
    assert all(isinstance(d, Doc) and d._record is not None for d in page.items)
    assert page.items[0].id == "1"


def test_numbers_as_strings_and_a_list_of_one_as_an_object() -> None:
    record = {"doc_id": 394926, "license": "3", "title": "A nice car", "owner": {"user_id": "295"}}
    body = _answer(record, total="51258", page="1", pages="2563", per_page="20")
    page = _first(body)
    assert isinstance(page, AnswerPage) and page.raw == body
    (doc,) = page.items
    assert (doc.id, doc.license, doc.owner_id, doc.title, doc.media) == (
        "394926",
        3,
        "295",
        "A nice car",
        None,
    )
    assert (page.total, page.pages, page.next) == (51258, 2563, 2)
    assert msgspec.json.decode(msgspec.json.encode(doc)) == record


def test_an_empty_list_ends_the_walk() -> None:
    for doc in (None, []):
        body = {"api": {"status": "ok"}, "docs": {"total": 0, "page": 1, "doc": doc}}
        page = _first(body)
        assert page.items == [] and page.next is None and page.raw == body
    page = _first({"api": {"status": "ok"}, "docs": {"total": "0"}})
    assert page.items == [] and page.total == 0


def test_errors_are_those_call_raises() -> None:
    refused = {"api": {"status": "error", "code": 1, "message": "Document not found"}}
    with pytest.raises(NotFound, match="Document not found"):
        _first(refused)
    with pytest.raises(NotFound, match="Document not found"):  # a bad field is not the news
        _first({**refused, "docs": {"doc": [{"doc_id": []}]}})
    with pytest.raises(PaySupportError) as caught:
        _first(b"<html>busy</html>")
    assert type(caught.value) is ResponseFormatError and "HTML" in str(caught.value)
    with pytest.raises(ResponseFormatError, match=r"truncated|malformed"):
        _first(b'{"api": {"status": "ok"}, "docs": {')
    with pytest.raises(ResponseFormatError, match="no 'docs' list"):
        _first({"api": {"status": "ok"}})
    with pytest.raises(ResponseFormatError, match="no 'api' status block"):
        _first({"docs": {"doc": []}})
    with pytest.raises(PaySupportError, match="HTTP 500"):
        _first(b"oops", status=500)
