"""The ambulant path: a citizen referred without an admission (district psychiatry, municipal
services) is followed up from when a peer takes the episode, to closing, with no hospital fact;
an admission that does come pauses the follow-up and its discharge resumes it. Bridge-builders
meet an inpatient on the ward every two weeks from the first meeting until the discharge.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records both runs for the replay tests
(`peer-guide-sind.<label>-ambulant*.json`, `ward-bridge-builders.<label>-in-ward.json`)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

from command.synthetic.driver import EpisodeDriver
from command.synthetic.driver import start as start_episode
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster, make_roster_carrying
from db.pool import DatabasePool
from schemas.episode import Phase
from schemas.events import (
    Admitted,
    Discharged,
    DischargePlanned,
    DischargePlannedPayload,
    Pathway,
    ReferralCreated,
)
from schemas.tasks import TaskKind
from tests.workflows.test_somatic_admission import peer_templates, timeline_says

HISTORIES = Path(__file__).parent / "histories"
BRIDGE_BUILDERS = "ward-bridge-builders"
WARD_TASKS = {TaskKind.DISCHARGE_AGREEMENT, TaskKind.COORDINATION_PLAN, TaskKind.FIRST_MEETING}


def ambulant(event: ReferralCreated) -> ReferralCreated:
    """The referral as district psychiatry makes it: no admission."""
    payload = event.payload.model_copy(update={"pathway": Pathway.AMBULANT, "admitted_at": None})
    return event.model_copy(update={"payload": payload})


async def ambulant_episode(env, pool: DatabasePool, task_queue: str) -> EpisodeDriver:
    roster = await make_roster(pool)
    return await start_episode(env, pool, roster, task_queue, ambulant(referral(roster)))


async def record(
    episode: EpisodeDriver, label_suffix: str, programme: str = "peer-guide-sind"
) -> None:
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        history = await episode.handle.fetch_history()
        path = HISTORIES / f"{programme}.{label}-{label_suffix}.json"
        path.write_text(history.to_json(), encoding="utf-8")


async def test_an_ambulant_episode_runs_from_referral_to_closed_without_a_hospital_fact(
    time_skipping_env, episode_worker, db_pool, task_queue
) -> None:
    episode = await ambulant_episode(time_skipping_env, db_pool, task_queue)
    await episode.accept_offer()
    taken_at = await episode.now()

    # No discharge to wait for: the peer's first contact is due 72 hours after taking it.
    contact = await episode.task(TaskKind.FIRST_CONTACT)
    assert contact.assignee.role == "peer"
    assert timedelta(hours=71) < contact.due_at - taken_at <= timedelta(hours=72)
    view = await episode.view()
    assert view.phase == Phase.FOLLOW_UP
    assert view.discharged_at is None
    assert not WARD_TASKS & {t.kind for t in view.open_tasks}
    line = await timeline_says(db_pool, episode.id, "timeline.ambulant_start")
    assert line == "Ambulant episode, no admission: first contact and follow-up run from now"

    await episode.first_contact()
    await episode.env.sleep(timedelta(days=7, hours=1))
    follow_up = await episode.task(TaskKind.FOLLOW_UP)
    assert follow_up.number == 1
    assert follow_up.created_at - taken_at < timedelta(days=7, hours=1)
    await episode.follow_up_to_the_end()
    outcome = await episode.close_out()

    assert outcome.final_phase == Phase.CLOSED
    assert outcome.follow_ups_done == outcome.follow_ups_planned > 0
    assert outcome.readmissions == 0
    assert "discharged" not in await peer_templates(db_pool, episode.id)
    await record(episode, "ambulant")


async def test_an_admission_during_ambulant_follow_up_pauses_it_and_its_discharge_resumes(
    time_skipping_env, episode_worker, db_pool, task_queue
) -> None:
    episode = await ambulant_episode(time_skipping_env, db_pool, task_queue)
    await episode.accept_offer()
    taken_at = await episode.now()
    await episode.first_contact()
    await episode.phase(Phase.FOLLOW_UP)
    await episode.env.sleep(timedelta(days=3))

    admitted = Admitted(
        event_id=uuid.uuid4().hex, occurred_at=await episode.now(), actor=episode.ward()
    )
    await episode.send(admitted)
    view = await episode.phase(Phase.READMITTED)
    assert view.readmissions == 1
    await episode.env.sleep(timedelta(days=20))
    view = await episode.view()
    assert view.phase == Phase.READMITTED
    assert not any(t.kind == TaskKind.FOLLOW_UP for t in view.open_tasks), "clock stood still"

    discharged = Discharged(
        event_id=uuid.uuid4().hex, occurred_at=await episode.now(), actor=episode.ward()
    )
    await episode.send(discharged)
    await episode.phase(Phase.FOLLOW_UP)
    await timeline_says(db_pool, episode.id, "timeline.discharged_again")
    await episode.env.sleep(timedelta(days=4, hours=1))
    follow_up = await episode.task(TaskKind.FOLLOW_UP)
    assert follow_up.number == 1
    assert follow_up.created_at - taken_at > timedelta(days=27), "paused for 20 days"
    assert {"readmitted", "discharged"} <= await peer_templates(db_pool, episode.id)
    await record(episode, "ambulant-readmitted")


async def test_an_ambulant_citizen_admitted_before_a_peer_takes_it_waits_for_the_discharge(
    time_skipping_env, episode_worker, db_pool, task_queue
) -> None:
    episode = await ambulant_episode(time_skipping_env, db_pool, task_queue)
    await episode.task(TaskKind.PEER_OFFER)
    admitted = Admitted(
        event_id=uuid.uuid4().hex, occurred_at=await episode.now(), actor=episode.ward()
    )
    await episode.send(admitted)
    await episode.accept_offer()

    view = await episode.phase(Phase.PRE_DISCHARGE)
    assert view.discharged_at is None
    assert not any(t.kind == TaskKind.FIRST_CONTACT for t in view.open_tasks)
    await episode.discharge()
    contact = await episode.task(TaskKind.FIRST_CONTACT)
    view = await episode.view()
    assert view.discharged_at is not None
    assert contact.due_at == view.discharged_at + timedelta(hours=72)


async def bridge_builder_episode(env, pool: DatabasePool, task_queue: str) -> EpisodeDriver:
    roster = await make_roster_carrying(pool, BRIDGE_BUILDERS)
    return await start_episode(
        env, pool, roster, task_queue, referral(roster, programme=BRIDGE_BUILDERS)
    )


async def plan_discharge(episode: EpisodeDriver, in_days: int) -> None:
    at = await episode.now()
    await episode.send(
        DischargePlanned(
            event_id=uuid.uuid4().hex,
            occurred_at=at,
            actor=episode.ward(),
            payload=DischargePlannedPayload(planned_for=(at + timedelta(days=in_days)).date()),
        )
    )


async def test_a_bridge_builder_has_in_ward_contacts_every_two_weeks_until_the_discharge(
    time_skipping_env, episode_worker, db_pool, task_queue
) -> None:
    episode = await bridge_builder_episode(time_skipping_env, db_pool, task_queue)
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await episode.decide(TaskKind.FIRST_MEETING)
    met_at = await episode.now()

    await episode.env.sleep(timedelta(days=14, hours=1))
    contact = await episode.task(TaskKind.IN_WARD_CONTACT)
    assert contact.number == 1
    assert contact.assignee.role == "peer"
    assert timedelta(days=13, hours=23) < contact.created_at - met_at < timedelta(days=14, hours=1)
    await episode.decide(TaskKind.IN_WARD_CONTACT, note="Talked about the flat")

    # The second one is missed: it lapses, is reminded and escalated like a follow-up.
    await episode.env.sleep(timedelta(days=14))
    second = await episode.task(TaskKind.IN_WARD_CONTACT)
    assert second.number == 2
    await episode.env.sleep(timedelta(days=4))
    view = await episode.view()
    assert any(t.kind == TaskKind.TASK_ESCALATION for t in view.open_tasks), "escalated"

    # The discharge ends the in-ward contacts; the first contact after it starts.
    await episode.discharge()
    await episode.task(TaskKind.FIRST_CONTACT)
    view = await episode.view()
    assert not any(t.kind == TaskKind.IN_WARD_CONTACT for t in view.open_tasks)
    await episode.env.sleep(timedelta(days=15))
    view = await episode.view()
    assert not any(t.kind == TaskKind.IN_WARD_CONTACT for t in view.open_tasks)
    await record(episode, "in-ward", programme=BRIDGE_BUILDERS)


async def test_in_ward_contacts_wait_until_three_months_before_the_planned_discharge(
    time_skipping_env, episode_worker, db_pool, task_queue
) -> None:
    episode = await bridge_builder_episode(time_skipping_env, db_pool, task_queue)
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await plan_discharge(episode, in_days=150)
    await episode.decide(TaskKind.FIRST_MEETING)
    met_at = await episode.now()

    await episode.env.sleep(timedelta(days=50))
    view = await episode.view()
    assert not any(t.kind == TaskKind.IN_WARD_CONTACT for t in view.open_tasks)
    await episode.env.sleep(timedelta(days=10))
    contact = await episode.task(TaskKind.IN_WARD_CONTACT)
    assert contact.number == 1
    # Planned in 150 days: contacts begin three months (91 days) before, some 59 days on.
    assert timedelta(days=58) < contact.created_at - met_at < timedelta(days=60)
