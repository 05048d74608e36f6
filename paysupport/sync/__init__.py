"""Supporter sync: a database mirror of the supporters of many accounts, kept exactly once.

The store (:func:`open_store`) holds, for each connected account, its
supporters as webhook deliveries and reconciliation walks report them:
deliveries applied once and never rolling a supporter back, walks converging
the mirror and logging what they changed (see :mod:`paysupport.sync.store`).
SQLite is the embedded default (``sqlite:///path``); PostgreSQL
(``postgresql://...``, the ``sync`` extra) serves workers on many machines.
Names are imported on first use, so ``import paysupport.sync`` loads no
database driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paysupport.lazy import lazy_exports

if TYPE_CHECKING:
    from paysupport.sync.postgres_store import PostgresStore
    from paysupport.sync.sqlite_store import SQLiteStore
    from paysupport.sync.store import (
        AccountStatus,
        Applied,
        Change,
        Mirrored,
        MirrorError,
        MirrorStore,
        Progress,
        Pruned,
        Reconciled,
        Removal,
        RunSuperseded,
        open_store,
    )

__all__ = [
    "AccountStatus",
    "Applied",
    "Change",
    "MirrorError",
    "MirrorStore",
    "Mirrored",
    "PostgresStore",
    "Progress",
    "Pruned",
    "Reconciled",
    "Removal",
    "RunSuperseded",
    "SQLiteStore",
    "open_store",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **{
            name: "store"
            for name in (
                "AccountStatus",
                "Applied",
                "Change",
                "MirrorError",
                "MirrorStore",
                "Mirrored",
                "Progress",
                "Pruned",
                "Reconciled",
                "Removal",
                "RunSuperseded",
                "open_store",
            )
        },
        "PostgresStore": "postgres_store",
        "SQLiteStore": "sqlite_store",
    },
)
