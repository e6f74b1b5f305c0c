"""The per-school flow's task: one step of one school, a node of the roadmap's graph."""

from prefect import task


@task(name="evaluate step")
def evaluate_step_task(code: str, state: str, blocked_by: list[str]) -> str:
    """The step's state at the flow's moment (already evaluated; the task makes it a graph node)."""
    return state
