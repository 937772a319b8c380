"""What the endpoint does with a HospitalNotification: check whom it speaks for, store, dedupe,
park or apply, acknowledge.

The token must be bound to the message's sender (its SOR code), the message must be addressed
to us, and it goes to the citizen's open episode whose ward the sender speaks for (a ward of the
same organisation). A message for a citizen whose open episodes all belong elsewhere is refused
(fatal-error naming MessageHeader.sender, audited, nothing stored). A notification for a citizen
with no open episode is kept ('waiting') and handed to the episode a referral starts, if its
sender may speak for that episode's ward.
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
from api.medcom.events import for_another_episode, to_episode_events
from api.medcom.parse import parse_hospital_notification
from api.medcom.senders import check_receiver, check_sender, not_for_this_episode
from api.principal import Principal
from db.citizens import citizen_by_cpr, upsert_citizen
from db.connection import PooledConnection
from db.events_received import record_event
from db.medcom import audit_refusal, open_episodes_for_sender, remember_message, was_received
from db.pool import DatabasePool
from schemas.events import EpisodeEvent
from schemas.medcom import HospitalNotification, MedcomAcknowledgement

log = structlog.get_logger(__name__)

_STORAGE_DOWN = (OSError, asyncpg.PostgresError)


class _Route(NamedTuple):
    """Where a notification goes: the citizen's open episodes the sender speaks for (one per
    programme, newest first), kept for a referral (none), or refused because the citizen's
    open episodes belong to wards the sender does not speak for."""

    episode_ids: tuple[str, ...] = ()
    refused: bool = False

    @property
    def first(self) -> str | None:
        return self.episode_ids[0] if self.episode_ids else None


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
            if await self._already_received(notification):
                return acknowledgement(notification, raw)
            route = await self._route(notification)
            if route.refused:
                return await self._refuse(
                    principal, notification, not_for_this_episode(), raw, route.first
                )
            await self._apply(principal, notification, route.episode_ids)
        except ApiError as err:
            if err.status >= 500:
                return transient_error(err.message, raw)
            log.warning("medcom message not applied", status=err.status)
            return transient_error("the episode could not take the message now", raw)
        except _STORAGE_DOWN:
            return transient_error("storage unavailable; send the message again", raw)
        return acknowledgement(notification, raw)

    async def _route(self, n: HospitalNotification) -> _Route:
        """Every open episode of the citizen that the sender speaks for: a discharge is a fact
        for each programme the citizen is in. Nothing is stored: a citizen not known yet has
        no episode."""
        async with self.pool.acquire() as conn:
            citizen_id = await citizen_by_cpr(conn, n.cpr)
            if citizen_id is None:
                return _Route()
            episodes = await open_episodes_for_sender(conn, citizen_id, n.sender_sor)
        spoken_for = tuple(e.episode_id for e in episodes if e.spoken_for)
        if spoken_for:
            return _Route(spoken_for)
        if episodes:
            return _Route((episodes[0].episode_id,), refused=True)
        return _Route()

    async def _apply(
        self, principal: Principal, n: HospitalNotification, episode_ids: tuple[str, ...]
    ) -> None:
        events = to_episode_events(n, actor=principal.actor())
        if not episode_ids:
            await self._park(n, events)
            return
        newest, *others = episode_ids
        for episode_id, its_events in (
            (newest, events),
            *((other, for_another_episode(events, other)) for other in others),
        ):
            for event in its_events:
                await self.intake.deliver(event, episode_id, source="medcom")
        async with self.pool.acquire() as conn:
            citizen_id = await upsert_citizen(conn, cpr=n.cpr)
            await _remember(conn, n, citizen_id, newest, "applied")

    async def _park(self, n: HospitalNotification, events: list[EpisodeEvent]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            citizen_id = await upsert_citizen(conn, cpr=n.cpr)
            for event in events:
                await record_event(
                    conn,
                    event,
                    source="medcom",
                    status="parked",
                    citizen_id=citizen_id,
                    sender_sor=n.sender_sor,
                )
            await _remember(conn, n, citizen_id, None, "waiting")
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

    async def _already_received(self, n: HospitalNotification) -> bool:
        async with self.pool.acquire() as conn:
            return await was_received(conn, n.bundle_id, n.message_header_id)


async def _remember(
    conn: PooledConnection,
    n: HospitalNotification,
    citizen_id: str,
    episode_id: str | None,
    status: Literal["applied", "waiting"],
) -> None:
    await remember_message(
        conn,
        bundle_id=n.bundle_id,
        message_header_id=n.message_header_id,
        citizen_id=citizen_id,
        activity=n.activity.value,
        refers_to_header=n.earlier_message_header_id,
        episode_id=episode_id,
        status=status,
        sender_sor=n.sender_sor,
    )
