"""Record the Ipernity cassettes in ``cassettes/ipernity/`` from the emulator.

Run from the repository root with ``python providers/ipernity/tests/record_ipernity_cassettes.py``
(or ``python -m record_ipernity_cassettes`` from ``providers/ipernity/tests``). The emulator
serves the documented payloads; the core's recorder scrubs the key, the secret, the token
and every signature before a cassette is written, and
``test_ipernity_client_cassettes.py`` proves it and replays each cassette through the client.

Uploads are not recorded: their multipart bodies are binary, which the recorder leaves as
they are, so the signed fields inside them would not be scrubbed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from paysupport_ipernity.client import IpernityClient
from paysupport_ipernity.emulator import create_emulator

from paysupport.emulation import EmulatorSettings
from paysupport.errors import NotFound
from paysupport.sandbox.serving import ServedApp, start_server
from paysupport.testing import recorder
from paysupport.tokens import MemoryTokenStore

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "ipernity"
PREFERRED_PORT = 47231  # a fixed port keeps the recorded URLs stable between recordings

#: Cassette name -> what to do with the client while it records.
EXCHANGES: dict[str, Callable[[IpernityClient], object]] = {
    "user_get.yaml": lambda c: c.user_info("superman"),
    "auth_checkToken.yaml": lambda c: c.check_token(),
    "doc_get.yaml": lambda c: c.doc.get(doc_id="100001", extra="tags"),
    "album_getList.yaml": lambda c: list(c.walk_albums(user_id="ada", per_page=2)),
    "doc_search_two_pages.yaml": lambda c: c.walk_doc_search(per_page=3).first(6),
    "doc_get_not_found.yaml": lambda c: c.doc.get(doc_id="1"),
}


@contextlib.contextmanager
def serve_emulator() -> Iterator[tuple[ServedApp, dict[str, str]]]:
    emulator = create_emulator(EmulatorSettings(seed=0, sizes={"docs": 60, "albums": 4}))
    try:
        served = start_server(emulator, port=PREFERRED_PORT, quiet=True)
    except OSError:
        served = start_server(emulator, quiet=True)
    try:
        yield served, emulator.credentials()
    finally:
        served.close()


def record(directory: Path = CASSETTES) -> list[Path]:
    """(Re)record every cassette; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with serve_emulator() as (served, creds):
        vcr = recorder(directory, secrets=creds.values(), record_mode="all")
        for name, exchange in EXCHANGES.items():
            client = IpernityClient(base_url=served.url, token_store=MemoryTokenStore(), **creds)
            # NotFound is recorded on purpose: the documented error envelope.
            with client, vcr.use_cassette(name), contextlib.suppress(NotFound):
                exchange(client)
            written.append(directory / name)
    return written


if __name__ == "__main__":
    for path in record():
        print(f"recorded {path}")
