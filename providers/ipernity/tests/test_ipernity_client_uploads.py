"""Uploads: the file goes up unsigned, the ticket is polled honouring its ``eta``.

The poller's ``sleep`` and ``clock`` are replaced so the tests check the waits Ipernity
asked for without spending them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from ipernity_helpers import Requests, Served, client_for
from paysupport_ipernity import InvalidTicket, IpernityClient, UploadTimeout
from paysupport_ipernity.demo import make_png

from paysupport.errors import InvalidRequest, InvalidToken, TransportError


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "gradient.png"
    path.write_bytes(make_png(16, 8))
    return path


def sleeping_recorder(client: IpernityClient) -> list[float]:
    naps: list[float] = []
    client.uploads.sleep = naps.append
    return naps


def test_upload_file_returns_the_doc_id_after_the_eta(
    serve: Callable[..., Served], image: Path
) -> None:
    served = serve(upload_polls=2)  # two polls say "pending" before the ticket is done
    client = client_for(served)
    naps = sleeping_recorder(client)
    requests = Requests(client)
    doc_id = client.upload_file(image, title="Gradient", keywords="test,png", is_public=False)
    assert naps == [4.0, 2.0]  # the eta of each pending poll (2 s per remaining poll)
    assert requests.methods() == [("POST", "upload.file")] + [("GET", "upload.checkTickets")] * 3
    doc = served.emulator.state.world.docs[int(doc_id)]
    assert (doc.title, doc.media, doc.is_public) == ("Gradient", "photo", False)
    assert doc.keywords == ["test", "png"]
    assert doc.original.md5 == hashlib.md5(image.read_bytes()).hexdigest()
    assert client.doc.get(doc_id=doc_id)["doc"]["original"]["filename"] == "gradient.png"
    client.close()


def test_a_ticket_done_at_once_needs_no_wait(serve: Callable[..., Served], image: Path) -> None:
    client = client_for(serve(upload_polls=0))
    naps = sleeping_recorder(client)
    assert client.upload_file(image).isdigit()
    assert naps == []
    client.close()


def test_replace_keeps_the_document(client: IpernityClient, served: Served, tmp_path: Path) -> None:
    sleeping_recorder(client)
    world = served.emulator.state.world
    doc_id = world.user_docs["1001"][0]
    replacement = tmp_path / "new.txt"
    replacement.write_text("a new version\n")
    assert client.replace_file(doc_id, replacement) == str(doc_id)
    assert world.docs[doc_id].original.content == b"a new version\n"
    assert world.docs[doc_id].media == "other"


def test_an_invalid_ticket_is_a_clear_error(client: IpernityClient) -> None:
    with pytest.raises(InvalidTicket, match="ticket 999 is invalid") as caught:
        client.uploads.wait("999")
    assert caught.value.ticket == "999" and isinstance(caught.value, InvalidRequest)


def test_polling_stops_at_the_timeout(serve: Callable[..., Served], image: Path) -> None:
    client = client_for(serve(upload_polls=5))
    now = [0.0]
    client.uploads.clock = lambda: now[0]
    client.uploads.sleep = lambda seconds: now.__setitem__(0, now[0] + seconds)
    ticket = client.uploads.send("upload.file", image, {})
    with pytest.raises(UploadTimeout, match=f"ticket {ticket} still pending") as caught:
        client.uploads.wait(ticket, timeout=15)
    assert isinstance(caught.value, TransportError) and caught.value.ticket == ticket
    assert now[0] == 15  # waited 10 (eta), then only the 5 s left
    assert client.uploads.wait(ticket).isdigit()  # the same ticket can be polled again later
    client.close()


def test_bad_uploads_fail_before_any_request(
    connect: Callable[..., IpernityClient], tmp_path: Path, image: Path
) -> None:
    client = connect()
    requests = Requests(client)
    with pytest.raises(InvalidRequest, match="cannot read"):
        client.upload_file(tmp_path / "missing.jpg")
    with pytest.raises(InvalidRequest, match="cannot be sent"):
        client.upload_file(image, title=object())
    with pytest.raises(InvalidToken):
        connect(auth_token=None).upload_file(image)
    assert requests.count == 0


def test_checking_tickets_takes_a_list_and_refuses_one_bare_string(
    client: IpernityClient, image: Path
) -> None:
    ticket = client.uploads.send("upload.file", image, {})
    requests = Requests(client)
    with pytest.raises(InvalidRequest, match=r"tickets takes a list of values.*tickets=\[") as e:
        client.uploads.check(ticket)  # once read as one ticket per character
    assert e.value.provider == "ipernity" and requests.count == 0
    assert [s.ticket for s in client.uploads.check([ticket])] == [ticket]


def test_upload_into_an_album(client: IpernityClient, served: Served, image: Path) -> None:
    sleeping_recorder(client)
    album_id = client.album.create(title="Uploads")["album"]["album_id"]
    doc_id = client.upload_file(image, album_id=album_id)
    assert [d.id for d in client.walk_album_docs(album_id)] == [doc_id]
