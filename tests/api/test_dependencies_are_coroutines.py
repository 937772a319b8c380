"""Every dependency of every route is a coroutine: FastAPI runs a plain function dependency in
its thread pool, a hand-off to a thread and back on each request (under the benchmark's load
5 % of the API process's CPU went to handing attribute reads to threads)."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant

from api.app import create_app
from hverdagsbro.settings import Settings


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    for route in routes:
        inner = getattr(route, "original_router", None) or getattr(route, "router", None)
        if inner is not None and hasattr(inner, "routes"):
            yield from _routes(inner.routes)
        else:
            yield route


def _in_threads(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        call = sub.call
        if call is not None and not (
            inspect.iscoroutinefunction(call)
            or inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004
        ):
            yield f"{call.__module__}.{call.__qualname__}"
        yield from _in_threads(sub)


def test_no_route_hands_a_dependency_or_itself_to_a_thread() -> None:
    app = create_app(Settings(), database_url="postgresql://unused/unused")
    checked = 0
    in_threads: dict[str, set[str]] = {}
    for route in _routes(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        checked += 1
        for name in _in_threads(dependant):
            in_threads.setdefault(name, set()).add(route.path)
        if dependant.call is not None and not inspect.iscoroutinefunction(dependant.call):
            in_threads.setdefault("endpoint", set()).add(route.path)
    assert checked > 100, "the routes behind included routers were not walked"
    assert in_threads == {}
