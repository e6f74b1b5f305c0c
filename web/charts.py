"""Inline SVG charts computed on the server: progress over time and the roadmap as a Gantt chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from common.clock import local_day
from common.russian import format_date_ru
from definitions.schema import Roadmap
from engine.states import cell_state
from engine.status import RunStatus

RESOLVED = ("done", "done_late", "not_applicable")
SHORT_MONTHS = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
COLOURS = {
    "done": "#2e7d32",
    "done_late": "#9e7b00",
    "open": "#5c6f82",
    "due_soon": "#e08a00",
    "overdue": "#c62828",
    "blocked": "#9aa5b1",
    "not_applicable": "#c7ccd1",
}


@dataclass
class ProgressPoint:
    """How many instances were due and how many resolved by a day."""

    day: date
    due: int
    resolved: int


def progress_series(
    status: RunStatus, *, tz: str, step_days: int = 7
) -> tuple[list[ProgressPoint], int]:
    """Weekly points from the period's start to today (or its end): due so far vs resolved so far."""
    views = status.views
    total = len(views)
    resolved_days = []
    for view in views:
        if view.stored in RESOLVED and isinstance(view.done_at, datetime):
            resolved_days.append(local_day(view.done_at, tz))
    due_days = [v.due for v in views if v.due is not None]
    start = status.run.period_start
    end = min(status.today, status.run.period_end) if status.today >= start else start
    points: list[ProgressPoint] = []
    day = start
    while True:
        points.append(
            ProgressPoint(
                day=day,
                due=sum(1 for d in due_days if d <= day),
                resolved=sum(1 for d in resolved_days if d <= day),
            )
        )
        if day >= end:
            break
        day = min(day + timedelta(days=step_days), end)
    return points, total


