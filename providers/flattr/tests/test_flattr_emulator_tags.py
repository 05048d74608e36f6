"""The search tag syntax: ``|`` OR, ``&`` AND, ``!`` AND NOT, left to right."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from paysupport_flattr.emulator import tags

INDEX = {"game": {1, 2}, "games": {3}, "software": {2, 3, 4}, "photo": {5, 6}, "flickr": {6, 7}}
UNIVERSE = set(range(1, 9))


def run(expression: str) -> set[int]:
    return tags.evaluate(expression, lambda t: INDEX.get(t, set()), lambda: UNIVERSE)


def test_documented_examples():
    assert run("game | games ! software") == {1}
    assert run("photo & flickr ! illustrations") == {6}
    assert run("photo+flickr".replace("+", " & ")) == {6}
    assert run("!software") == UNIVERSE - {2, 3, 4}
    assert run("GAME") == {1, 2}


@pytest.mark.parametrize("expression", ["", "&", " | ! "])
def test_an_expression_without_tags_is_refused(expression):
    with pytest.raises(ValueError):
        tags.parse(expression)


@given(
    st.lists(
        st.tuples(st.sampled_from(["|", "&", "!"]), st.sampled_from(sorted(INDEX))),
        min_size=1,
        max_size=6,
    )
)
def test_left_to_right_evaluation(steps):
    expression = steps[0][1] + "".join(f" {op} {tag}" for op, tag in steps[1:])
    expected = set(INDEX[steps[0][1]])
    for op, tag in steps[1:]:
        if op == "|":
            expected |= INDEX[tag]
        elif op == "&":
            expected &= INDEX[tag]
        else:
            expected -= INDEX[tag]
    assert run(expression) == expected
