"""Indicators against hand-computed values for the demo registry of СОШ № 1, 2 and 3 (seed 003's targets).

The demo profiles (nastavnik/demo_data.py REGISTRY) give, for 2022:

| school | pupils 10–18 mentees / pupils 10–18 | pupil mentors 15–18 / pupils 15–18 | young specialists | mentees satisfied | mentors satisfied |
|---|---|---|---|---|---|
| sosh1 | 4·2 + 2·2 + 2 = 14 / 612 | 2 / 198 | 2 / 6 | 13 / 16 | 7 / 8 |
| sosh2 | 3·2 + 1·2 = 8 / 540 | 1 / 171 | 1 / 4 | 7 / 10 | 4 / 5 |
| sosh3 | 3·3 + 1·2 + 2 = 13 / 488 | 1 / 150 | 2 / 3 | 12 / 14 | 6 / 6 |
| municipality | 35 / 1640 | 4 / 519 | 5 / 13 | 32 / 40 | 17 / 19 |

(sosh1's two and sosh3's one pupil waiting for a mentor are not in a pair and do not count.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from common.errors import NastavnikError
from engine.actions import Actor
from registry.indicators import IndicatorResult, compute_indicators
from registry.models import Mentee, SchoolTotals
from registry.people import remove_person
from registry.totals import set_survey, set_totals
from registry.values import FieldErrors
from storage.db import session_scope
from storage.models import JournalEntry
from tests.factories import moment, registry_demo

NOW = moment(date(2022, 10, 20))
ADMIN = Actor("sosh2@beloyarsky-edu.example.ru")


@pytest.fixture
def demo(engine: Engine, tmp_path: Path) -> Engine:
    registry_demo(engine, tmp_path, schools=3, roadmap="khnov-2022-2024")
    return engine


def _results(
    engine: Engine, year: int = 2022, school: str | None = None
) -> dict[str, IndicatorResult]:
    with session_scope(engine) as session:
        return {
            r.measure: r for r in compute_indicators(session=session, year=year, school_id=school)
        }


def test_each_indicator_of_the_demo_matches_the_hand_count(demo: Engine) -> None:
    results = _results(demo)
    expected = {
        "mentee_share_10_18": ((14, 612), (8, 540), (13, 488), (35, 1640), 35.0),
        "mentor_share_15_18": ((2, 198), (1, 171), (1, 150), (4, 519), 6.0),
        "young_teacher_mentee_share": ((2, 6), (1, 4), (2, 3), (5, 13), 100.0),
        "mentee_satisfaction": ((13, 16), (7, 10), (12, 14), (32, 40), 60.0),
        "mentor_satisfaction": ((7, 8), (4, 5), (6, 6), (17, 19), 60.0),
    }
    for measure, (sosh1, sosh2, sosh3, total, target) in expected.items():
        result = results[measure]
        schools = result.schools
        got = [(schools[s].numerator, schools[s].denominator) for s in ("sosh1", "sosh2", "sosh3")]
        assert got == [sosh1, sosh2, sosh3], measure
        municipal = result.municipality
        assert (municipal.numerator, municipal.denominator) == total, measure
        assert municipal.percent == pytest.approx(100 * total[0] / total[1])
        assert result.target == target
    assert results["mentee_share_10_18"].municipality.text() == "2,1 % (35 из 1640)"
    assert [r.achieved for r in results.values()] == [False, False, False, True, True]
    assert results["young_teacher_mentee_share"].code == "3"


def test_one_school_alone_gives_its_own_values(demo: Engine) -> None:
    result = _results(demo, school="sosh3")["young_teacher_mentee_share"]
    assert list(result.schools) == ["sosh3"]
    assert result.municipality.text() == "66,7 % (2 из 3)"


def test_a_missing_total_says_which_number_is_missing_instead_of_dividing_by_zero(
    demo: Engine,
) -> None:
    results = _results(demo, year=2023)
    share = results["mentee_share_10_18"]
    assert share.municipality.percent is None
    assert share.municipality.missing == (
        "не введена численность обучающихся 10–18 лет за 2023 год ни одной школой"
    )
    assert share.schools["sosh1"].text() == (
        "нет данных: не введена численность обучающихся 10–18 лет за 2023 год"
    )
    assert share.schools["sosh1"].numerator == 14  # the pairs run into 2023
    with session_scope(demo) as session:
        set_totals(
            session=session, school_id="sosh2", year=2023, actor=ADMIN, now=NOW, pupils_10_18=0
        )
    share = _results(demo, year=2023)["mentee_share_10_18"]
    assert (
        share.schools["sosh2"].missing
        == "обучающихся 10–18 лет за 2023 год — 0: доля не определена"
    )
    assert share.missing_schools == ["МАОУ СОШ № 1 г. Белоярский", "МАОУ СОШ № 3 г. Белоярский"]


def test_the_municipal_15_18_population_never_exceeds_the_10_18_one(demo: Engine) -> None:
    """A school that gave its 15–18 population but not its 10–18 one stays out of the
    municipality's 15–18 sums (before, 15–18-year-olds outnumbered 10–18-year-olds there)."""
    with session_scope(demo) as session:
        set_totals(
            session=session,
            school_id="sosh2",
            year=2023,
            actor=ADMIN,
            now=NOW,
            pupils_10_18=540,
            pupils_15_18=171,
        )
        set_totals(
            session=session, school_id="sosh1", year=2023, actor=ADMIN, now=NOW, pupils_15_18=900
        )
    results = _results(demo, year=2023)
    older, all_ages = results["mentor_share_15_18"], results["mentee_share_10_18"]
    assert all_ages.municipality.denominator == 540
    assert older.municipality.denominator == 171
    assert older.municipality.denominator <= all_ages.municipality.denominator
    assert older.municipality.numerator == older.schools["sosh2"].numerator
    # the school's own share stands; the municipality's list says why it is left out
    assert older.schools["sosh1"].denominator == 900
    assert older.schools["sosh1"].percent is not None
    assert older.missing_schools == [
        "МАОУ СОШ № 3 г. Белоярский",
        "МАОУ СОШ № 1 г. Белоярский (не введена численность обучающихся 10–18 лет)",
    ]


