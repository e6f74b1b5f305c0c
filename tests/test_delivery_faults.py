"""A small fault run (tests/faults.py): kills at random points, overlapping ticks, SMTP faults.

The full campaign is ``benchmarks/fault_run.py``; its figures are in docs/delivery.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PG_SKIP_REASON, PG_URL
from tests.faults import campaign


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_a_small_fault_run_loses_no_letter_and_sends_none_twice_outside_the_window(
    kind: str, tmp_path: Path
) -> None:
    if kind == "postgresql" and not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    kill_points = 4 if kind == "sqlite" else 2  # PostgreSQL's rounds cost more (a database each)
    tally, _ = campaign(
        tmp_path,
        schools=6,
        kill_points=kill_points,
        seed=20220520,
        pg_url=PG_URL if kind == "postgresql" else None,
    )
    assert tally.details == [] and tally.lost == 0 and tally.outside == 0
    assert tally.kills == kill_points and tally.rounds >= 4
    assert tally.refused == 1  # the mailbox refused with 550: reported, not lost
    assert tally.letters >= tally.rounds * 8  # every round delivered its municipality's letters


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_kills_while_runs_compose_apart_lose_no_letter_and_send_none_twice(
    kind: str, tmp_path: Path
) -> None:
    # every run composes in a forked process while it sends (the path of a large region's run):
    # a kill takes the composer with it, at any point of composing or sending; what it left
    # ``composing`` is taken over by the next run once its lease ran out, never sent unwritten
    if kind == "postgresql" and not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    kill_points = 6 if kind == "sqlite" else 3
    tally, _ = campaign(
        tmp_path,
        schools=6,
        kill_points=kill_points,
        seed=20221204,
        pg_url=PG_URL if kind == "postgresql" else None,
        overlap_from=1,
        kills_only=True,
    )
    assert tally.details == [] and tally.lost == 0 and tally.outside == 0
    assert tally.kills == kill_points and tally.letters >= tally.rounds * 8
