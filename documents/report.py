"""The аналитическая справка's numbers (steps on time / late / overdue / open) and its chart.

A step done on or before its deadline is «on time», done after it «late»; a step not done whose
deadline has passed (before ``as_of``) is «overdue», otherwise «open». A step with no deadline
(«в течение всего периода») is on time when done and open otherwise. A step marked not applicable
(«неприменимо») is none of these: it is counted apart and never listed as overdue, whatever its
date. Days late are working days (the Russian production calendar).
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import matplotlib
from docx.shared import Mm  # noqa: E402
from docxtpl import DocxTemplate, InlineImage  # noqa: E402

from common.russian import format_date_numeric, format_decimal_ru, plural_ru  # noqa: E402
from definitions.workdays import working_days_between  # noqa: E402
from documents.context import (  # noqa: E402
    AnalyticalReport,
    IndicatorValue,
    SchoolReport,
    SchoolStep,
    SchoolSteps,
    StepState,
)

Status = Literal["on_time", "late", "overdue", "open", "not_applicable"]
STATUS_LABELS: dict[str, str] = {
    "on_time": "Выполнено в срок",
    "late": "Выполнено с нарушением срока",
    "overdue": "Просрочено",
    "open": "В работе",
}
STATUS_COLOURS: dict[str, str] = {
    "on_time": "#2e7d32",
    "late": "#f9a825",
    "overdue": "#c62828",
    "open": "#90a4ae",
}
# Above this many schools one bar per school is unreadable; the chart shows the distribution.
PER_SCHOOL_CHART_LIMIT = 25


@dataclass(frozen=True)
class Counts:
    """Steps of one school (or of all schools) by status."""

    name: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0
    not_applicable: int = 0

    @property
    def total(self) -> int:
        """All steps counted."""
        return self.on_time + self.late + self.overdue + self.open

    @property
    def done_share(self) -> float:
        """Share of steps done (on time or late), in percent."""
        return 100.0 * (self.on_time + self.late) / self.total if self.total else 0.0


@dataclass(frozen=True)
class OverdueStep:
    """A step past its deadline and not done, for the overdue list."""

    school: str
    code: str
    title: str
    deadline: date
    days: int


@dataclass(frozen=True)
class ReportNumbers:
    """Everything the справка states, computed from the plain data."""

    rows: list[Counts]
    totals: Counts
    overdue: list[OverdueStep]
    steps: list[Counts] = field(default_factory=list)


def classify_step(
    *, deadline: date | None, done_on: date | None, as_of: date, not_applicable: bool = False
) -> Status:
    """The status of one step on ``as_of``."""
    if not_applicable:
        return "not_applicable"
    if done_on is not None:
        return "late" if deadline is not None and done_on > deadline else "on_time"
    if deadline is not None and deadline < as_of:
        return "overdue"
    return "open"


def summarise_progress(*, schools: Sequence[SchoolSteps], as_of: date) -> ReportNumbers:
    """Per-school counts, totals and the overdue list (oldest first) on ``as_of``."""
    rows: list[Counts] = []
    overdue: list[OverdueStep] = []
    totals = {"on_time": 0, "late": 0, "overdue": 0, "open": 0, "not_applicable": 0}
    for school in schools:
        counts = {"on_time": 0, "late": 0, "overdue": 0, "open": 0, "not_applicable": 0}
        for step in school.steps:
            status = classify_step(
                deadline=step.deadline,
                done_on=step.done_on,
                as_of=as_of,
                not_applicable=step.not_applicable,
            )
            counts[status] += 1
            if status == "overdue" and step.deadline is not None:
                overdue.append(
                    OverdueStep(
                        school=school.name,
                        code=step.code,
                        title=step.title,
                        deadline=step.deadline,
                        days=working_days_between(step.deadline, as_of),
                    )
                )
        for key, value in counts.items():
            totals[key] += value
        rows.append(Counts(name=school.name, **counts))
    overdue.sort(key=lambda item: (item.deadline, item.school, item.code))
    return ReportNumbers(
        rows=rows,
        totals=Counts(name="Итого", **totals),
        overdue=overdue,
        steps=_by_step(schools, as_of=as_of),
    )


def _by_step(schools: Sequence[SchoolSteps], *, as_of: date) -> list[Counts]:
    """Counts per step across the schools (``name`` is «code title»), in the roadmap's order."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for school in schools:
        for step in school.steps:
            status = classify_step(
                deadline=step.deadline,
                done_on=step.done_on,
                as_of=as_of,
                not_applicable=step.not_applicable,
            )
            key = (step.code, step.title)
            counts.setdefault(key, dict.fromkeys(_STATUSES, 0))[status] += 1
    return [Counts(name=f"{code} {title}", **values) for (code, title), values in counts.items()]