def test_a_year_without_pairs_counts_nobody(demo: Engine) -> None:
    with session_scope(demo) as session:
        set_totals(
            session=session, school_id="sosh2", year=2021, actor=ADMIN, now=NOW, pupils_10_18=530
        )
    assert (
        _results(demo, year=2021)["mentee_share_10_18"].schools["sosh2"].text() == "0 % (0 из 530)"
    )


def test_removal_on_request_keeps_the_years_counts(demo: Engine) -> None:
    with session_scope(demo) as session:
        pupil = session.exec(
            select(Mentee).where(Mentee.school_id == "sosh2", Mentee.category == "pupil")
        ).first()
        assert pupil is not None
        remove_person(
            session=session,
            kind="mentee",
            person_id=pupil.id or 0,
            reason="заявление",
            actor=ADMIN,
            now=NOW,
        )
    assert _results(demo)["mentee_share_10_18"].schools["sosh2"].numerator == 8


def test_totals_and_surveys_are_checked_and_a_later_entry_changes_only_what_it_gives(
    demo: Engine,
) -> None:
    with session_scope(demo) as session, pytest.raises(FieldErrors) as caught:
        set_totals(
            session=session, school_id="sosh2", year=2022, actor=ADMIN, now=NOW, pupils_15_18=600
        )
    assert caught.value.problems == {
        "pupils_15_18": "600 больше, чем обучающихся 10–18 лет (540): 15–18 лет — их часть"
    }
    with session_scope(demo) as session, pytest.raises(FieldErrors) as caught:
        set_survey(
            session=session, school_id="sosh2", year=2022, actor=ADMIN, now=NOW, mentors_satisfied=6
        )
    assert caught.value.problems == {
        "mentors_satisfied": "6 больше, чем наставников участвовало в опросе (5)"
    }
    with session_scope(demo) as session, pytest.raises(FieldErrors) as caught:
        set_totals(
            session=session, school_id="sosh2", year=1999, actor=ADMIN, now=NOW, young_teachers=-1
        )
    assert caught.value.problems == {
        "young_teachers": "-1: число не может быть отрицательным",
        "year": "1999: ожидается год от 2000 до 2100",
    }
    with session_scope(demo) as session:
        row = set_totals(
            session=session, school_id="sosh2", year=2022, actor=ADMIN, now=NOW, young_teachers=5
        )
        assert (row.pupils_10_18, row.pupils_15_18, row.young_teachers) == (540, 171, 5)
    assert _results(demo)["young_teacher_mentee_share"].schools["sosh2"].text() == "20 % (1 из 5)"


def _latest_journal(engine: Engine, action: str) -> JournalEntry:
    with session_scope(engine) as session:
        entry = session.exec(
            select(JournalEntry)
            .where(JournalEntry.action == action)
            .order_by(col(JournalEntry.id).desc())
        ).first()
        assert entry is not None
        session.expunge(entry)
        return entry


def test_clearing_a_total_keeps_the_others_and_its_indicator_says_no_data(demo: Engine) -> None:
    with session_scope(demo) as session:
        row = set_totals(
            session=session,
            school_id="sosh2",
            year=2022,
            actor=ADMIN,
            now=NOW,
            clear={"pupils_15_18"},
        )
        assert (row.pupils_10_18, row.pupils_15_18, row.young_teachers) == (540, None, 4)
    entry = _latest_journal(demo, "registry_totals")
    assert (entry.actor, entry.school_id) == (ADMIN.email, "sosh2")
    assert entry.details == {"year": 2022, "cleared": ["pupils_15_18"]}
    results = _results(demo)
    share = results["mentor_share_15_18"]
    assert share.schools["sosh2"].text() == (
        "нет данных: не введена численность обучающихся 15–18 лет за 2022 год"
    )
    # the municipality sums sosh1 and sosh3 and names sosh2 as missing, never a 0 for it
    assert (share.municipality.numerator, share.municipality.denominator) == (3, 348)
    assert share.missing_schools == ["МАОУ СОШ № 2 г. Белоярский"]
    assert results["mentee_share_10_18"].schools["sosh2"].text() == "1,5 % (8 из 540)"
    assert results["young_teacher_mentee_share"].schools["sosh2"].text() == "25 % (1 из 4)"


