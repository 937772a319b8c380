"""What the endpoint does with a HospitalNotification: store, dedupe, park or apply, acknowledge.

A notification for a citizen with no open episode is kept ('waiting') and handed to the
episode when a referral for that citizen arrives.
"""

from __future__ import annotations

from typing import Literal

import asyncpg
import structlog

from api.errors import ApiError
from api.intake import EventIntake
from api.medcom.acknowledge import acknowledgement, fatal_error, transient_error
from api.medcom.errors import MedcomError
from api.medcom.events import to_episode_events
from api.medcom.parse import parse_hospital_notification
from api.principal import Principal
from db.citizens import open_episode_of, upsert_citizen
from db.connection import PooledConnection
from db.events_received import record_event
from db.medcom import remember_message, was_received
from db.pool import DatabasePool
from schemas.events import EpisodeEvent
from schemas.medcom import HospitalNotification, MedcomAcknowledgement

log = structlog.get_logger(__name__)


class MedcomIntake:
    def __init__(self, pool: DatabasePool, intake: EventIntake) -> None:
        self.pool = pool
        self.intake = intake

    async def receive(self, principal: Principal, raw: object) -> MedcomAcknowledgement:
        try:
            notification = parse_hospital_notification(raw)
        except MedcomError as err:
            log.info("medcom message refused", reasons=len(err.reasons))
            return fatal_error(err, raw)
        if await self._already_received(notification):
            return acknowledgement(notification, raw)
        try:
            await self._apply(principal, notification)
        except ApiError as err:
            if err.status >= 500:
                return transient_error(err.message, raw)
            log.warning("medcom message not applied", status=err.status)
            return transient_error("the episode could not take the message now", raw)
        except (OSError, asyncpg.PostgresError):
            return transient_error("storage unavailable; send the message again", raw)
        return acknowledgement(notification, raw)

    async def _apply(self, principal: Principal, n: HospitalNotification) -> None:
        events = to_episode_events(n, actor=principal.actor())
        async with self.pool.acquire() as conn:
            citizen_id = await upsert_citizen(conn, cpr=n.cpr)
            episode_id = await open_episode_of(conn, citizen_id)
        if episode_id is None:
            await self._park(n, citizen_id, events)
            return
        for event in events:
            await self.intake.deliver(event, episode_id, source="medcom")
        async with self.pool.acquire() as conn:
            await _remember(conn, n, citizen_id, episode_id, "applied")

    async def _park(
        self, n: HospitalNotification, citizen_id: str, events: list[EpisodeEvent]
    ) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            for event in events:
                await record_event(
                    conn, event, source="medcom", status="parked", citizen_id=citizen_id
                )
            await _remember(conn, n, citizen_id, None, "waiting")
        log.info("medcom message kept until a referral arrives", events=len(events))

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
    )
