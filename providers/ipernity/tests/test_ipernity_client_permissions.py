"""Permission levels: delete implies write implies read; profile stops at write."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from paysupport_ipernity.auth import CATEGORIES, LEVELS, normalize, satisfies

levels = st.sampled_from(LEVELS)
categories = st.sampled_from(CATEGORIES)


@given(categories, levels, levels)
def test_a_level_covers_every_weaker_level(category: str, granted: str, required: str) -> None:
    expected = LEVELS.index(granted) >= LEVELS.index(required)
    assert satisfies({category: granted}, {category: required}) is expected


def test_missing_categories_count_as_none() -> None:
    assert satisfies({"doc": "delete"}, {})
    assert not satisfies({"doc": "delete"}, {"blog": "read"})
    assert satisfies({}, {"blog": "none"})


def test_normalize_fills_every_category() -> None:
    assert normalize({"doc": "write"}) == {
        "doc": "write",
        "blog": "none",
        "post": "none",
        "network": "none",
        "profile": "none",
    }
    for bad in ({"doc": "admin"}, {"profile": "delete"}, {"photos": "read"}):
        with pytest.raises(ValueError):
            normalize(bad)
