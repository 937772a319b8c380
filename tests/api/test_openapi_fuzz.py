"""Schemathesis against our own OpenAPI description: whatever a system sends to the JSON API,
the answer is never a server error, and it is what the description promises.

Schemathesis generates the requests (valid ones and ones that break the schema) from the
app's OpenAPI document and checks each answer against it. The requests go to the app in this
process through httpx's ASGI transport: schemathesis' own ASGI client runs the app on an
event loop of its own thread, where the app's asyncpg pool and Temporal client (bound to the
test loop) cannot be used.
"""

from __future__ import annotations

import httpx
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from hverdagsbro.settings import Settings
from tests.api.conftest import Caller

BASE_URL = "http://testserver"
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


# The description does not depend on a database or Temporal: one app serves to read it.
DOCUMENT = create_app(Settings(), database_url="postgresql://unused/unused").openapi()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
API_OPERATIONS = [
    f"{method.upper()} {path}"
    for path, operations in DOCUMENT["paths"].items()
    if path.startswith("/api/")
    for method in operations
]


async def send(client: httpx.AsyncClient, case: Case) -> httpx.Response:
    """The generated request, with the client's valid token instead of generated credentials."""
    token = client.headers["Authorization"]
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers={"Authorization": token})
    kwargs.pop("cookies", None)
    allowed = {"method", "url", "headers", "params", "json", "data", "files"}
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in allowed}).prepare()
    headers = dict(prepared.headers)
    # Schemathesis asks for compressed answers; the ASGI transport hands them over as sent.
    headers.pop("Accept-Encoding", None)
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return await client.request(
        str(prepared.method), str(prepared.url), headers=headers, content=body
    )


def test_the_description_covers_every_json_api_route_and_its_refusals(api_app: FastAPI) -> None:
    assert api_app.openapi() == DOCUMENT
    assert "POST /api/events" in API_OPERATIONS
    assert "POST /api/medcom/hospital-notifications" in API_OPERATIONS
    assert "HTTPValidationError" not in DOCUMENT["components"]["schemas"], (
        "422 answers are described as they are sent (ErrorOut)"
    )
    for path, methods in DOCUMENT["paths"].items():
        for operation in methods.values():
            if path.startswith("/api/"):
                assert operation["security"], f"{path} says how to log in"
                assert "default" in operation["responses"], f"{path} describes its refusals"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("label", API_OPERATIONS)
@settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_generated_requests_get_documented_answers_never_server_errors(
    label: str, mode: GenerationMode, data: st.DataObject, as_token: Caller
) -> None:
    client = await as_token("integration")
    method, path = label.split(" ", 1)
    case = data.draw(SCHEMA[path][method].as_strategy(generation_mode=mode), label="request")
    response = await send(client, case)
    case.validate_response(response, checks=CHECKS)
