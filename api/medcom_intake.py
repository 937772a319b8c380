"""MedCom HospitalNotifications in: parsed, matched to the citizen's episode, acknowledged.

A notification for a citizen with no open episode is kept ('waiting') and handed to the
episode when a referral for that citizen arrives.
"""

from __future__ import annotations

import asyncpg
import structlog

from api.errors import ApiError
from api.intake import EventIntake
from api.medcom import (
    MedcomError,
    acknowledgement,
    fatal_error,
    parse_hospital_notification,
    to_episode_events,
    transient_error,
)
from api.principal import Principal
from db.citizens import open_episode_of, upsert_citizen
from db.events_received import record_event
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
            citizen_id = await upsert_citizen(conn, cpr=n.cpr, name=None)
            episode_id = await open_episode_of(conn, citizen_id)
        if episode_id is None:
            await self._park(n, citizen_id, events)
            return
        for event in events:
            await self.intake.deliver(event, episode_id, source="medcom")
        await self._remember(n, citizen_id, episode_id, "applied")

    async def _park(
        self, n: HospitalNotification, citizen_id: str, events: list[EpisodeEvent]
    ) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            for event in events:
                await record_event(
                    conn, event, source="medcom", status="parked", citizen_id=citizen_id
                )
            await self._remember(n, citizen_id, None, "waiting", conn)
        log.info("medcom message kept until a referral arrives", events=len(events))

    async def _remember(
        self,
        n: HospitalNotification,
        citizen_id: str,
        episode_id: str | None,
        status: str,
        conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record] | None = None,
    ) -> None:
        query = (
            "INSERT INTO medcom_messages (bundle_id, message_header_id, citizen_id, activity,"
            " refers_to_header, episode_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT DO NOTHING"
        )
        args = (
            n.bundle_id,
            n.message_header_id,
            citizen_id,
            n.activity.value,
            n.earlier_message_header_id,
            episode_id,
            status,
        )
        if conn is not None:
            await conn.execute(query, *args)
            return
        async with self.pool.acquire() as own:
            await own.execute(query, *args)

    async def _already_received(self, n: HospitalNotification) -> bool:
        async with self.pool.acquire() as conn:
            found = await conn.fetchval(
                "SELECT 1 FROM medcom_messages WHERE bundle_id = $1 AND message_header_id = $2",
                n.bundle_id,
                n.message_header_id,
            )
        return found is not None
