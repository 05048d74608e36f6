"""A string where a list is expected is refused by name, before anything is sent.

A string is an iterable of letters: ``tier_ids="8100000"`` once asked about
tiers "8", "1" and "0". ``tier_ids`` and ``triggers`` refuse a bare string with
:class:`InvalidRequest` naming the argument. ``includes`` and ``fields`` take a
list or Patreon's own comma-separated string, in v2 and in v1 alike.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from paysupport_patreon import PatreonClient

from paysupport import sandbox
from paysupport.errors import InvalidRequest
from paysupport.http import HttpEvent
from paysupport.sandbox import Sandbox

CAMPAIGN = "7100000"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox.running(providers=["patreon"], sizes={"members": 5}) as running:
        yield running


@pytest.fixture
def sent() -> list[str]:
    """URLs of the requests the client sent (redacted, as its event hooks see them)."""
    return []


@pytest.fixture
def client(sb: Sandbox, sent: list[str]) -> PatreonClient:
    def record(event: HttpEvent) -> None:
        if event.kind == "request":
            sent.append(event.url)

    connected = sb.connect("patreon", hooks=[record])
    assert isinstance(connected, PatreonClient)
    return connected


@pytest.mark.parametrize(
    ("argument", "call"),
    [
        ("tier_ids", lambda c: c.is_entitled("some-token", CAMPAIGN, tier_ids="8100000")),
        ("tier_ids", lambda c: c.entitlement("some-token", CAMPAIGN, tier_ids=8100000)),
        ("triggers", lambda c: c.create_webhook(CAMPAIGN, "https://a.example/h", "posts:publish")),
        ("triggers", lambda c: c.update_webhook("1", triggers="members:create")),
        ("includes", lambda c: c.get_webhooks(includes=7)),
    ],
)
def test_a_string_for_a_list_is_refused_before_any_request(
    client: PatreonClient, sent: list[str], argument: str, call
) -> None:
    with pytest.raises(InvalidRequest, match=f"{argument} takes a list of values") as caught:
        call(client)
    assert caught.value.provider == "patreon"
    assert sent == []


@pytest.mark.parametrize(
    "optional",
    [["is_paused", "total_historical_amount_cents"], "is_paused,total_historical_amount_cents"],
    ids=["list", "comma-separated string"],
)
def test_v1_fields_take_a_list_or_one_comma_separated_string(
    client: PatreonClient, optional: list[str] | str
) -> None:
    page = client.fetch_page_of_pledges(CAMPAIGN, 2, fields={"pledge": optional})
    attributes = page.data_list()[0].attributes
    assert {"is_paused", "total_historical_amount_cents"} <= set(attributes)
