"""A somatic admission (a ward outside psychiatry) is recorded, but pauses the psychiatric
follow-up only when the programme says so, and its discharge is never the psychiatric one.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records the pausing run for the replay tests
(`peer-guide-sind.<label>.json`)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from command.synthetic.driver import EpisodeDriver
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from schemas.episode import HospitalFact, HospitalRecord, Phase
from schemas.events import Admitted, AdmittedPayload, CareSetting, Discharged
from schemas.notifications import Template
from schemas.tasks import TaskKind
from tests.conftest import eventually
from tests.workflows.offline import REFERRED_AT, WARD, new_record, programme, with_peer
from tests.workflows.offline import episode_start as offline_start
from workers.starter import episode_start
from workflows import facts, hospital_course, patches
from workflows.episode import EpisodeWorkflow
from workflows.record import EpisodeRecord

HISTORIES = Path(__file__).parent / "histories"
SOMATIC = AdmittedPayload(psychiatric=False)


def eid() -> str:
    return uuid.uuid4().hex


async def pausing_episode(
    env: WorkflowEnvironment, pool: DatabasePool, task_queue: str
) -> EpisodeDriver:
    """An episode of a programme that pauses the follow-up for a somatic admission."""
    roster = await make_roster(pool)
    start = await episode_start(pool, referral(roster))
    programme = start.programme.model_copy(update={"pause_on_somatic_admission": True})
    start = start.model_copy(update={"programme": programme})
    await env.client.start_workflow(
        EpisodeWorkflow.run, start, id=start.episode_id, task_queue=task_queue
    )
    return EpisodeDriver.of(env, roster, start.episode_id)


async def in_follow_up(episode: EpisodeDriver) -> datetime:
    """Matched, discharged, first contact made; returns when the citizen was discharged."""
    await episode.accept_offer()
    await episode.discharge()
    await episode.decide(TaskKind.FIRST_CONTACT)
    view = await episode.phase(Phase.FOLLOW_UP)
    assert view.discharged_at is not None
    return view.discharged_at


async def somatic(episode: EpisodeDriver, kind: type[Admitted] | type[Discharged]) -> None:
    at = await episode.now()
    await episode.send(kind(event_id=eid(), occurred_at=at, actor=episode.ward(), payload=SOMATIC))


async def timeline_says(pool: DatabasePool, episode_id: str, key: str) -> str:
    """The English line of the episode's timeline entry with `key`, once it is there."""
    found: list[str] = []

    async def there() -> bool:
        async with pool.acquire() as conn:
            summary = await conn.fetchval(
                "SELECT summary FROM timeline WHERE episode_id = $1 AND text_key = $2",
                episode_id,
                key,
            )
        if summary is not None:
            found.append(summary)
        return summary is not None

    await eventually(there)
    return found[0]


async def peer_templates(pool: DatabasePool, episode_id: str) -> set[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT template FROM outbox WHERE episode_id = $1 AND recipient_role = 'peer'",
            episode_id,
        )
    return {r["template"] for r in rows}


async def test_a_somatic_admission_during_follow_up_is_recorded_without_pausing(
    new_episode, db_pool
) -> None:
    episode = await new_episode()
    discharged_at = await in_follow_up(episode)
    await episode.env.sleep(timedelta(days=2))
    await somatic(episode, Admitted)

    line = await timeline_says(db_pool, episode.id, "timeline.admitted_somatic")
    assert line == "Admitted to a somatic ward (inpatient); the psychiatric course goes on"
    view = await episode.view()
    assert view.phase == Phase.FOLLOW_UP
    assert view.readmissions == 0
    # The follow-up clock runs on: the first contact falls due a week after the discharge.
    await episode.env.sleep(timedelta(days=5, hours=1))
    follow_up = await episode.task(TaskKind.FOLLOW_UP)
    assert follow_up.number == 1
    assert follow_up.created_at - discharged_at < timedelta(days=7, hours=1)
    assert "readmitted" not in await peer_templates(db_pool, episode.id)

    await somatic(episode, Discharged)
    line = await timeline_says(db_pool, episode.id, "timeline.discharged_somatic")
    assert line == "Discharged from a somatic ward (inpatient)"
    assert (await episode.view()).phase == Phase.FOLLOW_UP


