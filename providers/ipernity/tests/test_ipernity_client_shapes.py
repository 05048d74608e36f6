"""Where Ipernity's ``api`` status block is: in whole answers, never in records.

``call()`` (and the method-property form) returns the whole answer and a walk page's
``raw`` is the whole answer too, both with ``{"api": {"status": "ok", ...}}``; the
records a walk yields or ``user_info()`` returns are the items inside, whose ``raw``
is exactly the item Ipernity sent.
"""

from __future__ import annotations

from paysupport_ipernity import Doc, IpernityClient

from paysupport import Record


def test_calls_and_walk_pages_keep_the_envelope_records_do_not(client: IpernityClient) -> None:
    answer = client.call("doc.getList", user_id=client.check_token().user_id, per_page=3)
    assert answer["api"]["status"] == "ok"
    assert client.doc.getList(user_id=client.check_token().user_id)["api"]["status"] == "ok"

    page = next(client.walk_docs(per_page=3).pages())
    assert page.raw["api"]["status"] == "ok"
    doc = page.items[0]
    assert isinstance(doc, Doc) and isinstance(doc, Record)
    assert doc.raw == page.raw["docs"]["doc"][0]
    assert "api" not in doc.raw
    assert doc.to_dict()["id"] == doc.id == doc.raw["doc_id"]

    member = client.user_info()
    assert "api" not in member.raw and member.raw["user_id"] == member.id


def test_walk_data_items_are_the_records_as_sent(client: IpernityClient) -> None:
    page = next(client.walk_data("album.getList", per_page=2).pages())
    assert page.raw["api"]["status"] == "ok"
    assert page.items == page.raw["albums"]["album"][:2]
