"""The launch as a Prefect flow: one task that creates the run's step instances in bulk."""

from datetime import datetime

from prefect import flow

from tasks.step_instances import create_instances_task


@flow(name="launch")
def launch_flow(
    db_url: str, roadmap_id: str, now: datetime, by: str, schools: list[str] | None = None
) -> dict[str, object]:
    """Launch a roadmap for the municipality's schools (idempotent)."""
    return create_instances_task(db_url, roadmap_id, now, by, schools)
