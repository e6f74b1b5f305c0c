"""Delivery under Prefect's retries: record every letter's state, then fail when a retry can help.

``deliver_pending`` never raises for a mail server's answer: it records it (sent, failed for a 5xx,
waiting with a retry time for a 4xx, waiting for a server that is down). The Prefect task in
flows/tick.py wants the opposite for the cases where trying again soon helps, so that Prefect's
retries with backoff apply: ``deliver_or_raise`` delivers, and then raises ``DeliveryIncomplete``
when the server was unavailable or answered 4xx. A 5xx is final and raises nothing.

Time stays an input. The n-th attempt of the task acts at ``now`` plus the delays Prefect waited
before it (``TASK_RETRY_DELAYS``), and those delays are the letters' own backoff after their first
4xx (5 min, 15 min, 1 h): a letter put off by a 4xx is due again exactly when the next attempt runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from common.settings import Settings
from notifications.delivery import BACKOFF, DeliveryReport, deliver_pending

TASK_RETRY_DELAYS: list[float] = [delay.total_seconds() for delay in BACKOFF[:3]]


class DeliveryIncomplete(Exception):
    """Letters wait because the server was unavailable or answered 4xx; ``str()`` is the report."""

    def __init__(self, report: DeliveryReport) -> None:
        super().__init__(str(report))
        self.report = report


def attempt_moment(now: datetime, attempt: int) -> datetime:
    """The moment the ``attempt``-th run of the task acts at (1 = the first run, at ``now``)."""
    waited = sum(TASK_RETRY_DELAYS[: max(attempt, 1) - 1], 0.0)
    return now + timedelta(seconds=waited)


def deliver_or_raise(
    *, engine: Engine, now: datetime, attempt: int = 1, settings: Settings | None = None
) -> DeliveryReport:
    """Deliver at the attempt's moment; raise DeliveryIncomplete when letters wait for the server.

    Args:
        engine: nastavnik's database.
        now: the moment of the first attempt.
        attempt: which run of the task this is (Prefect's run count, from 1).
        settings: SMTP URL, sender, mail folder, portal URL (default: the environment's).
    """
    report = deliver_pending(engine=engine, now=attempt_moment(now, attempt), settings=settings)
    if report.incomplete:
        raise DeliveryIncomplete(report)
    return report


def worth_retrying(error: object) -> bool:
    """Whether running delivery again soon can help: the server or the database was busy.

    Not for a mistake in the settings (a NastavnikError: a malformed NASTAVNIK_SMTP_URL) or a bug.
    """
    return isinstance(error, DeliveryIncomplete | OperationalError)
