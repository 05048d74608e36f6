"""R3: eight processes share a token file while access tokens expire and refresh tokens rotate.

Each process (``fork``) builds its own Patreon client on a shared
:class:`~paysupport.JsonFileTokenStore`, all seeded with the same creator token,
and calls the API for the whole run. The emulator's access tokens live 2 s
and every refresh kills the refresh token used, so a process that refreshed
with a token another one had already spent would get ``invalid_grant``.

Checked: no ``invalid_grant`` (nor any other error) in any process, the token
file always parses while the run goes on, and the number of refreshes stays
close to the minimum, ``ceil(run / lifetime)``: refreshes happen when a token
has less than the client's leeway left (0.5 s here, as the default 60 s is more
than the emulator's whole lifetime), so the bound is
``ceil(run / (lifetime - leeway)) + 2``.

Sizes: 6 s runs; ``PAYSUPPORT_FULL=1`` runs 12 s.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paysupport import JsonFileTokenStore, PaySupportError, sandbox
from paysupport.http import HttpEvent
from tests.reliability.conftest import sized

PROCESSES = 8
LIFETIME = 2
LEEWAY = 0.5
RUN = float(sized(6, 12))


def worker(
    url: str, creds: dict[str, str], store_path: str, start: Any, results: Any, index: int
) -> None:
    import paysupport

    events: list[HttpEvent] = []
    errors: list[str] = []
    calls = 0
    client: Any = None
    start.wait()
    try:
        client = paysupport.connect(
            "patreon",
            base_url=url,
            token_store=JsonFileTokenStore(store_path),
            hooks=[events.append],
            **creds,
        )
        client.oauth.leeway = LEEWAY
        deadline = time.monotonic() + RUN
        while time.monotonic() < deadline:
            try:
                client.get_identity()
                calls += 1
            except PaySupportError as exc:
                errors.append(f"{type(exc).__name__}: {exc} (code {getattr(exc, 'code', None)})")
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    token_answers = [e.status for e in events if e.kind == "response" and "/token" in e.url]
    results.put(
        {
            "index": index,
            "calls": calls,
            "errors": errors,
            "refreshes": len(token_answers),
            "refused": sum(1 for s in token_answers if s != 200),
        }
    )


def test_eight_processes_share_a_rotating_refresh_token(
    tmp_path: Path, figures: Callable[..., None]
) -> None:
    ctx = multiprocessing.get_context("fork")
    store_path = tmp_path / "tokens.json"
    with sandbox.running(providers=["patreon"], token_lifetime=LIFETIME) as sb:
        creds = sb.credentials("patreon")
        emulator: Any = sb.emulator("patreon")
        issued_before = emulator.oauth.summary()["tokens_issued"]
        start, results = ctx.Event(), ctx.Queue()
        processes = [
            ctx.Process(
                target=worker, args=(sb.url("patreon"), creds, str(store_path), start, results, i)
            )
            for i in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        started = time.monotonic()
        start.set()
        reads = corrupt = 0
        while time.monotonic() - started < RUN + 1:
            if store_path.exists():
                reads += 1
                try:
                    json.loads(store_path.read_text(encoding="utf-8"))
                except ValueError:
                    corrupt += 1
            time.sleep(0.005)
        answers = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(30)
        refreshes = emulator.oauth.summary()["tokens_issued"] - issued_before
    errors = [e for a in answers for e in a["errors"]]
    minimum = math.ceil(RUN / LIFETIME)
    bound = math.ceil(RUN / (LIFETIME - LEEWAY)) + 2
    figures(
        processes=PROCESSES,
        run_seconds=RUN,
        calls=sum(a["calls"] for a in answers),
        refreshes=refreshes,
        minimum=minimum,
        bound=bound,
        invalid_grant=sum("invalid_grant" in e for e in errors),
        errors=len(errors),
        store_reads=reads,
        store_corrupt=corrupt,
    )
    assert all(p.exitcode == 0 for p in processes)
    assert not errors, errors[:5]
    assert sum(a["refused"] for a in answers) == 0
    assert reads > 100 and corrupt == 0
    assert all(a["calls"] > 0 for a in answers)
    assert minimum <= refreshes <= bound
    assert sum(a["refreshes"] for a in answers) == refreshes
    JsonFileTokenStore(store_path).load("patreon", "default")  # still a valid store
