"""The one path of a step action (the school page's forms: web/views/school_actions.py).

One transaction finds the signed-in user together with the instance (one prepared query),
authorises with the route's declared right (web/access.py), checks the form and the version it
was rendered with, and acts. Any refusal leaves nothing behind: the transaction rolls back and
written files are deleted; the page comes back with the form's errors in Russian.

The actions are plain Starlette routes (``ActionRoute``) that create_app matches before FastAPI's:
marking a step done is the portal's busiest write, and FastAPI's route matching and form
dependencies cost more CPU than the rest of the request (benchmarks/bench_web.py). They check the
CSRF token themselves (pages.checked_form); the app's exception handlers render their refusals
(Forbidden, NotSignedIn, NotFound) as for every other page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from anyio import CapacityLimiter, to_thread
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import bindparam
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from common.clock import local_day
from common.errors import NastavnikError
from common.messages import render_message
from common.numbers import whole_number
from engine.actions import INSTANCE_REF_COLUMNS, Actor, InstanceRef
from engine.runs import run_definition
from storage.models import Municipality, RoadmapRun, School, StepInstance, User
from web import pages
from web.access import ActionRoute, NotFound, Right, require
from web.auth import SESSION_COLUMNS, Principal, principal_from_columns, token_hash
from web.messages import form_field, russian_reason
from web.models import WebSession
from web.views.school import unit_page


@dataclass(frozen=True)
class ActionRequest:
    """A step action's request: its CSRF-checked form, the instance it names, the route's right."""

    request: Request
    instance_id: int
    form: FormData
    right: Right

    def text(self, name: str) -> str:
        """A text field of the form ("" when absent or a file)."""
        value = self.form.get(name)
        return value if isinstance(value, str) else ""

    @property
    def confirmed(self) -> bool:
        """The confirmation page's answer came with the form."""
        return self.text("confirm") == "yes"


class Confirm(Exception):
    """The act needs the user's confirmation first: the page that asks (nothing was written)."""

    def __init__(
        self, question: str, consequence: str, button: str, fields: dict[str, str]
    ) -> None:
        super().__init__(question)
        self.question = question
        self.consequence = consequence
        self.button = button
        self.fields = fields


class Invalid(Exception):
    """The form's fields are wrong: their errors, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Target:
    """The step instance a form acts on, with its run's id and the municipality's time zone."""

    instance: InstanceRef
    roadmap_id: str
    timezone: str

    def today(self, now: datetime) -> date:
        return local_day(now, self.timezone)

    @property
    def page(self) -> str:
        """The unit page, scrolled to the step."""
        instance = self.instance
        base = f"/schools/{instance.school_id}" if instance.school_id else "/municipality"
        anchor = instance.step_code.replace(".", "-")
        return f"{base}?run={self.roadmap_id}#step-{anchor}"


@dataclass
class Act:
    """What an action gets: the open transaction, its target, who acts and when."""

    session: Session
    target: Target
    actor: Actor
    now: datetime
    user: Principal
    written: list[Path] = field(default_factory=list)  # deleted if the transaction fails

    def run(self) -> RoadmapRun:
        run = self.session.get(RoadmapRun, self.target.instance.run_id)
        assert run is not None
        return run


_STEP = StepInstance.__table__  # type: ignore[attr-defined]
_SIGNED_IN = len(SESSION_COLUMNS)
_INSTANCE_END = _SIGNED_IN + len(INSTANCE_REF_COLUMNS)

# the session's user and the instance (with its run's id and time zone) in one round trip; the
# instance's columns are NULL when there is no such instance
_LOOKUP = (
    select(*SESSION_COLUMNS, *INSTANCE_REF_COLUMNS, RoadmapRun.roadmap_id, Municipality.timezone)  # type: ignore[call-overload]
    .select_from(WebSession)
    .join(User, col(User.id) == WebSession.user_id)
    .outerjoin(_STEP, _STEP.c.id == bindparam("instance_id"))
    .outerjoin(RoadmapRun, col(RoadmapRun.id) == _STEP.c.run_id)
    .outerjoin(Municipality, col(Municipality.id) == RoadmapRun.municipality_id)
    .where(col(WebSession.token_hash) == bindparam("token_hash"))
)


def _authorised_target(action: ActionRequest, session: Session) -> tuple[Principal, Target]:
    """The signed-in user and the instance a form acts on, once the user holds the route's right
    over the instance's school.

    Raises NotSignedIn without a live session, NotFound without the instance, Forbidden when the
    user's role or school does not allow the act.
    """
    request = action.request
    token = request.cookies.get(pages.SESSION_COOKIE)
    row = None
    if token and len(token) <= 100:
        parameters = {"token_hash": token_hash(token), "instance_id": action.instance_id}
        row = session.connection().execute(_LOOKUP, parameters).first()
    user = None if row is None else principal_from_columns(row[:_SIGNED_IN], now=pages.now(request))
    request.state.principal = user
    if row is None or user is None:
        raise pages.NotSignedIn()
    if row[_SIGNED_IN] is None:
        raise NotFound(
            render_message("page.title.step_missing"), render_message("page.no_such_step")
        )
    instance = InstanceRef(*row[_SIGNED_IN:_INSTANCE_END])
    require(user, action.right, instance.school_id)
    return user, Target(instance=instance, roadmap_id=row[-2], timezone=row[-1])


def _check_version(instance: InstanceRef, version: str) -> None:
    if whole_number(version) != instance.version:
        raise Invalid({"form": render_message("notice.step_changed_meanwhile")})


def run_action(
    action: ActionRequest,
    *,
    values: dict[str, str],
    act: Callable[[Act], str],
    check: Callable[[Target], dict[str, str]] | None = None,
    check_version: bool = True,
) -> Response:
    """Run one form's act on an instance; the flash message is what ``act`` returns.

    ``check`` returns the form's field errors (after the user is authorised); the form's
    ``version`` must be the instance's unless ``check_version`` is off.
    """
    request = action.request
    version = action.text("version")
    user: Principal | None = None
    written: list[Path] = []
    try:
        with pages.db(request) as session:
            user, target = _authorised_target(action, session)
            errors = check(target) if check is not None else {}
            if errors:
                raise Invalid(errors)
            if check_version:
                _check_version(target.instance, version)
            context = Act(
                session=session,
                target=target,
                actor=pages.actor(request, user),
                now=pages.now(request),
                user=user,
                written=written,
            )
            message = act(context)
    except Confirm as ask:
        return _confirm_page(request, target, ask, version)
    except (Invalid, NastavnikError) as error:
        for path in written:
            path.unlink(missing_ok=True)
        errors = (
            error.errors
            if isinstance(error, Invalid)
            else {form_field(error): russian_reason(error)}
        )
        assert user is not None
        return _form_failed(request, user, action.instance_id, errors, values)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return pages.redirect(request, target.page, message)


def _form_failed(
    request: Request,
    user: Principal,
    instance_id: int,
    errors: dict[str, str],
    values: dict[str, str],
) -> Response:
    """Render the unit page again with the form's errors (nothing was saved)."""
    with pages.db(request) as session:
        instance = session.get(StepInstance, instance_id)
        assert instance is not None
        run = session.get(RoadmapRun, instance.run_id)
        school = session.get(School, instance.school_id) if instance.school_id else None
        return unit_page(
            request,
            session,
            user=user,
            school=school,
            run_id=run.roadmap_id if run else None,
            errors={instance_id: errors},
            values={instance_id: values},
            status_code=400,
        )


