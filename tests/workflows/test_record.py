"""The episode record's bookkeeping: ids, tasks, phase, and what operators are shown."""

from __future__ import annotations

from datetime import timedelta

from schemas.episode import Phase
from schemas.notifications import Template
from schemas.tasks import TaskKind, TaskStatus
from tests.workflows.offline import REFERRED_AT, new_record, with_peer


def test_ids_follow_one_counter_so_a_replay_makes_the_same_ones() -> None:
    first, _ = new_record()
    again, _ = new_record(first.start)
    for record in (first, again):
        with_peer(record)
        record.add_task(TaskKind.FOLLOW_UP, record.peer(), due_in=timedelta(days=3))
    assert [e.entry_id for e in first.changes.timeline] == [
        e.entry_id for e in again.changes.timeline
    ]
    [task] = first.tasks_of(TaskKind.FOLLOW_UP)
    assert task.task_id.startswith(f"{first.episode_id}-t")
    assert len({first.new_id("x"), first.new_id("x")}) == 2


def test_a_new_task_is_due_from_now_noted_and_announced() -> None:
    record, _ = new_record()
    with_peer(record)
    task = record.add_task(TaskKind.FOLLOW_UP, record.peer(), due_in=timedelta(days=3), number=4)
    assert task.due_at == REFERRED_AT + timedelta(days=3)
    assert task.number == 4
    assert record.changes.task_ids[-1] == task.task_id
    assert record.changes.timeline[-1].summary == "New task: follow up"
    [notification] = record.changes.notifications
    assert notification.template == Template.NEW_TASK
    assert notification.params == {"task": "follow_up"}
    assert record.changes.audit[-1].detail["template"] == "new_task"


def test_closing_a_task_records_the_system_as_deciding() -> None:
    record, runtime = new_record()
    task = record.add_task(TaskKind.DISCHARGE_AGREEMENT, record.ward(), template=None)
    runtime.advance(timedelta(hours=2))
    record.close_task(task, TaskStatus.EXPIRED, "not done in time")
    assert task.status == TaskStatus.EXPIRED
    assert task.decided_at == REFERRED_AT + timedelta(hours=2)
    assert task.decided_by is not None and task.decided_by.role.value == "system"
    assert record.changes.timeline[-1].summary == "Discharge agreement: not done in time"


def test_an_earlier_due_time_wakes_the_deadline_watcher() -> None:
    record, _ = new_record()
    record.watch_until = REFERRED_AT + timedelta(days=2)
    record.add_task(TaskKind.DISCHARGE_AGREEMENT, record.ward(), due_in=timedelta(days=5))
    assert not record.deadlines_changed
    record.add_task(TaskKind.COORDINATION_PLAN, record.ward(), due_in=timedelta(days=1))
    assert record.deadlines_changed


def test_operators_are_shown_a_change_of_phase_once() -> None:
    record, runtime = new_record()
    shown = len(runtime.published)
    record.set_phase(Phase.MATCHING)
    record.set_phase(Phase.MATCHING)
    record.touch()
    assert len(runtime.published) == shown + 1
    assert runtime.logged == [("episode phase changed", {"phase": "matching"})]
    assert [a.action for a in record.changes.audit][-1] == "episode.phase"


def test_closing_requested_interrupts_until_the_episode_is_closing() -> None:
    record, _ = new_record()
    assert not record.interrupted
    record.state.close_requested = True
    assert record.interrupted
    record.state.phase = Phase.CLOSING
    assert not record.interrupted
