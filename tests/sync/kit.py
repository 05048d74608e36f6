"""Supporters, moments and worker processes for the mirror store's tests."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from paysupport.money import Money
from paysupport.supporters import Period, Supporter, SupporterStatus

PROVIDER = "patreon"
ACCOUNT = "campaign-1"
WORKER = Path(__file__).with_name("worker.py")

#: The first moment of the tests' story; ``at(n)`` is n minutes later.
START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def fan(number: int, account: str = ACCOUNT, **changes: Any) -> Supporter:
    """Supporter ``fan-<number>`` of ``account``: 5 EUR a month unless ``changes`` say otherwise."""
    fields: dict[str, Any] = {
        "provider": PROVIDER,
        "id": f"fan-{number:04d}",
        "name": f"Fan {number}",
        "status": SupporterStatus.ACTIVE,
        "amount": Money(500, "EUR"),
        "period": Period.MONTH,
        "tier": "Bronze",
        "tier_id": "tier-1",
        "email": f"fan{number}@example.org",
        "since": START - timedelta(days=number),
        "account": account,
    }
    fields.update(changes)
    return Supporter(**fields)


def fans(count: int, account: str = ACCOUNT, **changes: Any) -> list[Supporter]:
    return [fan(number, account, **changes) for number in range(count)]


def worker(url: str, job: str, **args: Any) -> subprocess.Popen[str]:
    """A process running ``job`` of tests/sync/worker.py on the store at ``url``."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, job, json.dumps(args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