def _confirm_page(request: Request, target: Target, ask: Confirm, version: str) -> Response:
    """The page that asks before an act that can hurt; its form posts the act again, confirmed."""
    instance = target.instance
    with pages.db(request) as session:
        run = session.get(RoadmapRun, instance.run_id)
        school = session.get(School, instance.school_id) if instance.school_id else None
    title = instance.step_code
    if run is not None:
        loaded, _ = run_definition(run)
        title = next(
            (f"{s.code} «{s.title}»" for s in loaded.roadmap.steps if s.code == instance.step_code),
            title,
        )
    return pages.render(
        request,
        "confirm.html",
        {
            "title": ask.question,
            "ask": ask,
            "step_title": title,
            "unit_name": school.short_name if school else "муниципалитет",
            "action": str(request.url.path),
            "version": version,
            "back": target.page,
        },
    )


# Threads per process for the actions: enough to overlap their database round trips. More only
# take turns at the GIL and stretch the slowest requests: under 16 concurrent mark-done requests
# on 2 workers, p99 was 35 ms with 4 threads against 45–56 ms with anyio's default of 40
# (benchmarks/bench_web.py).
_ACTION_THREADS = CapacityLimiter(4)


def action_route(
    path: str, handler: Callable[[ActionRequest], Response], *, right: Right
) -> ActionRoute:
    """A step action as a Starlette route that requires ``right`` over the instance: the
    CSRF-checked form, then ``handler`` in a worker thread (it waits on the database)."""

    async def endpoint(request: Request) -> Response:
        try:
            form = await pages.checked_form(request)
            raw = request.path_params["instance_id"]
            if whole_number(raw, maximum=10**18) is None:
                return pages.error_page(
                    request,
                    400,
                    render_message("page.title.bad_request"),
                    render_message("page.not_understood"),
                )
            instance_id = whole_number(raw)
            if not instance_id:  # 0, or beyond the database's integer
                return pages.error_page(
                    request,
                    404,
                    render_message("page.title.step_missing"),
                    render_message("page.no_such_step"),
                )
            action = ActionRequest(request=request, instance_id=instance_id, form=form, right=right)
            return await to_thread.run_sync(handler, action, limiter=_ACTION_THREADS)
        finally:  # the uploaded file's temporary copy, also when the CSRF check refused it
            parsed = getattr(request.state, "form", None)
            if parsed is not None:
                await parsed.close()

    return ActionRoute(path, endpoint, right=right)
