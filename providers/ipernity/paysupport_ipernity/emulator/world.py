"""Moved to :mod:`paysupport_ipernity.emulator.store` (the world) and
:mod:`paysupport_ipernity.emulator.seed` (its seeding); this path warns and goes in 0.3."""

import warnings

from paysupport_ipernity.emulator import store as _store
from paysupport_ipernity.emulator.seed import *  # noqa: F403
from paysupport_ipernity.emulator.seed import seed_world
from paysupport_ipernity.emulator.store import *  # noqa: F403
from paysupport_ipernity.emulator.store import (
    FIRST_ALBUM_ID,
    FIRST_DOC_ID,
    FIRST_USER_ID,
    format_created,
    media_for_extension,
)

__all__ = [
    "FIRST_ALBUM_ID",
    "FIRST_DOC_ID",
    "FIRST_USER_ID",
    "World",
    "format_created",
    "media_for_extension",
    "seed_world",
]


class World(_store.World):  # type: ignore[no-redef]  # replaces the star-imported one
    """The old constructor, which seeded: ``World(seed=..., users=..., docs=..., albums=...)``.

    The store's :class:`~paysupport_ipernity.emulator.store.World` starts empty and
    :func:`~paysupport_ipernity.emulator.seed.seed_world` fills it.
    """

    def __init__(self, *, seed: int, users: int, docs: int, albums: int) -> None:
        super().__init__(seed=seed)
        seed_world(self, users=users, docs=docs, albums=albums)


warnings.warn(
    "paysupport_ipernity.emulator.world moved to paysupport_ipernity.emulator.store "
    "(World starts empty) and paysupport_ipernity.emulator.seed (seed_world fills it); "
    "the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
