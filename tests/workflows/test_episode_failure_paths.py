"""What happens when people decline, miss deadlines, are readmitted, withdraw or die."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from db.pool import DatabasePool
from schemas.consent import ConsentScope
from schemas.episode import Phase
from schemas.events import (
    Admitted,
    AdmittedPayload,
    CareSetting,
    ConsentWithdrawn,
    ConsentWithdrawnPayload,
    Deceased,
    Discharged,
    ReferralCancelled,
)
from schemas.people import Actor, Role
from schemas.tasks import DecisionAction, ManualMatch, TaskKind
from workflows.episode import EpisodeWorkflow


def eid() -> str:
    return uuid.uuid4().hex


async def offered_peers(pool: DatabasePool, episode_id: str) -> list[tuple[str, str]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT assignee_id, status FROM tasks WHERE episode_id = $1 AND kind = 'peer_offer'"
            " ORDER BY number",
            episode_id,
        )
    return [(r["assignee_id"], r["status"]) for r in rows]


async def test_peer_declines_twice_then_the_third_peer_accepts(new_episode, db_pool) -> None:
    episode = await new_episode()
    await episode.decide(TaskKind.PEER_OFFER, DecisionAction.DECLINE)
    await episode.until(lambda v: any(t.number == 2 for t in v.open_tasks))
    await episode.decide(TaskKind.PEER_OFFER, DecisionAction.DECLINE)
    await episode.until(lambda v: any(t.number == 3 for t in v.open_tasks))
    peer = await episode.accept_offer()
    view = await episode.phase(Phase.PRE_DISCHARGE)
    assert view.peer_id == peer
    offers = await offered_peers(db_pool, episode.id)
    assert [s for _, s in offers] == ["declined", "declined", "accepted"]
    assert len({p for p, _ in offers}) == 3, "each offer went to a different peer"


async def test_all_peers_decline_then_the_coordinator_matches_by_hand(new_episode, db_pool) -> None:
    episode = await new_episode()
    for number in (1, 2, 3):
        await episode.until(lambda v, n=number: any(t.number == n for t in v.open_tasks))
        await episode.decide(TaskKind.PEER_OFFER, DecisionAction.DECLINE)
    view = await episode.phase(Phase.UNMATCHED)
    task = await episode.task(TaskKind.MANUAL_MATCH)
    assert task.assignee.role == Role.COORDINATOR
    assert task.assignee.id == episode.roster.organisation_id
    chosen = episode.roster.peers[1]
    await episode.decide(TaskKind.MANUAL_MATCH, result=ManualMatch(peer_id=chosen))
    view = await episode.phase(Phase.PRE_DISCHARGE)
    assert view.peer_id == chosen
    async with db_pool.acquire() as conn:
        load = await conn.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", chosen)
    assert load == 1


async def test_manual_match_to_a_peer_outside_the_roster_is_refused(new_episode) -> None:
    episode = await new_episode(peers=0)
    await episode.phase(Phase.UNMATCHED)
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await episode.decide(TaskKind.MANUAL_MATCH, result=ManualMatch(peer_id="nobody-here"))
    assert "peer_id" in str(failure.value.cause)
    assert (await episode.view()).phase == Phase.UNMATCHED


async def test_unanswered_offer_expires_after_24_hours_and_goes_to_the_next_peer(
    new_episode, db_pool
) -> None:
    episode = await new_episode()
    first = await episode.task(TaskKind.PEER_OFFER)
    await episode.env.sleep(timedelta(hours=24, minutes=5))
    second = await episode.until(lambda v: any(t.number == 2 for t in v.open_tasks))
    assert next(t for t in second.open_tasks if t.number == 2).assignee.id != first.assignee.id
    offers = await offered_peers(db_pool, episode.id)
    assert offers[0] == (first.assignee.id, "expired")
    async with db_pool.acquire() as conn:
        load = await conn.fetchval(
            "SELECT active_load FROM peers WHERE peer_id = $1", first.assignee.id
        )
    assert load == 0, "the expired offer's capacity slot is released"


async def test_first_contact_missed_at_elevated_risk_escalates_after_48_hours(
    new_episode, db_pool
) -> None:
    episode = await new_episode(risk_elevated=True)
    await episode.accept_offer()
    await episode.discharge()
    contact = await episode.task(TaskKind.FIRST_CONTACT)
    view = await episode.view()
    assert view.discharged_at is not None
    assert contact.due_at == view.discharged_at + timedelta(hours=48)
    await episode.env.sleep(timedelta(hours=49))
    escalation = await episode.task(TaskKind.FIRST_CONTACT_ESCALATION)
    assert escalation.assignee.role == Role.COORDINATOR
    view = await episode.until(lambda v: v.overdue_tasks >= 1)
    async with db_pool.acquire() as conn:
        ward_told = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE episode_id = $1 AND recipient_role = 'ward'"
            " AND template = 'escalation'",
            episode.id,
        )
    assert ward_told >= 1
    await episode.decide(TaskKind.FIRST_CONTACT)
    await episode.phase(Phase.FOLLOW_UP)


async def test_readmission_pauses_follow_up_and_resumes_at_the_next_discharge(
    new_episode, db_pool
) -> None:
    episode = await new_episode()
    await episode.accept_offer()
    await episode.discharge()
    await episode.decide(TaskKind.FIRST_CONTACT)
    await episode.phase(Phase.FOLLOW_UP)
    await episode.env.sleep(timedelta(days=3))
    await episode.send(
        Admitted(event_id=eid(), occurred_at=await episode.now(), actor=episode.ward())
    )
    await episode.phase(Phase.READMITTED)
    await episode.env.sleep(timedelta(days=20))
    view = await episode.view()
    assert view.phase == Phase.READMITTED
    assert not any(t.kind == TaskKind.FOLLOW_UP for t in view.open_tasks), "clock stood still"
    await episode.send(
        Discharged(event_id=eid(), occurred_at=await episode.now(), actor=episode.ward())
    )
    await episode.phase(Phase.FOLLOW_UP)
    await episode.env.sleep(timedelta(days=4, hours=1))
    follow_up = await episode.task(TaskKind.FOLLOW_UP)
    assert follow_up.number == 1
    assert (await episode.view()).readmissions == 1
    async with db_pool.acquire() as conn:
        templates = {
            r["template"]
            for r in await conn.fetch(
                "SELECT template FROM outbox WHERE episode_id = $1 AND recipient_role = 'peer'",
                episode.id,
            )
        }
    assert {"readmitted", "discharged"} <= templates


async def test_emergency_visit_tells_the_peer_without_pausing(new_episode, db_pool) -> None:
    episode = await new_episode()
    await episode.accept_offer()
    await episode.discharge()
    await episode.decide(TaskKind.FIRST_CONTACT)
    await episode.phase(Phase.FOLLOW_UP)
    await episode.send(
        Admitted(
            event_id=eid(),
            occurred_at=await episode.now(),
            actor=episode.ward(),
            payload=AdmittedPayload(setting=CareSetting.EMERGENCY),
        )
    )
    await episode.env.sleep(timedelta(days=7, hours=1))
    await episode.task(TaskKind.FOLLOW_UP)
    assert (await episode.view()).phase == Phase.FOLLOW_UP
    async with db_pool.acquire() as conn:
        told = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE episode_id = $1 AND template = 'emergency_visit'",
            episode.id,
        )
    assert told >= 1


async def test_discharge_that_arrives_before_its_admission_is_not_lost(new_episode) -> None:
    episode = await new_episode()
    await episode.accept_offer()
    await episode.discharge()
    await episode.decide(TaskKind.FIRST_CONTACT)
    await episode.phase(Phase.FOLLOW_UP)
    now = await episode.now()
    # A short readmission whose discharge message overtakes its admission message.
    await episode.send(
        Discharged(event_id=eid(), occurred_at=now + timedelta(hours=2), actor=episode.ward())
    )
    await episode.send(
        Admitted(event_id=eid(), occurred_at=now + timedelta(hours=1), actor=episode.ward())
    )
    view = await episode.until(lambda v: v.readmissions == 1)
    assert view.phase == Phase.FOLLOW_UP, "the citizen is out again: follow-up goes on"


async def test_consent_withdrawn_mid_way_ends_the_episode_and_frees_the_peer(
    new_episode, db_pool
) -> None:
    episode = await new_episode()
    peer = await episode.accept_offer()
    await episode.discharge()
    await episode.decide(TaskKind.FIRST_CONTACT)
    await episode.send(
        ConsentWithdrawn(
            event_id=eid(),
            occurred_at=await episode.now(),
            actor=episode.ward(),
            payload=ConsentWithdrawnPayload(scope=ConsentScope.PEER_SUPPORT),
        )
    )
    await episode.decide(TaskKind.DEBRIEF)  # the peer's debrief after the ending
    outcome = await episode.handle.result()
    assert outcome.final_phase == Phase.WITHDRAWN
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", peer) == 0
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM tasks WHERE episode_id = $1 AND status = 'open'", episode.id
            )
            == 0
        )
        phase = await conn.fetchval("SELECT phase FROM episodes WHERE episode_id = $1", episode.id)
    assert phase == "withdrawn"


async def test_withdrawing_municipality_consent_stops_sharing_at_once(new_episode) -> None:
    episode = await new_episode()
    await episode.accept_offer()
    await episode.discharge()
    await episode.task(TaskKind.CONFIRM_SERVICE)
    await episode.send(
        ConsentWithdrawn(
            event_id=eid(),
            occurred_at=await episode.now(),
            actor=episode.ward(),
            payload=ConsentWithdrawnPayload(scope=ConsentScope.SHARE_WITH_MUNICIPALITY),
        )
    )
    view = await episode.until(
        lambda v: not any(t.kind == TaskKind.CONFIRM_SERVICE for t in v.open_tasks)
    )
    assert ConsentScope.SHARE_WITH_MUNICIPALITY not in view.consents
    assert view.phase == Phase.DISCHARGED


async def test_death_ends_the_episode_in_any_phase(new_episode) -> None:
    episode = await new_episode()
    await episode.task(TaskKind.PEER_OFFER)
    await episode.send(
        Deceased(event_id=eid(), occurred_at=await episode.now(), actor=episode.ward())
    )
    outcome = await episode.handle.result()
    assert outcome.final_phase == Phase.DECEASED


async def test_cancelled_referral_ends_the_episode(new_episode) -> None:
    episode = await new_episode()
    await episode.accept_offer()
    await episode.send(
        ReferralCancelled(event_id=eid(), occurred_at=await episode.now(), actor=episode.ward())
    )
    await episode.decide(TaskKind.DEBRIEF)  # the peer's debrief after the ending
    outcome = await episode.handle.result()
    assert outcome.final_phase == Phase.CANCELLED


async def test_the_same_event_twice_is_applied_once(new_episode, db_pool) -> None:
    episode = await new_episode()
    await episode.accept_offer()
    event = Discharged(event_id=eid(), occurred_at=await episode.now(), actor=episode.ward())
    first = await episode.handle.execute_update(EpisodeWorkflow.submit_event, event)
    again = await episode.handle.execute_update(EpisodeWorkflow.submit_event, event)
    assert (first.outcome, again.outcome) == ("accepted", "duplicate")
    await episode.phase(Phase.DISCHARGED)
    async with db_pool.acquire() as conn:
        entries = await conn.fetchval(
            "SELECT count(*) FROM timeline WHERE episode_id = $1 AND kind = 'discharged'",
            episode.id,
        )
    assert entries == 1


async def test_bad_decisions_are_refused_with_the_field_and_the_reason(new_episode) -> None:
    from schemas.tasks import TaskDecision

    episode = await new_episode()
    offer = await episode.task(TaskKind.PEER_OFFER)
    other_peer = next(p for p in episode.roster.peers if p != offer.assignee.id)

    async def refused(decision: TaskDecision) -> str:
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await episode.handle.execute_update(EpisodeWorkflow.decide_task, decision)
        return str(failure.value.cause)

    peer = Actor(role=Role.PEER, id=offer.assignee.id)
    assert "actor: this task is assigned to another peer" in await refused(
        TaskDecision(
            task_id=offer.task_id,
            action=DecisionAction.ACCEPT,
            actor=Actor(role=Role.PEER, id=other_peer),
        )
    )
    assert "action: an offer is accepted or declined" in await refused(
        TaskDecision(task_id=offer.task_id, action=DecisionAction.COMPLETE, actor=peer)
    )
    assert "task_id: no such task" in await refused(
        TaskDecision(task_id="nope", action=DecisionAction.ACCEPT, actor=peer)
    )
    await episode.decide(TaskKind.PEER_OFFER, DecisionAction.ACCEPT)
    assert "task_id: the task is already accepted" in await refused(
        TaskDecision(task_id=offer.task_id, action=DecisionAction.ACCEPT, actor=peer)
    )