_STATUSES = ("on_time", "late", "overdue", "open", "not_applicable")


def _share(part: int, whole: int) -> str:
    return format_decimal_ru(100.0 * part / whole if whole else 0.0)


_WIDTH, _SCALE = 770, 2  # image width in points at 110 dpi-ish, drawn at twice the size


@lru_cache(maxsize=4)
def _font(size: int) -> Any:
    from PIL import ImageFont

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size * _SCALE)


def render_chart(numbers: ReportNumbers) -> tuple[bytes, str]:
    """The chart as PNG bytes and its caption: bars per school, or a histogram for many schools.

    Drawn with Pillow (a few milliseconds), not matplotlib (a quarter of a second a chart): the
    справка for a municipality renders at tens a second.
    """
    if len(numbers.rows) <= PER_SCHOOL_CHART_LIMIT:
        return _school_bars(numbers), (
            "Выполнение мероприятий дорожной карты по образовательным организациям"
        )
    return _share_histogram(numbers), (
        "Распределение образовательных организаций по доле выполненных мероприятий"
    )


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


_COLOUR_INDEX = {status: index for index, status in enumerate(STATUS_COLOURS)}
_BLACK = len(STATUS_COLOURS)  # palette indices above the status colours are greys up to white


class _Canvas:
    """A chart drawn straight into a palette image: bars in the status colours, text in greys.

    Indices from ``_BLACK`` to 255 are greys from black to white, so text drawn in ``_BLACK``
    on white blends (Pillow blends the index numbers) into the right greys for its antialiased
    edges; the status colours take the indices below. The chart never draws text over a bar.
    One byte a pixel encodes four times faster than RGB and the chart looks the same.
    """

    def __init__(self, width: int, height: int) -> None:
        from PIL import Image, ImageDraw

        self.image = Image.new("P", (width, height), 255)
        self.image.putpalette(_palette())
        self.draw = ImageDraw.Draw(self.image)
        self.draw.fontmode = "L"  # Pillow draws text on a palette image unsmoothed by default

    def bar(self, box: list[float], status: str) -> None:
        """A filled rectangle in a status colour."""
        self.draw.rectangle(box, fill=_COLOUR_INDEX[status])

    def png(self) -> bytes:
        return _png(self.image)


@lru_cache(maxsize=1)
def _palette() -> list[int]:
    from PIL import ImageColor

    palette: list[int] = []
    for colour in STATUS_COLOURS.values():
        palette.extend(ImageColor.getrgb(colour))
    for index in range(_BLACK, 256):
        level = round(255 * (index - _BLACK) / (255 - _BLACK))
        palette.extend((level, level, level))
    return palette


