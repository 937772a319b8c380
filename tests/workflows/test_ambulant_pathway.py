"""The ambulant path: a citizen referred without an admission (district psychiatry, municipal
services) is followed up from when a peer takes the episode, to closing, with no hospital fact;
an admission that does come pauses the follow-up and its discharge resumes it.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records both runs for the replay tests
(`peer-guide-sind.<label>-ambulant.json`, `peer-guide-sind.<label>-ambulant-readmitted.json`)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

from command.synthetic.driver import EpisodeDriver
from command.synthetic.driver import start as start_episode
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from schemas.episode import Phase
from schemas.events import Admitted, Discharged, Pathway, ReferralCreated
from schemas.tasks import TaskKind
from tests.workflows.test_somatic_admission import peer_templates, timeline_says

HISTORIES = Path(__file__).parent / "histories"
WARD_TASKS = {TaskKind.DISCHARGE_AGREEMENT, TaskKind.COORDINATION_PLAN, TaskKind.FIRST_MEETING}


def ambulant(event: ReferralCreated) -> ReferralCreated:
    """The referral as district psychiatry makes it: no admission."""
    payload = event.payload.model_copy(update={"pathway": Pathway.AMBULANT, "admitted_at": None})
    return event.model_copy(update={"payload": payload})


async def ambulant_episode(env, pool: DatabasePool, task_queue: str) -> EpisodeDriver:
    roster = await make_roster(pool)
    return await start_episode(env, pool, roster, task_queue, ambulant(referral(roster)))


async def record(episode: EpisodeDriver, label_suffix: str) -> None:
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        history = await episode.handle.fetch_history()
        path = HISTORIES / f"peer-guide-sind.{label}-{label_suffix}.json"
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
