"""Server-rendered pages for ward staff, peers, caseworkers, coordinators and operators."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import (
    caseworker,
    citizen_broker,
    citizen_sign_in,
    closing_summary_page,
    coordinator,
    courses,
    episode_page,
    episode_relatives,
    groups,
    inbox,
    login,
    manual_match,
    my_bridge,
    my_data,
    operator,
    partnerships,
    peer,
    reports,
    roster,
    roster_tasks,
    staff_sign_in,
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
        manual_match,
        operator,
        episode_page,
        episode_relatives,
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
        citizen_sign_in,
    )
    app.include_router(login.login_router)
    app.include_router(staff_sign_in.router)
    app.include_router(courses.public_router)
    # The citizen's own pages: the public sign-in and, once signed in, theirs (no staff inbox).
    app.include_router(citizen_sign_in.public_router)
    app.include_router(citizen_sign_in.citizen_router)
    app.include_router(citizen_broker.router)
    app.include_router(my_bridge.router)
    app.include_router(my_data.router)
    # Every page shows the person's unread count in its navigation.
    badge = [Depends(inbox.unread_badge)]
    for module in pages:
        app.include_router(module.router, dependencies=badge)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
