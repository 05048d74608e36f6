"""A separate process working on a mirror store, to be killed or raced by the tests.

``python worker.py URL JOB ARGS_JSON``, where JOB is:

``apply``
    apply ``deliveries`` (``[delivery_id, supporter_number, version, minutes]``)
    in order; print one JSON line per delivery: ``[delivery_id, outcome, duplicate]``.
``walk``
    reconcile ``count`` supporters named ``name`` as run ``run_id``, staged
    ``batch`` at a time; after yielding ``block_after`` of them print
    ``blocked`` and hang (for the test to SIGKILL).
``generations``
    reconcile ``count`` supporters again and again, named ``<prefix> <g>`` in
    run ``<prefix>-<g>``; print ``g`` after each run is finished.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from paysupport.supporters import Supporter
from paysupport.sync import open_store
from tests.sync.kit import ACCOUNT, PROVIDER, at, fan


def say(line: str) -> None:
    print(line, flush=True)


def main(url: str, job: str, args: dict[str, Any]) -> None:
    store = open_store(url)
    if job == "apply":
        for delivery_id, number, version, minutes in args["deliveries"]:
            supporter = fan(number, name=f"Fan {number} v{version}")
            applied = store.apply_delivery(PROVIDER, delivery_id, supporter, at(minutes))
            say(json.dumps([delivery_id, applied.outcome, applied.duplicate]))
    elif job == "walk":

        def walk() -> Iterator[Supporter]:
            for number in range(args["count"]):
                if number == args["block_after"]:
                    say("blocked")
                    time.sleep(600)
                yield fan(number, name=args["name"])

        store.reconcile(
            PROVIDER, ACCOUNT, args["run_id"], walk(), complete=True, batch=args["batch"]
        )
    elif job == "generations":
        for generation in range(1, 10_000):
            name = f"{args['prefix']} {generation}"
            seen = [fan(n, name=name) for n in range(args["count"])]
            store.reconcile(PROVIDER, ACCOUNT, f"{args['prefix']}-{generation}", seen, True)
            say(str(generation))
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))
