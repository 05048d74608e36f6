"""Arguments that take several values refuse a bare string instead of splitting it.

``several`` is the one check every public verb uses (providers' tags, tickets,
tier ids, triggers; the core's scopes, guids and downloaded files); the
providers' own tests prove each of their verbs sends nothing when refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from paysupport._args import several
from paysupport.errors import InvalidRequest
from paysupport.feeds import read_feed
from paysupport.ledger import Ledger
from paysupport.podcatcher import Podcatcher, summarize
from paysupport.sandbox import Sandbox, SandboxOptions
from tests.core.feeds_kit import podcast_feed


def test_lists_tuples_sets_and_generators_become_tuples() -> None:
    assert several(["a", "b"], "tags") == ("a", "b")
    assert several(("a",), "tags") == ("a",)
    assert several({"a"}, "tags") == ("a",)
    assert several((t for t in "ab"), "tags") == ("a", "b")
    assert several(None, "tags") == ()


@pytest.mark.parametrize("value", ["python", "", b"python", bytearray(b"x")])
def test_a_string_or_bytes_is_refused_naming_the_argument(value: object) -> None:
    with pytest.raises(InvalidRequest, match="tags takes a list of values") as caught:
        several(value, "tags", provider="flattr")  # type: ignore[arg-type]
    assert caught.value.provider == "flattr"
    assert "write tags=[" in str(caught.value)


def test_a_long_string_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidRequest) as caught:
        several("x" * 500, "guids")
    assert len(str(caught.value)) < 200


def test_a_value_that_is_not_iterable_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="tier_ids takes a list of values, not int"):
        several(8100000, "tier_ids")  # type: ignore[arg-type]


def test_a_provider_may_raise_its_own_subclass() -> None:
    class Refused(InvalidRequest):
        pass

    with pytest.raises(Refused):
        several("x", "tags", error=Refused)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(providers=["example"])) as sb:
        yield sb


@pytest.mark.parametrize(
    "arguments",
    [{"guids": "ep-1"}, {"downloaded": "ep1.mp3"}, {"downloaded": Path("ep1.mp3")}],
    ids=["one guid as a string", "one file as a string", "one file as a path"],
)
def test_the_podcatcher_refuses_one_string_for_guids_or_downloaded_files(
    sandbox: Sandbox, tmp_path: Path, arguments: dict[str, object]
) -> None:
    feed = read_feed(podcast_feed(3))
    catcher = Podcatcher(connect=sandbox.connect, ledger=Ledger(tmp_path / "ledger.sqlite3"))
    with pytest.raises(InvalidRequest, match=f"{next(iter(arguments))} takes a list of values"):
        catcher.support_feed(feed, **arguments)  # type: ignore[arg-type]
    assert sandbox.emulator("example").admin_state()["supports"] == {}  # type: ignore[attr-defined]
    assert summarize(catcher.support_feed(feed, guids=["ep-1"])) == {"supported": 1}
