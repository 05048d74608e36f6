"""Reliability tests, CI-sized by default; ``PAYSUPPORT_FULL=1`` (``./dev bench``): full size.

A test may record its figures with the ``figures`` fixture; when
``PAYSUPPORT_RELIABILITY_FIGURES`` names a file, they are appended to it as JSON
lines for ``python -m benchmarks`` to put in ``docs/performance.md``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest

# Read at import: the root conftest clears PAYSUPPORT_* variables around each test.
FULL = os.environ.get("PAYSUPPORT_FULL") == "1"
FIGURES = os.environ.get("PAYSUPPORT_RELIABILITY_FIGURES")


def sized(ci: int, full: int) -> int:
    return full if FULL else ci


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[..., None]:
    def record(**values: Any) -> None:
        line = {"test": request.node.name, "full": FULL, **values}
        print(json.dumps(line))
        if FIGURES:
            with open(FIGURES, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(line) + "\n")

    return record
