"""The seed libraries (PyPI ``patreon``, ``pyipernity``), in a virtual environment of their own.

They are installed into ``benchmarks/.seedenv`` (git-ignored) with
``python -m venv`` and pip, and only ever run in a subprocess of that
environment against the sandbox, so their code never mixes with ours. When the
environment cannot be made (no network, no package index), every comparison is
skipped with a note.

``patreon`` 0.5.0 hard-codes ``https://www.patreon.com`` in ``requests.get``
calls: the subprocess wraps ``patreon.api.requests.get`` to send them to the
sandbox instead. ``pyipernity`` takes its API URL as an argument.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
import textwrap
import venv
from pathlib import Path
from typing import Any

from benchmarks.results import Result, info, skipped

ENV = Path(__file__).with_name(".seedenv")
PACKAGES = ("patreon", "pyipernity")


@functools.lru_cache(maxsize=1)
def python() -> tuple[Path | None, str]:
    """The seed environment's interpreter (made on first use), or ``None`` and why not."""
    exe = ENV / "bin" / "python"
    probe = [str(exe), "-c", "import patreon, ipernity"]
    if exe.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return exe, ""
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(ENV)
        done = subprocess.run(
            [str(exe), "-m", "pip", "install", "--quiet", *PACKAGES],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"seed environment not made: {exc}"
    if done.returncode != 0:
        return None, "pip install patreon pyipernity failed: " + done.stderr.strip()[-200:]
    return exe, ""


def run_script(source: str, payload: dict[str, Any], timeout: float = 900) -> dict[str, Any]:
    """Run ``source`` in the seed environment; it reads JSON on stdin and prints JSON."""
    exe, why = python()
    if exe is None:
        raise RuntimeError(why)
    done = subprocess.run(
        [str(exe), "-c", textwrap.dedent(source)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-400:])
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


_PATREON_RESOLVER = """
import json, sys, time
from patreon.jsonapi.parser import JSONAPIParser

args = json.load(sys.stdin)
body = open(args["path"], "rb").read()

def old(body):
    doc = JSONAPIParser(json.loads(body))
    found = 0
    for member in doc.data():
        if member.relationship("user") is not None:
            found += 1
        found += len(member.relationship("currently_entitled_tiers") or [])
    return found

floor, parsed = [], []
for _ in range(args["rounds"]):
    t = time.perf_counter(); json.loads(body); floor.append(time.perf_counter() - t)
    t = time.perf_counter(); found = old(body); parsed.append(time.perf_counter() - t)
print(json.dumps({"floor": min(floor), "old": min(parsed), "found": found}))
"""


def patreon_resolver(n: int, body: bytes, quick: bool = False) -> Result:
    """P1 for the seed ``patreon`` library's JSONAPIParser, as a ratio to json.loads."""
    what = f"JSON:API {n:,} members: seed patreon JSONAPIParser / json.loads"
    if quick and n > 1_000:
        return skipped("P1", what, "not run with --quick: its lookups are quadratic")
    rounds = 1 if n > 1_000 else 3
    with tempfile.NamedTemporaryFile(suffix=".json") as handle:
        handle.write(body)
        handle.flush()
        try:
            got = run_script(_PATREON_RESOLVER, {"path": handle.name, "rounds": rounds})
        except (RuntimeError, subprocess.SubprocessError) as exc:
            return skipped("P1", what, str(exc))
    return info("P1", what, got["old"] / got["floor"], "x", "json.loads timed in the same process")


_PATREON_WALK = """
import json, sys, time
import patreon, patreon.api, requests

args = json.load(sys.stdin)
real_get = requests.get

def to_sandbox(url, *a, **kw):  # the library hard-codes the real host
    return real_get(url.replace("https://www.patreon.com", args["url"], 1), *a, **kw)

patreon.api.requests.get = to_sandbox
api = patreon.API(args["token"])
best = None
for _ in range(args["rounds"]):
    started = time.perf_counter()
    cursor, pledges, patrons = None, 0, 0
    while True:
        doc = api.fetch_page_of_pledges(args["campaign"], args["page_size"], cursor=cursor)
        for pledge in doc.data():
            pledges += 1
            patrons += pledge.relationship("patron") is not None
        cursor = api.extract_cursor(doc)
        if not cursor:
            break
    took = time.perf_counter() - started
    best = took if best is None else min(best, took)
print(json.dumps({"seconds": best, "pledges": pledges, "patrons": patrons}))
"""


def patreon_pledge_walk(
    url: str, token: str, campaign: str, page_size: int, rounds: int
) -> dict[str, Any]:
    """The seed library's v1 pledge loop with each patron resolved: best seconds and counts."""
    return run_script(
        _PATREON_WALK,
        {
            "url": url,
            "token": token,
            "campaign": campaign,
            "page_size": page_size,
            "rounds": rounds,
        },
    )


_IPERNITY_WALK = """
import json, sys, time
from ipernity import IpernityAPI

args = json.load(sys.stdin)
api = IpernityAPI(args["api_key"], args["api_secret"], token=args["token"],
                  url=args["url"] + "/api/")
best, ids = None, []
for _ in range(args["rounds"]):
    started = time.perf_counter()
    ids = [d["doc_id"] for d in api.walk_docs(user_id=args["user_id"], per_page=args["per_page"])]
    took = time.perf_counter() - started
    best = took if best is None else min(best, took)
print(json.dumps({"seconds": best, "ids": ids}))
"""


def ipernity_doc_walk(
    url: str, creds: dict[str, str], user_id: str, per_page: int, rounds: int
) -> dict[str, Any]:
    """pyipernity's sequential ``walk_docs``: best seconds and the ids in order."""
    return run_script(
        _IPERNITY_WALK,
        {
            "url": url,
            "api_key": creds["api_key"],
            "api_secret": creds["api_secret"],
            "token": creds["auth_token"],
            "user_id": user_id,
            "per_page": per_page,
            "rounds": rounds,
        },
    )


if __name__ == "__main__":
    exe, why = python()
    print(exe or why, file=sys.stderr)