def test_a_cleared_satisfied_count_is_no_data_not_zero_percent(demo: Engine) -> None:
    with session_scope(demo) as session:
        row = set_survey(
            session=session,
            school_id="sosh2",
            year=2022,
            actor=ADMIN,
            now=NOW,
            clear={"mentees_satisfied"},
        )
        assert (row.mentees_took_part, row.mentees_satisfied) == (10, None)
        assert (row.mentors_took_part, row.mentors_satisfied) == (5, 4)
    assert _latest_journal(demo, "registry_survey").details == {
        "year": 2022,
        "cleared": ["mentees_satisfied"],
    }
    results = _results(demo)
    satisfaction = results["mentee_satisfaction"]
    assert satisfaction.schools["sosh2"].percent is None
    assert satisfaction.schools["sosh2"].text() == (
        "нет данных: не введено число удовлетворённых наставляемых за 2022 год"
    )
    assert (satisfaction.municipality.numerator, satisfaction.municipality.denominator) == (25, 30)
    assert satisfaction.missing_schools == ["МАОУ СОШ № 2 г. Белоярский"]
    assert results["mentor_satisfaction"].schools["sosh2"].text() == "80 % (4 из 5)"
    with session_scope(demo) as session:
        set_survey(
            session=session, school_id="sosh2", year=2022, actor=ADMIN, now=NOW, mentees_satisfied=7
        )
    assert _results(demo)["mentee_satisfaction"].schools["sosh2"].text() == "70 % (7 из 10)"


def test_the_checks_apply_to_the_numbers_as_they_will_be_after_the_clearing(demo: Engine) -> None:
    # 600 pupils 15–18 against sosh2's 540 pupils 10–18 is refused ...
    with session_scope(demo) as session, pytest.raises(FieldErrors):
        set_totals(
            session=session, school_id="sosh2", year=2022, actor=ADMIN, now=NOW, pupils_15_18=600
        )
    # ... but not when the 540 is cleared in the same entry: there is nothing left to compare
    with session_scope(demo) as session:
        row = set_totals(
            session=session,
            school_id="sosh2",
            year=2022,
            actor=ADMIN,
            now=NOW,
            pupils_15_18=600,
            clear={"pupils_10_18"},
        )
        assert (row.pupils_10_18, row.pupils_15_18) == (None, 600)
    assert _latest_journal(demo, "registry_totals").details == {
        "year": 2022,
        "pupils_15_18": 600,
        "cleared": ["pupils_10_18"],
    }
    # entering the total again is checked against the stored 600
    with session_scope(demo) as session, pytest.raises(FieldErrors) as caught:
        set_totals(
            session=session, school_id="sosh2", year=2022, actor=ADMIN, now=NOW, pupils_10_18=500
        )
    assert caught.value.problems == {
        "pupils_15_18": "600 больше, чем обучающихся 10–18 лет (500): 15–18 лет — их часть"
    }
    # satisfied over took part is refused; clearing the satisfied makes the smaller count valid
    with session_scope(demo) as session, pytest.raises(FieldErrors):
        set_survey(
            session=session, school_id="sosh2", year=2022, actor=ADMIN, now=NOW, mentors_took_part=3
        )
    with session_scope(demo) as session:
        row = set_survey(
            session=session,
            school_id="sosh2",
            year=2022,
            actor=ADMIN,
            now=NOW,
            mentors_took_part=3,
            clear={"mentors_satisfied"},
        )
        assert (row.mentors_took_part, row.mentors_satisfied) == (3, None)


def test_a_number_given_and_cleared_at_once_or_an_unknown_name_is_refused_and_saves_nothing(
    demo: Engine,
) -> None:
    with session_scope(demo) as session:
        journal_rows = len(session.exec(select(JournalEntry)).all())
    with session_scope(demo) as session, pytest.raises(FieldErrors) as caught:
        set_totals(
            session=session,
            school_id="sosh2",
            year=2022,
            actor=ADMIN,
            now=NOW,
            young_teachers=3,
            clear={"young_teachers"},
        )
    assert caught.value.problems == {
        "young_teachers": "указаны и число, и его очистка: оставьте одно из двух"
    }
    with session_scope(demo) as session, pytest.raises(NastavnikError) as refused:
        set_survey(
            session=session, school_id="sosh2", year=2022, actor=ADMIN, now=NOW, clear={"pupils"}
        )
    assert str(refused.value) == (
        "нельзя очистить pupils: в этой записи есть числа mentees_took_part, mentees_satisfied, "
        "mentors_took_part, mentors_satisfied"
    )
    with session_scope(demo) as session:
        assert len(session.exec(select(JournalEntry)).all()) == journal_rows
        totals = session.exec(
            select(SchoolTotals).where(SchoolTotals.school_id == "sosh2", SchoolTotals.year == 2022)
        ).one()
        assert (totals.pupils_10_18, totals.pupils_15_18, totals.young_teachers) == (540, 171, 4)
