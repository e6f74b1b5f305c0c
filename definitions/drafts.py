"""A roadmap draft as data, for the portal's editor (#14): check it, edit its steps, read forms.

A draft is the definition's mapping (what the YAML holds). It may be unfinished: ``check_draft``
reports every error and warning by the step it concerns, in Russian, and the reading of each
deadline («понято как: …», ``definitions.deadlines.explain_deadline``). The edits (``move_step``,
``indent_step``, ``remove_step``, ``add_step``, ``replace_step``) change the mapping and return
one Russian line saying what changed, for the version history. ``step_from_form`` and
``header_from_form`` read the editor's forms with an error per field.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from common.errors import DeadlineError, NastavnikError
from common.messages import render_message
from common.russian import format_date_ru
from definitions.catalogue import DOCUMENTS, ROLES
from definitions.loader import yaml_problem
from definitions.schema import CODE_PATTERN, Roadmap, Step

SCOPES = {
    "school": "каждая школа",
    "municipality": "муниципалитет (один раз)",
    "both": "и муниципалитет, и каждая школа",
}
_LABELS = {
    "code": "номер",
    "title": "название",
    "deadline": "срок",
    "start": "дата начала",
    "end": "дата окончания",
    "responsible": "ответственный",
    "roles": "роли",
    "scope": "кто выполняет",
    "depends_on": "предшествующие шаги",
    "documents": "документы",
    "section": "раздел",
    "parent": "родительский шаг",
    "escalation": "эскалация",
    "id": "id",
    "municipality": "муниципалитет",
    "timezone": "часовой пояс",
    "period": "период",
    "issuer": "кто утвердил",
}
_ROADMAP_ID = r"^[a-z0-9][a-z0-9\-]*$"


# --- text ------------------------------------------------------------------------------------


def load_draft(text: str) -> dict[str, Any]:
    """The draft's mapping from its YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = render_message("draft.yaml_line", line=mark.line + 1) if mark is not None else ""
        raise NastavnikError(
            code="editor.not_yaml", where="definition", problem=line + yaml_problem(error)
        ) from None
    if not isinstance(data, dict):
        raise NastavnikError(code="editor.not_roadmap", where="definition")
    data.setdefault("steps", [])
    return data


