"""The boundary's reading of JSON bodies: one nesting limit whether or not text is checked,
and the MedCom routes handed the document the boundary read instead of reading it again."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from api.input_checks import MAX_JSON_DEPTH, Refusal, check_json, parsed_body
from api.security import BoundaryGuard


def _nested(levels: int, inner: bytes = b"1") -> bytes:
    """`inner` at depth `levels`: inside that many arrays and objects, alternating."""
    opened = b"".join(b"[" if i % 2 else b'{"k":' for i in range(levels))
    closed = b"".join(b"]" if i % 2 else b"}" for i in reversed(range(levels)))
    return opened + inner + closed


@pytest.mark.parametrize("check_text", [True, False], ids=["json-api", "medcom"])
def test_the_nesting_limit_is_the_same_with_or_without_text_checks(check_text: bool) -> None:
    at_limit = check_json(_nested(MAX_JSON_DEPTH), check_text=check_text)
    assert at_limit is not None
    assert at_limit.value == json.loads(_nested(MAX_JSON_DEPTH))
    # An empty container at the limit holds nothing below it.
    assert check_json(_nested(MAX_JSON_DEPTH, b"[]"), check_text=check_text) is not None
    for too_deep in (_nested(MAX_JSON_DEPTH + 1), _nested(MAX_JSON_DEPTH, b"[0]")):
        with pytest.raises(Refusal) as refused:
            check_json(too_deep, check_text=check_text)
        assert refused.value.reason == f"nested deeper than {MAX_JSON_DEPTH} levels"


def test_text_that_is_not_json_is_left_to_the_route() -> None:
    assert check_json(b'{"resourceType": ', check_text=False) is None


@pytest.mark.parametrize("check_text", [True, False], ids=["json-api", "medcom"])
@pytest.mark.parametrize("scalar", [b"null", b"1.5", b"7", b"true", b"false", b'"Bundle"'])
def test_a_document_that_is_one_value_is_read(scalar: bytes, check_text: bool) -> None:
    parsed = check_json(scalar, check_text=check_text)
    assert parsed is not None and parsed.value == json.loads(scalar)


def test_only_the_json_api_checks_text() -> None:
    body = json.dumps({"note": "Godt\u0000møde"}).encode()
    with pytest.raises(Refusal) as refused:
        check_json(body, check_text=True)
    assert refused.value.field == "note"
    parsed = check_json(body, check_text=False)
    assert parsed is not None and parsed.value == {"note": "Godt\u0000møde"}


async def _route_sees(path: str, content: bytes) -> Any:
    seen: list[Any] = []

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        parsed = parsed_body(Request(scope, receive).state)
        seen.append("nothing" if parsed is None else parsed.value)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    transport = httpx.ASGITransport(app=BoundaryGuard(route))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post(
            path, content=content, headers={"Content-Type": "application/fhir+json"}
        )
    assert answer.status_code == 200
    return seen[0]


async def test_a_medcom_route_is_handed_the_message_the_boundary_read() -> None:
    bundle = {"resourceType": "Bundle", "type": "message", "entry": []}
    content = json.dumps(bundle).encode()
    assert await _route_sees("/api/medcom/hospital-notifications", content) == bundle
    # Other routes read their bodies themselves; a body that is not JSON is not handed on.
    assert await _route_sees("/api/events", content) == "nothing"
    assert await _route_sees("/api/medcom/hospital-notifications", b"{") == "nothing"
