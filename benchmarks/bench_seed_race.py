"""R5: the settings-token race, as a row of the performance table.

``tests/reliability/test_r5_settings_token_race.py`` records its figures (rounds,
processes, rounds that lost the rotated token, ``invalid_grant`` answers); the
reliability runner hands each figure line here and keeps the row this returns.
"""

from __future__ import annotations

from typing import Any

from benchmarks.results import Result, goal_result


def seed_race(line: dict[str, Any]) -> Result | None:
    """The R5 row for a figure line of the settings-token race test, ``None`` for other lines."""
    if line.get("test_kind") != "settings_token_race":
        return None
    return goal_result(
        "R5",
        "settings token race: invalid_grant answers",
        float(line["invalid_grant"]),
        "",
        "== 0",
        f"{line['rounds']} rounds of {line['processes']} processes starting together on an "
        f"empty store with one creator token; rounds that lost the rotated token: "
        f"{line['failed_rounds']}; at most {line['max_refreshes_per_round']} refresh(es) "
        "per round",
    )
