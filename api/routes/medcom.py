"""POST /api/medcom/hospital-notifications: MedCom HospitalNotification messages in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.auth import require_role
from api.dependencies import Medcom
from api.medcom import MedcomAcknowledgement, MedcomError, fatal_error
from api.medcom.acknowledgement_bundle import MEDIA_TYPE, acknowledgement_bundle, wants_fhir
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
    """Takes one FHIR R4 message Bundle and answers with its acknowledgement outcome: the
    MedCom Acknowledgement message (a FHIR Bundle) with `Accept: application/fhir+json`, else
    the outcome as JSON (`MedcomAcknowledgement`). Same HTTP status either way."""
    received_at = datetime.now(UTC)
    body = await request.body()
    raw: object = None
    try:
        if len(body) > MAX_BYTES:
            raise MedcomError("Bundle", f"message larger than {MAX_BYTES} bytes")
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        ack = fatal_error(MedcomError("Bundle", "not a JSON document"))
    except MedcomError as err:
        ack = fatal_error(err)
    else:
        ack = await medcom.receive(principal, raw)
    if not wants_fhir(request.headers.get("accept")):
        return JSONResponse(ack.model_dump(), status_code=STATUS[ack.outcome])
    # A body that is not JSON is still told apart from another by its bytes (ids from a hash).
    return _fhir(ack, body[:MAX_BYTES] if raw is None else raw, received_at, medcom.receivers)


def _fhir(
    ack: MedcomAcknowledgement, raw: object, received_at: datetime, receivers: frozenset[str]
) -> JSONResponse:
    ours = next(iter(receivers)) if len(receivers) == 1 else None
    bundle = acknowledgement_bundle(ack, raw, received_at, our_sor=ours)
    return JSONResponse(bundle, status_code=STATUS[ack.outcome], media_type=MEDIA_TYPE)
