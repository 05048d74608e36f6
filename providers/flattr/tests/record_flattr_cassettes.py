"""Record the Flattr cassettes in ``cassettes/flattr/`` from the emulator's documented payloads.

Run from the repository root:
``.venv/bin/python providers/flattr/tests/record_flattr_cassettes.py``
(or ``python -m record_flattr_cassettes`` from this folder). The same
:func:`scenario` replays them in ``test_flattr_client_cassettes.py``: every
value a later call needs (a thing id, a URL) is read from an answer recorded
in an earlier cassette, so replaying makes exactly the recorded requests.
Secrets are scrubbed by :func:`paysupport.testing.recorder` before writing.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import vcr

from paysupport.emulation import EmulatorSettings
from paysupport.sandbox import answer_consent
from paysupport.sandbox.serving import serve_wsgi
from paysupport.testing import recorder
from paysupport.tokens import MemoryTokenStore

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "flattr"
#: The emulator seed the cassettes were recorded with (its credentials are checked for leaks).
SEED = 11
EPISODE = "https://podcast.example/episodes/1-hello"
BLOG_POST = "https://blog.example/posts/cassettes"

Consent = Callable[[str], str]


def scenario(client: Any, cassettes: vcr.VCR, consent: Consent) -> dict[str, Any]:
    """The recorded calls, one cassette each; returns what the replay test checks."""
    seen: dict[str, Any] = {}
    with cassettes.use_cassette("oauth_token.yaml"):
        login = client.oauth.authorization_url()
        client.oauth.fetch_token(authorization_response=consent(login.url), request=login)
        seen["identity"] = client.identity()
    with cassettes.use_cassette("search.yaml"):
        found = client.things.search("podcast", count=5).first(5)
        seen["search"] = [t.id for t in found]
    foreign = next(t for t in found if t.owner_username != seen["identity"].id and not t.flattred)
    with cassettes.use_cassette("thing.yaml"):
        seen["thing"] = client.things.get(foreign.id)
    with cassettes.use_cassette("lookup.yaml"):
        seen["lookup"] = client.things.lookup(foreign.url)
        seen["lookup_miss"] = client.things.lookup("https://nothing.example/none")
    with cassettes.use_cassette("register.yaml"):
        seen["register"] = client.register(BLOG_POST, "Cassettes", tags=["vcr"], language="en_GB")
    with cassettes.use_cassette("flattr_autosubmit.yaml"):
        link = client.autosubmit_url("flattr", EPISODE, title="Hello", tags=["podcast"])
        seen["flattr"] = client.support(link)
    with cassettes.use_cassette("subscriptions.yaml"):
        client.subscriptions.subscribe(seen["flattr"].thing_id)
        seen["paused"] = client.subscriptions.pause(seen["flattr"].thing_id)
    with cassettes.use_cassette("rate_limit.yaml"):
        seen["rate_limit"] = client.rate_limit_status()
    return seen


def record(directory: Path = CASSETTES) -> list[Path]:
    from paysupport_flattr import FlattrClient
    from paysupport_flattr.emulator import FlattrEmulator

    emulator = FlattrEmulator(EmulatorSettings(seed=SEED))
    creds = emulator.credentials()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    with serve_wsgi(emulator) as served:
        client = FlattrClient(
            base_url=served.url,
            token_store=MemoryTokenStore(),
            **{k: v for k, v in creds.items() if k != "access_token"},
        )
        cassettes = recorder(
            directory, secrets=[creds["client_secret"], creds["access_token"]], record_mode="all"
        )

        scenario(client, cassettes, _browser_consent)
    return sorted(directory.glob("*.yaml"))


def _browser_consent(url: str) -> str:
    """Answer the consent page with vcr's patches lifted: a browser's exchange, not recorded."""
    import vcr.patch

    with vcr.patch.force_reset():
        return str(answer_consent(url, "allow").headers["Location"])


if __name__ == "__main__":
    for path in record():
        print(path.relative_to(CASSETTES.parents[1]))
    sys.exit(0)