def progress_svg(
    points: list[ProgressPoint], total: int, *, width: int = 760, height: int = 300
) -> str:
    """Two lines: «должно быть выполнено» (by due dates) and «выполнено» (by done dates), in %."""
    left, right, top, bottom = 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    if not points or total == 0:
        return (
            f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Нет данных" class="chart">'
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle">Нет данных</text></svg>'
        )
    first, last = points[0].day, points[-1].day
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y(count: int) -> float:
        return top + plot_h * (1 - count / total)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-label="Ход выполнения: выполнено {points[-1].resolved} из {total}">'
    ]
    for percent in (0, 25, 50, 75, 100):
        level = top + plot_h * (1 - percent / 100)
        parts.append(
            f'<line x1="{left}" y1="{level:.1f}" x2="{width - right}" y2="{level:.1f}" stroke="#e3e7eb"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{level + 4:.1f}" text-anchor="end" font-size="11" fill="#555">'
            f"{percent}%</text>"
        )
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            parts.append(
                f'<line x1="{x(month):.1f}" y1="{top}" x2="{x(month):.1f}" y2="{top + plot_h}" '
                f'stroke="#eef1f4"/>'
            )
            parts.append(
                f'<text x="{x(month):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="11" fill="#555">{SHORT_MONTHS[month.month - 1]}</text>'
            )
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for attribute, colour, dash, label in (
        ("due", "#8a96a3", ' stroke-dasharray="6 4"', "должно быть выполнено"),
        ("resolved", "#2e7d32", "", "выполнено"),
    ):
        coords = " ".join(f"{x(p.day):.1f},{y(getattr(p, attribute)):.1f}" for p in points)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}>'
            f"<title>{label}</title></polyline>"
        )
    legend_y = height - 8
    parts.append(
        f'<line x1="{left}" y1="{legend_y - 4}" x2="{left + 24}" y2="{legend_y - 4}" stroke="#2e7d32" '
        f'stroke-width="2.5"/><text x="{left + 30}" y="{legend_y}" font-size="12">выполнено</text>'
    )
    parts.append(
        f'<line x1="{left + 130}" y1="{legend_y - 4}" x2="{left + 154}" y2="{legend_y - 4}" '
        f'stroke="#8a96a3" stroke-width="2.5" stroke-dasharray="6 4"/>'
        f'<text x="{left + 160}" y="{legend_y}" font-size="12">должно быть выполнено по срокам</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class GanttBar:
    """A step on the Gantt chart: its dates across occurrences and units."""

    code: str
    title: str
    start: date | None
    due: date | None
    projected: date | None
    state: str


def gantt_bars(status: RunStatus, roadmap: Roadmap) -> list[GanttBar]:
    """One bar per step: earliest start to latest due; projected end where a prerequisite was late."""
    bars: list[GanttBar] = []
    for step in roadmap.steps:
        views = [v for v in status.views if v.code == step.code]
        if not views:
            continue
        dues = [v.due for v in views if v.due is not None]
        starts = [v.start for v in views if v.start is not None]
        projected = [v.projected_due for v in views if v.projected_due is not None]
        bars.append(
            GanttBar(
                code=step.code,
                title=step.title,
                start=min(starts) if starts else None,
                due=max(dues) if dues else None,
                projected=max(projected) if projected else None,
                state=cell_state([v.state for v in views]),
            )
        )
    return bars


def gantt_svg(
    bars: list[GanttBar], *, period_start: date, period_end: date, today: date, width: int = 1000
) -> str:
    """The roadmap as bars over its period; a lighter tail shows the projected end; a line marks today."""
    label_w, right, top, row_h = 64, 16, 28, 22
    height = top + row_h * len(bars) + 12
    dated = [d for b in bars for d in (b.start, b.due, b.projected) if d is not None]
    first = min([period_start, *dated])
    last = max([period_end, *dated])
    span = max((last - first).days, 1)
    plot_w = width - label_w - right

    def x(day: date) -> float:
        return label_w + plot_w * (day - first).days / span

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart gantt" '
        f'aria-label="Диаграмма Ганта дорожной карты">'
    ]
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            parts.append(
                f'<line x1="{x(month):.1f}" y1="{top - 6}" x2="{x(month):.1f}" y2="{height - 8}" '
                f'stroke="#eef1f4"/><text x="{x(month) + 3:.1f}" y="{top - 10}" font-size="11" '
                f'fill="#555">{SHORT_MONTHS[month.month - 1]} {month.year % 100:02d}</text>'
            )
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for index, bar in enumerate(bars):
        y = top + index * row_h
        colour = COLOURS.get(bar.state, "#5c6f82")
        parts.append(
            f'<a href="/steps/{escape(bar.code)}"><text x="4" y="{y + 15}" font-size="12" fill="#1f3a5f">'
            f"{escape(bar.code)}</text></a>"
        )
        tip = escape(f"{bar.code}. {bar.title}")
        if bar.due is None:
            parts.append(
                f'<text x="{label_w + 4}" y="{y + 15}" font-size="11" fill="#777">'
                f"даты не назначены<title>{tip}</title></text>"
            )
            continue
        begin = bar.start or (bar.due - timedelta(days=3))
        x0, x1 = x(begin), x(bar.due)
        dates = (f"{format_date_ru(bar.start)} – " if bar.start else "до ") + format_date_ru(
            bar.due
        )
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 3):.1f}" height="{row_h - 8}" rx="3" '
            f'fill="{colour}"><title>{tip}: {escape(dates)}</title></rect>'
        )
        if bar.projected is not None and bar.projected > bar.due:
            xp = x(bar.projected)
            parts.append(
                f'<rect x="{x1:.1f}" y="{y + 4}" width="{max(xp - x1, 2):.1f}" height="{row_h - 8}" '
                f'rx="3" fill="{colour}" fill-opacity="0.35" stroke="{colour}" stroke-dasharray="3 2">'
                f"<title>{tip}: ожидается до {escape(format_date_ru(bar.projected))} "
                "(предыдущий шаг не выполнен или выполнен с опозданием)</title></rect>"
            )
    if first <= today <= last:
        parts.append(
            f'<line x1="{x(today):.1f}" y1="{top - 6}" x2="{x(today):.1f}" y2="{height - 8}" '
            f'stroke="#c62828" stroke-width="1.5"><title>сегодня, {escape(format_date_ru(today))}'
            f"</title></line>"
        )
    parts.append("</svg>")
    return "".join(parts)