async def test_with_the_programme_flag_a_somatic_admission_pauses_like_a_readmission(
    time_skipping_env, episode_worker: Worker, db_pool, task_queue
) -> None:
    episode = await pausing_episode(time_skipping_env, db_pool, task_queue)
    discharged_at = await in_follow_up(episode)
    await episode.env.sleep(timedelta(days=3))
    await somatic(episode, Admitted)

    await episode.phase(Phase.READMITTED)
    line = await timeline_says(db_pool, episode.id, "timeline.admitted_somatic_pauses")
    assert line == (
        "Admitted to a somatic ward (inpatient); the programme pauses the follow-up during the stay"
    )
    await episode.env.sleep(timedelta(days=20))
    view = await episode.view()
    assert view.phase == Phase.READMITTED
    assert not any(t.kind == TaskKind.FOLLOW_UP for t in view.open_tasks), "clock stood still"

    await somatic(episode, Discharged)
    await episode.phase(Phase.FOLLOW_UP)
    await timeline_says(db_pool, episode.id, "timeline.discharged_again")
    await episode.env.sleep(timedelta(days=4, hours=1))
    follow_up = await episode.task(TaskKind.FOLLOW_UP)
    assert follow_up.number == 1
    assert follow_up.created_at - discharged_at > timedelta(days=27), "paused for 20 days"
    assert {"readmitted", "discharged"} <= await peer_templates(db_pool, episode.id)
    # Not a psychiatric readmission: the episode's count stays as it was.
    assert (await episode.view()).readmissions == 0

    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        history = await episode.handle.fetch_history()
        path = HISTORIES / f"peer-guide-sind.{label}.json"
        path.write_text(history.to_json(), encoding="utf-8")


async def test_a_somatic_stay_before_the_discharge_is_not_the_psychiatric_discharge(
    time_skipping_env, episode_worker: Worker, db_pool, task_queue
) -> None:
    # Even where somatic stays pause the follow-up, their discharge is their own.
    episode = await pausing_episode(time_skipping_env, db_pool, task_queue)
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await somatic(episode, Admitted)
    await episode.env.sleep(timedelta(days=2))
    await somatic(episode, Discharged)

    await timeline_says(db_pool, episode.id, "timeline.discharged_somatic")
    view = await episode.view()
    assert view.phase == Phase.PRE_DISCHARGE
    assert view.discharged_at is None
    assert not any(t.kind == TaskKind.FIRST_CONTACT for t in view.open_tasks)

    # The psychiatric ward's discharge is the one that starts the first-contact clock.
    await episode.discharge()
    contact = await episode.task(TaskKind.FIRST_CONTACT)
    view = await episode.view()
    assert view.discharged_at is not None
    assert contact.due_at == view.discharged_at + timedelta(hours=72)


async def test_a_somatic_discharge_before_a_peer_is_matched_starts_no_clock(
    new_episode, db_pool
) -> None:
    episode = await new_episode(peers=0)
    await episode.task(TaskKind.MANUAL_MATCH)
    await somatic(episode, Admitted)
    await somatic(episode, Discharged)

    await timeline_says(db_pool, episode.id, "timeline.discharged_somatic")
    view = await episode.view()
    assert view.phase == Phase.UNMATCHED
    assert view.discharged_at is None
    assert not any(t.kind == TaskKind.FIRST_CONTACT for t in view.open_tasks)


# The rules themselves, on facts that came in any order.

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def fact(
    event_id: str,
    kind: HospitalFact,
    day: int,
    *,
    psychiatric: bool = True,
    pauses: bool = False,
    setting: CareSetting = CareSetting.INPATIENT,
) -> HospitalRecord:
    return HospitalRecord(
        event_id=event_id,
        fact=kind,
        setting=setting,
        occurred_at=T0 + timedelta(days=day),
        psychiatric=psychiatric,
        pauses_follow_up=pauses,
    )


ADMITTED, DISCHARGED = HospitalFact.ADMITTED, HospitalFact.DISCHARGED


def test_a_somatic_stay_does_not_move_the_psychiatric_course() -> None:
    records = [
        fact("a1", ADMITTED, 0),
        fact("s1", ADMITTED, 2, psychiatric=False),
        fact("s2", DISCHARGED, 4, psychiatric=False),
    ]
    assert hospital_course.is_admitted(records)
    assert hospital_course.first_discharge(records) is None
    assert hospital_course.in_somatic_stay(records[:2])
    assert not hospital_course.in_somatic_stay(records)


def test_a_pausing_somatic_stay_after_the_discharge_readmits_and_restarts_the_clock() -> None:
    records = [
        fact("a1", ADMITTED, 0),
        fact("d1", DISCHARGED, 5),
        fact("s1", ADMITTED, 8, psychiatric=False, pauses=True),
    ]
    assert hospital_course.is_readmitted(records)
    assert hospital_course.last_discharge(records) is None
    assert hospital_course.readmissions(records) == 0
    records.append(fact("s2", DISCHARGED, 12, psychiatric=False, pauses=True))
    assert not hospital_course.is_readmitted(records)
    assert hospital_course.last_discharge(records) == T0 + timedelta(days=12)
    assert hospital_course.first_discharge(records) == T0 + timedelta(days=5)


