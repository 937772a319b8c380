"""Placeholder module registered in api/web/__init__.py; filled in by issue 17's roster work."""

from __future__ import annotations

from fastapi import APIRouter

from api.web.guard import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
