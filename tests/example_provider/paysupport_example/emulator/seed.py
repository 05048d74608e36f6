"""Deterministic seeded data: the same seed and sizes give the same world, key included.

``settings.sizes["items"]`` is how many items there are (25 unless told); the seed
chooses the API key, so two sandboxes with different seeds do not accept each
other's clients.
"""

from __future__ import annotations

from paysupport.emulation import EmulatorSettings

from .store import Store

__all__ = ["DEFAULT_ITEMS", "api_key", "seed_store"]

DEFAULT_ITEMS = 25


def api_key(seed: int) -> str:
    """The application's key in a world seeded with ``seed``."""
    return f"example-key-{seed:04d}"


def seed_store(settings: EmulatorSettings) -> Store:
    """A fresh world: one user, ``sizes["items"]`` items, no tips yet."""
    count = settings.sizes.get("items", DEFAULT_ITEMS)
    return Store(
        user={"id": 1, "name": "Example User"},
        items=[{"id": i} for i in range(count)],
    )
