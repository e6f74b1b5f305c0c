"""`nastavnik registry …` and `nastavnik indicators`: a thin shell over the registry's functions.

Only typer is imported at the top, so `nastavnik --help` stays fast; the database and the registry
modules are imported inside the commands. The CLI runs on the server with the database itself, so
it acts as the coordinator (registry/privacy.py LocalOperator); `--by` names who is acting for the
journal.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar, cast

import typer

from common.errors import NastavnikError
from common.messages import render_message
from nastavnik.cli_shared import NowOption

registry_app = typer.Typer(
    help="Реестр наставничества: наставники, наставляемые, пары, численность, анкетирование.",
    no_args_is_help=True,
)

T = TypeVar("T")
SchoolOption = Annotated[str, typer.Option("--school", help="Код школы.")]
ByOption = Annotated[str, typer.Option("--by", help="Кто действует (для журнала).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Вывести в формате JSON.")]
KIND_HELP = "Вид записей: «mentors» (наставники), «mentees» (наставляемые) или «pairs» (пары)."


def _fail(message: NastavnikError | str, *, code: int = 1) -> NoReturn:
    from nastavnik.options import error_text

    typer.echo(render_message("cli.error", message=error_text(message)), err=True)
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    def default(value: Any) -> Any:
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.asdict(value)
        raise TypeError(type(value).__name__)

    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=default))


@contextmanager
def _session(now_text: str | None) -> Iterator[tuple[Any, datetime]]:
    """A session on the configured database and ``--now``; user errors end as `ошибка: …`."""
    from sqlalchemy import inspect

    from common.settings import get_settings
    from nastavnik.cli_shared import parse_now
    from storage.db import make_engine, session_scope
    from storage.schools import get_municipality

    engine = make_engine(get_settings().db)
    try:
        if not inspect(engine).has_table("mentor"):
            _fail(render_message("cli.no_registry_tables"))
        with session_scope(engine) as session:
            moment = parse_now(now_text, tz=get_municipality(session).timezone)
            yield session, moment
    except NastavnikError as error:
        _fail(error)
    finally:
        engine.dispose()


def _actor(by: str) -> Any:
    from engine.actions import Actor

    return Actor(by)


@registry_app.command("import")
def registry_import(
    kind: Annotated[str, typer.Argument(metavar="ВИД", help=KIND_HELP)],
    file: Annotated[
        Path,
        typer.Argument(
            metavar="ФАЙЛ", help="CSV (через «,» или «;», UTF-8) или XLSX со строкой заголовков."
        ),
    ],
    school: SchoolOption,
    by: ByOption = "cli",
    now: NowOption = None,
) -> None:
    """Импортировать наставников, наставляемых или пары школы: все строки верны — или ничего не импортируется."""
    from registry.importer import FileKind, import_registry_file

    with _session(now) as (session, moment):
        result = import_registry_file(
            session=session,
            kind=cast("FileKind", kind),  # checked by the importer
            school_id=school,
            path=file,
            actor=_actor(by),
            now=moment,
        )
    typer.echo(result.text())


@registry_app.command("list")
def registry_list(
    school: Annotated[
        str | None, typer.Option("--school", help="Одна школа (по умолчанию — все).")
    ] = None,
    unpaired: Annotated[
        bool,
        typer.Option("--unpaired", help="Только наставляемые, которым ещё не подобран наставник."),
    ] = False,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Реестр по школам: итоги, наставники, наставляемые и действующие пары."""
    from common.russian import format_date_numeric
    from registry.listing import list_registry
    from registry.privacy import LocalOperator

    with _session(now) as (session, moment):
        schools = list_registry(
            session=session,
            viewer=LocalOperator(),
            now=moment,
            school_id=school,
            unpaired_only=unpaired,
        )
    if as_json:
        _print_json([dataclasses.asdict(item) for item in schools])
        return
    for item in schools:
        c = item.counts
        typer.echo(
            render_message(
                "registry.list_school",
                school=item.school_id,
                name=item.short_name,
                mentors=c.mentors,
                mentees=c.mentees,
                with_request=c.with_request,
                unpaired=c.unpaired,
                pairs=c.active_pairs,
            )
        )
        if unpaired:
            for row in item.mentees or []:
                typer.echo(f"  {row.ref:<11} {row.full_name:<36} {row.request} — {row.note}")
            continue
        for mentor in item.mentors or []:
            consent = "" if mentor.consent else render_message("registry.list_no_consent")
            typer.echo(
                render_message(
                    "registry.list_mentor",
                    ref=mentor.ref,
                    name=mentor.full_name,
                    category=mentor.category,
                    position=mentor.position,
                    taken=mentor.taken,
                    capacity=mentor.capacity,
                    consent=consent,
                )
            )
        for mentee in item.mentees or []:
            where = mentee.school_class or mentee.position
            paired = ", ".join(mentee.mentors) or mentee.note
            typer.echo(
                f"  {mentee.ref:<11} {mentee.full_name:<36} {mentee.category}"
                f"{', ' + where if where else ''}; «{mentee.request}» → {paired}"
            )
        for pair in item.pairs or []:
            group = f" ({pair.group})" if pair.group else ""
            typer.echo(
                render_message(
                    "registry.list_pair",
                    pair=pair.id,
                    form=pair.form,
                    group=group,
                    mentors=", ".join(pair.mentors),
                    mentees=", ".join(pair.mentees),
                    start=format_date_numeric(pair.start),
                    end=format_date_numeric(pair.end),
                )
            )


