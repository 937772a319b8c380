"""What the episode shows its readers: pure functions of its start, its state and the time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from temporalio.common import SearchAttributeUpdate

from hverdagsbro.search_attributes import (
    BRIDGE_PHASE,
    DISCHARGE_DATE,
    MUNICIPALITY,
    OVERDUE_TASKS,
    PROGRAMME,
)
from schemas.commit import EpisodeProjection
from schemas.consent import ConsentScope
from schemas.episode import (
    TERMINAL_PHASES,
    EpisodeOutcome,
    EpisodeStart,
    EpisodeState,
    EpisodeView,
    NextDue,
    Phase,
)
from schemas.goals import GoalStatus, MeasurementPoint, MeasurementRecord
from workflows import hospital_course


class EpisodeFacts(TypedDict):
    """What the query view and the read-model row both show."""

    episode_id: str
    programme: str
    phase: Phase
    peer_id: str | None
    municipality_code: str
    ward_id: str
    organisation_id: str
    risk_elevated: bool
    discharged_at: datetime | None
    first_contact_at: datetime | None
    overdue_tasks: int
    follow_ups_done: int
    follow_ups_planned: int
    readmissions: int


def consents(state: EpisodeState) -> tuple[ConsentScope, ...]:
    return tuple(s for s, r in state.consents.items() if r.granted)


def overdue_count(state: EpisodeState) -> int:
    return sum(1 for t in state.tasks.values() if t.is_open and t.overdue)


def next_due(state: EpisodeState) -> NextDue | None:
    """The open task due first (the earliest created of those due at the same time)."""
    due = [(t.due_at, t) for t in state.tasks.values() if t.is_open and t.due_at is not None]
    if not due:
        return None
    due_at, first = min(due, key=lambda pair: pair[0])
    return NextDue(task_id=first.task_id, kind=first.kind.value, due_at=due_at)


def facts(start: EpisodeStart, state: EpisodeState) -> EpisodeFacts:
    return EpisodeFacts(
        episode_id=start.episode_id,
        programme=start.programme.code,
        phase=state.phase,
        peer_id=state.peer_id,
        municipality_code=start.referral.municipality_code,
        ward_id=start.referral.ward_id,
        organisation_id=start.referral.organisation_id,
        risk_elevated=state.risk_elevated,
        discharged_at=state.discharged_at,
        first_contact_at=state.first_contact_at,
        overdue_tasks=overdue_count(state),
        follow_ups_done=state.follow_ups_done,
        follow_ups_planned=state.follow_ups_planned,
        readmissions=hospital_course.readmissions(hospital_course.course(state)),
    )


def projection(start: EpisodeStart, state: EpisodeState, now: datetime) -> EpisodeProjection:
    """The episode row of the read model as of `now`."""
    first_due = next_due(state)
    outcome = state.outcome
    first = measured(state, MeasurementPoint.START)
    last = measured(state, MeasurementPoint.END)
    if first is None and outcome is not None and outcome.hope_score_start is not None:
        # Closed before measurements were kept: the questionnaire's recalled values.
        first = MeasurementRecord(
            point=MeasurementPoint.START,
            hope_score=outcome.hope_score_start,
            network_size=outcome.network_size_start or 0,
            measured_at=state.ended_at or now,
            recalled=True,
        )
    if last is None and outcome is not None:
        last = MeasurementRecord(
            point=MeasurementPoint.END,
            hope_score=outcome.hope_score_end,
            network_size=outcome.network_size_end,
            measured_at=state.ended_at or now,
        )
    return EpisodeProjection(
        **facts(start, state),
        citizen_id=start.referral.citizen_id,
        consents=tuple(s.value for s in consents(state)),
        referred_at=start.referred_at,
        next_due_at=first_due.due_at if first_due else None,
        next_due_kind=first_due.kind if first_due else None,
        milestones=tuple(m.kind.value for m in state.milestones),
        hope_score_start=first.hope_score if first else None,
        hope_score_end=last.hope_score if last else None,
        network_size_start=first.network_size if first else None,
        network_size_end=last.network_size if last else None,
        job_or_education=outcome.job_or_education.value if outcome else None,
        goals_total=len(state.goals),
        goals_reached=sum(1 for g in state.goals.values() if g.status == GoalStatus.REACHED),
        pathway=start.referral.pathway.value,
        # The ending's time, not the last commit's: a debrief may still follow the ending.
        closed_at=(state.ended_at or now) if state.phase in TERMINAL_PHASES else None,
        end_reason=state.end_reason,
    )


def measured(state: EpisodeState, point: MeasurementPoint) -> MeasurementRecord | None:
    return next((m for m in state.measurements if m.point == point), None)


def view(start: EpisodeStart, state: EpisodeState, history_events: int) -> EpisodeView:
    """The episode as it stands, for pages and operators."""
    return EpisodeView(
        **facts(start, state),
        consents=consents(state),
        open_tasks=tuple(t.model_copy() for t in state.tasks.values() if t.is_open),
        next_due=next_due(state),
        history_events=history_events,
        active_goal_ids=tuple(g.goal_id for g in state.goals.values() if g.is_active),
    )


def outcome(start: EpisodeStart, state: EpisodeState) -> EpisodeOutcome:
    """What the finished workflow returns."""
    first_contact_hours = None
    if state.first_contact_at and state.discharged_at:
        delta = state.first_contact_at - state.discharged_at
        first_contact_hours = round(delta.total_seconds() / 3600, 2)
    return EpisodeOutcome(
        episode_id=start.episode_id,
        final_phase=state.phase,
        reason=state.end_reason,
        peer_id=state.peer_id,
        first_contact_hours=first_contact_hours,
        follow_ups_done=state.follow_ups_done,
        follow_ups_planned=state.follow_ups_planned,
        readmissions=hospital_course.readmissions(hospital_course.course(state)),
        milestones=tuple(m.kind for m in state.milestones),
        outcome=state.outcome,
    )


def search_attributes(
    start: EpisodeStart, state: EpisodeState, overdue: int
) -> list[SearchAttributeUpdate[Any]]:
    """What operators filter episodes by in the Temporal UI and CLI."""
    updates: list[SearchAttributeUpdate[Any]] = [
        BRIDGE_PHASE.value_set(state.phase.value),
        PROGRAMME.value_set(start.programme.code),
        MUNICIPALITY.value_set(start.referral.municipality_code),
        OVERDUE_TASKS.value_set(overdue),
    ]
    if state.discharged_at is not None:
        updates.append(DISCHARGE_DATE.value_set(state.discharged_at))
    return updates


def details(state: EpisodeState, overdue: int) -> str:
    """The workflow's current details (markdown) in the Temporal UI."""
    first_due = next_due(state)
    due_text = f"{first_due.kind} due {first_due.due_at:%Y-%m-%d %H:%M} UTC" if first_due else "-"
    return (
        f"**Phase:** {state.phase.value}  \n**Next due:** {due_text}  \n"
        f"**Overdue tasks:** {overdue}"
    )
