"""POST /api/medcom/care-communications: the municipality's replies to our CareCommunications."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.auth import require_role
from api.dependencies import AppSettings, Pool
from api.medcom.care_communication_in import ReplyIntake
from api.medcom.senders import receiver_identities
from api.principal import Principal, TokenRole
from api.routes.medcom_answer import RESPONSES, acknowledge

router = APIRouter(prefix="/api/medcom", tags=["medcom"])


async def get_replies(pool: Pool, settings: AppSettings) -> ReplyIntake:
    return ReplyIntake(pool, receiver_identities(settings.medcom_receivers))


@router.post("/care-communications", responses=RESPONSES)
async def care_communication(
    request: Request,
    principal: Annotated[
        Principal, Depends(require_role(TokenRole.MEDCOM_GATEWAY, TokenRole.INTEGRATION))
    ],
    replies: Annotated[ReplyIntake, Depends(get_replies)],
) -> JSONResponse:
    """Takes one MedCom CareCommunication (FHIR R4 message Bundle) that replies to a message
    we sent, and answers with its acknowledgement outcome: the MedCom Acknowledgement message
    with `Accept: application/fhir+json`, else the outcome as JSON (`MedcomAcknowledgement`).
    Same HTTP status either way. Only replies are taken (a new or forwarded message is a
    fatal-error); the sender must be the municipality our message went to."""
    return await acknowledge(request, partial(replies.receive, principal), replies.receivers)
