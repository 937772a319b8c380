"""Event intake: every fact, from any source, is recorded once and handed to its episode."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import asyncpg
import structlog
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError, FieldError
from api.event_input import (
    EventAck,
    EventIn,
    check_time,
    episode_event,
    parse_referral_input,
    referral_event,
)
from api.principal import Principal, TokenRole
from api.scoping import EpisodeScope, may_refer_from, may_see_episode
from api.second_referral import second_episode_refusal, transfer_cancellation
from db.citizens import open_episodes_in_programme, upsert_citizen
from db.connection import CONNECTION_LOST, PooledConnection
from db.episode_contacts import record_contact
from db.episode_queries import audit_read
from db.episode_queries import episode as episode_row
from db.events_received import (
    DELIVERED,
    EventRecord,
    applied_episode,
    applied_referral_scope,
    assign_parked,
    event_record,
    mark_applied,
    mark_signalled,
    parked_events,
    record_event,
    undelivered,
)
from db.medcom import assign_waiting, episode_senders
from db.pool import DatabasePool
from db.programmes import load_programme
from hverdagsbro.metrics import Metrics
from schemas.episode import TERMINAL_PHASES
from schemas.events import (
    CITIZEN_EVENT_TYPES,
    EVENT_ADAPTER,
    EpisodeEvent,
    EventReceipt,
    ReferralCreated,
)
from schemas.people import Role
from workers.starter import episode_handle, episode_id_for, episode_start, start_episode
from workflows.episode import EpisodeWorkflow

log = structlog.get_logger(__name__)


ENDED = frozenset(p.value for p in TERMINAL_PHASES)
# A recorded event not handed to Temporal after this long is handed over again.
REDELIVER_AFTER = timedelta(seconds=30)
# What a sweep logs and leaves to the next one: the database or Temporal being away.
_SWEEP_SURVIVES: tuple[type[Exception], ...] = (
    *CONNECTION_LOST,
    OSError,
    asyncpg.PostgresError,
    RPCError,
)
# At most this many shared "signalled" writes by one request before it answers.
MARK_ROUNDS = 3


def _roles(*roles: Role | TokenRole) -> frozenset[Role | TokenRole]:
    return frozenset(roles)


HOSPITAL = _roles(Role.WARD, TokenRole.INTEGRATION)
# Who may report which fact.
EVENT_ROLES: dict[str, frozenset[Role | TokenRole]] = {
    "referral_created": _roles(Role.WARD, TokenRole.INTEGRATION),
    "admitted": HOSPITAL,
    "discharged": HOSPITAL,
    "leave_started": HOSPITAL,
    "leave_ended": HOSPITAL,
    "discharge_planned": HOSPITAL,
    "deceased": HOSPITAL,
    "hospital_event_revised": HOSPITAL,
    "hospital_event_cancelled": HOSPITAL,
    "risk_changed": _roles(Role.WARD, Role.COORDINATOR, TokenRole.INTEGRATION),
    "consent_granted": _roles(Role.WARD, Role.PEER, Role.COORDINATOR, TokenRole.INTEGRATION),
    # The citizen withdraws their own consent on My consent (an episode of theirs only).
    "consent_withdrawn": _roles(
        Role.WARD,
        Role.PEER,
        Role.COORDINATOR,
        Role.CASEWORKER,
        Role.CITIZEN,
        TokenRole.INTEGRATION,
    ),
    "referral_cancelled": _roles(Role.WARD, Role.COORDINATOR, TokenRole.INTEGRATION),
    "milestone_reached": _roles(
        Role.PEER, Role.CASEWORKER, Role.COORDINATOR, TokenRole.INTEGRATION
    ),
    "contact_logged": _roles(Role.PEER),
    "concern_flagged": _roles(Role.PEER, Role.WARD, Role.CASEWORKER),
    "close_requested": _roles(Role.PEER, Role.COORDINATOR),
    # The citizen's goals are set with their peer (the coordinator stands in), or by the
    # citizen on My bridge (adding and rewording only).
    "goal_added": _roles(Role.PEER, Role.COORDINATOR, Role.CITIZEN),
    "goal_changed": _roles(Role.PEER, Role.COORDINATOR, Role.CITIZEN),
    "goal_dropped": _roles(Role.PEER, Role.COORDINATOR),
}


class EventIntake:
    """Records events in `events_received` and hands them to Temporal exactly once."""

    def __init__(
        self,
        pool: DatabasePool,
        client: Client,
        task_queue: str,
        metrics: Metrics | None = None,
    ) -> None:
        self.pool = pool
        self.client = client
        self.task_queue = task_queue
        self.metrics = metrics
        self._to_mark: list[str] = []
        self._marking = False

    async def submit(self, principal: Principal, body: EventIn, *, wait: bool = False) -> EventAck:
        """One event from the JSON API or a page; counted as accepted, duplicate or rejected.
        Pages `wait` until the event's effects are in the read model, so the person who
        reported it sees them on the next page."""
        try:
            ack = await self._submit(principal, body, wait)
        except ApiError as err:
            if self.metrics is not None and err.status < 500:
                self.metrics.event_received("rejected")
            raise
        if self.metrics is not None:
            self.metrics.event_received(ack.outcome)
        return ack

    async def _submit(self, principal: Principal, body: EventIn, wait: bool) -> EventAck:
        allowed = EVENT_ROLES.get(body.type)
        # A citizen reports nothing but CITIZEN_EVENT_TYPES, whatever EVENT_ROLES leaves open.
        refused_citizen = principal.role == Role.CITIZEN and body.type not in CITIZEN_EVENT_TYPES
        if refused_citizen or (allowed is not None and principal.role not in allowed):
            raise ApiError(403, f"role {principal.role.value} may not report {body.type} events")
        check_time(body.occurred_at)
        if body.type == "referral_created":
            return await self._referral(principal, body)
        event = episode_event(body, principal.actor())
        if body.episode_id is None:
            raise ApiError(
                422,
                f"invalid input: episode_id: required for {body.type} events",
                [FieldError(field="episode_id", reason=f"required for {body.type} events")],
            )
        return await self.deliver(
            event, body.episode_id, source="api", wait=wait, reporter=principal
        )

    async def _referral(self, principal: Principal, body: EventIn) -> EventAck:
        referral = parse_referral_input(body)
        if not may_refer_from(principal, referral.ward_id):
            raise ApiError(403, "payload.ward_id: you may refer only from your own ward")
        seen = await self._seen(body.event_id)
        if seen is not None:
            return seen
        episode_id = episode_id_for(body.event_id)
        transfer_from = referral.transfer_from_episode_id
        async with self.pool.acquire() as conn:
            # Refused before anything about the citizen is stored.
            programme = await load_programme(conn, referral.programme)
            reason = (
                f"no active programme with code {referral.programme!r}"
                if programme is None
                else programme.referral_refusal()
            )
            if reason is not None:
                raise ApiError(
                    422,
                    f"invalid input: payload.programme: {reason}",
                    [FieldError(field="payload.programme", reason=reason)],
                )
            if transfer_from is not None:
                await self._check_transfer_scope(principal, transfer_from, conn)
            # One transaction under the citizen's row lock: the open-episode check, the
            # episode's own contact data, the recorded referral (which the redelivery sweep
            # starts if this request stops) and a transfer's cancellation of the first
            # episode happen together or not at all.
            async with conn.transaction():
                citizen_id = await upsert_citizen(conn, cpr=referral.citizen.cpr)
                open_ids = await open_episodes_in_programme(
                    conn, citizen_id, referral.programme, besides=episode_id
                )
                refusal = await second_episode_refusal(
                    conn, principal, open_ids, transfer_from, episode_id
                )
                if refusal is None:
                    event = referral_event(body, referral, citizen_id, principal.actor())
                    if transfer_from is not None and open_ids == [transfer_from]:
                        await record_event(
                            conn,
                            transfer_cancellation(event),
                            source="api",
                            status="received",
                            episode_id=transfer_from,
                        )
                    await record_contact(
                        conn,
                        episode_id=episode_id,
                        citizen_id=citizen_id,
                        name=referral.citizen.name,
                        phone=referral.citizen.phone,
                        email=referral.citizen.email,
                        recorded_by=principal.actor(),
                    )
                    # With its episode id from the start, so the open-episode check knows
                    # the programme of an episode not committed yet.
                    await record_event(
                        conn,
                        event,
                        source="api",
                        status="received",
                        episode_id=episode_id,
                        citizen_id=citizen_id,
                    )
            if refusal is not None:
                if open_ids:
                    # Who was refused is audited: the refusal tells that the person has an
                    # episode somewhere, so asking is traceable.
                    await audit_read(
                        conn,
                        audit_id=f"refused-{body.event_id}",
                        actor_role=principal.role.value,
                        actor_id=principal.id,
                        episode_id=open_ids[0],
                        what="referral.refused_open_episode",
                    )
                raise refusal
        return await self.start(event, source="api")

    async def _check_transfer_scope(
        self, principal: Principal, episode_id: str, conn: PooledConnection
    ) -> None:
        """Only an episode the caller may see can be transferred (404 as for a missing one,
        so ids cannot be probed)."""
        try:
            await self._check_scope(principal, episode_id, conn, ended_ok=True)
        except ApiError:
            reason = "no such episode"
            raise ApiError(
                404,
                f"payload.transfer_from_episode_id: {reason}",
                [FieldError(field="payload.transfer_from_episode_id", reason=reason)],
            ) from None

    async def _close_transferred(self, referral: ReferralCreated) -> None:
        """A transfer's first episode is cancelled, and the cancellation is in the read model,
        before the new episode starts, so the two are never open together. Whoever starts the
        referral (the request, its retry, the redelivery sweep) does this first, so a stop in
        between is finished by the next one."""
        cancellation = transfer_cancellation(referral)
        async with self.pool.acquire() as conn:
            row = await event_record(conn, cancellation.event_id)
        if row is None or row.event_type != cancellation.type or row.episode_id is None:
            return
        if row.status != "applied":
            handle = episode_handle(self.client, row.episode_id)
            try:
                # A repeat (same event id) is not applied twice; the update still answers
                # only once the episode's commit holds it.
                await handle.execute_update(EpisodeWorkflow.submit_event, cancellation)
            except WorkflowUpdateFailedError as err:
                view = await handle.query(EpisodeWorkflow.view)
                if view.phase not in TERMINAL_PHASES:
                    reason = err.cause.message if isinstance(err.cause, ApplicationError) else ""
                    raise ApiError(409, f"transfer_from_episode_id: {reason}") from None
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise _unavailable(err) from None
            await self._signalled(cancellation.event_id)
        log.info("episode transferred", episode_id=row.episode_id)

    async def start(self, event: ReferralCreated, *, source: str) -> EventAck:
        """Start the episode for a referral (or find it, if it was started before)."""
        seen = await self._seen(event.event_id)
        if seen is not None:
            return seen
        try:
            await episode_start(self.pool, event)
        except ApplicationError as err:
            raise ApiError(
                422,
                f"invalid input: payload.{err.message}",
                [FieldError(field="payload.programme", reason=err.message)],
            ) from None
        await self._record(event, None, source, event.payload.citizen_id)
        await self._close_transferred(event)
        try:
            episode_id = await start_episode(
                self.client, self.pool, event, task_queue=self.task_queue
            )
        except RPCError as err:
            raise _unavailable(err) from None
        await self._applied(event.event_id, episode_id)
        log.info("episode started", episode_id=episode_id, event_type=event.type)
        await self.deliver_parked(event.payload.citizen_id, episode_id)
        return EventAck(event_id=event.event_id, episode_id=episode_id, outcome="accepted")

    async def deliver(
        self,
        event: EpisodeEvent,
        episode_id: str,
        *,
        source: str,
        wait: bool = False,
        reporter: Principal | None = None,
    ) -> EventAck:
        """Record the event, then hand it to its running episode as a signal: once Temporal
        holds it, it is accepted (the episode applies it moments later and its commit marks
        it applied). With `wait`, answer only once its effects are in the read model.
        A `reporter` must be allowed to see the episode (checked on the same connection)."""
        async with self.pool.acquire() as conn:
            if reporter is not None:
                await self._check_scope(reporter, episode_id, conn)
            earlier = await record_event(
                conn, event, source=source, status="received", episode_id=episode_id
            )
        return await self.hand_over(event, episode_id, delivered=earlier in DELIVERED, wait=wait)

    async def hand_over(
        self, event: EpisodeEvent, episode_id: str, *, delivered: bool, wait: bool = False
    ) -> EventAck:
        """Hand a recorded event to its running episode (`deliver` after the recording; a
        caller that records it together with its own rows calls this). One Temporal held
        before (`delivered`) is a duplicate and not handed over again."""
        if delivered:
            return EventAck(event_id=event.event_id, episode_id=episode_id, outcome="duplicate")
        handle = episode_handle(self.client, episode_id)
        try:
            if wait:
                receipt: EventReceipt = await handle.execute_update(
                    EpisodeWorkflow.submit_event, event
                )
                outcome = receipt.outcome
            else:
                await handle.signal(EpisodeWorkflow.record_event, event)
                outcome = "accepted"
        except WorkflowUpdateFailedError as err:
            reason = err.cause.message if isinstance(err.cause, ApplicationError) else str(err)
            raise ApiError(409, reason) from None
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise ApiError(409, "episode_id: the episode has ended") from None
            raise _unavailable(err) from None
        await self._signalled(event.event_id)
        return EventAck(event_id=event.event_id, episode_id=episode_id, outcome=outcome)

    async def redeliver(self, older_than: timedelta = REDELIVER_AFTER, limit: int = 200) -> int:
        """Hand over events that were recorded but never reached Temporal (the process that
        took them stopped in between, or Temporal was away); returns how many."""
        async with self.pool.acquire() as conn:
            rows = await undelivered(conn, older_than, limit)
        handed = 0
        for row in rows:
            event = EVENT_ADAPTER.validate_python(json.loads(row.body))
            try:
                if isinstance(event, ReferralCreated):
                    await self.start(event, source="redelivery")
                elif row.episode_id is not None:
                    await self.deliver(event, row.episode_id, source="redelivery")
            except ApiError as err:
                # The episode ended or refuses it: nobody can apply it any more.
                log.warning(
                    "recorded event not deliverable", event_id=row.event_id, status=err.status
                )
                if err.status >= 500:
                    break
                async with self.pool.acquire() as conn:
                    await mark_signalled(conn, [row.event_id])
                continue
            handed += 1
        if handed:
            log.info("recorded events handed over again", events=handed)
        return handed

    async def redeliver_forever(self, every: float = 15.0) -> None:
        """The API's background sweep for `redeliver` (one per process; repeats are harmless)."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.redeliver()
            except _SWEEP_SURVIVES as err:
                log.warning("redelivery sweep failed; next sweep retries", error=type(err).__name__)

    async def deliver_parked(self, citizen_id: str, episode_id: str) -> int:
        """Hand events kept for a citizen without an episode (MedCom notifications that came
        before the referral) to their new episode, oldest first; returns how many. Only what
        a sender that may speak for the episode's ward sent: the rest stays kept."""
        async with self.pool.acquire() as conn:
            senders = await episode_senders(conn, episode_id)
            parked = await parked_events(conn, citizen_id, senders)
        for row in parked:
            event = EVENT_ADAPTER.validate_python(json.loads(row.body))
            await self.deliver(event, episode_id, source="medcom")
        if parked:
            async with self.pool.acquire() as conn:
                await assign_waiting(conn, citizen_id, episode_id, senders)
                await assign_parked(conn, [row.event_id for row in parked], episode_id)
            log.info(
                "kept events handed to the new episode", episode_id=episode_id, events=len(parked)
            )
        return len(parked)

    async def status(self, principal: Principal, event_id: str) -> EventRecord:
        """Where an event stands (received, signalled, applied, parked), for its reporters."""
        async with self.pool.acquire() as conn:
            row = await event_record(conn, event_id)
            if row is None or row.episode_id is None:
                raise ApiError(404, "event_id: no such event")
            try:
                await self._check_scope(principal, row.episode_id, conn, ended_ok=True)
            except ApiError:
                raise ApiError(404, "event_id: no such event") from None
        return row

    async def _check_scope(
        self,
        principal: Principal,
        episode_id: str,
        conn: PooledConnection,
        *,
        ended_ok: bool = False,
    ) -> None:
        row = await episode_row(conn, episode_id)
        # Started a moment ago, before its first commit: the referral tells the scope.
        scope: EpisodeScope | None = row
        if scope is None:
            scope = await applied_referral_scope(conn, episode_id)
        if scope is None:
            raise ApiError(404, "episode_id: no such episode")
        if not may_see_episode(principal, scope):
            # The same answer as for a missing episode: ids cannot be probed.
            raise ApiError(404, "episode_id: no such episode")
        if not ended_ok and row is not None and row.phase in ENDED:
            raise ApiError(409, f"episode_id: the episode has ended ({row.phase})")

    async def _seen(self, event_id: str) -> EventAck | None:
        async with self.pool.acquire() as conn:
            episode_id = await applied_episode(conn, event_id)
        if episode_id is None:
            return None
        return EventAck(event_id=event_id, episode_id=episode_id, outcome="duplicate")

    async def _record(
        self, event: EpisodeEvent, episode_id: str | None, source: str, citizen_id: str | None
    ) -> None:
        async with self.pool.acquire() as conn:
            await record_event(
                conn,
                event,
                source=source,
                status="received",
                episode_id=episode_id,
                citizen_id=citizen_id,
            )

    async def _signalled(self, event_id: str) -> None:
        """Mark the event as held by Temporal. Concurrent requests share one UPDATE: whoever
        finds no write under way writes everything queued so far."""
        self._to_mark.append(event_id)
        if self._marking:
            return
        self._marking = True
        try:
            for _ in range(MARK_ROUNDS):
                if not self._to_mark:
                    break
                batch, self._to_mark = self._to_mark, []
                async with self.pool.acquire() as conn:
                    await mark_signalled(conn, batch)
        finally:
            self._marking = False

    async def _applied(self, event_id: str, episode_id: str) -> None:
        async with self.pool.acquire() as conn:
            await mark_applied(conn, [event_id], episode_id)


def _unavailable(err: RPCError) -> ApiError:
    log.warning("temporal unavailable", status=err.status.name)
    return ApiError(503, "the workflow service is unavailable; try again shortly")
