"""The launch's task: create a run's step instances in bulk."""

from datetime import datetime

from prefect import task

from definitions.loader import find_roadmap
from engine.roadmap_launch import launch_roadmap
from storage.db import make_engine, session_scope
from storage.roadmap_versions import published_definitions


@task(name="create step instances for the schools")
def create_instances_task(
    db_url: str, roadmap_id: str, now: datetime, by: str, schools: list[str] | None
) -> dict[str, object]:
    with session_scope(make_engine(db_url)) as session:
        stored = published_definitions(session=session)
        result = launch_roadmap(
            session=session,
            loaded=find_roadmap(roadmap_id, stored=stored),
            now=now,
            by=by,
            schools=schools,
        )
    return {
        "run_id": result.run_id,
        "created": result.created,
        "instances_added": result.instances_added,
        "schools": result.schools,
        "messages": result.messages,
    }
