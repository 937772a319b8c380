"""MedCom Acknowledgements coming back for the CareCommunications we sent.

The municipality (through its gateway, or the directory pick-up) answers each of our messages
with an Acknowledgement Bundle: its MessageHeader's `response.identifier` is our
MessageHeader.id and `response.code` is `ok`, `transient-error` or `fatal-error` (with an
OperationOutcome naming what was wrong). Taking one in:

1. read it (a message Bundle whose MessageHeader has eventCoding `acknowledgement-message`,
   a `response`, and a sender Organization with a SOR code) — else refused naming the element;
2. the token must speak for that SOR code (a token bound to the municipality's organisation),
   and the SOR code must be the one we sent our message to — else refused and audited;
3. `response.identifier` must be a message we sent — else refused;
4. the answer is recorded on our message's outbox row, then signalled to the workflow that
   delivers the message (it ends the wait for an answer; a late answer after the delivery gave
   up is still recorded). A repeat is harmless: recorded again, signalled again, ignored.

An Acknowledgement is never acknowledged (MedCom); the caller gets a small JSON receipt.
Only ids and codes are read and kept: the OperationOutcome's code, never its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError, FieldError
from api.medcom.errors import MedcomError
from api.medcom.parse import SOR_ENDPOINT, as_mapping, organization_sor, read_message
from api.principal import Principal
from db import medcom_outbox
from db.medcom import audit_refusal
from db.pool import DatabasePool
from schemas.base import Frozen
from schemas.care_communication import (
    AcknowledgementCode,
    ReceivedAcknowledgement,
    delivery_workflow_id,
)
from schemas.fhir import FHIR_ID, Bundle, MessageHeader

log = structlog.get_logger(__name__)

ACKNOWLEDGEMENT_EVENT = "acknowledgement-message"
HEADER = "Bundle.entry[MessageHeader]"
RESPONSE = f"{HEADER}.response"
SENDER = f"{HEADER}.sender"
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_STORAGE_DOWN = (OSError, asyncpg.PostgresError)


class _Response(BaseModel):
    """MessageHeader.response, as far as it is read."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)
    identifier: str = Field(pattern=FHIR_ID)
    code: AcknowledgementCode


class ParsedAcknowledgement(Frozen):
    bundle_id: str
    message_header_id: str
    acknowledged_header_id: str
    code: AcknowledgementCode
    sender_sor: str
    reason: str = ""


class AcknowledgementRecorded(Frozen):
    """The receipt for an Acknowledgement taken in."""

    outcome: Literal["recorded"] = "recorded"
    acknowledged_message_header_id: str = Field(
        description="Our MessageHeader.id the Acknowledgement answers."
    )
    code: AcknowledgementCode
    message_status: str = Field(
        description="Our message's status now: acknowledged, rejected, or still sent."
    )


def _refused(error: MedcomError, status: int = 422) -> ApiError:
    errors = [FieldError(field=error.field, reason=error.reason)]
    errors += [FieldError(field=f, reason=r) for f, r in error.more]
    return ApiError(status, "the Acknowledgement was refused", errors)


def _sor_of(bundle: Bundle, header: MessageHeader) -> str:
    sor = organization_sor(bundle, header.sender, SENDER, "the sender")
    endpoint = header.source.endpoint
    if endpoint.startswith(SOR_ENDPOINT) and endpoint.removeprefix(SOR_ENDPOINT) != sor:
        raise MedcomError(f"{HEADER}.source.endpoint", "names another SOR code than the sender")
    return sor


def _raw_header(data: Mapping[Any, Any], header_id: str) -> Mapping[Any, Any]:
    for entry in data.get("entry") or ():
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if (
            isinstance(resource, Mapping)
            and resource.get("resourceType") == "MessageHeader"
            and resource.get("id") == header_id
        ):
            return resource
    raise MedcomError(HEADER, "required")  # pragma: no cover - the Bundle had it


def _issue_code(data: Mapping[Any, Any]) -> str:
    """The first OperationOutcome issue's code: details.coding[0].code, else issue.code.
    Codes only (a text may carry anything); '' when there is none."""
    for entry in data.get("entry") or ():
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping) or resource.get("resourceType") != "OperationOutcome":
            continue
        issues = resource.get("issue")
        issue = issues[0] if isinstance(issues, list) and issues else None
        if not isinstance(issue, Mapping):
            return ""
        details = issue.get("details")
        codings = details.get("coding") if isinstance(details, Mapping) else None
        candidates: list[object] = []
        if isinstance(codings, list) and codings and isinstance(codings[0], Mapping):
            candidates.append(codings[0].get("code"))
        candidates.append(issue.get("code"))
        for code in candidates:
            if isinstance(code, str) and _CODE.fullmatch(code):
                return code
    return ""