def test_a_psychiatric_readmission_pauses_even_during_a_somatic_stay_that_does_not() -> None:
    records = [
        fact("a1", ADMITTED, 0),
        fact("d1", DISCHARGED, 5),
        fact("s1", ADMITTED, 6, psychiatric=False),
    ]
    assert not hospital_course.is_readmitted(records)
    assert hospital_course.last_discharge(records) == T0 + timedelta(days=5)
    records.append(fact("a2", ADMITTED, 7))
    assert hospital_course.is_readmitted(records)
    assert hospital_course.readmissions(records) == 1


def test_a_somatic_emergency_visit_never_pauses() -> None:
    records = [
        fact("a1", ADMITTED, 0),
        fact("d1", DISCHARGED, 5),
        fact("e1", ADMITTED, 6, psychiatric=False, pauses=True, setting=CareSetting.EMERGENCY),
    ]
    assert not hospital_course.is_readmitted(records)


def test_an_unmarked_discharge_while_out_of_psychiatry_ends_the_somatic_stay() -> None:
    records = [
        fact("a1", ADMITTED, 0),
        fact("d1", DISCHARGED, 5),
        fact("s1", ADMITTED, 8, psychiatric=False, pauses=True),
    ]
    assert hospital_course.ends_somatic_stay(records, T0 + timedelta(days=10))
    # Still on the psychiatric ward: a discharge is the psychiatric one.
    assert not hospital_course.ends_somatic_stay(records, T0 + timedelta(days=4))
    assert not hospital_course.ends_somatic_stay(records[:2], T0 + timedelta(days=10))


# The facts as the episode applies them (no Temporal server).


def pausing_record(*, patches_off: frozenset[str] = frozenset()) -> EpisodeRecord:
    """A peer-guide episode whose programme pauses for somatic stays, discharged on day 1."""
    start = offline_start()
    flagged = programme("peer-guide-sind").model_copy(update={"pause_on_somatic_admission": True})
    record, _ = new_record(start.model_copy(update={"programme": flagged}), patches_off=patches_off)
    with_peer(record)
    facts.receive(record, Discharged(event_id="dis-1", occurred_at=at(1), actor=WARD))
    record.state.discharged_at = at(1)
    return record


def at(day: int) -> datetime:
    return REFERRED_AT + timedelta(days=day)


def test_a_discharge_that_came_unmarked_still_ends_the_somatic_stay_and_resumes() -> None:
    record = pausing_record()
    facts.receive(record, Admitted(event_id="s-1", occurred_at=at(8), actor=WARD, payload=SOMATIC))
    assert hospital_course.is_readmitted(record.state.hospital)
    assert Template.READMITTED in [n.template for n in record.changes.notifications]

    facts.receive(record, Discharged(event_id="s-2", occurred_at=at(12), actor=WARD))
    assert not hospital_course.is_readmitted(record.state.hospital)
    assert hospital_course.first_discharge(record.state.hospital) == at(1)
    assert hospital_course.last_discharge(record.state.hospital) == at(12)
    assert [e.text_key for e in record.changes.timeline][-1] == "timeline.discharged_somatic"


def test_without_the_patch_a_somatic_admission_counts_as_before() -> None:
    # Episodes that ran before the change replay as they ran: a readmission.
    record = pausing_record(patches_off=frozenset({patches.SOMATIC_ADMISSION_KEPT}))
    facts.receive(record, Admitted(event_id="s-1", occurred_at=at(8), actor=WARD, payload=SOMATIC))
    assert hospital_course.readmissions(record.state.hospital) == 1
    assert [e.text_key for e in record.changes.timeline][-1] == "timeline.hospital_fact"


def test_a_somatic_emergency_visit_is_recorded_without_telling_the_peer() -> None:
    record = pausing_record()
    payload = AdmittedPayload(setting=CareSetting.EMERGENCY, psychiatric=False)
    facts.receive(record, Admitted(event_id="e-1", occurred_at=at(3), actor=WARD, payload=payload))
    assert record.state.emergency_visits == 0
    assert not record.changes.notifications or Template.EMERGENCY_VISIT not in [
        n.template for n in record.changes.notifications
    ]
    assert record.changes.timeline[-1].summary == (
        "Admitted to a somatic ward (emergency); the psychiatric course goes on"
    )
