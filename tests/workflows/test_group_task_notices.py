"""No peer group task waits for a person without end (issue 18): the hourly roster upkeep tells
the facilitator of a member absent several sessions in a row and the coordinators of attendance
nobody recorded, once however often it runs; reminds once when the task falls due; escalates
once three days later (a member's absence to the organisation's coordinators, unrecorded
attendance to the partnership); a course participant's follow-up, told to the teaching peers
by the term's workflow, is reminded of once to them and escalated once to the coordinators;
the upkeep's old and new runs replay.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` records a run as `roster-upkeep.<label>.json`."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from db import courses
from db import peer_groups as groups
from db.pool import DatabasePool
from db.supervision import Actor
from schemas.courses import (
    CourseTaskKind,
    NewParticipant,
    ParticipantKind,
)
from schemas.peer_groups import PeerGroup
from tests.activities.builders import Roster
from tests.builders import course_term, peer_group
from tests.conftest import SmtpServer
from tests.test_keys import TEST_CONVERTER
from tests.workflows.test_roster_upkeep import HISTORIES, subjects, upkeep
from workflows.roster_upkeep import RosterUpkeepWorkflow

NEW_TASK = "There is a new task about a group in hverdagsbro"
OVERDUE = "A task about a group in hverdagsbro is overdue"
ESCALATED = "A task about a group in hverdagsbro is not done and has been passed on"
FOLLOW_UP_OVERDUE = "A follow-up of a course participant in hverdagsbro is overdue"
FOLLOW_UP_ESCALATED = (
    "A follow-up of a course participant in hverdagsbro is not done and has been passed on"
)
COORDINATOR = Actor(role="coordinator", actor_id="c-test")


@dataclass
class Setting:
    """A group of an organisation in a partnership, with coordinators in it, in a partner
    and in an organisation outside the partnership (e-mail addresses)."""

    pool: DatabasePool
    group: PeerGroup
    facilitator: str
    facilitator_email: str
    own: str
    theirs: str
    other: str

    async def task(self, kind: str, *, due_in: timedelta = timedelta(days=2)) -> str:
        """A task as the group's workflow opens it (a member absent for the facilitator;
        attendance unrecorded for the coordinators)."""
        async with self.pool.acquire() as conn:
            session_id = await groups.plan_session(
                conn, self.group.group_id, datetime.now(UTC) - timedelta(days=1)
            )
            member_id = None
            if kind == "member_absent":
                member_id = await groups.add_member(
                    conn,
                    self.group.group_id,
                    date.today() - timedelta(days=30),
                    COORDINATOR,
                    episode_id=f"ep-{uuid.uuid4().hex[:12]}",
                )
            task_id = await groups.open_task(
                conn,
                kind=kind,
                group_id=self.group.group_id,
                organisation_id=self.group.organisation_id,
                session_id=session_id,
                dedupe_key=f"test:{uuid.uuid4().hex}",
                due_at=datetime.now(UTC) + due_in,
                assigned_to=self.facilitator if kind == "member_absent" else None,
                member_id=member_id,
            )
        assert task_id is not None
        return task_id

    async def due_days_ago(self, task_id: str, days: float) -> None:
        await self.pool.execute(
            "UPDATE peer_group_tasks SET due_at = now() - make_interval(secs => $2)"
            " WHERE task_id = $1",
            task_id,
            days * 86400,
        )


async def setting(pool: DatabasePool) -> Setting:
    roster = Roster(pool)
    partnership = await roster.partnership()
    org = await roster.organisation(partnership, kind="municipality")
    partner = await roster.organisation(partnership)
    outsider = await roster.organisation(await roster.partnership())
    facilitator = await roster.peer(org)
    async with pool.acquire() as conn:
        group = await peer_group(conn, org, facilitator, who=COORDINATOR)
    return Setting(
        pool=pool,
        group=group,
        facilitator=facilitator,
        facilitator_email=await roster.email_of(facilitator),
        own=await roster.email_of(await roster.user("coordinator", organisation_id=org)),
        theirs=await roster.email_of(await roster.user("coordinator", organisation_id=partner)),
        other=await roster.email_of(await roster.user("coordinator", organisation_id=outsider)),
    )


async def test_a_member_absent_is_told_to_the_facilitator_once_reminded_once_and_escalated_once(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
    smtp_server: SmtpServer,
) -> None:
    at = await setting(db_pool)
    task_id = await at.task("member_absent")

    await upkeep(time_skipping_env, task_queue)
    report = await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, at.facilitator_email) == [NEW_TASK]
    assert subjects(smtp_server, at.own) == [], "the facilitator's task, not yet theirs"
    assert report.groups is not None
    inbox = await db_pool.fetch(
        "SELECT notification_id, template, episode_id, params::text AS params FROM outbox"
        " WHERE user_id = $1 AND channel = 'inbox'",
        at.facilitator,
    )
    assert [(r["notification_id"], r["template"], r["episode_id"]) for r in inbox] == [
        (f"{task_id}.notice", "group_task", None)
    ]
    assert "Name of" not in inbox[0]["params"] and "ep-" not in inbox[0]["params"], "ids only"
    [mail] = smtp_server.mailbox.to(at.facilitator_email)
    assert "/groups" in str(mail.get_payload())

    await at.due_days_ago(task_id, 0.1)
    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, at.facilitator_email) == [NEW_TASK, OVERDUE]
    assert subjects(smtp_server, at.own) == []

    await at.due_days_ago(task_id, 3.5)
    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, at.facilitator_email) == [NEW_TASK, OVERDUE]
    assert subjects(smtp_server, at.own) == [ESCALATED], "to the organisation's coordinators"
    assert subjects(smtp_server, at.theirs) == [], "not to the partnership"
    row = await db_pool.fetchrow(
        "SELECT notified_at, reminded_at, escalated_at FROM peer_group_tasks WHERE task_id = $1",
        task_id,
    )
    assert row is not None and all(v is not None for v in row.values())


async def test_unrecorded_attendance_goes_to_the_coordinators_then_to_the_partnership(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
    smtp_server: SmtpServer,
) -> None:
    at = await setting(db_pool)
    task_id = await at.task("attendance_unrecorded")

    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, at.own) == [NEW_TASK]
    assert subjects(smtp_server, at.facilitator_email) == []

    await at.due_days_ago(task_id, 0.1)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, at.own) == [NEW_TASK, OVERDUE]
    assert subjects(smtp_server, at.theirs) == []

    await at.due_days_ago(task_id, 3.5)
    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, at.own) == [NEW_TASK, OVERDUE, ESCALATED]
    assert subjects(smtp_server, at.theirs) == [ESCALATED], "the partnership's coordinators"
    assert subjects(smtp_server, at.other) == [], "only the task's own partnerships"
    [escalation] = smtp_server.mailbox.to(at.theirs)
    assert "/groups" in str(escalation.get_payload())


async def test_a_task_done_before_the_upkeep_and_one_already_due_are_told_only_what_is_left(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
    smtp_server: SmtpServer,
) -> None:
    at = await setting(db_pool)
    done = await at.task("attendance_unrecorded")
    async with db_pool.acquire() as conn:
        assert await groups.close_task(conn, done, at.group.group_id, "c-test")
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, at.own) == [], "a done task is told of to nobody"

    await at.task("member_absent", due_in=timedelta(minutes=-5))
    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, at.facilitator_email) == [NEW_TASK], "no second reminder"


async def course_follow_up(pool: DatabasePool) -> tuple[str, str, str, str]:
    """A recovery-college term co-taught by a peer, with a participant's follow-up as the
    term's workflow opens it (due in two days): (task, teaching peer's e-mail, coordinator's
    e-mail, the partner coordinator's e-mail)."""
    roster = Roster(pool)
    partnership = await roster.partnership()
    org = await roster.organisation(partnership)
    partner = await roster.organisation(partnership, kind="municipality")
    coordinator = await roster.user("coordinator", organisation_id=org)
    teacher = await roster.peer(org)
    who = courses.Actor(role="coordinator", actor_id=coordinator)
    first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=7)
    starts = [first, first + timedelta(days=3)]
    async with pool.acquire() as conn:
        term_id = await course_term(conn, who, org, starts, seats=4, teachers=(teacher,))
        [_, second] = await courses.sessions(conn, term_id)
        participant_id = await courses.create_participant(
            conn,
            NewParticipant(
                display_name="Course Participant",
                email=f"course-{uuid.uuid4().hex[:10]}@example.org",
                kind=ParticipantKind.RELATIVE,
                consent_at=datetime.now(UTC),
            ),
        )
        task_id = await courses.open_task(
            conn,
            kind=CourseTaskKind.PARTICIPANT_ABSENT,
            term_id=term_id,
            organisation_id=org,
            session_id=second.session_id,
            participant_id=participant_id,
            dedupe_key=f"test:{uuid.uuid4().hex}",
            due_at=datetime.now(UTC) + timedelta(days=2),
        )
    assert task_id is not None
    return (
        task_id,
        await roster.email_of(teacher),
        await roster.email_of(coordinator),
        await roster.email_of(await roster.user("coordinator", organisation_id=partner)),
    )


