"""Sends one CareCommunication to the citizen's municipality: reads what it says from the
database at the moment it is sent, checks the consent again, builds the Bundle (the same for
every attempt), keeps its outbox row and hands it to the transport."""

from __future__ import annotations

from datetime import datetime

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.care_communication import content
from activities.care_communication.bundle import (
    BuiltBundle,
    CareCommunicationContent,
    Citizen,
    Party,
    build_care_communication,
    bundle_bytes,
)
from activities.medcom_transport.port import MedcomTransport, OutgoingBundle, TransportError
from db import care_communication_content as read
from db import episode_queries, medcom_outbox
from db.care_communication_content import MessageParties
from db.connection import PooledConnection
from db.pool import DatabasePool
from schemas.care_communication import (
    CareCommunicationKind,
    DeliveryOutcome,
    SendAttempt,
    SendReceipt,
)
from schemas.consent import ConsentScope

log = structlog.get_logger(__name__)

# Why nothing was sent (codes: the timeline shows them through its reason catalog).
NO_TRANSPORT = "no transport"
NO_CONSENT = "no consent to share"
NO_RECEIVER = "no receiver"
NO_SENDER = "no sender"
NO_CITIZEN = "citizen not identified"
NO_MEETING = "no meeting booked"
CANNOT_BUILD = "message cannot be built"
NOT_SENT_REASONS = frozenset(
    {NO_TRANSPORT, NO_CONSENT, NO_RECEIVER, NO_SENDER, NO_CITIZEN, NO_MEETING, CANNOT_BUILD}
)
# What a receipt of a message not sent carries instead of FHIR ids.
NOT_SENT_ID = "not-sent"


class _NotSent(Exception):
    """Nothing to send (a reason code, never content)."""


class CareCommunicationSender:
    """`transport` None: MedCom is switched off here (every message is 'not sent')."""

    def __init__(self, pool: DatabasePool, transport: MedcomTransport | None) -> None:
        self._pool = pool
        self._transport = transport

    @activity.defn
    async def send_care_communication(self, attempt: SendAttempt) -> SendReceipt:
        """Attempt n of the message. The same message gives the same Bundle every time (ids,
        content and written_at, the moment its outbox row was made), so an attempt repeated
        after a worker died is a retransmission the receiver recognises."""
        message = attempt.message
        try:
            built, receiver_sor, already_answered = await self._prepare(attempt)
        except _NotSent as why:
            log.info(
                "care communication not sent",
                message_id=message.message_id,
                kind=message.kind.value,
                reason=str(why),
            )
            return SendReceipt(
                message_id=message.message_id,
                bundle_id=NOT_SENT_ID,
                message_header_id=NOT_SENT_ID,
                status="not_sent",
                reason=str(why),
            )
        assert self._transport is not None
        if already_answered:
            return SendReceipt(
                message_id=message.message_id,
                bundle_id=built.bundle_id,
                message_header_id=built.message_header_id,
            )
        bundle = OutgoingBundle(
            bundle_id=built.bundle_id,
            message_header_id=built.message_header_id,
            receiver_sor=receiver_sor,
            body=bundle_bytes(built),
        )
        try:
            await self._transport.send(bundle)
        except TransportError as err:
            async with self._pool.acquire() as conn:
                await medcom_outbox.mark_attempt_failed(
                    conn, message.message_id, attempt.attempt, err.reason
                )
            log.warning(
                "care communication not taken by the transport",
                message_id=message.message_id,
                attempt=attempt.attempt,
                reason=err.reason,
                retryable=err.retryable,
            )
            raise ApplicationError(
                err.reason, type="TransportError", non_retryable=not err.retryable
            ) from None
        async with self._pool.acquire() as conn:
            await medcom_outbox.mark_sent(conn, message.message_id, attempt.attempt)
        log.info(
            "care communication sent",
            message_id=message.message_id,
            kind=message.kind.value,
            attempt=attempt.attempt,
        )
        return SendReceipt(
            message_id=message.message_id,
            bundle_id=built.bundle_id,
            message_header_id=built.message_header_id,
        )

    @activity.defn
    async def finish_care_communication(self, outcome: DeliveryOutcome) -> None:
        """The delivery's end, as its workflow decided it, in the outbox row."""
        async with self._pool.acquire() as conn:
            await medcom_outbox.finish(
                conn, outcome.message_id, outcome.status.value, outcome.reason
            )

    async def _prepare(self, attempt: SendAttempt) -> tuple[BuiltBundle, str, bool]:
        """The Bundle to send, the receiver's SOR code and whether the municipality has
        answered it for good already (then it is not sent again); _NotSent when there is
        nothing to send."""
        message = attempt.message
        if self._transport is None:
            raise _NotSent(NO_TRANSPORT)
        async with self._pool.acquire() as conn:
            parties = await read.parties(conn, message.episode_id)
            if parties is None:
                raise _NotSent(NO_RECEIVER)
            if ConsentScope.SHARE_WITH_MUNICIPALITY.value not in parties.consents:
                raise _NotSent(NO_CONSENT)
            # MedCom addresses an organisation by its SOR code and routes by its EAN/GLN
            # location number (the profile wants both): without either it cannot arrive.
            if parties.municipality_sor is None or parties.municipality_ean is None:
                raise _NotSent(NO_RECEIVER)
            if parties.ward_sor is None or parties.ward_ean is None:
                raise _NotSent(NO_SENDER)
            citizen = _citizen(parties)
            composed = await _compose(conn, attempt, parties)
            draft = _content(message.message_id, parties, citizen, composed, message.occurred_at)
            first = _build(draft, message.message_id)
            row = await medcom_outbox.prepare(
                conn,
                message_id=message.message_id,
                episode_id=message.episode_id,
                kind=message.kind.value,
                bundle_id=first.bundle_id,
                message_header_id=first.message_header_id,
                receiver_sor=parties.municipality_sor,
            )
        written_at = row.created_at.astimezone(content.COPENHAGEN)
        final = draft.model_copy(update={"written_at": written_at})
        answered = row.status in ("acknowledged", "rejected")
        return _build(final, message.message_id), parties.municipality_sor, answered


