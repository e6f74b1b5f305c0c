"""The corpus of deadline phrases from public plans: each reads to its dates or is refused clearly."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

from common.errors import DeadlineError
from definitions.deadlines import parse_deadline

CORPUS = Path(__file__).resolve().parent / "data" / "deadline_corpus.tsv"


class Row(NamedTuple):
    phrase: str
    period: tuple[date, date]
    kind: str
    occurrences: str
    source: str
    note: str


def _rows() -> list[Row]:
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrase, period, kind, occurrences, source, note = line.split("\t")
        start, end = (date.fromisoformat(part) for part in period.split(":"))
        rows.append(Row(phrase, (start, end), kind, occurrences, source, note))
    return rows


ROWS = _rows()


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.phrase)
def test_corpus_phrase_reads_to_its_dates_or_is_refused_clearly(row: Row) -> None:
    assert row.source.strip(), "every phrase names where it comes from"
    if row.kind == "refused":
        with pytest.raises(DeadlineError) as raised:
            parse_deadline(row.phrase, period_start=row.period[0], period_end=row.period[1])
        message = str(raised.value)
        assert (
            message.startswith(f"срок «{row.phrase}» не прочитан") and "Так читается: «" in message
        )
        return
    schedule = parse_deadline(row.phrase, period_start=row.period[0], period_end=row.period[1])
    got = ";".join(f"{o.start or '-'}..{o.due}" for o in schedule.occurrences)
    assert (schedule.kind, got) == (row.kind, row.occurrences)


def test_the_corpus_covers_real_plans_and_the_issue_forms() -> None:
    # the forms issue #15 quotes are in the file too; the floor counts phrases of real plans
    real = [row for row in ROWS if not row.source.startswith("issue #15")]
    sources = {row.source for row in real}
    assert len(real) >= 300 and len(sources) >= 50
    read = [row for row in ROWS if row.kind != "refused"]
    # the refused rows are mostly the sources' own errors (a weekday or a year that disagrees)
    assert len(read) / len(ROWS) >= 0.9


def test_every_refused_phrase_says_why_a_careful_reader_gives_it_no_dates() -> None:
    for row in ROWS:
        if row.kind == "refused":
            assert "отказ" in row.note or "описания задачи" in row.note, row.phrase