async def test_a_course_follow_up_is_reminded_to_the_teaching_peers_then_escalated_once(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
    smtp_server: SmtpServer,
) -> None:
    task_id, teacher, coordinator, partner = await course_follow_up(db_pool)

    async def due_days_ago(days: float) -> None:
        await db_pool.execute(
            "UPDATE course_tasks SET due_at = now() - make_interval(secs => $2) WHERE task_id = $1",
            task_id,
            days * 86400,
        )

    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, teacher) == [], "the term's workflow told them already"

    await due_days_ago(0.1)
    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, teacher) == [FOLLOW_UP_OVERDUE]
    assert subjects(smtp_server, coordinator) == []
    [reminder] = smtp_server.mailbox.to(teacher)
    assert "/courses/teaching" in str(reminder.get_payload())

    await due_days_ago(3.5)
    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, teacher) == [FOLLOW_UP_OVERDUE]
    assert subjects(smtp_server, coordinator) == [FOLLOW_UP_ESCALATED]
    assert subjects(smtp_server, partner) == [], "the organisation's coordinators"
    [escalation] = smtp_server.mailbox.to(coordinator)
    assert "/courses" in str(escalation.get_payload())
    inbox = await db_pool.fetch(
        "SELECT notification_id, params::text AS params FROM outbox"
        " WHERE task_id = $1 AND channel = 'inbox' ORDER BY notification_id",
        task_id,
    )
    steps = sorted(r["notification_id"].split(".")[1:] for r in inbox)
    assert [step for step, _ in steps] == ["escalation", "reminder"], "one each, ids from the task"
    assert steps[0][1] == "coordinators"
    assert all("Course Participant" not in r["params"] for r in inbox), "ids only"


