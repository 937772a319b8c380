"""Errors a caller can hit, answered as JSON that names the field and the reason."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from schemas.base import Frozen


class FieldError(Frozen):
    field: str
    reason: str


class ApiError(Exception):
    """A refusal with an HTTP status, a message and, where it helps, the fields at fault."""

    def __init__(self, status: int, message: str, errors: list[FieldError] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []


def field_errors(
    error: ValidationError, prefix: str = "", strip_first: str | None = None
) -> list[FieldError]:
    """Pydantic's errors as (dotted field, reason) pairs, without echoing the input."""
    found: list[FieldError] = []
    for item in error.errors(include_input=False, include_url=False):
        loc = list(item["loc"])
        if strip_first is not None and loc and loc[0] == strip_first:
            loc = loc[1:]
        path = ".".join(str(p) for p in (*((prefix,) if prefix else ()), *loc))
        found.append(FieldError(field=path or "body", reason=str(item["msg"])))
    return found


def invalid(error: ValidationError, prefix: str = "", strip_first: str | None = None) -> ApiError:
    errors = field_errors(error, prefix, strip_first)
    summary = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
    return ApiError(422, f"invalid input: {summary}", errors)


def _body(message: str, errors: list[FieldError]) -> dict[str, Any]:
    return {"detail": message, "errors": [e.model_dump() for e in errors]}


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"Retry-After": "5"} if exc.status == 503 else None
    return JSONResponse(_body(exc.message, exc.errors), status_code=exc.status, headers=headers)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for item in exc.errors():
        loc = [str(p) for p in item.get("loc", ()) if p != "body"]
        errors.append(FieldError(field=".".join(loc) or "body", reason=str(item.get("msg"))))
    summary = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
    return JSONResponse(_body(f"invalid input: {summary}", errors), status_code=422)


async def unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """A dependency is down: say so and when to retry, never a stack trace or a hang."""
    what = (
        "the workflow service"
        if type(exc).__module__.startswith("temporalio")
        else ("the database")
    )
    return JSONResponse(
        _body(f"{what} is unavailable; try again shortly", []),
        status_code=503,
        headers={"Retry-After": "5"},
    )
