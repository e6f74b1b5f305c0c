"""Launch is previewed, confirmed and undoable (#14), through the `nastavnik` command on SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import Completed, run_cli
from tests.factories import COORDINATOR, HEAD, demo_municipality


def run(env: dict[str, str], *args: str, stdin: str = "") -> Completed:
    """The command in this process (tests/cli_helpers.py), answering prompts from ``stdin``."""
    return run_cli(*args, env=env, input=stdin)


@pytest.fixture
def municipality(sqlite_engine: Any, tmp_path: Path) -> dict[str, str]:
    """The demo municipality's 12 schools (set up by the functions `init` and `schools import`
    call), its coordinator and head; the commands under test run as the user runs them."""
    demo_municipality(sqlite_engine, tmp_path, schools=12)
    return {
        "NASTAVNIK_DB": str(sqlite_engine.url),
        "NASTAVNIK_MAIL_DIR": str(tmp_path / "mail"),
    }


def _instances(env: dict[str, str]) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["NASTAVNIK_DB"])
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM step_instance")).scalar_one()
    engine.dispose()
    return int(count)


def test_launch_shows_the_preview_and_changes_nothing_unless_confirmed(
    municipality: dict[str, str],
) -> None:
    refused = run(municipality, "launch", "beloyarsky-2022", "--now", "2023-03-01", stdin="n\n")
    assert refused.returncode == 1
    out = refused.stdout
    assert "школ: 12; шагов: 25; будет создано экземпляров шагов: 146" in out
    assert (
        "ВНИМАНИЕ: период 1 января 2022 г. – 31 декабря 2022 г. уже закончился (сегодня 1 марта 2023 г.)"
        in out
    )
    # every dated instance (146 less the 13 of the unscheduled 2.2 and 3.4) is past due in 2023
    assert "ВНИМАНИЕ: уже просрочено экземпляров: 133" in out
    assert f"руководителю органа управления образованием: 1 адрес(ов): {HEAD}" in out
    assert f"координатору: 1 адрес(ов): {COORDINATOR}" in out
    assert "без срока (даты задаст координатор: nastavnik schedule): 2.2, 3.4" in out
    assert "Запуск не выполнен: ничего не изменено" in out
    assert _instances(municipality) == 0
    # no terminal at all (a script) is a refusal too
    assert run(municipality, "launch", "beloyarsky-2022", "--now", "2023-03-01").returncode == 1
    assert _instances(municipality) == 0
    confirmed = run(municipality, "launch", "beloyarsky-2022", "--now", "2022-05-20", stdin="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert (
        "beloyarsky-2022: запущена; добавлено экземпляров шагов: 146, школ: 12" in confirmed.stdout
    )
    assert _instances(municipality) == 146
    again = run(municipality, "launch", "beloyarsky-2022", "--now", "2022-05-20", stdin="n\n")
    assert "уже запущена: добавится только новое" in again.stdout
    assert "будет создано экземпляров шагов: 0" in again.stdout


def test_the_preview_counts_the_letters_the_next_tick_decides(municipality: dict[str, str]) -> None:
    preview = run(municipality, "launch", "beloyarsky-2022", "--now", "2022-05-20", "--yes").stdout
    assert "ВНИМАНИЕ: уже просрочено экземпляров: 39" in preview
    assert "напоминание о сроке: 12 адрес(ов)" in preview
    tick = run(municipality, "tick", "--now", "2022-05-20", "--no-send").stdout
    assert "напоминаний — 12, о просрочке школам — 39" in tick


def test_occurrences_outside_the_period_are_left_out_unless_kept(
    municipality: dict[str, str],
) -> None:
    # khnov 3.7 «… или май 2021 г.» is due before its period (2022–2024)
    left = run(municipality, "launch", "khnov-2022-2024", "--now", "2022-09-01", "--yes")
    assert left.returncode == 0, left.stderr
    assert "сроки вне периода: 3.7 (31 мая 2021 г.) — не будут запущены" in left.stdout
    without = _instances(municipality)
    assert run(municipality, "launch", "undo", "khnov-2022-2024").returncode == 0
    kept = run(municipality, "launch", "khnov-2022-2024", "--now", "2022-09-01", "--yes",
               "--keep-outside")  # fmt: skip
    assert "будут запущены (--keep-outside)" in kept.stdout
    assert _instances(municipality) == without + 12  # one more occurrence in each of 12 schools


def test_a_launch_is_undone_until_its_first_letter_then_only_archived(
    municipality: dict[str, str], tmp_path: Path
) -> None:
    assert (
        run(municipality, "launch", "beloyarsky-2022", "--now", "2022-05-20", "--yes").returncode
        == 0
    )
    undone = run(municipality, "launch", "undo", "beloyarsky-2022", "--now", "2022-05-20")
    assert (
        undone.returncode == 0 and "запуск отменён; удалено экземпляров шагов: 146" in undone.stdout
    )
    assert _instances(municipality) == 0
    assert (
        run(municipality, "launch", "beloyarsky-2022", "--now", "2022-05-20", "--yes").returncode
        == 0
    )
    sent = run(municipality, "tick", "--now", "2022-05-20")
    assert sent.returncode == 0, sent.stderr
    assert list((tmp_path / "mail").rglob("*.eml"))
    refused = run(municipality, "launch", "undo", "beloyarsky-2022")
    assert refused.returncode == 1
    assert "уже нельзя отменить: по нему подготовлены или отправлены письма" in refused.stderr
    assert "nastavnik launch archive beloyarsky-2022" in refused.stderr
    assert _instances(municipality) == 146
    archived = run(municipality, "launch", "archive", "beloyarsky-2022", "--now", "2022-06-01")
    assert archived.returncode == 0 and "запуск в архиве с 1 июня 2022 г." in archived.stdout
    # out of the daily run: a later tick decides nothing, the status still shows the run
    later = run(municipality, "tick", "--now", "2022-09-15", "--no-send")
    assert (
        "напоминаний — 0, о просрочке школам — 0, координатору — 0, председателю — 0"
        in later.stdout
    ), later.stdout
    status = run(municipality, "status", "--roadmap", "beloyarsky-2022", "--now", "2022-09-15")
    assert status.returncode == 0, status.stderr
    again = run(municipality, "launch", "archive", "beloyarsky-2022")
    assert again.returncode == 1 and "уже в архиве с 01.06.2022" in again.stderr


def test_an_imported_draft_with_a_both_level_step_and_an_unreadable_deadline_launches(
    municipality: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "roadmaps"
    folder.mkdir()
    table = tmp_path / "plan.txt"
    table.write_text(
        "План мероприятий (дорожная карта) на 2022 год\n"
        "№\tМероприятие\tСрок\tОтветственный\n"
        "1.1\tНазначение кураторов\tдо 15 мая 2022 г.\tОО\n"
        "1.2\tЗаседание совета\tпосле дождичка в четверг\tИМЦ, ОО\n",
        encoding="utf-8",
    )
    draft = folder / "plan.yaml"
    imported = run(municipality, "roadmap", "import", str(table), "--out", str(draft),
                   "--id", "plan-2022", "--tz", "Asia/Yekaterinburg")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    env = {**municipality, "NASTAVNIK_ROADMAPS_DIR": str(folder)}
    launched = run(env, "launch", "plan-2022", "--now", "2022-04-01", "--yes")
    assert launched.returncode == 0, launched.stderr
    assert "без срока (даты задаст координатор: nastavnik schedule): 1.2" in launched.stdout
    # 1.1 in each of 12 schools; 1.2 «ИМЦ, ОО» for the municipality and each school
    assert "добавлено экземпляров шагов: 25, школ: 12" in launched.stdout
    # a second file with the same id is an error that names both files
    (folder / "copy.yaml").write_text(draft.read_text("utf-8"), encoding="utf-8")
    listed = run(env, "roadmap", "list")
    assert listed.returncode == 1
    assert f"описана дважды: в {folder / 'copy.yaml'} и в {draft}" in listed.stderr
