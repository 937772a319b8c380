"""Errors a caller can hit, answered as JSON that names the field and the reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from schemas.base import Frozen
from schemas.medcom import MedcomAcknowledgement


class FieldError(Frozen):
    field: str = Field(description="Where: a dotted path into the body, or a header's name.")
    reason: str = Field(description="What is wrong there; never the value that was sent.")


class ErrorOut(Frozen):
    """Every refusal: a message, and the fields at fault with the reason for each."""

    detail: str
    errors: list[FieldError] = Field(
        default_factory=list, description="Empty (or absent) when no single field is at fault."
    )


class ApiError(Exception):
    """A refusal with an HTTP status, a message and, where it helps, the fields at fault."""

    def __init__(self, status: int, message: str, errors: list[FieldError] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []


def reasons_by_field(problem: ApiError | None) -> dict[str, list[str]]:
    """A refusal's reasons by the field they name, for showing each next to its form field."""
    found: dict[str, list[str]] = {}
    for error in problem.errors if problem is not None else ():
        found.setdefault(error.field, []).append(error.reason)
    return found


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


def error_body(message: str, errors: list[FieldError]) -> dict[str, Any]:
    return ErrorOut(detail=message, errors=errors).model_dump()


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"Retry-After": "5"} if exc.status == 503 else None
    return JSONResponse(
        error_body(exc.message, exc.errors), status_code=exc.status, headers=headers
    )


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_request_error(item) for item in exc.errors()]
    summary = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
    return JSONResponse(error_body(f"invalid input: {summary}", errors), status_code=422)


def _request_error(item: Mapping[str, Any]) -> FieldError:
    """One of FastAPI's errors about the request, said the way callers think of the body."""
    loc = list(item.get("loc", ()))
    kind = item.get("type")
    if kind == "json_invalid":
        position = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
        cause = item.get("ctx", {}).get("error", "")
        return FieldError(field="body", reason=f"not valid JSON{position}: {cause}".rstrip(": "))
    field = ".".join(str(p) for p in loc if p != "body") or "body"
    if field == "body" and kind == "missing":
        return FieldError(field="body", reason="a JSON object is required")
    if field == "body" and kind in {"model_attributes_type", "dict_type"}:
        return FieldError(field="body", reason="must be a JSON object")
    return FieldError(field=field, reason=str(item.get("msg")))


async def unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """A dependency is down: say so and when to retry, never a stack trace or a hang."""
    what = (
        "the workflow service"
        if type(exc).__module__.startswith("temporalio")
        else ("the database")
    )
    return JSONResponse(
        error_body(f"{what} is unavailable; try again shortly", []),
        status_code=503,
        headers={"Retry-After": "5"},
    )


# --- the OpenAPI description of errors ------------------------------------------------------

_REF = "#/components/schemas/{model}"
_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "An API token (systems)."},
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "hb_session",
        "description": "A page log-in.",
    },
}
_REFUSED = (
    "Refused: 401 not logged in, 403 not your role, 404 no such thing for you, 409 the episode "
    "has moved on, 413 body too large, 415 not JSON, 422 invalid input, 503 try again shortly "
    "(Retry-After)."
)


def describe_errors(app: FastAPI) -> None:
    """The OpenAPI document says what refusals look like (ErrorOut, not FastAPI's default
    validation error), which routes need a log-in, and what the MedCom endpoint answers."""
    build: Callable[[], dict[str, Any]] = app.openapi
    done = False

    def openapi() -> dict[str, Any]:
        nonlocal done
        schema = build()
        if not done:
            _describe(schema)
            done = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model)}}}


def _describe(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    models = components.setdefault("schemas", {})
    for model in (ErrorOut, MedcomAcknowledgement):
        found = model.model_json_schema(ref_template=_REF)
        models.update(found.pop("$defs", {}))
        models[model.__name__] = found
    components["securitySchemes"] = _SCHEMES
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            operation["security"] = [{"bearer": []}, {"session": []}]
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {"description": "Invalid input", "content": _json("ErrorOut")}
            responses["default"] = {"description": _REFUSED, "content": _json("ErrorOut")}
            if path in _MEDCOM_BODIES:
                _describe_medcom(operation, path)
    for unused in ("HTTPValidationError", "ValidationError"):
        models.pop(unused, None)


# What each MedCom endpoint takes; all but Acknowledgements are answered with an outcome
# (Acknowledgements are never acknowledged: they get a receipt or an ErrorOut).
_MEDCOM_BODIES = {
    "/api/medcom/hospital-notifications": "a MedCom HospitalNotification",
    "/api/medcom/care-communications": "a MedCom CareCommunication (a reply to ours)",
    "/api/medcom/acknowledgements": "a MedCom Acknowledgement of a message we sent",
}
_NOT_ACKNOWLEDGED = frozenset({"/api/medcom/acknowledgements"})


def _describe_medcom(operation: dict[str, Any], path: str) -> None:
    bundle = {
        "type": "object",
        "description": f"A FHIR R4 message Bundle: {_MEDCOM_BODIES[path]}.",
    }
    operation["requestBody"] = {
        "required": True,
        "content": {
            "application/fhir+json": {"schema": bundle},
            "application/json": {"schema": bundle},
        },
    }
    if path in _NOT_ACKNOWLEDGED:
        return
    responses = operation["responses"]
    for status, meaning in (
        ("200", "ok: taken (or a repeated transmission, which changes nothing)"),
        ("422", "fatal-error: will never be accepted; the reasons name FHIR paths"),
        ("503", "transient-error: could not be taken now; send it again"),
    ):
        responses[status] = {"description": meaning, "content": _json("MedcomAcknowledgement")}
