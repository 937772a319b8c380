"""The first-contact clock in every phase: it starts at the discharge even before a peer is
matched (the coordinator holds it until a peer takes it over), matching hurries meanwhile,
and the deadline follows the facts it depends on (the last discharge, the risk)."""

from __future__ import annotations

from datetime import datetime, timedelta

from schemas.episode import TERMINAL_PHASES, EpisodeState
from schemas.notifications import Template
from schemas.people import Role
from schemas.programme import Programme
from schemas.tasks import Task, TaskKind, TaskStatus
from workflows import hospital_course
from workflows.record import EpisodeRecord
from workflows.timings import ESCALATION_DUE, first_contact_deadline

# A discharged citizen without a peer: each offer stands this share of the programme's
# offer timeout (24 h -> 4 h), and the coordinator's manual match is due as soon.
URGENT_OFFER_SHARE = 6


def matching_is_urgent(state: EpisodeState) -> bool:
    return state.peer_id is None and state.discharged_at is not None


def urgent_timeout(programme: Programme) -> timedelta:
    return programme.offer_timeout / URGENT_OFFER_SHARE


def offer_timeout(programme: Programme, state: EpisodeState) -> timedelta:
    """How long an offer stands: shorter once the citizen is out without a peer."""
    if matching_is_urgent(state):
        return urgent_timeout(programme)
    return programme.offer_timeout


def manual_match_due(programme: Programme, state: EpisodeState) -> timedelta:
    if matching_is_urgent(state):
        return min(ESCALATION_DUE, urgent_timeout(programme))
    return ESCALATION_DUE


def hospital_changed(record: EpisodeRecord) -> None:
    """After a hospital fact or a correction: before a peer is matched, the discharge is
    recorded and starts the clock; after, the deadline follows the last discharge."""
    state = record.state
    if state.phase in TERMINAL_PHASES:
        return
    if state.peer_id is not None:
        recompute(record)
        return
    first = hospital_course.first_discharge(state.hospital)
    state.discharged_at = first
    open_contacts = record.tasks_of(TaskKind.FIRST_CONTACT)
    if first is None:
        # The only discharge was cancelled as sent in error: no clock runs.
        state.follow_up_started_at = None
        for task in open_contacts:
            record.close_task(task, TaskStatus.CANCELLED, "discharge cancelled")
        record.touch()
        return
    last = hospital_course.last_discharge(state.hospital)
    if last is not None:
        state.follow_up_started_at = last
    if open_contacts or state.first_contact_at is not None:
        recompute(record)
    else:
        _discharged_without_peer(record)
    record.touch()


def _discharged_without_peer(record: EpisodeRecord) -> None:
    """The coordinator is told at once and holds the first contact until a peer takes it;
    open offers and the manual match become urgent."""
    record.add_task(
        TaskKind.FIRST_CONTACT,
        record.coordinator(),
        due_at=_deadline(record),
        template=Template.DISCHARGED_WITHOUT_PEER,
    )
    record.timeline("discharged_without_peer", "timeline.discharged_without_peer")
    urgent_by = record.runtime.now() + urgent_timeout(record.programme)
    for task in record.tasks_of(TaskKind.PEER_OFFER) + record.tasks_of(TaskKind.MANUAL_MATCH):
        if task.due_at is None or task.due_at > urgent_by:
            task.due_at = urgent_by
            record.changed_task(task)


def recompute(record: EpisodeRecord) -> None:
    """Move open first-contact deadlines to what the facts say now (a raised risk shortens
    them, a new discharge restarts them)."""
    for task in record.tasks_of(TaskKind.FIRST_CONTACT):
        due = _deadline(record)
        if due is None and record.state.peer_id is not None:
            continue  # readmitted: the process stops the clock and restarts it
        if due == task.due_at:
            continue
        task.due_at = due
        if due is not None and due > record.runtime.now():
            task.overdue = False
        record.changed_task(task)
        record.timeline("deadline", "timeline.first_contact_moved", task_id=task.task_id)


def _deadline(record: EpisodeRecord) -> datetime | None:
    """None while the citizen is in hospital: the clock stands still."""
    if hospital_course.last_discharge(hospital_course.course(record.state)) is None:
        return None
    return first_contact_deadline(record.programme, record.state)


def hand_to_peer(record: EpisodeRecord, task: Task) -> None:
    """The matched peer takes over the first contact, with the deadline it already has."""
    if task.assignee.role == Role.PEER or not task.is_open:
        return
    task.assignee = record.peer()
    record.changed_task(task)
    record.notify(record.peer(), Template.DISCHARGED, task_id=task.task_id)
    record.timeline("task", "timeline.first_contact_to_peer", task_id=task.task_id)
