"""POST /api/medcom/acknowledgements: MedCom Acknowledgements for the messages we sent."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.auth import require_role
from api.dependencies import Pool, Temporal
from api.errors import ApiError, ErrorOut, FieldError
from api.medcom.acknowledgement_in import AcknowledgementIntake, AcknowledgementRecorded
from api.principal import Principal, TokenRole

router = APIRouter(prefix="/api/medcom", tags=["medcom"])

MAX_BYTES = 2_000_000


@router.post(
    "/acknowledgements",
    responses={
        403: {"model": ErrorOut, "description": "the sender is not whom we sent the message to"},
        422: {"model": ErrorOut, "description": "not an Acknowledgement of a message we sent"},
        503: {"model": ErrorOut, "description": "send it again later"},
    },
)
async def acknowledgement(
    request: Request,
    principal: Annotated[
        Principal, Depends(require_role(TokenRole.MEDCOM_GATEWAY, TokenRole.INTEGRATION))
    ],
    pool: Pool,
    temporal: Temporal,
) -> AcknowledgementRecorded:
    """Takes one MedCom Acknowledgement (a FHIR message Bundle) for a CareCommunication we
    sent: records its code on our message and ends the delivery's wait. Acknowledgements are
    not acknowledged; the answer is a receipt."""
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise ApiError(
            413,
            "the Acknowledgement is too large",
            [FieldError(field="Bundle", reason=f"larger than {MAX_BYTES} bytes")],
        )
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(
            422,
            "the Acknowledgement was refused",
            [FieldError(field="Bundle", reason="not a JSON document")],
        ) from None
    return await AcknowledgementIntake(pool, temporal).receive(principal, raw)