def dump_draft(data: Mapping[str, Any]) -> str:
    """The draft as YAML text in the shipped definitions' style (what export writes)."""
    base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class _Dumper(base):  # type: ignore[misc,valid-type]
        pass

    def _str(dumper: Any, value: str) -> yaml.ScalarNode:
        style = None if re.fullmatch(r"[a-z_]+", value) else '"'
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(dict(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)


# --- checking --------------------------------------------------------------------------------


@dataclass
class StepReport:
    """What the editor shows beside one step: its reading, errors, warnings, import problems."""

    code: str
    reading: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class DraftReport:
    """The draft's errors (publishing is refused while there are any) and warnings."""

    header_errors: list[str] = field(default_factory=list)
    general: list[str] = field(default_factory=list)  # warnings and problems of the whole draft
    steps: list[StepReport] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Every error, each with the step it concerns."""
        found = list(self.header_errors)
        for step in self.steps:
            found += [
                render_message("draft.step_error", step=step.code, problem=error)
                for error in step.errors
            ]
        return found

    def of(self, code: str) -> StepReport:
        """The report of the step with this code."""
        for step in self.steps:
            if step.code == code:
                return step
        return StepReport(code=code)


def _pydantic_ru(error: Any, *, labels: Mapping[str, str] = _LABELS) -> str:
    loc = [part for part in error["loc"] if not str(part).startswith("function-")]
    label = " → ".join(labels.get(str(part), str(part)) for part in loc if isinstance(part, str))
    kind = error["type"]
    message = str(error.get("msg", ""))
    if kind == "missing":
        text = "не заполнено"
    elif kind == "string_pattern_mismatch":
        text = "недопустимые символы"
    elif kind == "too_short":
        text = "выберите хотя бы одно значение"
    elif kind == "literal_error":
        text = "недопустимое значение"
    elif kind.startswith("date"):
        text = "не дата (ДД.ММ.ГГГГ)"
    elif kind == "extra_forbidden":
        text = "лишнее поле"
    elif "must not be empty" in message:
        text = "не заполнено"
    elif "no deadline" in message:
        text = "нет срока: впишите формулировку, даты или отметьте «без срока»"
    elif "is before start" in message:
        text = "дата окончания раньше даты начала"
    elif "completes_from" in message:
        text = "отметку по данным реестра ставит только шаг каждой школы"
    elif "ends" in message and "before it starts" in message:
        text = "период кончается раньше, чем начинается"
    elif "unknown time zone" in message:
        text = "неизвестный часовой пояс (нужно название вроде Asia/Yekaterinburg)"
    else:
        text = message
    return f"{label}: {text}" if label else text


def _period(data: Mapping[str, Any]) -> tuple[date, date] | None:
    period = data.get("period")
    if not isinstance(period, Mapping):
        return None
    start, end = period.get("start"), period.get("end")
    if isinstance(start, date) and isinstance(end, date) and start <= end:
        return start, end
    return None


def reading_of(step: Step, *, period: tuple[date, date] | None) -> str:
    """How the step's deadline is read, in Russian: typed dates, «без срока» or the phrase's."""
    from definitions.deadlines import explain_deadline

    if step.end is not None:
        if step.start is not None and step.start != step.end:
            return render_message(
                "draft.dates_typed",
                start=format_date_ru(step.start),
                end=format_date_ru(step.end),
            )
        return render_message("draft.date_typed", end=format_date_ru(step.end))
    if step.unscheduled or step.deadline is None:
        unscheduled = render_message("draft.unscheduled")
        if step.deadline is None or period is None:
            return unscheduled
        # the phrase kept as the source wrote it: how it reads (or why it does not)
        phrase = explain_deadline(step.deadline, period_start=period[0], period_end=period[1])
        return render_message("draft.unscheduled_phrase", phrase=phrase)
    if period is None:
        return render_message("draft.no_period")
    return explain_deadline(step.deadline, period_start=period[0], period_end=period[1])


def _cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(code: str) -> list[str] | None:
        state[code] = 1
        stack.append(code)
        for dep in graph.get(code, ()):
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                return stack[stack.index(dep) :]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[code] = 2
        return None

    for code in graph:
        if code not in state and (found := visit(code)):
            return found
    return None


def check_draft(
    data: Mapping[str, Any],
    *,
    problems: Sequence[Mapping[str, Any]] = (),
    taken_ids: Mapping[str, str] | None = None,
) -> DraftReport:
    """Every error and warning of the draft by the step it concerns, and each deadline's reading.

    Args:
        data: the draft's mapping.
        problems: the import's problems, ``{"step": code or None, "text": …}``.
        taken_ids: roadmap ids used elsewhere → where (a file): the draft may not take one.
    """
    from definitions.compiler import compile_step

    report = DraftReport()
    raw_steps = data.get("steps") or []
    try:
        Roadmap.model_validate({**data, "steps": [_PLACEHOLDER]})
    except ValidationError as error:
        report.header_errors += [_pydantic_ru(problem) for problem in error.errors()]
    if not raw_steps:
        report.header_errors.append(render_message("draft.no_steps"))
    roadmap_id = str(data.get("id") or "")
    if taken_ids and roadmap_id in taken_ids:
        report.header_errors.append(
            render_message("draft.id_taken", roadmap=roadmap_id, by=taken_ids[roadmap_id])
        )
    period = _period(data)
    sections = {str(s.get("code")) for s in data.get("sections") or [] if isinstance(s, Mapping)}
    codes: dict[str, int] = {}
    valid: list[Step] = []
    for index, raw in enumerate(raw_steps):
        code = str(raw.get("code", f"#{index + 1}")) if isinstance(raw, Mapping) else "?"
        step_report = StepReport(code=code)
        report.steps.append(step_report)
        if code in codes:
            step_report.errors.append(render_message("draft.code_repeats", step=code))
        codes.setdefault(code, index)
        try:
            step = Step.model_validate(raw)
        except ValidationError as error:
            step_report.errors += [_pydantic_ru(problem) for problem in error.errors()]
            continue
        valid.append(step)
        step_report.reading = reading_of(step, period=period)
        if period is not None:
            try:
                compile_step(step, period_start=period[0], period_end=period[1], steps=[])
            except DeadlineError as error:
                if step.anchor is None or "anchor" in str(error):
                    step_report.errors.append(
                        render_message("draft.deadline_unread", problem=error)
                    )
    all_codes = set(codes)
    for step, step_report in zip(valid, [report.of(step.code) for step in valid], strict=True):
        if step.section is not None and step.section not in sections:
            step_report.errors.append(render_message("draft.no_section", section=step.section))
        if step.parent is not None and (step.parent not in all_codes or step.parent == step.code):
            step_report.errors.append(render_message("draft.no_parent", step=step.parent))
        for dep in step.depends_on:
            if dep == step.code:
                step_report.errors.append(render_message("draft.depends_on_itself"))
            elif dep not in all_codes:
                step_report.errors.append(render_message("draft.no_previous", step=dep))
    cycle = _cycle({step.code: list(step.depends_on) for step in valid})
    if cycle:
        report.of(cycle[0]).errors.append(
            render_message("draft.cycle", cycle=" → ".join([*cycle, cycle[0]]))
        )
    for problem in problems:
        text = str(problem.get("text", ""))
        owner = problem.get("step")
        if owner and str(owner) in all_codes:
            report.of(str(owner)).problems.append(text)
        else:
            report.general.append(text)
    for step in valid:
        if step.unscheduled and step.end is None:
            report.of(step.code).warnings.append(render_message("draft.no_dates_yet"))
    if not report.errors:
        _lint(data, report)
    return report


_PLACEHOLDER = {
    "code": "1",
    "title": "-",
    "unscheduled": True,
    "responsible": "-",
    "roles": ["coordinator"],
    "scope": "municipality",
}


def _lint(data: Mapping[str, Any], report: DraftReport) -> None:
    """The linter's warnings (and the loader's last word), placed beside their steps by line."""
    from definitions.compiler import compile_roadmap
    from definitions.lint import lint_roadmap
    from definitions.loader import parse_roadmap_text

    path = Path("черновик")
    try:
        loaded = parse_roadmap_text(dump_draft(data), path=path)
        warnings = lint_roadmap(loaded, compile_roadmap(loaded))
    except NastavnikError as error:
        report.header_errors.append(error.reason)
        return
    starts = [loaded.line_of("steps", index) for index in range(len(loaded.roadmap.steps))]
    for warning in warnings:
        line = int(warning.where.rsplit(":", 1)[-1])
        owner = None
        for index, start in enumerate(starts):
            if start <= line:
                owner = loaded.roadmap.steps[index].code
        if owner is None:
            report.general.append(warning.message)
        else:
            report.of(owner).warnings.append(warning.message)


# --- edits -----------------------------------------------------------------------------------


def _steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    steps = data.setdefault("steps", [])
    assert isinstance(steps, list)
    return steps


def step_index(data: dict[str, Any], code: str) -> int:
    """The position of the step with this code; a Russian error when there is none."""
    for index, step in enumerate(_steps(data)):
        if str(step.get("code")) == code:
            return index
    raise NastavnikError(code="editor.no_step", where="code", step=code)


def move_step(data: dict[str, Any], code: str, direction: str) -> str:
    """Move a step one place up or down (with nothing else); the change in words."""
    steps = _steps(data)
    index = step_index(data, code)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(steps):
        raise NastavnikError(
            code="editor.move_first" if direction == "up" else "editor.move_last",
            where="move",
            step=code,
        )
    steps[index], steps[other] = steps[other], steps[index]
    return render_message(
        "editor.moved_up" if direction == "up" else "editor.moved_down", step=code
    )


def indent_step(data: dict[str, Any], code: str) -> str:
    """Make a step a sub-row of the step above it at its level; the change in words."""
    steps = _steps(data)
    index = step_index(data, code)
    parent = steps[index].get("parent")
    for above in reversed(steps[:index]):
        if above.get("parent") == parent:
            steps[index] = _with(steps[index], parent=str(above["code"]))
            return render_message("editor.indented", step=code, parent=above["code"])
    raise NastavnikError(code="editor.no_step_above", where="move", step=code)


def outdent_step(data: dict[str, Any], code: str) -> str:
    """Lift a sub-row one level up; the change in words."""
    steps = _steps(data)
    index = step_index(data, code)
    parent = steps[index].get("parent")
    if parent is None:
        raise NastavnikError(code="editor.not_subrow", where="move", step=code)
    grand = next((s.get("parent") for s in steps if str(s.get("code")) == str(parent)), None)
    steps[index] = _with(steps[index], parent=grand)
    return render_message("editor.outdented", step=code, parent=parent)


def remove_step(data: dict[str, Any], code: str) -> str:
    """Remove a step; its sub-rows move up a level and references to it go; the change in words."""
    steps = _steps(data)
    index = step_index(data, code)
    removed = steps.pop(index)
    for position, step in enumerate(steps):
        changes: dict[str, Any] = {}
        if step.get("parent") == code:
            changes["parent"] = removed.get("parent")
        if code in (step.get("depends_on") or []):
            changes["depends_on"] = [dep for dep in step["depends_on"] if dep != code]
        if step.get("anchor") == code:
            changes["anchor"] = None
        if changes:
            steps[position] = _with(step, **changes)
    return render_message("editor.removed", step=code)


def add_step(data: dict[str, Any], *, after: str | None) -> tuple[str, str]:
    """A new step (no deadline yet) after the given one or at the end: its code and the change."""
    steps = _steps(data)
    taken = {str(step.get("code")) for step in steps}
    number = len(steps) + 1
    while str(number) in taken:
        number += 1
    code = str(number)
    fresh = {
        "code": code,
        "title": "Новый шаг",
        "unscheduled": True,
        "responsible": "(укажите ответственного)",
        "roles": ["coordinator"],
        "scope": "municipality",
    }
    position = len(steps)
    if after:
        position = step_index(data, after) + 1
        parent = steps[position - 1].get("parent")
        if parent is not None:
            fresh["parent"] = parent
    steps.insert(position, fresh)
    return code, render_message("editor.added", step=code)


def replace_step(data: dict[str, Any], code: str, new: dict[str, Any]) -> str:
    """Put the edited step in place; a new code is carried to the steps that name the old one."""
    steps = _steps(data)
    index = step_index(data, code)
    new_code = str(new["code"])
    steps[index] = new
    if new_code != code:
        for position, step in enumerate(steps):
            changes: dict[str, Any] = {}
            if step.get("parent") == code:
                changes["parent"] = new_code
            if code in (step.get("depends_on") or []):
                changes["depends_on"] = [new_code if d == code else d for d in step["depends_on"]]
            if step.get("anchor") == code:
                changes["anchor"] = new_code
            if changes:
                steps[position] = _with(step, **changes)
        return render_message("editor.renumbered", step=code, new_step=new_code)
    return render_message("editor.changed", step=code)


_ORDER = (
    "code", "section", "parent", "stage", "title", "items", "deadline", "start", "end",
    "unscheduled", "anchor", "responsible", "roles", "scope", "result", "documents",
    "depends_on", "escalation", "completes_from", "note",
)  # fmt: skip


def _with(step: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """The step with these fields changed; a None or empty value removes the field."""
    merged = {**step, **changes}
    cleaned = {k: v for k, v in merged.items() if v is not None and v != [] and v is not False}
    ordered = {k: cleaned[k] for k in _ORDER if k in cleaned}
    ordered.update({k: v for k, v in cleaned.items() if k not in ordered})
    return ordered


# --- forms -----------------------------------------------------------------------------------


def parse_form_date(text: str) -> date | None:
    """A date typed as ДД.ММ.ГГГГ (or ГГГГ-ММ-ДД); None when empty; ValueError otherwise."""
    text = text.strip().removesuffix("г.").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if match:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    raise ValueError(text)


_DATE_HINT = "дата пишется как ДД.ММ.ГГГГ, например 01.11.2022"


def _one(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def _many(form: Mapping[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def step_from_form(
    data: Mapping[str, Any], code: str, form: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The step as the form edits it, and the form's errors by field (Russian, empty when none).

    Fields: code, title, deadline, unscheduled, start, end, responsible, roles (several), scope,
    section, result, depends_on (several), documents (several), remind_before, coordinator_after,
    head_after. The fields the form does not show (items, stage, note, anchor, …) are kept.
    """
    from definitions.compiler import compile_step

    steps = data.get("steps") or []
    old: dict[str, Any] = next((s for s in steps if str(s.get("code")) == code), {})
    errors: dict[str, str] = {}
    new_code = _one(form, "code")
    if not new_code:
        errors["code"] = render_message("draft.code_empty")
    elif not re.match(CODE_PATTERN, new_code):
        errors["code"] = render_message("draft.code_characters")
    elif new_code != code and any(str(s.get("code")) == new_code for s in steps):
        errors["code"] = render_message("draft.code_taken", step=new_code)
    title = _one(form, "title")
    if not title:
        errors["title"] = render_message("draft.title_empty")
    responsible = _one(form, "responsible")
    if not responsible:
        errors["responsible"] = render_message("draft.responsible_empty")
    roles = _many(form, "roles")
    unknown_roles = [role for role in roles if role not in ROLES]
    if not roles:
        errors["roles"] = render_message("draft.roles_empty")
    elif unknown_roles:
        errors["roles"] = render_message("draft.unknown_roles", roles=", ".join(unknown_roles))
    scope = _one(form, "scope")
    if scope not in SCOPES:
        errors["scope"] = render_message("draft.scope")
    codes = {str(s.get("code")) for s in steps}
    depends_on = _many(form, "depends_on")
    bad_deps = [dep for dep in depends_on if dep not in codes or dep == code]
    if bad_deps:
        errors["depends_on"] = render_message("draft.unknown_previous", steps=", ".join(bad_deps))
    documents = _many(form, "documents")
    bad_docs = [doc for doc in documents if doc not in DOCUMENTS]
    if bad_docs:
        errors["documents"] = render_message(
            "draft.unknown_documents", documents=", ".join(bad_docs)
        )
    sections = {str(s.get("code")) for s in data.get("sections") or []}
    section = _one(form, "section") or None
    if section is not None and section not in sections:
        errors["section"] = render_message("draft.unknown_section", section=section)
    escalation: dict[str, int] = {}
    for name in ("remind_before", "coordinator_after", "head_after"):
        text = _one(form, name)
        if not text:
            continue
        if not re.fullmatch(r"[0-9]{1,3}", text) or int(text) > 365:
            errors[name] = render_message("draft.working_days")
        else:
            escalation[name] = int(text)
    start = end = None
    for name in ("start", "end"):
        try:
            day = parse_form_date(_one(form, name))
        except ValueError:
            errors[name] = render_message("draft.not_a_date", hint=_DATE_HINT)
            continue
        if name == "start":
            start = day
        else:
            end = day
    if start and end and end < start:
        errors["end"] = render_message("draft.end_before_start")
    deadline = _one(form, "deadline") or None
    unscheduled = _one(form, "unscheduled") == "1" and end is None
    new = _with(
        {k: v for k, v in old.items() if k not in ("start", "end", "unscheduled", "escalation")},
        code=new_code or code,
        title=title,
        deadline=deadline,
        start=start,
        end=end,
        unscheduled=unscheduled,
        responsible=responsible,
        roles=roles,
        scope=scope,
        section=section,
        result=_one(form, "result") or None,
        documents=documents,
        depends_on=depends_on,
        escalation=escalation or None,
    )
    period = _period(data)
    if end is None and not unscheduled and "start" not in errors and "end" not in errors:
        if deadline is None:
            errors["deadline"] = render_message("draft.deadline_empty")
        elif period is not None:
            try:
                compile_step(
                    Step.model_validate(
                        {**new, "roles": roles or ["coordinator"], "scope": "school"}
                    ),
                    period_start=period[0],
                    period_end=period[1],
                    steps=[],
                )
            except DeadlineError as error:
                if new.get("anchor") is None:
                    errors["deadline"] = render_message(
                        "draft.deadline_not_read", problem=str(error).rstrip(".")
                    )
            except ValidationError:
                pass
    return new, errors


