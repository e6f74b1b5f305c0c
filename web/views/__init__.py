"""The portal's pages, one module per page; each module has a ``router``."""

from __future__ import annotations

from web.views import (
    calendar,
    documents,
    export,
    files,
    gantt,
    home,
    indicators_export,
    launch,
    matrix,
    progress,
    registry,
    school,
    schools_import,
    signin,
    step,
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
    schools_import.router,
    export.router,
    calendar.router,
    registry.router,
    indicators_export.router,
]
