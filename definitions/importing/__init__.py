"""Import a municipality's own roadmap table (DOCX, XLSX, ODS, PDF, pasted text) as a draft definition.

``import_roadmap_file`` reads the file (``readers``), finds the columns by their header words and
the sections and steps (``table``), maps responsibles to roles and results to document kinds
(``vocabulary``), keeps every deadline phrase as written and compiles it. Whatever it cannot place
is a problem with its table, row, column and a reason in Russian; nothing stops the import except
a file that is not a roadmap table at all (:class:`ImportFileError`).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from common.errors import DeadlineError, NastavnikError
from common.messages import render_message
from common.russian import format_date_ru
from definitions.catalogue import ROLES
from definitions.importing.readers import Document, ImportFileError, read_document
from definitions.importing.table import RawStep, read_grids
from definitions.importing.vocabulary import (
    ROLES_FILE,
    documents_of,
    load_role_rules,
    roles_of,
    scope_of,
)
from definitions.schema import CODE_PATTERN

__all__ = ["ImportFileError", "ImportResult", "Problem", "import_roadmap_file", "write_draft"]


@dataclass(frozen=True)
class Problem:
    """A cell the importer could not place: table, row and column as the user sees them, and why."""

    table: int
    row: int
    column: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        if self.row == 0:
            return render_message("import.whole_file", problem=self.message)
        column = render_message("import.at_column", column=self.column) if self.column else ""
        return render_message(
            "import.at_row", table=self.table, row=self.row, column=column, problem=self.message
        )


@dataclass
class ImportResult:
    """The draft: a definition as data, the readings of its deadlines and the problems found."""

    definition: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    readings: dict[str, str] = field(default_factory=dict)  # step code → «как понято: …»
    rows: dict[str, tuple[int, int]] = field(default_factory=dict)  # step code → (table, row)

    def to_json(self) -> dict[str, Any]:
        """The shape `nastavnik roadmap import --json` prints."""
        period = self.definition["period"]
        return {
            "id": self.definition["id"],
            "title": self.definition["title"],
            "period": {"start": period["start"].isoformat(), "end": period["end"].isoformat()},
            "sections": self.definition.get("sections", []),
            "steps": [
                {
                    "code": step["code"],
                    "section": step.get("section"),
                    "parent": step.get("parent"),
                    "title": step["title"],
                    "items": step.get("items", []),
                    "deadline": step.get("deadline"),
                    "reading": self.readings.get(step["code"], ""),
                    "start": step["start"].isoformat() if step.get("start") else None,
                    "end": step["end"].isoformat() if step.get("end") else None,
                    "unscheduled": step.get("unscheduled", False),
                    "responsible": step["responsible"],
                    "roles": step["roles"],
                    "scope": step["scope"],
                    "result": step.get("result"),
                    "documents": step.get("documents", []),
                    "depends_on": step.get("depends_on", []),
                    "row": {"table": self.rows[step["code"]][0], "row": self.rows[step["code"]][1]},
                }
                for step in self.definition["steps"]
            ],
            "problems": [problem.to_json() for problem in self.problems],
        }


_SCHOOL_ISSUER = re.compile(r"((?:М[БКА]?ОУ|МОУ|ГБОУ|ГОУ|ЧОУ|МАОУ|МБОУ|МКОУ)\s*«?[^»\n]{2,60}»?)")
_SCHOOL_WORDS = re.compile(r"СОШ|ООШ|\bОШ\b|школ|гимнази|лице", re.IGNORECASE)


def _heading_facts(heading: list[str]) -> tuple[str, tuple[date, date] | None, str | None]:
    """Title, period (from the years named) and the issuing school, if the heading names one."""
    lines = [" ".join(line.split()) for line in heading if line.strip()]
    start = next(
        (i for i, line in enumerate(lines) if re.search(r"план|дорожн|карт", line, re.IGNORECASE)),
        None,
    )
    title_lines = lines[start:] if start is not None else lines[-3:]
    title_lines = [line for line in title_lines if not re.match(r"^(период|утвержд)", line, re.I)]
    title = " ".join(title_lines)[:500]
    years = [int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", " ".join(title_lines + lines))]
    title_years = [
        int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", " ".join(lines[start or 0 :]))
    ]
    chosen = title_years or years
    period = (date(min(chosen), 1, 1), date(max(chosen), 12, 31)) if chosen else None
    school = None
    text = "\n".join(lines)
    for match in _SCHOOL_ISSUER.finditer(text):
        if _SCHOOL_WORDS.search(match.group(1)):
            school = match.group(1).strip()
            if school.count("«") > school.count("»"):
                school += "»"
            break
    return title, period, school


def _roadmap_id(path: Path, title: str, period: tuple[date, date]) -> str:
    base = path.stem.lower()
    base = base.translate(_TRANSLIT)
    base = re.sub(r"[^a-z0-9]+", "-", base).strip("-")
    if not base or not base[0].isalnum():
        base = "roadmap"
    if str(period[0].year) not in base:
        base = f"{base}-{period[0].year}"
    return base[:60].strip("-")


_TRANSLIT = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфхцы", "abvgdezijklmnoprstufhcy", strict=True)),
        "ё": "e", "ж": "zh", "ч": "ch", "ш": "sh", "щ": "sch", "э": "e", "ю": "yu", "я": "ya",
        "ь": "", "ъ": "",
    }
)  # fmt: skip


def import_roadmap_file(
    path: Path,
    *,
    roles_file: Path | None = None,
    roadmap_id: str | None = None,
    municipality: str | None = None,
    timezone: str | None = None,
    level: str | None = None,
    data: bytes | None = None,
) -> ImportResult:
    """Read a roadmap table from a file into a draft definition with its problems.

    Args:
        path: the file (DOCX, XLSX, ODS, PDF or tab-separated text); its name for messages when
            ``data`` is given.
        roles_file: the municipality's responsibles table (default: the shipped roles.yaml).
        roadmap_id: the id of the draft (default: made from the file name and the first year).
        municipality: the municipality's name (default: a placeholder reported as a problem).
        timezone: IANA time zone (default Europe/Moscow, reported as a problem).
        level: "school" or "municipal" issuer (default: read from the heading).
        data: the file's bytes when they are already in memory (an upload).

    Raises:
        ImportFileError: the file is empty, not a table, protected, too big or a scan.
    """
    document = read_document(path, data=data)
    return _draft(
        document,
        path=path,
        rules=load_role_rules(roles_file or ROLES_FILE),
        roadmap_id=roadmap_id,
        municipality=municipality,
        timezone=timezone,
        level=level,
    )


def _draft(
    document: Document,
    *,
    path: Path,
    rules: Any,
    roadmap_id: str | None,
    municipality: str | None,
    timezone: str | None,
    level: str | None,
) -> ImportResult:
    from definitions.deadlines import parse_deadline

    raw = read_grids(document.grids)
    problems = [Problem(p.table, p.row, p.column, p.message) for p in raw.problems]
    if not raw.steps:
        raise ImportFileError(code="import.no_steps", where=str(path))
    heading = document.heading or (document.grids[0].heading if document.grids else [])
    title, period, school = _heading_facts(heading)
    if not title:
        title = path.stem
        problems.append(Problem(1, 0, "", render_message("import.no_heading")))
    if period is None:
        years = [
            int(y) for s in raw.steps for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", s.deadline)
        ]
        if years:
            period = (date(min(years), 1, 1), date(max(years), 12, 31))
        else:
            period = (date(date.today().year, 1, 1), date(date.today().year, 12, 31))
        problems.append(
            Problem(
                1,
                0,
                "",
                render_message(
                    "import.no_period",
                    start=format_date_ru(period[0]),
                    end=format_date_ru(period[1]),
                ),
            )
        )
    school_roadmap = (level == "school") if level else school is not None
    issuer_name = (
        school if school_roadmap and school else "(укажите орган, утвердивший дорожную карту)"
    )
    if not school_roadmap:
        match = re.search(
            r"(Управлени\w+ образования[^\n,«]*|Комитет\w* по образованию[^\n,«]*|ГОРУНО|"
            r"Отдел\w* образования[^\n,«]*)",
            "\n".join(heading),
        )
        if match:
            issuer_name = match.group(1).strip()
    if municipality is None:
        problems.append(
            Problem(
                1,
                0,
                "",
                render_message("import.no_municipality"),
            )
        )
    if timezone is None:
        problems.append(Problem(1, 0, "", render_message("import.default_timezone")))
    steps: list[dict[str, Any]] = []
    readings: dict[str, str] = {}
    rows: dict[str, tuple[int, int]] = {}
    codes_seen: dict[str, int] = {}
    known_steps: set[str] = set()
    for step in raw.steps:
        code = step.code
        if not re.match(CODE_PATTERN, code):
            code = f"{len(steps) + 1}"
        if code in codes_seen:
            new = f"{code}-{codes_seen[code] + 1}"
            codes_seen[code] += 1
            problems.append(
                Problem(
                    step.table,
                    step.row,
                    step.columns.name(step.columns.kinds.get("code", 0)),
                    render_message("import.code_repeated", number=code, new=new),
                )
            )
            code = new
        else:
            codes_seen[code] = 1
        entry, step_problems, reading = _step(
            step,
            code=code,
            rules=rules,
            school_roadmap=school_roadmap,
            period=period,
            parse=parse_deadline,
        )
        parent = code.rsplit(".", 1)[0] if code.count(".") >= 2 else None
        if parent and parent in known_steps:
            entry["parent"] = parent
            entry = {k: entry[k] for k in _ORDER if k in entry}
        known_steps.add(code)
        problems.extend(step_problems)
        steps.append(entry)
        readings[code] = reading
        rows[code] = (step.table, step.row)
    sections = [
        {"code": s.code, "title": s.title} for s in raw.sections if re.match(CODE_PATTERN, s.code)
    ]
    known_sections = {s["code"] for s in sections}
    for entry in steps:
        if entry.get("section") not in known_sections:
            entry.pop("section", None)
    definition: dict[str, Any] = {
        "id": roadmap_id or _roadmap_id(path, title, period),
        "title": title,
        "municipality": municipality or "(укажите муниципалитет)",
        "issuer": {"name": issuer_name, "level": "school" if school_roadmap else "municipal"},
        "period": {"start": period[0], "end": period[1]},
        "timezone": timezone or "Europe/Moscow",
        "source": path.name,
        "sections": sections,
        "steps": steps,
    }
    problems.sort(key=lambda p: (p.table, p.row))
    return ImportResult(definition=definition, problems=problems, readings=readings, rows=rows)


_ORDER = (
    "code", "section", "parent", "stage", "title", "items", "deadline", "start", "end",
    "unscheduled", "responsible", "roles", "scope", "result", "documents", "depends_on", "note",
)  # fmt: skip


def _date(text: str) -> date | None:
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:г\.?)?", text.strip())
    if not match:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def _step(
    step: RawStep,
    *,
    code: str,
    rules: Any,
    school_roadmap: bool,
    period: tuple[date, date],
    parse: Any,
) -> tuple[dict[str, Any], list[Problem], str]:
    columns = step.columns
    problems: list[Problem] = []

    def problem(kind: str, message: str) -> None:
        index = columns.kinds.get(kind)
        problems.append(
            Problem(step.table, step.row, columns.name(index) if index is not None else "", message)
        )

    entry: dict[str, Any] = {"code": code}
    if step.section:
        entry["section"] = step.section
    if step.stage:
        entry["stage"] = step.stage
    title = step.title
    if not title:
        title = "(без названия)"
        problem("title", render_message("import.no_title"))
    entry["title"] = title
    if step.items:
        entry["items"] = step.items
    start, end = _date(step.start), _date(step.end)
    if step.start and start is None and step.start != step.end:
        problem("start", render_message("import.start_not_date", value=step.start))
    # an end column may hold a phrase («Апрель 2024»): it is then the deadline, from the start
    deadline = step.deadline or step.end
    step_start = start
    reading = ""
    if start and end and end < start:
        problem("end", render_message("import.end_before_start", end=step.end, start=step.start))
    if start and end and end >= start:
        entry["deadline"] = deadline or step.end
        entry["start"], entry["end"] = start, end
        reading = f"{format_date_ru(start)} – {format_date_ru(end)}"
    elif not deadline:
        entry["unscheduled"] = True
        problem("deadline", render_message("import.no_deadline"))
        reading = "без срока"
    else:
        entry["deadline"] = deadline
        try:
            schedule = parse(
                deadline, period_start=period[0], period_end=period[1], step_start=step_start
            )
            if step_start is not None:
                entry["start"] = step_start
        except DeadlineError as error:
            entry["unscheduled"] = True
            problem(
                "deadline",
                render_message(
                    "import.deadline_unread", deadline=deadline, expected=_expected_ru(error)
                ),
            )
            reading = "не распознан"
        else:
            reading = _reading(schedule)
            outside = [
                o
                for o in schedule.occurrences
                if o.due is not None and not (period[0] <= o.due <= period[1])
            ]
            if outside:
                problem(
                    "deadline",
                    render_message(
                        "import.deadline_outside",
                        deadline=deadline,
                        day=format_date_ru(outside[0].due),
                    ),
                )
    responsible = step.responsible
    if not responsible:
        problem("responsible", render_message("import.no_responsible"))
        responsible = "(не указан)"
    roles, unknown = roles_of(responsible, rules)
    fallback = "school" if school_roadmap else "committee"
    if unknown:
        problem(
            "responsible",
            render_message(
                "import.unknown_roles",
                parts=", ".join(f"«{part}»" for part in unknown),
                taken="" if roles else render_message("import.role_taken", role=ROLES[fallback][1]),
            ),
        )
    elif not roles:
        problem("responsible", render_message("import.no_role", role=ROLES[fallback][1]))
    entry["responsible"] = responsible
    entry["roles"] = roles or [fallback]
    scope, note = scope_of(responsible, entry["roles"], school_roadmap=school_roadmap, rules=rules)
    entry["scope"] = scope
    if note:
        problem("responsible", note)
    if step.result:
        entry["result"] = step.result
        documents = documents_of(step.result)
        if documents:
            entry["documents"] = documents
    return {k: entry[k] for k in _ORDER if k in entry}, problems, reading


def _expected_ru(error: DeadlineError) -> str:
    return render_message("import.deadline_expected")


def _reading(schedule: Any) -> str:
    occurrences = schedule.occurrences
    if not occurrences:
        return "без срока (даты задаст координатор)"

    def one(o: Any) -> str:
        if o.start is not None and o.start != o.due:
            return f"{format_date_ru(o.start)} – {format_date_ru(o.due)}"
        return f"до {format_date_ru(o.due)}"

    shown = "; ".join(one(o) for o in occurrences[:3])
    if len(occurrences) > 3:
        shown += f" … (всего {len(occurrences)})"
    return f"как понято: {shown}"


def _yaml_text(result: ImportResult) -> str:
    base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class _Dumper(base):  # type: ignore[misc,valid-type]
        pass

    def _str(dumper: Any, value: str) -> yaml.ScalarNode:
        style = None if re.fullmatch(r"[a-z_]+", value) else '"'
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    header = [
        "# Черновик дорожной карты, прочитанный командой `nastavnik roadmap import`.",
        f"# Источник: {result.definition['source']}",
        "# Проверьте его: `nastavnik check ЭТОТ_ФАЙЛ`. Что не удалось прочитать:",
    ]
    header += ["#   - " + " ".join(str(problem).split()) for problem in result.problems] or [
        "#   (всё прочитано)"
    ]
    body = yaml.dump(
        result.definition, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000
    )
    return "\n".join(header) + "\n\n" + body


def write_draft(result: ImportResult, out: Path) -> None:
    """Write the draft as a definition `nastavnik check` loads; atomically, or not at all."""
    from definitions.compiler import compile_roadmap
    from definitions.loader import parse_roadmap_text

    text = _yaml_text(result)
    try:
        compile_roadmap(parse_roadmap_text(text, path=out))
    except NastavnikError as error:  # a bug of the importer: say so instead of writing junk
        raise NastavnikError(code="import.draft_invalid", problem=error) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