def _build(draft: CareCommunicationContent, message_id: str) -> BuiltBundle:
    """The Bundle; _NotSent when the reference data cannot make one (a SOR or EAN code of the
    wrong form: the builder's message names the field, never its value)."""
    try:
        return build_care_communication(draft)
    except ValueError as err:
        log.warning("care communication cannot be built", message_id=message_id, problem=str(err))
        raise _NotSent(CANNOT_BUILD) from None


def _citizen(parties: MessageParties) -> Citizen:
    """The citizen as the IG identifies them: CPR number and official name."""
    names = (parties.citizen_name or "").split()
    if parties.cpr is None or not names:
        raise _NotSent(NO_CITIZEN)
    return Citizen(cpr=parties.cpr, family=names[-1], given=tuple(names[:-1]))


def _facts(parties: MessageParties, attempt: SendAttempt) -> content.Facts:
    message = attempt.message
    closing = message.kind == CareCommunicationKind.CLOSING_SUMMARY
    return content.Facts(
        programme_name=parties.programme_name_da or parties.programme,
        organisation=parties.organisation_name or parties.ward_name,
        referred_at=parties.referred_at,
        discharged_at=parties.discharged_at,
        # The summary goes out as the episode closes: the read model may not say so yet.
        closed_at=parties.closed_at or (message.occurred_at if closing else None),
        follow_ups_done=parties.follow_ups_done,
        follow_ups_planned=parties.follow_ups_planned,
        hope_start=parties.hope_score_start,
        hope_end=parties.hope_score_end,
    )


async def _compose(
    conn: PooledConnection, attempt: SendAttempt, parties: MessageParties
) -> content.Composed:
    message = attempt.message
    facts = _facts(parties, attempt)
    if message.kind == CareCommunicationKind.DISCHARGE:
        return content.discharge(facts)
    if message.kind == CareCommunicationKind.NETWORK_MEETING:
        booked = await read.meeting_booked(conn, message.episode_id, message.occurred_at)
        if booked is None:
            raise _NotSent(NO_MEETING)
        meeting = content.Meeting(
            meeting_on=booked.meeting_on, starts_at=booked.starts_at, place=booked.place
        )
        return content.network_meeting(facts, meeting)
    goals = await episode_queries.goals(conn, message.episode_id, [content.SUMMARY_AREA])
    milestones = await episode_queries.reported_milestones(
        conn, message.episode_id, content.SUMMARY_MILESTONES
    )
    confirmed = await read.services_confirmed(
        conn, message.episode_id, list(content.SUMMARY_SERVICES)
    )
    services = tuple(dict.fromkeys([*confirmed, *(m.detail for m in milestones if m.detail)]))
    summary = content.Summary(
        services=services,
        goals=tuple(content.Goal(text=g.text, status=g.status) for g in goals),
    )
    return content.closing_summary(facts, summary)


def _content(
    message_id: str,
    parties: MessageParties,
    citizen: Citizen,
    composed: content.Composed,
    written_at: datetime,
) -> CareCommunicationContent:
    assert parties.ward_sor is not None
    assert parties.municipality_sor is not None
    return CareCommunicationContent(
        message_id=message_id,
        sender=Party(sor=parties.ward_sor, ean=parties.ward_ean, name=parties.ward_name),
        receiver=Party(
            sor=parties.municipality_sor,
            ean=parties.municipality_ean,
            name=parties.municipality_name,
        ),
        citizen=citizen,
        category=composed.category,
        topic=composed.topic,
        text=composed.text,
        written_at=written_at,
        author_role="Koordinator",
    )
