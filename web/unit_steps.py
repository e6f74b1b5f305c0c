"""A school's (or the municipality's) steps as its page shows them: dates, state, documents, blockers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from definitions.catalogue import DOCUMENTS
from definitions.schema import Step
from engine.runs import run_definition
from engine.states import InstanceView
from engine.status import RunStatus
from web.models import Upload

RESOLVED = ("done", "done_late", "not_applicable")
MUNICIPAL_SCOPES = ("municipality", "both")  # steps with an instance of the municipality's own


def municipal_instance(step: Step, *, school: str | None) -> bool:
    """Whether the instance of ``step`` at ``school`` (None: the municipality) is municipal: a
    municipal step's, or the municipality's own instance of a both-level step («ОО, МАУ «ИМЦ»»)."""
    return school is None and step.scope in MUNICIPAL_SCOPES


@dataclass
class Blocker:
    """A prerequisite that is not done yet."""

    code: str
    title: str
    municipal: bool


@dataclass
class StepRow:
    """One occurrence of a step at this unit."""

    view: InstanceView
    version: int
    uploads: list[Upload] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    own_mark: bool = True  # marked by a school admin (who may undo it), not the coordinator
    late_by_mark: bool = False  # late only because the mark came after the grace period

    @property
    def resolved(self) -> bool:
        return self.view.stored in RESOLVED


@dataclass
class StepGroup:
    """A step with its occurrences at this unit."""

    step: Step
    documents: list[tuple[str, str, bool]]  # (id, title, has a template)
    rows: list[StepRow]

    @property
    def municipal(self) -> bool:
        """The municipality's own occurrences (of a municipal or a both-level step)."""
        return bool(self.rows) and all(
            municipal_instance(self.step, school=r.view.school) for r in self.rows
        )

    @property
    def next_due(self) -> date | None:
        """The earliest due date among the occurrences not resolved yet."""
        return _open_due(self)


def unit_steps(
    status: RunStatus, *, unit: str | None, versions: dict[int, int], uploads: list[Upload]
) -> list[StepGroup]:
    """The steps of one school (unit = its id) or the municipality (unit None), in roadmap order."""
    loaded, _ = run_definition(status.run)
    steps = {step.code: step for step in loaded.roadmap.steps}
    by_instance: dict[int, list[Upload]] = defaultdict(list)
    for upload in uploads:
        by_instance[upload.step_instance_id].append(upload)
    groups: dict[str, StepGroup] = {}
    for view in status.views:
        if view.school != unit:
            continue
        step = steps[view.code]
        group = groups.get(view.code)
        if group is None:
            documents = [
                (
                    doc,
                    DOCUMENTS.get(doc, (doc, None))[0],
                    DOCUMENTS.get(doc, (doc, None))[1] is not None,
                )
                for doc in step.documents
            ]
            group = groups[view.code] = StepGroup(step=step, documents=documents, rows=[])
        blockers = [
            Blocker(
                code=code,
                title=steps[code].title if code in steps else code,
                # a school waits for its own instance of a both-level step, the municipality
                # for its own (engine/states.py)
                municipal=(
                    steps[code].scope == "municipality"
                    or municipal_instance(steps[code], school=view.school)
                )
                if code in steps
                else False,
            )
            for code in view.blocked_by
        ]
        group.rows.append(
            StepRow(
                view=view,
                version=versions.get(view.id, 1),
                uploads=by_instance.get(view.id, []),
                blockers=blockers,
            )
        )
    order = {step.code: index for index, step in enumerate(loaded.roadmap.steps)}
    return sorted(groups.values(), key=lambda g: order[g.step.code])


SOON_DAYS = 30  # «ближайшие сроки»: due within this many days...
SOON_AT_LEAST = 3  # ...and at least the next few, however far
SOON_AT_MOST = 8


@dataclass
class Section:
    """A section of the roadmap with the unit's steps that are not at the top of its page."""

    code: str
    title: str
    groups: list[StepGroup]
    done: int = 0
    open: bool = False


@dataclass
class Home:
    """A unit's page in the order a person works: overdue, next deadlines, then by section."""

    overdue: list[StepGroup]
    soon: list[StepGroup]
    sections: list[Section]


def _open_due(group: StepGroup) -> date | None:
    dues = [r.view.due for r in group.rows if not r.resolved and r.view.due is not None]
    return min(dues) if dues else None


def unit_home(status: RunStatus, groups: list[StepGroup]) -> Home:
    """Split a unit's steps: overdue ones (most late first), the next deadlines (soonest first),
    the rest by the roadmap's sections."""
    today = status.today
    overdue = [g for g in groups if any(r.view.state == "overdue" for r in g.rows)]
    overdue.sort(key=lambda g: -max(r.view.days_late for r in g.rows))
    taken = {id(g) for g in overdue}
    upcoming = sorted(
        (g for g in groups if id(g) not in taken and _open_due(g) is not None),
        key=lambda g: (_open_due(g), g.step.code),
    )
    soon: list[StepGroup] = []
    for group in upcoming:
        due = _open_due(group)
        assert due is not None
        near = (due - today).days <= SOON_DAYS or any(
            r.view.state == "due_soon" for r in group.rows
        )
        if len(soon) < SOON_AT_MOST and (near or len(soon) < SOON_AT_LEAST):
            soon.append(group)
    taken |= {id(g) for g in soon}
    loaded, _ = run_definition(status.run)
    titles = {s.code: s.title for s in loaded.roadmap.sections}
    sections: dict[str, Section] = {}
    for group in groups:
        if id(group) in taken:
            continue
        code = group.step.section or ""
        section = sections.get(code)
        if section is None:
            section = sections[code] = Section(
                code=code, title=titles.get(code, "Другие мероприятия"), groups=[]
            )
        section.groups.append(group)
        if all(r.resolved for r in group.rows):
            section.done += 1
    return Home(overdue=overdue, soon=soon, sections=list(sections.values()))
