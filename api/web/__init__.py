"""Server-rendered pages for ward staff, peers, caseworkers, coordinators and operators."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import (
    caseworker,
    closing_summary_page,
    coordinator,
    courses,
    episode_page,
    groups,
    inbox,
    login,
    operator,
    partnerships,
    peer,
    reports,
    roster,
    roster_tasks,
    supervision,
    tasks,
    ward,
)

STATIC = Path(__file__).resolve().parent.parent / "static"


def install(app: FastAPI) -> None:
    """Add the page routes and the stylesheet to the app."""
    pages = (
        login,
        ward,
        peer,
        caseworker,
        coordinator,
        operator,
        episode_page,
        closing_summary_page,
        tasks,
        reports,
        inbox,
        partnerships,
        roster,
        roster_tasks,
        supervision,
        groups,
        courses,
    )
    app.include_router(login.login_router)
    app.include_router(courses.public_router)
    # Every page shows the person's unread count in its navigation.
    badge = [Depends(inbox.unread_badge)]
    for module in pages:
        app.include_router(module.router, dependencies=badge)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