def _school_bars(numbers: ReportNumbers) -> bytes:
    k = _SCALE
    label_width, bar_height, gap, top = 260, 14, 6, 46
    height = top + len(numbers.rows) * (bar_height + gap) + 40
    canvas = _Canvas(_WIDTH * k, height * k)
    draw = canvas.draw
    small, tiny = _font(9), _font(8)
    x = 10
    for status, label in STATUS_LABELS.items():  # the legend above the bars
        canvas.bar([x * k, 8 * k, (x + 12) * k, 20 * k], status)
        draw.text(((x + 16) * k, 8 * k), label, fill=_BLACK, font=small)
        x += 30 + int(draw.textlength(label, font=small) / k)
    longest = max((row.total for row in numbers.rows), default=1) or 1
    plot = _WIDTH - label_width - 30
    for index, row in enumerate(numbers.rows):
        y = top + index * (bar_height + gap)
        name = _shorten(row.name)
        draw.text(
            ((label_width - 6) * k, (y + bar_height / 2) * k),
            name,
            fill=_BLACK,
            font=tiny,
            anchor="rm",
        )
        left = float(label_width)
        for status in STATUS_LABELS:
            value = getattr(row, status)
            if value:
                right = left + plot * value / longest
                canvas.bar([int(left * k), y * k, int(right * k), (y + bar_height) * k], status)
                left = right
    axis = top + len(numbers.rows) * (bar_height + gap)
    draw.line([label_width * k, axis * k, (label_width + plot) * k, axis * k], fill=_BLACK, width=k)
    step = max(1, longest // 10)
    for tick in range(0, longest + 1, step):
        tx = (label_width + plot * tick / longest) * k
        draw.line([tx, axis * k, tx, (axis + 4) * k], fill=_BLACK, width=k)
        draw.text((tx, (axis + 6) * k), str(tick), fill=_BLACK, font=tiny, anchor="mt")
    draw.text(
        ((label_width + plot / 2) * k, (axis + 20) * k),
        "Количество мероприятий",
        fill=_BLACK,
        font=small,
        anchor="mt",
    )
    return canvas.png()


def _share_histogram(numbers: ReportNumbers) -> bytes:
    k = _SCALE
    height, left, bottom, top = 420, 60, 360, 20
    bins = [0] * 10
    for row in numbers.rows:
        bins[min(int(row.done_share // 10), 9)] += 1
    canvas = _Canvas(_WIDTH * k, height * k)
    draw = canvas.draw
    small = _font(9)
    width = (_WIDTH - left - 20) / 10
    highest = max(bins) or 1
    for index, count in enumerate(bins):
        x0 = left + index * width
        y0 = bottom - (bottom - top - 20) * count / highest
        if count:
            canvas.bar(
                [int((x0 + 2) * k), int(y0 * k), int((x0 + width - 2) * k), bottom * k], "on_time"
            )
            draw.text(
                ((x0 + width / 2) * k, (y0 - 4) * k),
                str(count),
                fill=_BLACK,
                font=small,
                anchor="mb",
            )
        draw.text(
            ((x0 + width / 2) * k, (bottom + 6) * k),
            f"{index * 10}–{index * 10 + 10}",
            fill=_BLACK,
            font=small,
            anchor="mt",
        )
    draw.line([left * k, bottom * k, (_WIDTH - 20) * k, bottom * k], fill=_BLACK, width=k)
    draw.text(
        ((_WIDTH / 2) * k, (bottom + 26) * k),
        "Доля выполненных мероприятий, %",
        fill=_BLACK,
        font=small,
        anchor="mt",
    )
    draw.text((4 * k, top * k), "Число ОО", fill=_BLACK, font=small)
    return canvas.png()


def _shorten(name: str, limit: int = 44) -> str:
    # «МАОУ Белоярского района «СОШ п. Сорум»» → «МАОУ «СОШ п. Сорум»»: the district is the same for all.
    words = name.split(" ")
    if len(name) > limit and len(words) > 3 and words[1].endswith(("ого", "ской")):
        name = " ".join([words[0], *words[3:]])
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _indicator_row(item: IndicatorValue) -> dict[str, Any]:
    assert item.actual is not None
    unit = f" {item.unit}" if item.unit else ""
    achieved = item.actual >= item.target
    return {
        "code": item.code,
        "title": item.title,
        "year": item.year,
        "target_text": f"{format_decimal_ru(item.target)}{unit}",
        "actual_text": f"{format_decimal_ru(item.actual)}{unit}",
        "achieved_text": "да" if achieved else "нет",
        "achieved": achieved,
    }


def step_state_text(step: StepState, *, as_of: date) -> str:
    """A step's state in words on ``as_of``: «выполнено 12.05.2022», «просрочено (5 раб. дн.)»."""
    status = classify_step(
        deadline=step.deadline,
        done_on=step.done_on,
        as_of=as_of,
        not_applicable=step.not_applicable,
    )
    if status == "not_applicable":
        return "неприменимо"
    if status == "on_time" and step.done_on is not None:
        return f"выполнено {format_date_numeric(step.done_on)}"
    if status == "late" and step.done_on is not None and step.deadline is not None:
        days = working_days_between(step.deadline, step.done_on)
        return (
            f"выполнено {format_date_numeric(step.done_on)}, с нарушением срока на {days} "
            f"{plural_ru(days, 'рабочий день', 'рабочих дня', 'рабочих дней')}"
        )
    if status == "overdue" and step.deadline is not None:
        days = working_days_between(step.deadline, as_of)
        return f"не выполнено, просрочено на {days} {plural_ru(days, 'рабочий день', 'рабочих дня', 'рабочих дней')}"
    return "в работе (срок не наступил)" if step.deadline is not None else "в работе"


def municipal_step_row(step: StepState, *, as_of: date) -> dict[str, Any]:
    """A municipal step for the справка's table: code, title, deadline and state in words."""
    return {
        "code": step.code,
        "title": step.title,
        "deadline": format_date_numeric(step.deadline) if step.deadline else "в течение периода",
        "state": step_state_text(step, as_of=as_of),
    }


def _conclusions(numbers: ReportNumbers, indicators: list[dict[str, Any]]) -> list[str]:
    totals = numbers.totals
    lines = [
        f"Доля выполненных мероприятий составляет {_share(totals.on_time + totals.late, totals.total)} %, "
        f"в том числе выполненных в установленный срок — {_share(totals.on_time, totals.total)} %."
    ]
    lagging = sorted(
        (row for row in numbers.rows if row.overdue), key=lambda row: (-row.overdue, row.name)
    )
    if lagging:
        count = len(lagging)
        named = ", ".join(
            f"{row.name} — {row.overdue} {plural_ru(row.overdue, 'мероприятие', 'мероприятия', 'мероприятий')}"
            for row in lagging[:5]
        )
        rest = count - 5
        more = (
            f" и ещё в {rest} {plural_ru(rest, 'образовательной организации', 'образовательных организациях', 'образовательных организациях')}"
            if rest > 0
            else ""
        )
        where = plural_ru(
            count,
            "образовательной организации",
            "образовательных организациях",
            "образовательных организациях",
        )
        lines.append(
            f"Просроченные мероприятия имеются в {count} {where}, в том числе: {named}{more}. "
            "Руководителям этих образовательных организаций необходимо устранить отставание и "
            "представить информацию о выполнении мероприятий."
        )
    else:
        lines.append("Все мероприятия, срок выполнения которых наступил, выполнены.")
    missed = [
        f"«{row['title']}» ({row['actual_text']} при целевом значении {row['target_text']})"
        for row in indicators
        if not row["achieved"]
    ]
    if indicators:
        if missed:
            lines.append(
                "Целевые значения не достигнуты по "
                f"{plural_ru(len(missed), 'показателю', 'показателям', 'показателям')}: "
                f"{'; '.join(missed)}."
            )
        else:
            lines.append(
                "Целевые значения показателей эффективности, по которым представлены данные, достигнуты."
            )
    return lines


def report_context(obj: AnalyticalReport, tpl: DocxTemplate) -> dict[str, Any]:
    """The справка template's context: numbers, the chart as an InlineImage, indicators, conclusions."""
    numbers = summarise_progress(schools=obj.schools, as_of=obj.as_of)
    totals = numbers.totals
    png, caption = render_chart(numbers)
    with_data = [_indicator_row(item) for item in obj.indicators if item.actual is not None]
    without_data = [f"«{item.title}»" for item in obj.indicators if item.actual is None]
    summary = {
        "schools": len(numbers.rows),
        "total": totals.total,
        "on_time": totals.on_time,
        "late": totals.late,
        "overdue": totals.overdue,
        "open": totals.open,
        "on_time_share": _share(totals.on_time, totals.total),
        "late_share": _share(totals.late, totals.total),
        "overdue_share": _share(totals.overdue, totals.total),
        "open_share": _share(totals.open, totals.total),
        "not_applicable": totals.not_applicable,
        "done_share": format_decimal_ru(totals.done_share),
    }
    rows = [
        {
            "name": row.name,
            "on_time": row.on_time,
            "late": row.late,
            "overdue": row.overdue,
            "open": row.open,
            "total": row.total,
            "done_share": format_decimal_ru(row.done_share),
        }
        for row in numbers.rows
    ]
    by_step = [
        {
            "name": row.name,
            "on_time": row.on_time,
            "late": row.late,
            "overdue": row.overdue,
            "open": row.open,
            "total": row.total,
            "done_share": format_decimal_ru(row.done_share),
        }
        for row in numbers.steps
    ]
    return {
        "organisation": obj.organisation,
        "by_step": by_step,
        "number": obj.number,
        "date": obj.date,
        "municipal": [municipal_step_row(step, as_of=obj.as_of) for step in obj.municipal_steps],
        "as_of": obj.as_of,
        "roadmap_title": obj.roadmap_title,
        "prepared_by": obj.prepared_by,
        "summary": summary,
        "rows": rows,
        "overdue": numbers.overdue,
        "chart": InlineImage(tpl, io.BytesIO(png), width=Mm(160)),
        "chart_caption": caption,
        "indicators_with_data": with_data,
        "indicators_without_data": without_data,
        "conclusions": _conclusions(numbers, with_data),
    }


def _days_text(days: int) -> str:
    return f"{days} {plural_ru(days, 'рабочий день', 'рабочих дня', 'рабочих дней')}"


def school_step_row(step: SchoolStep, *, as_of: date) -> dict[str, Any]:
    """A row of the school's report: the step's dates, its document and its state in words."""
    status = classify_step(
        deadline=step.deadline,
        done_on=step.done_on,
        as_of=as_of,
        not_applicable=step.not_applicable,
    )
    if status == "on_time":
        state = "выполнено в срок"
    elif status == "late" and step.deadline is not None and step.done_on is not None:
        state = (
            "выполнено с нарушением срока на "
            f"{_days_text(working_days_between(step.deadline, step.done_on))}"
        )
    elif status == "overdue" and step.deadline is not None:
        state = (
            f"не выполнено, просрочено на {_days_text(working_days_between(step.deadline, as_of))}"
        )
    elif status == "not_applicable":
        state = "неприменимо"
    else:
        state = "в работе (срок не наступил)" if step.deadline is not None else "в работе"
    return {
        "code": step.code,
        "title": step.title,
        "deadline": format_date_numeric(step.deadline) if step.deadline else "в течение периода",
        "done": format_date_numeric(step.done_on) if step.done_on else "—",
        "document": step.document or "—",
        "state": state,
        "status": status,
    }


def school_report_context(obj: SchoolReport, tpl: DocxTemplate) -> dict[str, Any]:
    """The school report's context: one row a step, the counts, indicators against targets."""
    rows = [school_step_row(step, as_of=obj.as_of) for step in obj.steps]
    counts = dict.fromkeys(_STATUSES, 0)
    for row in rows:
        counts[row["status"]] += 1
    total = sum(counts.values()) - counts["not_applicable"]
    summary = {
        **counts,
        "total": total,
        "done_share": _share(counts["on_time"] + counts["late"], total),
    }
    with_data = [_indicator_row(item) for item in obj.indicators if item.actual is not None]
    without_data = [f"«{item.title}»" for item in obj.indicators if item.actual is None]
    return {
        # the data's own fields too: a municipality's template may loop over ``steps`` itself
        **{item.name: getattr(obj, item.name) for item in dataclasses.fields(obj)},
        "rows": rows,
        "summary": summary,
        "overdue": [row for row in rows if row["status"] == "overdue"],
        "indicators_with_data": with_data,
        "indicators_without_data": without_data,
    }
