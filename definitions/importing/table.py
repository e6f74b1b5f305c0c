"""Read a roadmap out of the grids of a file: header words → columns, rows → sections and steps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from common.messages import render_message
from definitions.importing.readers import Grid, Row

# column kinds in the order a header is tested against them
_HEADER_RULES: tuple[tuple[str, str], ...] = (
    ("code", r"^(№|n|no)(?![а-яёa-z])|п\s*/\s*п|^номер"),
    ("start", r"дата начала|начало"),
    ("end", r"дата окончания|окончани|завершени"),
    ("responsible", r"ответствен|исполнител"),
    ("result", r"результат|вид документа|форма отч[её]т|отч[её]тност|итогов\w* документ"),
    ("deadline", r"срок|дата|период|время"),
    ("stage", r"этап"),
    ("items", r"содержани"),
    ("title", r"мероприят|наименовани|направлени|деятельност|действи"),
)

_CODE = re.compile(r"^\s*((?:\d+|[IVX]+)(?:\s*\.\s*\d+)*)\s*\.?\s*(?=\S|$)")
_BULLET = re.compile(r"^\s*(?:[-–—•·▪●○◦]|\d+\s*[.)])\s*")


@dataclass
class Columns:
    """Which column holds what; ``header`` keeps each column's header words for messages."""

    kinds: dict[str, int]
    header: list[str]
    rows: int  # how many rows the header takes

    def name(self, index: int) -> str:
        text = self.header[index] if index < len(self.header) else ""
        return text or render_message("import.column_number", number=index + 1)


@dataclass
class RawStep:
    """A step as found in the table, before roles, documents and dates are read."""

    table: int
    row: int
    code: str
    section: str | None
    title: str
    items: list[str]
    stage: str | None
    deadline: str
    start: str
    end: str
    responsible: str
    result: str
    columns: Columns
    parent: str | None = None
    generated_code: bool = False


@dataclass
class RawSection:
    code: str
    title: str


@dataclass
class RawProblem:
    table: int
    row: int
    column: str
    message: str


@dataclass
class RawRoadmap:
    sections: list[RawSection] = field(default_factory=list)
    steps: list[RawStep] = field(default_factory=list)
    problems: list[RawProblem] = field(default_factory=list)


def classify_header(text: str) -> str | None:
    """The kind of column a header cell names, or None."""
    words = " ".join(text.lower().split())
    if not words:
        return None
    for kind, pattern in _HEADER_RULES:
        if re.search(pattern, words):
            return kind
    return None


def find_columns(grid: Grid) -> Columns | None:
    """The header of a table: the first of its first rows naming at least three kinds of column.

    A second header row under it (e.g. «Дата начала» / «Дата окончания» under «Срок
    реализации») refines its columns; a row of column numbers («1 2 3 4 5») is skipped.
    """
    for index, row in enumerate(grid.rows[:12]):
        kinds = [classify_header(text) for text in row.texts()]
        if len({kind for kind in kinds if kind}) < 3:
            continue
        header = [" ".join(text.split()) for text in row.texts()]
        used = 1
        if index + 1 < len(grid.rows):
            below = grid.rows[index + 1]
            below_kinds = [classify_header(text) for text in below.texts()]
            if any(below_kinds) and not _looks_like_data(below):
                header = [
                    " ".join(f"{a} {b}".split()) if b and b != a else a
                    for a, b in zip(
                        header, [" ".join(t.split()) for t in below.texts()], strict=False
                    )
                ]
                used = 2
        mapping = _assign(header)
        if "title" not in mapping:
            continue
        rows = index + used
        while rows < len(grid.rows) and _numbering_row(grid.rows[rows]):
            rows += 1
        return Columns(kinds=mapping, header=header, rows=rows)
    return None


