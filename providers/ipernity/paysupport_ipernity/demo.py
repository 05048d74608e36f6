"""``paysupport demo`` for Ipernity: frob login, user info, upload a generated image, walk docs.

Everything goes over HTTP to the sandbox's emulator through the real client: the consent
page is answered as a browser would (:func:`paysupport.sandbox.answer_consent`), the upload
is polled through its ticket honouring the announced ``eta``, and the walk pages the whole
list with prefetching.
"""

from __future__ import annotations

import struct
import tempfile
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from paysupport.demo import DemoSteps
from paysupport.sandbox import Sandbox, answer_consent
from paysupport_ipernity.client import IpernityClient
from paysupport_ipernity.errors import SignatureError

__all__ = ["make_png", "run"]


def make_png(width: int = 48, height: int = 32) -> bytes:
    """A small valid RGB PNG (a colour gradient), built with zlib and struct only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "none" for each scanline
        for x in range(width):
            rows += bytes((x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), 160))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def run(sandbox: Sandbox, steps: DemoSteps) -> None:
    client = sandbox.connect("ipernity")
    if not isinstance(client, IpernityClient):
        raise TypeError(f"expected an IpernityClient, got {type(client).__name__}")
    with client:
        _run(sandbox, client, steps)


def _run(sandbox: Sandbox, client: IpernityClient, steps: DemoSteps) -> None:
    with steps.step("Desktop login with a frob"):
        client.logout()  # forget the sandbox's pre-issued token: log in the way a person does
        frob = client.get_frob()
        url = client.auth_url({"doc": "write"}, frob)
        steps.detail(f"auth.getFrob gave a frob; consent page {urlsplit(url).path} (signed link)")
        answer = answer_consent(url, "allow")
        steps.check(answer.status_code == 200, f"consent page answered {answer.status_code}")
        info = client.get_token(frob)
        steps.detail(
            f"approved by {info.name} (user {info.user_id}): "
            + ", ".join(f"{c}={lvl}" for c, lvl in info.permissions.items() if lvl != "none")
        )

    with steps.step("Check the token and what it allows"):
        checked = client.check_token()
        steps.check(checked.user_id == info.user_id, "auth.checkToken names another user")
        can_write = client.has_permissions({"doc": "write"})
        can_delete = client.has_permissions({"doc": "delete"})
        steps.check(can_write and not can_delete, "the grant is not exactly doc=write")
        steps.detail("doc: read yes, write yes, delete no (none < read < write < delete)")

    with steps.step("User info"):
        me = client.user_info()
        steps.detail(
            f"{me.username} ({me.realname}) from {me.location}: "
            f"{me.doc_count} public documents{', pro account' if me.is_pro else ''}"
        )

    with steps.step("Upload a generated image"):
        png = make_png()
        waits: list[float] = []

        def patient_sleep(seconds: float) -> None:
            waits.append(seconds)
            time.sleep(seconds)

        client.uploads.sleep = patient_sleep
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder, "paysupport-gradient.png")
            path.write_bytes(png)
            started = time.monotonic()
            doc_id = client.upload_file(
                path,
                title="A gradient from paysupport",
                keywords="paysupport,gradient",
                is_public=True,
            )
        took = time.monotonic() - started
        steps.detail(f"{len(png)} bytes of PNG (48x32) sent unsigned; every other field signed")
        polled = ", ".join(f"{w:g} s" for w in waits) or "no wait"
        steps.detail(f"ticket polled, waiting as its eta asked ({polled}): doc {doc_id}")
        doc = client.doc.get(doc_id=doc_id)["doc"]
        steps.check(doc["title"] == "A gradient from paysupport", "the upload lost its title")
        steps.detail(f"doc.get: {doc['media']} {doc['title']!r} in {took:.1f} s")

    with steps.step("Walk docs"):
        walk = client.walk_docs(per_page=20, max_workers=4)
        total = walk.total or 0
        found = None
        seen = 0
        with steps.progress("documents", total) as advance:
            for item in walk:
                seen += 1
                advance(1)
                if item.id == doc_id:
                    found = item
        steps.check(seen == total, f"walked {seen} documents, Ipernity reported {total}")
        steps.check(found is not None, f"the upload (doc {doc_id}) is not in the walk")
        steps.detail(f"{seen} documents over {-(-total // 20)} pages (4 fetched ahead)")
        tagged = client.walk_doc_search(tags="paysupport").first(5)
        steps.check(any(d.id == doc_id for d in tagged), "doc.search by tag misses the upload")
        steps.detail(f"doc.search tags=paysupport finds it too: {tagged[0].title!r}")

    with steps.step("A wrong secret is refused"):
        forged = sandbox.connect("ipernity", api_secret="not-the-secret")
        if not isinstance(forged, IpernityClient):
            raise TypeError(f"expected an IpernityClient, got {type(forged).__name__}")
        try:
            forged.user.get(user_id=info.user_id)
        except SignatureError as exc:
            steps.detail(f"SignatureError, Ipernity code {exc.code}: nothing was done")
        else:
            steps.check(False, "a call signed with the wrong secret was accepted")
        finally:
            forged.close()
