"""The emulator's state: the key's user, the items, the tips given, and the lock over them.

The sandbox serves each emulator from a threaded server, so every read and write of
the state goes through :attr:`Store.lock`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Store"]


@dataclass
class Store:
    """Everything the emulated service knows; built by :func:`~.seed.seed_store`."""

    user: dict[str, Any]
    items: list[dict[str, Any]]
    #: Tipped URL -> the tip's number, in the order they came.
    tips: dict[str, int] = field(default_factory=dict)
    #: API requests received (the admin view's are not counted).
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_request(self) -> None:
        with self.lock:
            self.requests += 1

    def add_tip(self, url: str) -> int | None:
        """The new tip's number, or ``None`` when ``url`` had one already."""
        with self.lock:
            if url in self.tips:
                return None
            self.tips[url] = len(self.tips) + 1
            return self.tips[url]
