"""What the MedCom routes that take a message share: the size limit, reading the body, and the
answer (the outcome as JSON, or the MedCom Acknowledgement Bundle when asked for
application/fhir+json), with the same HTTP status either way."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from api.input_checks import parsed_body
from api.medcom import MedcomAcknowledgement, MedcomError, fatal_error
from api.medcom.acknowledgement_bundle import MEDIA_TYPE, acknowledgement_bundle, wants_fhir

STATUS = {"ok": 200, "transient-error": 503, "fatal-error": 422}
MAX_BYTES = 2_000_000
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "ok"},
    422: {"description": "fatal-error"},
    503: {"description": "transient-error: send again"},
}


async def acknowledge(
    request: Request,
    receive: Callable[[object], Awaitable[MedcomAcknowledgement]],
    receivers: frozenset[str],
) -> JSONResponse:
    """Read the body (at most MAX_BYTES of JSON; the document the boundary guard read when
    it kept one), hand it to `receive` and answer with its acknowledgement outcome; a body
    that is too large or not JSON is a fatal-error."""
    received_at = datetime.now(UTC)
    body = await request.body()
    raw: object = None
    try:
        if len(body) > MAX_BYTES:
            raise MedcomError("Bundle", f"message larger than {MAX_BYTES} bytes")
        parsed = parsed_body(request.state)
        raw = parsed.value if parsed is not None else json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        ack = fatal_error(MedcomError("Bundle", "not a JSON document"))
    except MedcomError as err:
        ack = fatal_error(err)
    else:
        ack = await receive(raw)
    if not wants_fhir(request.headers.get("accept")):
        return JSONResponse(ack.model_dump(), status_code=STATUS[ack.outcome])
    # A body that is not JSON is still told apart from another by its bytes (ids from a hash).
    ours = next(iter(receivers)) if len(receivers) == 1 else None
    bundle = acknowledgement_bundle(
        ack, body[:MAX_BYTES] if raw is None else raw, received_at, our_sor=ours
    )
    return JSONResponse(bundle, status_code=STATUS[ack.outcome], media_type=MEDIA_TYPE)
