"""POST /api/medcom/hospital-notifications: MedCom HospitalNotification messages in."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.auth import require_role
from api.dependencies import Medcom
from api.medcom import MedcomError, fatal_error
from api.principal import Principal, TokenRole

router = APIRouter(prefix="/api/medcom", tags=["medcom"])

STATUS = {"ok": 200, "transient-error": 503, "fatal-error": 422}
MAX_BYTES = 2_000_000


@router.post(
    "/hospital-notifications",
    responses={
        200: {"description": "ok"},
        422: {"description": "fatal-error"},
        503: {"description": "transient-error: send again"},
    },
)
async def hospital_notification(
    request: Request,
    principal: Annotated[
        Principal, Depends(require_role(TokenRole.MEDCOM_GATEWAY, TokenRole.INTEGRATION))
    ],
    medcom: Medcom,
) -> JSONResponse:
    """Takes one FHIR R4 message Bundle and answers with its acknowledgement outcome."""
    body = await request.body()
    try:
        if len(body) > MAX_BYTES:
            raise MedcomError("Bundle", f"message larger than {MAX_BYTES} bytes")
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        ack = fatal_error(MedcomError("Bundle", "not a JSON document"))
        return JSONResponse(ack.model_dump(), status_code=422)
    except MedcomError as err:
        return JSONResponse(fatal_error(err).model_dump(), status_code=422)
    ack = await medcom.receive(principal, raw)
    return JSONResponse(ack.model_dump(), status_code=STATUS[ack.outcome])
