"""POST /api/medcom/hospital-notifications: MedCom HospitalNotification messages in."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.auth import require_role
from api.dependencies import Medcom
from api.principal import Principal, TokenRole
from api.routes.medcom_answer import RESPONSES, acknowledge

router = APIRouter(prefix="/api/medcom", tags=["medcom"])


@router.post("/hospital-notifications", responses=RESPONSES)
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
    return await acknowledge(request, partial(medcom.receive, principal), medcom.receivers)
