"""What the endpoint does with a HospitalNotification: check whom it speaks for, tell repeats
and collisions apart, find the stay's earlier message, park or apply, acknowledge.

The token must be bound to the message's sender (its SOR code), the message must be addressed
to us, and it goes to the citizen's open episode whose ward the sender speaks for (a ward of the
same organisation). A message for a citizen whose open episodes all belong elsewhere is refused
(fatal-error naming MessageHeader.sender, audited, nothing stored). A notification for a citizen
with no open episode is kept ('waiting') and handed to the episode a referral starts, if its
sender may speak for that episode's ward.

Identity is scoped to the hospital stay (sender SOR code, citizen, episode-of-care identifiers;
see `api.medcom.events`). A repeat is what the IG says it is, the same Bundle.id and
MessageHeader.id: acknowledged `ok`, nothing applied again. Every other message is never dropped
silently:
- the same (Bundle.id, MessageHeader.id) with other content (a content digest differs) is a
  collision: `ok`, listed for an operator, not applied;
- a MessageHeader.id used before in another stay, or by another citizen, is a message of its
  own and applied to its own stay; used before in the same stay with other content, it is kept
  ('collision'), listed, not applied;
- a `revise-*`/`cancel-*` whose earlier message is not known for its stay is listed for an
  operator and handed on aimed at the id that message would get in this stay (the episode
  keeps a correction whose fact has not arrived): it can never correct another stay's fact,
  and when the message arrives the correction applies and the listing is resolved.
An admission to, or a discharge from, a ward that is not psychiatric (its SOR code: the
Encounter's serviceProvider first, else the sender) is applied with `psychiatric=False`.

What is read before a message is placed is read in one statement, and a message applied is kept
together with its events in one more, before they are handed to Temporal; when Temporal cannot
take them, the message is forgotten again and the sender hears transient-error, so its next
attempt is taken in afresh (the recorded events are handed on by that attempt, or by the
redelivery sweep if the forgetting failed too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

import asyncpg
import structlog

from api.errors import ApiError
from api.intake import EventIntake
from api.medcom.acknowledge import acknowledgement, fatal_error, transient_error
from api.medcom.errors import MedcomError, redact
from api.medcom.events import (
    content_digest,
    episode_of_care_tokens,
    event_id_for,
    for_another_episode,
    legacy_event_id,
    same_stay,
    shares_an_episode_of_care,
    stay_scope,
    to_episode_events,
)
from api.medcom.parse import parse_hospital_notification
from api.medcom.senders import check_receiver, check_sender, not_for_this_episode
from api.principal import Principal
from db.citizens import upsert_citizen
from db.connection import PooledConnection
from db.events_received import record_event
from db.medcom import (
    AttentionReason,
    MessageFacts,
    StayMessage,
    StoredMessage,
    audit_refusal,
    forget_message,
    message_facts,
    messages_under_header,
    needs_a_look,
    remember_message,
    remember_message_resolving,
    remember_message_with_events,
    target_arrived,
)
from db.pool import DatabasePool
from schemas.events import EpisodeEvent
from schemas.medcom import HospitalNotification, MedcomAcknowledgement

log = structlog.get_logger(__name__)

_STORAGE_DOWN = (OSError, asyncpg.PostgresError)
# A revise/cancel may point at a message that was applied or is kept for a referral; one that
# was itself kept aside (a collision) has no event to correct.
_TARGETS = frozenset({"applied", "waiting"})


class _Route(NamedTuple):
    """Where a notification goes: the citizen's open episodes the sender speaks for (one per
    programme, newest first), kept for a referral (none), or refused because the citizen's
    open episodes belong to wards the sender does not speak for."""

    episode_ids: tuple[str, ...] = ()
    refused: bool = False

    @property
    def first(self) -> str | None:
        return self.episode_ids[0] if self.episode_ids else None


class _Placed(NamedTuple):
    """A message's place in its stay: the citizen, its event id and digest, the event of the
    earlier message a revise/cancel means (`unmatched` when that message is not known for the
    stay), a repeat, or a collision kept aside instead of applied."""

    citizen_id: str
    event_id: str
    digest: str
    target_event_id: str | None = None
    unmatched: bool = False
    collision: bool = False
    earlier_digest: str | None = None
    repeat: bool = False


class MedcomIntake:
    def __init__(
        self, pool: DatabasePool, intake: EventIntake, receivers: Iterable[str] = ()
    ) -> None:
        self.pool = pool
        self.intake = intake
        self.receivers = frozenset(receivers)

    async def receive(self, principal: Principal, raw: object) -> MedcomAcknowledgement:
        try:
            notification = parse_hospital_notification(raw)
        except MedcomError as err:
            log.info("medcom message refused", reasons=len(err.reasons))
            return fatal_error(err, raw)
        try:
            check_sender(principal, notification)
            check_receiver(notification, self.receivers)
        except MedcomError as err:
            return await self._refuse(principal, notification, err, raw, None)
        try:
            # One connection for everything read before the events go out, and what can be
            # read at once read in one statement (the benchmark's MedCom intake against the
            # same events through /api/events: each round trip counts).
            async with self.pool.acquire() as conn:
                facts = await message_facts(
                    conn,
                    bundle_id=notification.bundle_id,
                    message_header_id=notification.message_header_id,
                    cpr=notification.cpr,
                    service_provider_sor=notification.service_provider_sor,
                    sender_sor=notification.sender_sor,
                )
                if await _already_received(conn, notification, facts):
                    return acknowledgement(notification, raw)
                route = _route(facts)
                prepared = None if route.refused else await _prepare(conn, notification, facts)
            if route.refused:
                return await self._refuse(
                    principal, notification, not_for_this_episode(), raw, route.first
                )
            if prepared is not None:
                await self._apply(principal, notification, route.episode_ids, *prepared)
        except ApiError as err:
            if err.status >= 500:
                return transient_error(err.message, raw)
            log.warning("medcom message not applied", status=err.status)
            return transient_error("the episode could not take the message now", raw)
        except _STORAGE_DOWN:
            return transient_error("storage unavailable; send the message again", raw)
        return acknowledgement(notification, raw)

    async def _apply(
        self,
        principal: Principal,
        n: HospitalNotification,
        episode_ids: tuple[str, ...],
        placed: _Placed,
        psychiatric: bool,
    ) -> None:
        events = to_episode_events(
            n,
            actor=principal.actor(),
            event_id=placed.event_id,
            target_event_id=placed.target_event_id,
            psychiatric=psychiatric,
        )
        if not episode_ids:
            await self._park(n, placed, events)
            return
        newest, *others = episode_ids
        deliveries = [(newest, event) for event in events] + [
            (other, event) for other in others for event in for_another_episode(events, other)
        ]
        if placed.unmatched:
            for episode_id, event in deliveries:
                await self.intake.deliver(event, episode_id, source="medcom")
            async with self.pool.acquire() as conn, conn.transaction():  # kept and listed
                await _remember(conn, n, placed, newest, "applied")
            return
        # The common case: the message kept with its events in one statement, then handed on.
        message = _stored(n, placed, newest, "applied")
        async with self.pool.acquire() as conn:
            kept = await remember_message_with_events(conn, message, deliveries)
        if kept.resolved:
            log.info("medcom corrections listed for an operator found their message")
        try:
            for episode_id, event in deliveries:
                await self.intake.hand_over(
                    event, episode_id, delivered=event.event_id in kept.delivered
                )
        except ApiError:
            await self._forget(n)
            raise

    async def _forget(self, n: HospitalNotification) -> None:
        """A message whose events could not be handed on is answered transient-error; it is
        forgotten so that the next attempt routes it afresh (if that fails too, the next
        attempt is a repeat, and the redelivery sweep hands the recorded events on)."""
        try:
            async with self.pool.acquire() as conn:
                await forget_message(conn, n.bundle_id, n.message_header_id)
        except _STORAGE_DOWN:
            log.warning("medcom message not handed on and not forgotten; the sweep hands it on")

    async def _park(
        self, n: HospitalNotification, placed: _Placed, events: list[EpisodeEvent]
    ) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            for event in events:
                await record_event(
                    conn,
                    event,
                    source="medcom",
                    status="parked",
                    citizen_id=placed.citizen_id,
                    sender_sor=n.sender_sor,
                )
            await _remember(conn, n, placed, None, "waiting")
        log.info("medcom message kept until a referral arrives", events=len(events))

    async def _refuse(
        self,
        principal: Principal,
        n: HospitalNotification,
        error: MedcomError,
        raw: object,
        episode_id: str | None,
    ) -> MedcomAcknowledgement:
        """fatal-error naming the field; the refusal is audited (ids and codes only) first,
        and if it cannot be, the sender is asked to send again."""
        try:
            async with self.pool.acquire() as conn:
                await audit_refusal(
                    conn,
                    actor_role=principal.role.value,
                    actor_id=principal.id,
                    field=error.field,
                    bundle_id=redact(n.bundle_id),
                    message_header_id=redact(n.message_header_id),
                    sender_sor=redact(n.sender_sor),
                    episode_id=episode_id,
                )
        except _STORAGE_DOWN:
            return transient_error("storage unavailable; send the message again", raw)
        log.warning("medcom message refused for its sender", field=error.field)
        return fatal_error(error, raw)


async def _already_received(
    conn: PooledConnection, n: HospitalNotification, facts: MessageFacts
) -> bool:
    """A repeat of a transmission taken in before. If it says something else than the
    first did, it is a collision: listed for an operator (and answered like a repeat)."""
    earlier = facts.earlier
    if earlier is None:
        return False
    digest = content_digest(n, facts.citizen_id)
    if earlier.content_digest is not None and earlier.content_digest != digest:
        await _list(conn, n, "collision", digest, earlier.content_digest)
        log.warning("medcom transmission repeated with other content", reason="collision")
    return True


def _route(facts: MessageFacts) -> _Route:
    """Every open episode of the citizen that the sender speaks for: a discharge is a fact
    for each programme the citizen is in. Nothing is stored: a citizen not known yet has
    no episode."""
    episodes = facts.open_episodes
    spoken_for = tuple(e.episode_id for e in episodes if e.spoken_for)
    if spoken_for:
        return _Route(spoken_for)
    if episodes:
        return _Route((episodes[0].episode_id,), refused=True)
    return _Route()


async def _prepare(
    conn: PooledConnection, n: HospitalNotification, facts: MessageFacts
) -> tuple[_Placed, bool] | None:
    """The message placed in its stay and whether its ward is psychiatric; None when there is
    nothing to apply: a repeat, or a collision (kept aside here)."""
    placed = await _place(conn, n, facts)
    if placed.repeat:
        return None
    if placed.collision:
        await _keep_aside(conn, n, placed)
        return None
    return placed, _psychiatric(facts)


async def _place(conn: PooledConnection, n: HospitalNotification, facts: MessageFacts) -> _Placed:
    """The message's identity in its stay, and whether it is applied: a message of the stay
    sent before under this MessageHeader.id makes it a repeat (same content) or a collision;
    a revise/cancel needs its earlier message in the stay. The citizen's row is made only
    for a citizen not known yet (who has sent nothing before)."""
    citizen_id = facts.citizen_id or await upsert_citizen(conn, cpr=n.cpr)
    placed = _Placed(
        citizen_id=citizen_id,
        event_id=event_id_for(stay_scope(n, citizen_id), n.message_header_id),
        digest=content_digest(n, citizen_id),
    )
    tokens = episode_of_care_tokens(n.episode_of_care)
    sent_before = [m for m in facts.under_header if same_stay(tokens, m.episode_of_care)]
    if any(m.content_digest == placed.digest for m in sent_before):
        return placed._replace(repeat=True)
    if sent_before:
        return placed._replace(collision=True, earlier_digest=sent_before[0].content_digest)
    if n.earlier_message_header_id is None or not (
        n.activity.is_revision or n.activity.is_cancellation
    ):
        return placed
    earlier = await messages_under_header(
        conn, n.sender_sor, citizen_id, n.earlier_message_header_id
    )
    target = _the_earlier_message(tokens, earlier)
    if target is None:
        in_this_stay = event_id_for(stay_scope(n, citizen_id), n.earlier_message_header_id)
        return placed._replace(target_event_id=in_this_stay, unmatched=True)
    return placed._replace(
        target_event_id=target.event_id or legacy_event_id(n.earlier_message_header_id)
    )


def _the_earlier_message(tokens: list[str], candidates: list[StayMessage]) -> StayMessage | None:
    """The one earlier message of the same stay: one sharing an episode-of-care identifier,
    else the only one not contradicting them (a row from before stays were recorded has
    none, so it is judged by sender and citizen, which the caller matched). Two that fit
    equally well are not guessed between."""
    fitting = [
        m for m in candidates if m.status in _TARGETS and same_stay(tokens, m.episode_of_care)
    ]
    sharing = [m for m in fitting if shares_an_episode_of_care(tokens, m.episode_of_care)]
    for found in (sharing, fitting):
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def _psychiatric(facts: MessageFacts) -> bool:
    """False when the ward responsible for the stay (the serviceProvider's SOR code, else the
    sender's) is known to us and is not psychiatric; a ward we do not know counts as ours."""
    for psychiatric in (facts.provider_psychiatric, facts.sender_psychiatric):
        if psychiatric is not None:
            return psychiatric
    return True


async def _keep_aside(conn: PooledConnection, n: HospitalNotification, placed: _Placed) -> None:
    """A collision in the stay: kept and listed for an operator, not applied (the sender is
    answered `ok`)."""
    async with conn.transaction():
        await _remember(conn, n, placed, None, "collision")
        await _list(conn, n, "header_reused_in_stay", placed.digest, placed.earlier_digest)
    log.warning("medcom message kept for an operator", reason="header_reused_in_stay")


async def _list(
    conn: PooledConnection,
    n: HospitalNotification,
    reason: AttentionReason,
    digest: str,
    earlier_digest: str | None,
) -> None:
    await needs_a_look(
        conn,
        reason=reason,
        bundle_id=n.bundle_id,
        message_header_id=n.message_header_id,
        sender_sor=n.sender_sor,
        activity=n.activity.value,
        refers_to_header=n.earlier_message_header_id,
        content_digest=digest,
        earlier_digest=earlier_digest,
    )


def _stored(
    n: HospitalNotification,
    placed: _Placed,
    episode_id: str | None,
    status: Literal["applied", "waiting", "collision"],
) -> StoredMessage:
    return StoredMessage(
        bundle_id=n.bundle_id,
        message_header_id=n.message_header_id,
        citizen_id=placed.citizen_id,
        activity=n.activity.value,
        refers_to_header=n.earlier_message_header_id,
        episode_id=episode_id,
        status=status,
        sender_sor=n.sender_sor,
        episode_of_care=episode_of_care_tokens(n.episode_of_care),
        event_id=placed.event_id,
        target_event_id=placed.target_event_id,
        content_digest=placed.digest,
    )


async def _remember(
    conn: PooledConnection,
    n: HospitalNotification,
    placed: _Placed,
    episode_id: str | None,
    status: Literal["applied", "waiting", "collision"],
) -> None:
    """Keep the transmission; one applied or kept for a referral resolves the listed
    corrections that were waiting for it, and a correction of a message we do not have for
    the stay is listed (the caller holds a transaction for that). Kept and resolving in one
    statement when nothing is listed: the common case, and one round trip."""
    message = _stored(n, placed, episode_id, status)
    if status == "collision":
        await remember_message(conn, message)
        return
    if not placed.unmatched:
        if await remember_message_resolving(conn, message):
            log.info("medcom corrections listed for an operator found their message")
        return
    await remember_message(conn, message)
    await _list(conn, n, "target_not_found", placed.digest, None)
    log.warning("medcom correction of a message not known for its stay")
    if await target_arrived(conn, placed.event_id):
        log.info("medcom corrections listed for an operator found their message")
