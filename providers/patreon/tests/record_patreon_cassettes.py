"""Record the Patreon cassettes in ``cassettes/patreon/`` from the emulator's documented payloads.

Run ``python providers/patreon/tests/record_patreon_cassettes.py`` (or with
``-m`` from that folder) after changing the emulator or the client. The
emulator is served on a fixed port so the recorded URLs are stable; every
token, the client secret and webhook secrets are scrubbed by the core's
recorder (``paysupport.testing.recorder``) and by value.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from paysupport.errors import NotFound
from paysupport.sandbox import SandboxOptions, running
from paysupport.testing import recorder
from paysupport.tokens import MemoryTokenStore

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "patreon"
PORT = 47311
CAMPAIGN = "7100000"
#: The token replays use; the cassettes hold only "***" where it was.
REPLAY_TOKEN = "replay-token-0000"


def record(directory: Path = CASSETTES) -> list[Path]:
    from paysupport_patreon import PatreonClient

    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        old.unlink()
    options = SandboxOptions(providers=["patreon"], sizes={"members": 5, "posts": 3}, port=PORT)
    with running(options) as sb:
        creds = sb.emulator("patreon").credentials()
        client = sb.connect("patreon", token_store=MemoryTokenStore())
        assert isinstance(client, PatreonClient)
        vcr = recorder(directory, secrets=creds.values(), record_mode="all")
        with vcr.use_cassette("identity.yaml"):
            client.identity()
        with vcr.use_cassette("campaign_members.yaml"):
            list(client.walk("members", campaign=CAMPAIGN, count=3))
        with vcr.use_cassette("campaign_with_tiers.yaml"):
            client.get_campaign(CAMPAIGN, ["tiers"], {"campaign": ["name"], "tier": ["title"]})
        with vcr.use_cassette("webhook_create_delete.yaml"):
            hook = client.create_webhook(CAMPAIGN, "https://example.com/hook", ["members:update"])
            client.delete_webhook(hook.id)
        with vcr.use_cassette("v1_pledges.yaml"):
            client.fetch_page_of_pledges(CAMPAIGN, 2)
        with vcr.use_cassette("scope_error.yaml"), contextlib.suppress(NotFound):
            client.raw("campaigns/0")  # the 404 is the exchange being recorded
    return sorted(directory.glob("*.yaml"))


if __name__ == "__main__":
    for path in record():
        print(path)
