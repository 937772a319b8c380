"""Server-rendered pages for ward staff, peers, caseworkers, coordinators and operators."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import (
    caseworker,
    coordinator,
    episode_page,
    login,
    operator,
    peer,
    reports,
    tasks,
    ward,
)

STATIC = Path(__file__).resolve().parent.parent / "static"


def install(app: FastAPI) -> None:
    """Add the page routes and the stylesheet to the app."""
    pages = (login, ward, peer, caseworker, coordinator, operator, episode_page, tasks, reports)
    app.include_router(login.login_router)
    for module in pages:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
