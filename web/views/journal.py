"""The journal of all acts as a page (coordinator): filters by school, act, person, step and dates;
newest first, a page of PAGE_SIZE rows at a time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import col, select

from common.messages import render_message
from common.numbers import whole_number
from storage.models import JournalEntry, School
from web import pages
from web.access import Coordinator

router = APIRouter()
PAGE_SIZE = 100

# what each act is called on the page
ACTION_LABELS = {
    "done": "отмечено выполненным",
    "not_applicable": "отмечено неприменимым",
    "undo": "отметка отменена",
    "schedule": "назначены сроки",
    "rework": "возвращено на доработку",
    "comment": "комментарий",
    "document": "сформирован документ",
    "upload": "загружен скан",
    "launch": "запущена дорожная карта",
    "roadmap_publish": "опубликована версия дорожной карты",
    "schools_import": "импорт списка школ",
    "school_admin_email_change": "сменился адрес почты ответственного",
    "user_add": "добавлен пользователь",
    "user_update": "изменён пользователь",
    "user_disable": "пользователь отключён",
    "user_enable": "пользователь включён",
    "unit_add": "добавлено подразделение",
    "unit_update": "изменено подразделение",
    "unit_remove": "удалено подразделение",
    "calendar_link_issue": "выпущена ссылка на календарь",
    "calendar_link_revoke": "отозвана ссылка на календарь",
    "registry_add": "реестр: добавлен человек",
    "registry_edit": "реестр: изменены сведения",
    "registry_remove": "реестр: удалён человек",
    "registry_import": "реестр: импорт из файла",
    "registry_export": "реестр: выгрузка",
    "registry_totals": "реестр: итоговые цифры",
    "registry_survey": "реестр: анкетирование",
    "registry_form": "реестр: формы наставничества",
    "pair_add": "сформирована пара или группа",
    "pair_end": "пара или группа завершена",
}
SOURCE_LABELS = {"web": "портал", "cli": "командная строка", "registry": "реестр"}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/journal")
def journal_page(
    request: Request,
    user: Coordinator,
    school: str = "",
    action: str = "",
    actor: str = "",
    step: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
) -> Response:
    filters = {
        "school": school,
        "action": action,
        "actor": actor.strip(),
        "step": step.strip(),
        "since": since,
        "until": until,
    }
    errors: dict[str, str] = {}
    with pages.db(request) as session:
        municipality = pages.municipality(session)
        zone = ZoneInfo(municipality.timezone if municipality else "UTC")
        query = select(JournalEntry)
        if school == "-":
            query = query.where(col(JournalEntry.school_id).is_(None))
        elif school:
            query = query.where(JournalEntry.school_id == school)
        if action:
            query = query.where(JournalEntry.action == action)
        if filters["actor"]:
            query = query.where(col(JournalEntry.actor).contains(filters["actor"][:200]))
        if filters["step"]:
            query = query.where(JournalEntry.step_code == filters["step"][:20])
        for name, text, shift in (("since", since, 0), ("until", until, 1)):
            day = _day(text)
            if text and (day is None or not 2000 <= day.year <= 2100):
                errors[name] = render_message("journal.date_empty")
                continue
            if day is not None:
                moment = datetime.combine(day + timedelta(days=shift), time(), zone)
                query = query.where(
                    col(JournalEntry.at) >= moment if shift == 0 else col(JournalEntry.at) < moment
                )
        total = int(
            session.exec(select(func.count()).select_from(query.subquery())).one()  # type: ignore[call-overload]
        )
        number = max(1, min(whole_number(page) or 1, (total - 1) // PAGE_SIZE + 1))
        entries = list(
            session.exec(
                query.order_by(col(JournalEntry.at).desc(), col(JournalEntry.id).desc())
                .offset((number - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        )
        schools = {s.id: s for s in session.exec(select(School).order_by(col(School.id)))}
        known = set(session.exec(select(JournalEntry.action).distinct()))
    context: dict[str, Any] = {
        "title": "Журнал действий",
        "entries": entries,
        "schools": schools,
        "filters": filters,
        "errors": errors,
        "actions": {a: ACTION_LABELS.get(a, a) for a in sorted(known, key=_action_order)},
        "labels": ACTION_LABELS,
        "sources": SOURCE_LABELS,
        "total": total,
        "page": number,
        "pages": (total - 1) // PAGE_SIZE + 1 if total else 1,
        "query": {k: v for k, v in filters.items() if v},
        "tz": municipality.timezone if municipality else "UTC",
    }
    return pages.render(request, "journal.html", context, status_code=400 if errors else 200)


def _action_order(action: str) -> tuple[int, str]:
    order = list(ACTION_LABELS)
    return (order.index(action) if action in order else len(order), action)