def parse_acknowledgement(raw: object) -> ParsedAcknowledgement:
    """Read one Acknowledgement message Bundle; raises `MedcomError` naming the element."""
    data = as_mapping(raw)
    bundle, header = read_message(data, Bundle, ACKNOWLEDGEMENT_EVENT)
    if bundle.id is None:
        raise MedcomError("Bundle.id", "required")
    raw_response = _raw_header(data, header.id).get("response")
    if raw_response is None:
        raise MedcomError(RESPONSE, "required")
    try:
        response = _Response.model_validate(raw_response)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        reason = "required" if first.get("type") == "missing" else first["msg"]
        raise MedcomError(f"{RESPONSE}.{where}" if where else RESPONSE, reason) from None
    return ParsedAcknowledgement(
        bundle_id=bundle.id,
        message_header_id=header.id,
        acknowledged_header_id=response.identifier,
        code=response.code,
        sender_sor=_sor_of(bundle, header),
        reason="" if response.code is AcknowledgementCode.OK else _issue_code(data),
    )


class AcknowledgementIntake:
    def __init__(self, pool: DatabasePool, temporal: Client) -> None:
        self.pool = pool
        self.temporal = temporal

    async def receive(self, principal: Principal, raw: object) -> AcknowledgementRecorded:
        """Record the Acknowledgement and tell the delivery; ApiError when refused."""
        try:
            ack = parse_acknowledgement(raw)
        except MedcomError as err:
            log.info("medcom acknowledgement refused", field=err.field)
            raise _refused(err) from None
        try:
            async with self.pool.acquire() as conn:
                ours = await medcom_outbox.by_header(conn, ack.acknowledged_header_id)
                refusal = self._refusal(principal, ack, ours)
                if refusal is not None:
                    await audit_refusal(
                        conn,
                        actor_role=principal.role.value,
                        actor_id=principal.id,
                        field=refusal.field,
                        bundle_id=ack.bundle_id,
                        message_header_id=ack.message_header_id,
                        sender_sor=ack.sender_sor,
                        episode_id=ours.episode_id if ours is not None else None,
                    )
                    log.warning("medcom acknowledgement refused", field=refusal.field)
                    raise _refused(refusal, 403 if ours is not None else 422)
                assert ours is not None
                await medcom_outbox.record_acknowledgement(
                    conn, ack.acknowledged_header_id, ack.code, ack.reason
                )
                now = await medcom_outbox.by_header(conn, ack.acknowledged_header_id)
        except _STORAGE_DOWN:
            raise ApiError(503, "storage unavailable; send the Acknowledgement again") from None
        await self._tell_delivery(ours.message_id, ack)
        log.info(
            "medcom acknowledgement recorded",
            message_id=ours.message_id,
            code=ack.code.value,
        )
        return AcknowledgementRecorded(
            acknowledged_message_header_id=ack.acknowledged_header_id,
            code=ack.code,
            message_status=now.status if now is not None else ours.status,
        )

    @staticmethod
    def _refusal(
        principal: Principal, ack: ParsedAcknowledgement, ours: medcom_outbox.OutboxMessage | None
    ) -> MedcomError | None:
        if not principal.binding.may_send_as(ack.sender_sor):
            return MedcomError(SENDER, "this token may not send for this sender's SOR code")
        if ours is None:
            return MedcomError(f"{RESPONSE}.identifier", "answers no message we sent")
        if ours.receiver_sor != ack.sender_sor:
            return MedcomError(SENDER, "is not the organisation the message was sent to")
        return None

    async def _tell_delivery(self, message_id: str, ack: ParsedAcknowledgement) -> None:
        handle = self.temporal.get_workflow_handle(delivery_workflow_id(message_id))
        signal = ReceivedAcknowledgement(
            message_header_id=ack.acknowledged_header_id,
            code=ack.code,
            received_at=datetime.now(UTC),
            reason=ack.reason,
        )
        try:
            await handle.signal("acknowledged", signal)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise ApiError(
                    503, "the delivery could not be told now; send the Acknowledgement again"
                ) from None
            # The delivery has ended (it gave up, or this is a repeat): the row says it all.
            log.info("medcom acknowledgement after its delivery ended", message_id=message_id)
