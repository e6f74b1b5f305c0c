"""A school's (or the municipality's) steps as its page shows them: dates, state, documents, blockers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from definitions.catalogue import DOCUMENTS
from definitions.schema import Step
from engine.runs import run_definition
from engine.states import InstanceView
from engine.status import RunStatus
from web.models import Upload

RESOLVED = ("done", "done_late", "not_applicable")


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

    @property
    def resolved(self) -> bool:
        return self.view.stored in RESOLVED


@dataclass
class StepGroup:
    """A step with its occurrences at this unit."""

    step: Step
    documents: list[tuple[str, str, bool]]  # (id, title, has a template)
    rows: list[StepRow]


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
                municipal=steps[code].scope == "municipality" if code in steps else False,
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
