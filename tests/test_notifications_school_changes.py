"""A changed school admin e-mail is told to the coordinator in their next letter, once (#17)."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from nastavnik import demo_data
from nastavnik.demo import write_schools_csv
from notifications.delivery import deliver_pending
from storage.db import session_scope
from storage.schools_diff import apply_schools_import
from tests.factories import COORDINATOR, moment
from tests.smtp_server import SmtpServer
from tests.test_notifications import TICK_DAY, settings_for
from tests.test_notifications_delivery import decided, smtp  # noqa: F401  (fixtures)


def test_the_coordinators_next_letter_lists_changed_admin_emails_once(
    decided: Engine,  # noqa: F811
    smtp: SmtpServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    now = moment(TICK_DAY, 10)
    settings = settings_for(tmp_path, smtp.url)
    assert deliver_pending(engine=decided, now=now, settings=settings).sent >= 1
    first = [m for m in smtp.sink.received if m.rcpt_tos == [COORDINATOR]]
    assert first and "Смена e-mail ответственных" not in first[-1].text

    schools = copy.deepcopy(demo_data.SCHOOLS[:3])
    schools[0]["admin_email"] = "novyi-adres@beloyarsky-edu.example.ru"
    path = write_schools_csv(tmp_path / "schools.csv", schools)
    with session_scope(decided) as session:
        apply_schools_import(
            session=session, path=path, now=now + timedelta(minutes=5), by=COORDINATOR
        )
    report = deliver_pending(engine=decided, now=now + timedelta(hours=1), settings=settings)
    assert report.sent >= 1
    told = [m for m in smtp.sink.received if m.rcpt_tos == [COORDINATOR]][-1]
    assert "смена e-mail ответственных" in told.subject
    assert "=== Смена e-mail ответственных ===" in told.text
    assert (
        "МАОУ СОШ № 1 г. Белоярский: sosh1@beloyarsky-edu.example.ru → "
        "novyi-adres@beloyarsky-edu.example.ru" in told.text
    )
    count = len(smtp.sink.received)
    deliver_pending(engine=decided, now=now + timedelta(hours=2), settings=settings)
    later = [m for m in smtp.sink.received[count:] if m.rcpt_tos == [COORDINATOR]]
    assert all("Смена e-mail ответственных" not in m.text for m in later), "told once"