def _assign(header: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for column, text in enumerate(header):
        kind = classify_header(text)
        if kind is None:
            continue
        if kind == "end" and "start" not in mapping and "deadline" not in mapping:
            pass
        if kind in mapping:
            if kind == "title" and "items" not in mapping:
                mapping["items"] = column
            continue
        mapping[kind] = column
    if "title" not in mapping and "items" in mapping:
        mapping["title"] = mapping.pop("items")
    if "title" not in mapping and "stage" in mapping:
        mapping["title"] = mapping.pop("stage")
    return mapping


def _numbering_row(row: Row) -> bool:
    texts = [t for t in row.texts() if t]
    return bool(texts) and all(re.fullmatch(r"\d{1,2}\.?", t) for t in texts)


def _looks_like_data(row: Row) -> bool:
    first = next((t for t in row.texts() if t), "")
    return bool(_CODE.match(first)) and not _numbering_row(row)


def join_lines(text: str) -> str:
    """A cell's lines as one line: the table's line breaks are layout, not content."""
    result = ""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        glued = result.endswith(("–", "-")) and (
            (line[:1].isdigit() and result[-2:-1].isdigit())
            or (result[-2:-1].isalpha() and line[:1].islower())
        )  # «2022–» / «2023», «программно-» / «методических»: a word broken by the layout
        if result and not glued:
            result += " "
        result += line
    return result


def split_items(text: str) -> tuple[str, list[str]]:
    """The heading of a cell and its bullet or numbered lines (each item's own breaks joined)."""
    head: list[str] = []
    items: list[str] = []
    for line in text.split("\n"):
        if _BULLET.match(line) and (items or head or re.match(r"^\s*\d+\s*[.)]", line)):
            items.append(_BULLET.sub("", line, count=1))
        elif items:
            items[-1] += " " + line.strip()
        else:
            head.append(line)
    return join_lines("\n".join(head)), [join_lines(item) for item in items]


def normalize_code(text: str) -> str | None:
    """«1.2.» → «1.2», «1.1.1» stays; None when the cell is not a code."""
    compact = re.sub(r"\s+", "", text.strip())
    compact = compact.rstrip(".")
    if re.fullmatch(r"\d+(?:\.\d+)*[a-zа-я]?", compact):
        return compact
    if re.fullmatch(r"\d+(?:\.\d+)*\.{2,}\d+", compact):
        return re.sub(r"\.{2,}", ".", compact)
    return None


def read_grids(grids: list[Grid]) -> RawRoadmap:
    """Sections and steps of every table, in order; a table without its own header continues the
    table before it (a table broken over pages or split by a heading)."""
    out = RawRoadmap()
    columns: Columns | None = None
    state = _State()
    for grid in grids:
        found = find_columns(grid)
        if found is not None:
            columns = found
            start = found.rows
        elif columns is not None and len(grid.rows[0].cells) == len(columns.header):
            start = 0
        else:
            if grid.rows:
                out.problems.append(
                    RawProblem(
                        grid.number,
                        1,
                        "",
                        render_message("import.no_header_row"),
                    )
                )
            continue
        header = [" ".join(t.split()) for t in columns.header]
        for row in grid.rows[start:]:
            if [" ".join(t.split()) for t in row.texts()] == header or _numbering_row(row):
                continue  # the header repeated on a new page
            _read_row(row, grid.number, columns, state, out)
    _number_sub_rows(out, state)
    return out


@dataclass
class _State:
    section: str | None = None
    stage_code: str | None = None
    stage_title: str | None = None
    counters: dict[str, int] = field(default_factory=dict)
    groups: list[list[RawStep]] = field(default_factory=list)
    last_code: str | None = None


def _cell(row: Row, columns: Columns, kind: str) -> str:
    index = columns.kinds.get(kind)
    if index is None or index >= len(row.cells):
        return ""
    return row.cells[index].text


def _continued(row: Row, columns: Columns, kind: str) -> bool:
    index = columns.kinds.get(kind)
    return index is not None and index < len(row.cells) and row.cells[index].continued


def _section_row(row: Row, columns: Columns) -> tuple[str | None, str] | None:
    """(code, title) when the row is a section heading: one text over the row (after the code)."""
    texts = row.texts()
    code_index = columns.kinds.get("code")
    if row.spanning:
        text = next(t for t in texts if t)
        match = _CODE.match(text)
        if match:
            return normalize_code(match.group(1)), join_lines(text[match.end() :])
        return None, join_lines(text)
    others = [t for i, t in enumerate(texts) if i != code_index and t]
    data_kinds = ("deadline", "responsible", "start", "end")
    if (
        others
        and len(set(others)) == 1
        and not any(
            _cell(row, columns, kind) and _cell(row, columns, kind) != others[0]
            for kind in data_kinds
        )
    ):
        fresh = [
            c for i, c in enumerate(row.cells) if i != code_index and c.text and not c.continued
        ]
        filled = sum(1 for i, t in enumerate(texts) if i != code_index and t)
        if (
            fresh
            and (filled >= len(texts) - 1 or filled == 1)
            and not any(_cell(row, columns, kind) for kind in ("responsible",) if filled == 1)
        ):
            code_text = texts[code_index] if code_index is not None else ""
            code = normalize_code(code_text) if code_text else None
            title = others[0]
            if code is None:
                match = _CODE.match(title)
                if match:
                    code, title = normalize_code(match.group(1)), title[match.end() :]
            return code, join_lines(title)
    return None


def _read_row(row: Row, table: int, columns: Columns, state: _State, out: RawRoadmap) -> None:
    if not any(row.texts()):
        return
    section = _section_row(row, columns)
    if section is not None:
        section_code, title = section
        if section_code is None:
            section_code = str(len(out.sections) + 1)
            out.problems.append(
                RawProblem(
                    table,
                    row.number,
                    columns.name(columns.kinds.get("code", 0)),
                    render_message(
                        "import.section_without_code", section=title[:60], number=section_code
                    ),
                )
            )
        if section_code not in {s.code for s in out.sections}:
            out.sections.append(RawSection(code=section_code, title=title))
        state.section = section_code
        state.stage_code = None
        return
    title_cell = _cell(row, columns, "title")
    items_text = _cell(row, columns, "items")
    code_text = _cell(row, columns, "code")
    stage_text = _cell(row, columns, "stage")
    stage: str | None = None
    code: str | None = None
    generated = False
    if "stage" in columns.kinds and stage_text:
        # the stage column groups unnumbered events: «1. Подготовка условий …» over several rows
        stage_match = _CODE.match(stage_text)
        stage_number = normalize_code(code_text) if code_text else None
        if stage_number is None and stage_match:
            stage_number = normalize_code(stage_match.group(1))
        stage = join_lines(stage_text[stage_match.end() :] if stage_match else stage_text)
        if (
            stage_number is not None
            and (_continued(row, columns, "code") or stage_number != state.last_code)
            and "." not in stage_number
        ):
            if stage_number not in {s.code for s in out.sections}:
                out.sections.append(RawSection(code=stage_number, title=stage))
            state.section = stage_number
            if state.stage_code != stage_number:
                state.stage_code = stage_number
            if _continued(row, columns, "title") and state.groups:
                code = None  # a sub-row of the event above: numbered with its group later
            else:
                state.counters[stage_number] = state.counters.get(stage_number, 0) + 1
                code = f"{stage_number}.{state.counters[stage_number]}"
            generated = True
    if code is None and not generated:
        code = normalize_code(code_text) if code_text else None
        if code is None:
            base = state.last_code or "0"
            code = _next_code(base)
            generated = True
            column = columns.name(columns.kinds.get("code", 0))
            why = (
                render_message("import.not_a_code", value=code_text)
                if code_text
                else render_message("import.no_code")
            )
            out.problems.append(
                RawProblem(
                    table,
                    row.number,
                    column,
                    render_message("import.code_given", why=why, number=code),
                )
            )
    title, items = split_items(title_cell)
    if "items" in columns.kinds and items_text:
        head, more = split_items(items_text)
        items = [*items, *([head] if head else []), *more]
    if not title and items:
        title = items.pop(0)
    deadline = join_lines(_cell(row, columns, "deadline"))
    start = join_lines(_cell(row, columns, "start"))
    end = join_lines(_cell(row, columns, "end"))
    step = RawStep(
        table=table,
        row=row.number,
        code=code or "",
        section=state.section,
        title=title,
        items=items,
        stage=stage,
        deadline=deadline,
        start=start,
        end=end,
        responsible=join_lines(_cell(row, columns, "responsible")),
        result=join_lines(_cell(row, columns, "result")),
        columns=columns,
        generated_code=generated,
    )
    if code is None and state.groups:
        state.groups[-1].append(step)
    else:
        state.groups.append([step])
    out.steps.append(step)
    state.last_code = code or state.last_code


def _next_code(code: str) -> str:
    parts = code.split(".")
    tail = re.match(r"\d+", parts[-1])
    number = int(tail.group(0)) if tail else 0
    return ".".join([*parts[:-1], str(number + 1)])


def _number_sub_rows(out: RawRoadmap, state: _State) -> None:
    """Rows sharing one merged event cell become sub-rows: 1.3 → 1.3.1, 1.3.2, …"""
    for group in state.groups:
        if len(group) < 2 or not group[0].generated_code:
            continue
        base = group[0].code
        for number, step in enumerate(group, start=1):
            step.code = f"{base}.{number}"
            step.title = group[0].title if not step.title else step.title
