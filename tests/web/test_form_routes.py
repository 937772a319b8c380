"""Every page form, found from the app's own routes, is refused without the session's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from api.auth import SESSION_COOKIE
from api.web.citizen_guard import CitizenRoute, citizen_form
from api.web.guard import SAFE_METHODS, LoginRoute, PageRoute, posted_form
from db.access import create_session
from db.pool import DatabasePool
from tests.web.conftest import web_roster


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """The app's routes, also those of included routers (FastAPI keeps those apart)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def page_forms(app: FastAPI) -> list[APIRoute]:
    return [
        route
        for route in api_routes(app.routes)
        if not route.path.startswith("/api/") and route.methods - SAFE_METHODS
    ]


def filled(path: str) -> str:
    """The route's path with made-up parameters (the refusal comes before they are looked up)."""
    return re.sub(r"\{(\w+)\}", lambda m: "accept" if m[1] == "action" else "no-such-id", path)


def test_every_page_form_is_a_page_route_that_checks_csrf_first(web_app: FastAPI) -> None:
    forms = page_forms(web_app)
    paths = {route.path for route in forms}
    assert {"/login", "/logout", "/ward/referrals", "/tasks/{task_id}/{action}"} <= paths
    for route in forms:
        assert isinstance(route, PageRoute), f"{route.path} is a form outside the page routes"
        if isinstance(route, LoginRoute):
            continue
        first = route.dependant.dependencies[0]
        # A citizen's form checks the citizen session's token (api/web/citizen_guard).
        check = citizen_form if isinstance(route, CitizenRoute) else posted_form
        assert first.call is check, f"{route.path} does not check the CSRF token first"


async def test_every_page_form_without_or_with_a_wrong_token_is_refused_with_403(
    web_app: FastAPI, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    async with db_pool.acquire() as conn:
        secret, token = await create_session(conn, roster.ward_nurse, timedelta(hours=1))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web_app),
        base_url="http://test",
        cookies={SESSION_COOKIE: secret},
    ) as client:
        # One character changed (a token ending in "x" was once "changed" to itself).
        wrong = token[:-1] + ("y" if token.endswith("x") else "x")
        for route in page_forms(web_app):
            for sent in ({}, {"csrf": ""}, {"csrf": wrong}):
                response = await client.post(filled(route.path), data={"note": "x", **sent})
                assert response.status_code == 403, f"{route.path} took a form with {sent}"

        still = await client.get("/ward")
        assert still.status_code == 200, "the refused log-out must not have ended the session"

        logged_out = await client.post("/logout", data={"csrf": token})
        assert logged_out.status_code == 303
        assert logged_out.headers["location"] == "/login"
