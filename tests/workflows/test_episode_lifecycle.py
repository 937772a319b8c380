"""Whole episodes on the time-skipping server, with real PostgreSQL and a real SMTP server."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from command.synthetic.driver import EpisodeDriver, start
from command.synthetic.referral import referral
from command.synthetic.roster import Roster, make_roster, make_roster_carrying
from db.pool import DatabasePool
from db.programmes import default_programmes
from schemas.consent import ConsentScope
from schemas.episode import EpisodeStart, Phase
from schemas.people import Role
from schemas.tasks import ReviewDecision, ServiceConfirmed, TaskKind
from tests.conftest import SmtpServer, eventually
from workers.starter import episode_start
from workflows.episode import EpisodeWorkflow

PROGRAMMES = [p.code for p in default_programmes()]
HISTORIES = Path(__file__).parent / "histories"


async def started(
    env: WorkflowEnvironment, task_queue: str, roster: Roster, start_input: EpisodeStart
) -> EpisodeDriver:
    """Start an episode from a workflow input the test has altered, and drive it."""
    await env.client.start_workflow(
        EpisodeWorkflow.run, start_input, id=start_input.episode_id, task_queue=task_queue
    )
    return EpisodeDriver.of(env, roster, start_input.episode_id)


@pytest.mark.parametrize("programme", PROGRAMMES)
async def test_each_programme_runs_from_referral_to_closed(
    programme: str,
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> None:
    roster = await make_roster_carrying(db_pool, programme)
    episode = await start(
        time_skipping_env, db_pool, roster, task_queue, referral(roster, programme=programme)
    )
    peer = await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await episode.prepare()
    await episode.discharge()
    await episode.first_contact()
    await episode.phase(Phase.FOLLOW_UP)
    await episode.follow_up_to_the_end()
    if (await episode.view()).phase == Phase.FOLLOW_UP:
        # Open-ended programme: the review decides to stop after one period.
        await episode.decide(
            TaskKind.PROGRAMME_REVIEW, result=ReviewDecision(continue_episode=False)
        )
    outcome = await episode.close_out()
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        # New recordings go next to the old ones, which must keep replaying.
        history = await episode.handle.fetch_history()
        (HISTORIES / f"{programme}.{label}.json").write_text(history.to_json(), encoding="utf-8")

    assert outcome.final_phase == Phase.CLOSED
    assert outcome.reason == "completed"
    assert outcome.peer_id == peer
    assert outcome.follow_ups_planned > 0
    assert outcome.follow_ups_done == outcome.follow_ups_planned
    assert outcome.outcome is not None and outcome.outcome.hope_score_end == 7
    async with db_pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM episodes WHERE episode_id = $1", episode.id)
        assert row is not None
        assert row["phase"] == "closed"
        assert row["peer_id"] == peer
        # Measured at the first contact and at closing, not recalled at the end.
        assert row["hope_score_start"] == 3 and row["hope_score_end"] == 7
        assert row["network_size_start"] == 1 and row["network_size_end"] == 4
        assert row["job_or_education"] == "in_process"
        # The referral's goal and the one set at the first contact, each reviewed at every
        # follow-up.
        assert row["goals_total"] == 2
        goals = await conn.fetch(
            "SELECT goal_id, area, status, reviews FROM episode_goals WHERE episode_id = $1"
            " ORDER BY goal_no",
            episode.id,
        )
        assert [(g["goal_id"], g["area"]) for g in goals] == [("g1", "network"), ("g2", "job")]
        assert all(g["reviews"] == outcome.follow_ups_done for g in goals)
        reviews = await conn.fetchval(
            "SELECT count(*) FROM goal_reviews WHERE episode_id = $1", episode.id
        )
        assert reviews == 2 * outcome.follow_ups_done
        assert row["follow_ups_done"] == outcome.follow_ups_done
        load = await conn.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", peer)
        assert load == 0, "the peer's capacity slot is given back at closing"
        open_tasks = await conn.fetchval(
            "SELECT count(*) FROM tasks WHERE episode_id = $1 AND status = 'open'", episode.id
        )
        assert open_tasks == 0
        timeline = await conn.fetchval(
            "SELECT count(*) FROM timeline WHERE episode_id = $1", episode.id
        )
        assert timeline > 10


async def test_open_ended_programme_continues_as_new_after_a_review(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> None:
    roster = await make_roster(db_pool, employed=3)
    episode = await start(
        time_skipping_env,
        db_pool,
        roster,
        task_queue,
        referral(roster, programme="municipal-peer-support"),
    )
    await episode.accept_offer()
    await episode.discharge()
    await episode.first_contact()
    await episode.follow_up_to_the_end()
    first_run = (await episode.handle.describe()).run_id
    await episode.decide(TaskKind.PROGRAMME_REVIEW, result=ReviewDecision(continue_episode=True))
    view = await episode.until(lambda v: v.follow_ups_planned > 8)
    assert view.phase == Phase.FOLLOW_UP
    assert (await episode.handle.describe()).run_id != first_run, "continued as new"
    await episode.follow_up_to_the_end()
    await episode.decide(TaskKind.PROGRAMME_REVIEW, result=ReviewDecision(continue_episode=False))
    outcome = await episode.close_out()
    assert outcome.final_phase == Phase.CLOSED
    assert outcome.follow_ups_planned == 16
    assert outcome.follow_ups_done == 16


async def test_an_open_ended_programme_is_reviewed_at_its_configured_week(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> None:
    roster = await make_roster(db_pool, employed=3)
    start_input = await episode_start(db_pool, referral(roster, programme="municipal-peer-support"))
    # Planned contacts end in week 12; the review is configured for week 20.
    programme = start_input.programme.model_copy(update={"review_every_weeks": 20})
    start_input = start_input.model_copy(update={"programme": programme})
    episode = await started(time_skipping_env, task_queue, roster, start_input)
    await episode.accept_offer()
    await episode.discharge()
    await episode.first_contact()
    await episode.follow_up_to_the_end()

    review = await episode.task(TaskKind.PROGRAMME_REVIEW)
    view = await episode.view()
    assert view.discharged_at is not None
    after_discharge = review.created_at - view.discharged_at
    assert timedelta(weeks=20) <= after_discharge < timedelta(weeks=20, minutes=1)
    assert view.follow_ups_done == view.follow_ups_planned == 8
    await episode.decide(TaskKind.PROGRAMME_REVIEW, result=ReviewDecision(continue_episode=False))
    outcome = await episode.close_out()
    assert outcome.final_phase == Phase.CLOSED
    assert outcome.follow_ups_done == 8


async def test_municipality_hears_of_the_discharge_only_with_consent(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
    smtp_server: SmtpServer,
) -> None:
    roster = await make_roster(db_pool)
    without = await start(
        time_skipping_env,
        db_pool,
        roster,
        task_queue,
        referral(roster, consents=(ConsentScope.PEER_SUPPORT,)),
    )
    await without.accept_offer()
    await without.discharge()
    with_consent = await start(time_skipping_env, db_pool, roster, task_queue, referral(roster))
    await with_consent.accept_offer()
    await with_consent.discharge()
    task = await with_consent.task(TaskKind.CONFIRM_SERVICE)
    assert task.assignee.role == Role.CASEWORKER
    assert task.assignee.service == "social_services"
    assert not any(t.kind == TaskKind.CONFIRM_SERVICE for t in (await without.view()).open_tasks)

    async def only_the_consented_episode_was_shared() -> bool:
        async with db_pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT episode_id FROM outbox WHERE recipient_role = 'caseworker'"
                " AND recipient_id = $1 AND channel = 'inbox'",
                roster.municipality_code,
            )
        return {r["episode_id"] for r in rows} == {with_consent.id}

    await eventually(only_the_consented_episode_was_shared)
    await with_consent.decide(
        TaskKind.CONFIRM_SERVICE, result=ServiceConfirmed(service="housing_support")
    )
    view = await with_consent.until(
        lambda v: not any(t.kind == TaskKind.CONFIRM_SERVICE for t in v.open_tasks)
    )
    assert view.phase == Phase.DISCHARGED


async def test_a_long_history_continues_as_new_without_losing_tasks_or_events(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> None:
    roster = await make_roster(db_pool)
    event = referral(roster, programme="ark-course")
    start_input = (await episode_start(db_pool, event)).model_copy(
        update={"continue_as_new_after": 200}
    )
    episode = await started(time_skipping_env, task_queue, roster, start_input)
    await episode.accept_offer()
    await episode.prepare()
    await episode.discharge()
    await episode.first_contact()
    first_run = (await episode.handle.describe()).run_id
    await episode.follow_up_to_the_end()
    outcome = await episode.close_out()
    assert (await episode.handle.describe()).run_id != first_run, "continued as new"
    assert outcome.follow_ups_done == outcome.follow_ups_planned == 8
    async with db_pool.acquire() as conn:
        done = await conn.fetchval(
            "SELECT count(*) FROM tasks WHERE episode_id = $1 AND kind = 'follow_up'"
            " AND status = 'completed'",
            episode.id,
        )
    assert done == 8