def form_reading(data: Mapping[str, Any], step: Mapping[str, Any]) -> str:
    """The reading of a step as the form has it (the form's errors aside)."""
    try:
        parsed = Step.model_validate(
            {**step, "roles": step.get("roles") or ["coordinator"], "scope": "school"}
        )
    except ValidationError:
        return ""
    return reading_of(parsed, period=_period(data))


def header_from_form(
    data: Mapping[str, Any], form: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The draft's passport (id, title, municipality, issuer, period, time zone) from its form."""
    errors: dict[str, str] = {}
    new = dict(data)
    roadmap_id = _one(form, "id")
    if not re.match(_ROADMAP_ID, roadmap_id):
        errors["id"] = render_message("draft.bad_id")
    for name, message in (
        ("title", render_message("draft.title_missing")),
        ("municipality", render_message("draft.municipality_missing")),
        ("issuer_name", render_message("draft.issuer_missing")),
    ):
        if not _one(form, name):
            errors[name] = message
    level = _one(form, "issuer_level")
    if level not in ("municipal", "school"):
        errors["issuer_level"] = render_message("draft.level")
    timezone = _one(form, "timezone")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
        errors["timezone"] = render_message("draft.timezone")
    days: dict[str, date | None] = {}
    for name in ("period_start", "period_end"):
        try:
            days[name] = parse_form_date(_one(form, name))
        except ValueError:
            errors[name] = render_message("draft.not_a_date", hint=_DATE_HINT)
            continue
        if days[name] is None:
            errors[name] = render_message("draft.date_missing", hint=_DATE_HINT)
    first, last = days.get("period_start"), days.get("period_end")
    if first and last and last < first:
        errors["period_end"] = render_message("draft.period_reversed")
    new.update(
        id=roadmap_id,
        title=_one(form, "title"),
        municipality=_one(form, "municipality"),
        issuer={"name": _one(form, "issuer_name"), "level": level},
        timezone=timezone,
        period={"start": first, "end": last},
    )
    return new, errors