@registry_app.command("suggest")
def registry_suggest(
    mentee_id: Annotated[
        int,
        typer.Argument(
            metavar="НАСТАВЛЯЕМЫЙ", help="Номер наставляемого («mentee:НОМЕР» в списке)."
        ),
    ],
    limit: Annotated[int, typer.Option(help="Сколько наставников показать.")] = 5,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Подобрать наставников для наставляемого по убыванию пригодности, с объяснением."""
    from registry.suggest import suggest_mentors

    with _session(now) as (session, moment):
        suggestions = suggest_mentors(session=session, mentee_id=mentee_id, now=moment, limit=limit)
    if as_json:
        _print_json([{**dataclasses.asdict(s), "explanation": s.explanation} for s in suggestions])
        return
    if not suggestions:
        typer.echo(render_message("registry.no_suggestion"))
    for s in suggestions:
        typer.echo(
            render_message(
                "cli.suggestion",
                score=s.score,
                mentor=s.mentor_id,
                name=s.full_name,
                why=s.explanation,
            )
        )


@registry_app.command("pair")
def registry_pair(
    school: SchoolOption,
    form: Annotated[
        str, typer.Option(help="Форма наставничества: её код или название («учитель – ученик»).")
    ],
    mentor: Annotated[
        list[int], typer.Option("--mentor", help="Номер наставника (для группы — несколько раз).")
    ],
    mentee: Annotated[
        list[int],
        typer.Option("--mentee", help="Номер наставляемого (для группы — несколько раз)."),
    ],
    start: Annotated[str, typer.Option(help="Начало, 15.09.2022 или 2022-09-15.")],
    end: Annotated[str, typer.Option(help="Окончание, 31.05.2023 или 2023-05-31.")],
    programme: Annotated[str, typer.Option(help="Программа наставничества.")] = "",
    group: Annotated[str | None, typer.Option(help="Название группы («Группа № 1»).")] = None,
    by: ByOption = "cli",
    now: NowOption = None,
) -> None:
    """Закрепить пару или группу, проверив правила закрепления."""
    from registry.pairing import add_pair
    from registry.values import Invalid, read_date

    dates = []
    for option, text in (("--start", start), ("--end", end)):
        try:
            dates.append(read_date(text))
        except Invalid as error:
            _fail(f"{option}: {error}", code=2)
    with _session(now) as (session, moment):
        pair = add_pair(
            session=session,
            school_id=school,
            form=form,
            mentor_ids=mentor,
            mentee_ids=mentee,
            start_date=dates[0],
            end_date=dates[1],
            programme=programme,
            group_name=group,
            actor=_actor(by),
            now=moment,
        )
    typer.echo(
        render_message(
            "registry.paired",
            pair=pair.id,
            form=pair.form_code,
            start=pair.start_date,
            end=pair.end_date,
        )
    )


@registry_app.command("remove")
def registry_remove(
    person: Annotated[
        str, typer.Argument(metavar="ЗАПИСЬ", help="«mentor:НОМЕР» или «mentee:НОМЕР».")
    ],
    reason: Annotated[
        str, typer.Option(help="Запрос, по которому удаляется запись (для журнала, без имени).")
    ],
    by: ByOption = "cli",
    now: NowOption = None,
) -> None:
    """Удалить запись по запросу: персональные данные стираются, в журнале остаётся факт удаления."""
    from registry.people import parse_person_ref, remove_person

    with _session(now) as (session, moment):
        kind, person_id = parse_person_ref(person)
        removal = remove_person(
            session=session,
            kind=kind,
            person_id=person_id,
            reason=reason,
            actor=_actor(by),
            now=moment,
        )

    ended = (
        render_message("cli.pairs_ended", pairs=", ".join(map(str, removal.pairs_ended)))
        if removal.pairs_ended
        else ""
    )
    typer.echo(
        render_message(
            "cli.person_removed", person=removal.person, school=removal.school_id, ended=ended
        )
    )


ClearOption = Annotated[
    list[str] | None,
    typer.Option(
        "--clear",
        metavar="ЧИСЛО",
        help="Удалить сохранённое число, названное как его параметр без дефисов "
        "(--clear «pupils-15-18»); можно повторить. Число, параметр которого не указан, "
        "остаётся прежним.",
    ),
]


def _counts_command(
    setter: Callable[..., Any],
    school: str,
    year: int,
    by: str,
    now: str | None,
    clear: list[str] | None,
    **numbers: int | None,
) -> Any:
    """Run ``set_totals`` or ``set_survey``: options not given stay None (keep the stored
    number); ``--clear pupils-15-18`` is the explicit way to remove one."""
    names = [name.removeprefix("--").replace("-", "_") for name in clear or []]
    unknown = [given for given, name in zip(clear or [], names, strict=True) if name not in numbers]
    if unknown:
        known = ", ".join(name.replace("_", "-") for name in numbers)

        _fail(render_message("cli.unknown_number", name=unknown[0], known=known), code=2)
    with _session(now) as (session, moment):
        return setter(
            session=session,
            school_id=school,
            year=year,
            actor=_actor(by),
            now=moment,
            clear=set(names),
            **numbers,
        )


def _shown(value: int | None) -> str:
    return "—" if value is None else str(value)


@registry_app.command("totals")
def registry_totals(
    school: SchoolOption,
    year: Annotated[int, typer.Option(help="Календарный год, к которому относятся числа.")],
    pupils_10_18: Annotated[
        int | None, typer.Option("--pupils-10-18", help="Обучающихся 10–18 лет.")
    ] = None,
    pupils_15_18: Annotated[
        int | None, typer.Option("--pupils-15-18", help="Обучающихся 15–18 лет.")
    ] = None,
    young_teachers: Annotated[
        int | None, typer.Option("--young-teachers", help="Молодых специалистов (стаж 0–3 года).")
    ] = None,
    clear: ClearOption = None,
    by: ByOption = "cli",
    now: NowOption = None,
) -> None:
    """Записать численность школы за год (знаменатели показателей)."""
    from registry.totals import set_totals

    row = _counts_command(
        set_totals,
        school,
        year,
        by,
        now,
        clear,
        pupils_10_18=pupils_10_18,
        pupils_15_18=pupils_15_18,
        young_teachers=young_teachers,
    )

    typer.echo(
        render_message(
            "cli.totals",
            school=school,
            year=year,
            pupils_10_18=_shown(row.pupils_10_18),
            pupils_15_18=_shown(row.pupils_15_18),
            young_teachers=_shown(row.young_teachers),
        )
    )


@registry_app.command("survey")
def registry_survey(
    school: SchoolOption,
    year: Annotated[int, typer.Option(help="Календарный год анкетирования.")],
    mentees_took_part: Annotated[int | None, typer.Option(help="Наставляемых ответило.")] = None,
    mentees_satisfied: Annotated[
        int | None, typer.Option(help="Наставляемых удовлетворено.")
    ] = None,
    mentors_took_part: Annotated[int | None, typer.Option(help="Наставников ответило.")] = None,
    mentors_satisfied: Annotated[
        int | None, typer.Option(help="Наставников удовлетворено.")
    ] = None,
    clear: ClearOption = None,
    by: ByOption = "cli",
    now: NowOption = None,
) -> None:
    """Записать итоги анкетирования удовлетворённости школы за год (числа)."""
    from registry.totals import set_survey

    row = _counts_command(
        set_survey,
        school,
        year,
        by,
        now,
        clear,
        mentees_took_part=mentees_took_part,
        mentees_satisfied=mentees_satisfied,
        mentors_took_part=mentors_took_part,
        mentors_satisfied=mentors_satisfied,
    )
    typer.echo(
        render_message(
            "cli.survey",
            school=school,
            year=year,
            mentees_satisfied=_shown(row.mentees_satisfied),
            mentees_took_part=_shown(row.mentees_took_part),
            mentors_satisfied=_shown(row.mentors_satisfied),
            mentors_took_part=_shown(row.mentors_took_part),
        )
    )


@registry_app.command("export")
def registry_export(
    kind: Annotated[str, typer.Argument(metavar="ВИД", help=KIND_HELP)],
    school: SchoolOption,
    out: Annotated[Path, typer.Option("--out", help="Куда записать файл (.csv или .xlsx).")],
    by: ByOption = "cli",
    now: NowOption = None,
) -> None:
    """Выгрузить реестр школы в формате импорта (с записью в журнал: персональные данные покидают систему)."""
    from registry.exporter import ExportFormat, ExportKind, export_registry
    from registry.privacy import LocalOperator

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        _fail(render_message("cli.export_format", path=out), code=2)
    with _session(now) as (session, moment):
        data = export_registry(
            session=session,
            viewer=LocalOperator(email=by),
            school_id=school,
            kind=cast("ExportKind", kind),  # checked by the export
            fmt=cast("ExportFormat", fmt),
            now=moment,
        )
        out.write_bytes(data)
    typer.echo(render_message("cli.written", path=out, size=len(data)))


@registry_app.command("forms")
def registry_forms(as_json: JsonOption = False, now: NowOption = None) -> None:
    """Формы наставничества и какие категории участников каждая объединяет."""
    from registry.forms import list_forms
    from registry.models import MENTEE_CATEGORIES, MENTOR_CATEGORIES

    with _session(now) as (session, _moment):
        forms = list_forms(session)
    if as_json:
        _print_json([form.model_dump() for form in forms])
        return
    for form in forms:
        mentees = render_message("registry.or").join(
            MENTEE_CATEGORIES[c] for c in form.mentee_categories
        )
        state = "" if form.active else render_message("registry.form_off")
        typer.echo(
            f"{form.code:<18} «{form.title}»: {MENTOR_CATEGORIES[form.mentor_category]} → "
            f"{mentees}{state}"
        )


def indicators(
    school: Annotated[
        str | None, typer.Option("--school", help="Одна школа (по умолчанию — все).")
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="Календарный год (по умолчанию — год --now).")
    ] = None,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Показатели эффективности: фактические значения по школам и муниципалитету против целевых."""
    from common.russian import format_decimal_ru
    from registry.indicators import compute_indicators

    with _session(now) as (session, moment):
        from storage.models import School

        if school is not None and session.get(School, school) is None:
            _fail(NastavnikError(code="school.unknown", field="school", school=school))
        results = compute_indicators(session=session, year=year or moment.year, school_id=school)
    if as_json:
        _print_json([result.to_json() for result in results])
        return
    for result in results:
        title = result.title if len(result.title) <= 90 else result.title[:89] + "…"
        target = (
            render_message("indicators.target", target=format_decimal_ru(result.target))
            if result.target is not None
            else render_message("indicators.no_target")
        )
        verdict = ""
        if result.achieved is True:
            verdict = render_message("indicators.achieved")
        elif result.achieved is False:
            verdict = render_message("indicators.not_achieved")
        typer.echo(f"{result.code or '—'} {title} ({result.year})")
        typer.echo(
            render_message(
                "indicators.line",
                target=target,
                value=result.municipality.text(),
                verdict=verdict,
            )
        )
        if school is None:
            for school_id, value in result.schools.items():
                typer.echo(f"    {school_id:<16} {value.text()}")