async def test_upkeep_runs_with_group_notices_and_every_stored_run_replay(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
) -> None:
    """A run that tells of a group task replays, and so does every stored upkeep run (those
    from before the group-task-notices patch, which never queued them, too)."""
    at = await setting(db_pool)
    await at.task("member_absent")
    workflow_id = f"roster-upkeep-test-{uuid.uuid4().hex[:10]}"
    report = await time_skipping_env.client.execute_workflow(
        RosterUpkeepWorkflow.run, id=workflow_id, task_queue=task_queue
    )
    assert report.groups is not None and report.groups.notices >= 1
    assert report.courses is not None
    history = await time_skipping_env.client.get_workflow_handle(workflow_id).fetch_history()
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        (HISTORIES / f"roster-upkeep.{label}.json").write_text(history.to_json(), encoding="utf-8")

    replayer = Replayer(workflows=[RosterUpkeepWorkflow], data_converter=TEST_CONVERTER)
    await replayer.replay_workflow(history)
    stored = sorted(HISTORIES.glob("*.json"))
    assert len(stored) >= 2, "a run from before the patch and one with it are kept"
    for path in stored:
        recorded = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
        await replayer.replay_workflow(recorded)
    names = {p.stem for p in stored}
    assert "roster-upkeep.first" in names
