"""The demo script runs every Ipernity flow against a sandbox, and every step passes."""

from __future__ import annotations

import io
import struct
import time
import zlib

from paysupport_ipernity.demo import make_png, run
from rich.console import Console

from paysupport.demo import DEMO_SIZES, DemoSteps, demo_scripts
from paysupport.sandbox import running


def test_the_demo_passes_every_step_quickly() -> None:
    output = io.StringIO()
    steps = DemoSteps("ipernity", Console(file=output, width=120))
    started = time.monotonic()
    with running(providers=["ipernity"], sizes=DEMO_SIZES) as sandbox:
        run(sandbox, steps)
        state = sandbox.emulator("ipernity").admin_state()
    took = time.monotonic() - started
    titles = [r.title for r in steps.results]
    assert titles == [
        "Desktop login with a frob",
        "Check the token and what it allows",
        "User info",
        "Upload a generated image",
        "Walk docs",
        "A wrong secret is refused",
    ]
    failed = [(r.title, r.error) for r in steps.results if not r.ok]
    assert not failed, output.getvalue()
    assert took < 8, f"the demo took {took:.1f} s"
    # The login really went through a frob, and the upload really landed.
    assert any(f["authorized"] for f in state["frobs"])
    assert [u["filename"] for u in state["uploads"]] == ["paysupport-gradient.png"]
    assert "doc.search tags=paysupport finds it too" in output.getvalue()


def test_the_demo_is_registered() -> None:
    assert demo_scripts()["ipernity"] is run


def test_the_generated_image_is_a_valid_png() -> None:
    png = make_png(5, 3)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF
        chunks[kind] = data
        offset += 12 + length
    assert struct.unpack(">IIBBBBB", chunks[b"IHDR"]) == (5, 3, 8, 2, 0, 0, 0)
    assert len(zlib.decompress(chunks[b"IDAT"])) == 3 * (1 + 5 * 3)
