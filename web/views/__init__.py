"""The portal's pages, one module per page; each module has a ``router``."""

from __future__ import annotations

from web.views import (
    account,
    calendar,
    documents,
    export,
    files,
    gantt,
    home,
    indicators_export,
    journal,
    launch,
    matrix,
    progress,
    registry,
    roadmaps,
    school,
    schools_import,
    signin,
    step,
    units,
    users_admin,
)

ALL_ROUTERS = [
    signin.router,
    home.router,
    matrix.router,
    school.router,
    step.router,
    files.router,
    documents.router,
    progress.router,
    gantt.router,
    launch.router,
    roadmaps.router,
    schools_import.router,
    export.router,
    calendar.router,
    registry.router,
    account.router,
    users_admin.router,
    units.router,
    journal.router,
    indicators_export.router,
]
