"""Registering blog posts with Flattr: idempotent, never a duplicate, callable from a build."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from paysupport.blog import Blog
from paysupport.ledger import Ledger
from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.sandbox.state import state_path, write_state

BLOG_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A blog</title>
<link href="https://blog.example/"/><id>urn:blog</id><updated>2026-11-01T00:00:00Z</updated>
{entries}</feed>"""
ENTRY = """<entry><title>{title}</title><link href="{url}"/><id>{url}</id>
<updated>2026-11-01T00:00:00Z</updated><summary>&lt;p&gt;About {title}&lt;/p&gt;</summary>
<category term="python"/></entry>"""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(providers=["flattr"])) as running:
        yield running


def things_count(sandbox: Sandbox) -> int:
    state = requests.get(f"{sandbox.url('flattr')}/_admin/state", timeout=10).json()
    return int(state["things_count"])


def blog_feed(count: int, title_suffix: str = "") -> str:
    entries = "".join(
        ENTRY.format(title=f"Post {n}{title_suffix}", url=f"https://blog.example/{n}")
        for n in range(1, count + 1)
    )
    return BLOG_FEED.format(entries=entries)


def test_register_is_idempotent_and_updates_only_what_changed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    blog = Blog(connect=sandbox.connect, ledger=Ledger(tmp_path / "l.db"))
    before = things_count(sandbox)
    first = blog.register_post("https://blog.example/hello", "Hello", tags=["python"])
    again = blog.register_post("https://blog.example/hello", "Hello", tags=["python"])
    renamed = blog.register_post("https://blog.example/hello", "Hello, world", tags=["python"])
    assert (first.status, again.status, renamed.status) == ("created", "unchanged", "updated")
    assert first.remote_id == again.remote_id == renamed.remote_id
    assert renamed.detail == "changed: title"
    assert things_count(sandbox) == before + 1
    assert blog.ledger.registration("flattr", "default", "https://blog.example/hello") == (
        "updated",
        first.remote_id,
    )


def test_unregister_removes_the_thing_once(sandbox: Sandbox, tmp_path: Path) -> None:
    blog = Blog(connect=sandbox.connect, ledger=Ledger(tmp_path / "l.db"))
    blog.register_post("https://blog.example/bye", "Bye")
    before = things_count(sandbox)
    assert blog.unregister_post("https://blog.example/bye").status == "removed"
    assert blog.unregister_post("https://blog.example/bye").status == "absent"
    assert things_count(sandbox) == before - 1


def test_sync_feed_registers_every_entry_once(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "feed.atom"
    feed.write_text(blog_feed(5))
    blog = Blog(connect=sandbox.connect, ledger=Ledger(tmp_path / "l.db"))
    before = things_count(sandbox)
    assert {o.status for o in blog.sync_feed(feed, language="en_GB")} == {"created"}
    assert {o.status for o in blog.sync_feed(feed, language="en_GB")} == {"unchanged"}
    feed.write_text(blog_feed(5, title_suffix=" (revised)"))
    assert {o.status for o in blog.sync_feed(feed, language="en_GB")} == {"updated"}
    assert things_count(sandbox) == before + 5


def test_publish_and_sync_blog_commands_for_a_site_generator(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    write_state(sandbox)
    try:
        ledger = str(tmp_path / "l.db")
        base = [sys.executable, "-m", "paysupport.cli", "--sandbox"]
        published = subprocess.run(
            [*base, "publish", "--url", "https://blog.example/cli", "--title", "From the CLI",
             "--tag", "cli", "--ledger", ledger, "--json"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert published.returncode == 0, published.stderr
        assert json.loads(published.stdout)["status"] == "created"
        feed = tmp_path / "feed.atom"
        feed.write_text(blog_feed(3))
        synced = subprocess.run(
            [*base, "sync-blog", str(feed), "--ledger", ledger, "--json"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert synced.returncode == 0, synced.stderr
        assert [o["status"] for o in json.loads(synced.stdout)] == ["created"] * 3
        refused = subprocess.run(
            [*base, "publish", "--url", "javascript:alert(1)", "--title", "x", "--json"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert refused.returncode in (1, 2) and "Traceback" not in refused.stderr
    finally:
        state_path().unlink(missing_ok=True)
