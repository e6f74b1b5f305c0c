"""The school page's actions on a step: done (with a scan), undo, not applicable, return for
rework, comment. Each is one ``action_route`` with its right (web/access.py) and runs through the
one path of web/views/action_runner.py; the writes are engine/actions.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import Response
from sqlmodel import select
from starlette.datastructures import UploadFile

from common.errors import NastavnikError
from common.messages import render_message
from common.russian import format_date_numeric
from common.text import visible_text
from engine.actions import (
    comment_step,
    mark_instance_done,
    mark_not_applicable,
    return_for_rework,
    undo,
)
from storage.models import User
from web import pages
from web.access import Right, require_undo
from web.uploads import MAX_UPLOAD, CheckedFile, attach_scan, check_upload
from web.views.action_runner import (
    Act,
    ActionRequest,
    Confirm,
    Target,
    action_route,
    run_action,
)


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass
class _DoneForm:
    """The «done» form: the document's number and date, and an optional signed scan."""

    number: str
    doc_date: str
    scan: UploadFile | None
    day: date | None = None
    checked: CheckedFile | None = None

    def check(self, target: Target, now: datetime) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.number:
            errors["number"] = render_message("act.number_empty")
        elif len(self.number) > 100:
            errors["number"] = render_message("act.number_long")
        self.day = _parse_day(self.doc_date)
        if self.day is None:
            errors["doc_date"] = render_message("act.date_empty")
        elif self.day > target.today(now):
            errors["doc_date"] = render_message("act.date_future")
        elif self.day.year < 2000:
            errors["doc_date"] = render_message("act.date_year")
        if self.scan is not None and self.scan.filename:
            try:
                self.checked = check_upload(
                    file_name=self.scan.filename, data=self.scan.file.read(MAX_UPLOAD + 1)
                )
            except NastavnikError as error:
                errors["scan"] = error.reason[:1].upper() + error.reason[1:] + "."
        return errors

    def act(self, context: Act, settings: Any) -> str:
        assert self.day is not None
        target, now = context.target, context.now
        instance = target.instance
        # a document signed today is done now; one signed earlier, at noon of its day
        at = (
            now
            if self.day == target.today(now)
            else datetime.combine(self.day, time(12, 0), tzinfo=ZoneInfo(target.timezone))
        )
        evidence = render_message(
            "act.evidence", number=self.number, date=format_date_numeric(self.day)
        )
        mark_instance_done(
            session=context.session,
            instance=instance,
            timezone=target.timezone,
            actor=context.actor,
            now=now,
            at=at,
            evidence=evidence,
        )
        if self.checked is not None:
            _store_scan(context, self.checked, settings.documents_dir)
        return render_message("act.done", step=instance.step_code, evidence=evidence)


def _store_scan(context: Act, checked: CheckedFile, documents_dir: Path) -> None:
    written = attach_scan(
        session=context.session,
        instance=context.target.instance,
        checked=checked,
        actor=context.actor,
        now=context.now,
        documents_dir=documents_dir,
    )
    context.written.append(written)


def _done(action: ActionRequest) -> Response:
    scan = action.form.get("scan")
    number, doc_date = action.text("number"), action.text("doc_date")
    done = _DoneForm(
        number=visible_text(number),
        doc_date=doc_date,
        scan=scan if isinstance(scan, UploadFile) else None,
    )
    now = pages.now(action.request)
    settings = pages.state(action.request).settings
    return run_action(
        action,
        values={"number": number, "doc_date": doc_date},
        check=lambda target: done.check(target, now),
        act=lambda context: done.act(context, settings),
    )


def _undo(action: ActionRequest) -> Response:
    def act(context: Act) -> str:
        instance = context.target.instance
        author = context.session.exec(
            select(User.role).where(User.email == (instance.done_by or ""))
        ).first()
        require_undo(context.user, school_id=instance.school_id, author_role=author)
        if not action.confirmed:
            raise Confirm(
                render_message("act.undo_question"),
                render_message("act.undo_explained"),
                render_message("act.undo_yes"),
                {},
            )
        undo(
            session=context.session,
            run=context.run(),
            code=instance.step_code,
            school=instance.school_id,
            actor=context.actor,
            now=context.now,
            occurrence=instance.occurrence,
        )
        return render_message("act.undone", step=instance.step_code)

    return run_action(action, values={}, act=act)


def _not_applicable(action: ActionRequest) -> Response:
    reason = visible_text(action.text("reason"))

    def check(_target: Target) -> dict[str, str]:
        if not reason:
            return {"reason": render_message("act.reason_empty")}
        if len(reason) > 500:
            return {"reason": render_message("act.reason_long")}
        return {}

    def act(context: Act) -> str:
        instance = context.target.instance
        if not action.confirmed:
            raise Confirm(
                render_message("act.not_applicable_question"),
                render_message("act.not_applicable_explained", reason=reason),
                render_message("act.not_applicable_yes"),
                {"reason": reason},
            )
        mark_not_applicable(
            session=context.session,
            run=context.run(),
            code=instance.step_code,
            school=instance.school_id,
            actor=context.actor,
            now=context.now,
            reason=reason,
            occurrence=instance.occurrence,
        )
        return render_message("act.not_applicable", step=instance.step_code)

    return run_action(action, values={"reason": reason}, check=check, act=act)


def _note(action: ActionRequest, *, rework: bool) -> Response:
    """A text the school sees on the step: a return for rework (which reopens it, against the
    version shown) or a comment."""
    comment = action.text("comment").strip()
    field = "comment" if rework else "form"

    def check(_target: Target) -> dict[str, str]:
        if not comment:
            return {
                field: render_message("act.rework_empty")
                if rework
                else render_message("act.comment_empty")
            }
        if len(comment) > 2000:
            return {field: render_message("act.comment_long")}
        return {}

    def act(context: Act) -> str:
        instance = context.target.instance
        write = return_for_rework if rework else comment_step
        write(
            session=context.session,
            instance_id=instance.id,
            actor=context.actor,
            now=context.now,
            comment=comment,
        )
        if rework:
            return render_message("act.returned", step=instance.step_code)
        return render_message("act.commented", step=instance.step_code)

    values = {"comment": comment, "kind": "rework"} if rework else {"comment": comment}
    return run_action(action, values=values, check=check, act=act, check_version=rework)


def _rework(action: ActionRequest) -> Response:
    return _note(action, rework=True)


def _comment(action: ActionRequest) -> Response:
    return _note(action, rework=False)


ACTION_ROUTES = [
    action_route("/instances/{instance_id}/done", _done, right=Right.SCHOOL_WRITE),
    action_route("/instances/{instance_id}/undo", _undo, right=Right.SCHOOL_WRITE),
    action_route("/instances/{instance_id}/na", _not_applicable, right=Right.SCHOOL_WRITE),
    action_route("/instances/{instance_id}/rework", _rework, right=Right.COORDINATE),
    action_route("/instances/{instance_id}/comment", _comment, right=Right.SCHOOL_WRITE),
]
