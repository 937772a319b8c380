"""The citizen's own goals and the two measurements of hope and network.

Goals come from the referral (typed by ward staff with the citizen) and are then set, reworded
and dropped by the citizen with their peer; each follow-up reviews the active ones. Hope and
network are measured at the first meeting or contact and again in the closing questionnaire."""

from __future__ import annotations

from datetime import datetime

from schemas.episode import EpisodeState
from schemas.events import GoalAdded, GoalChanged, GoalDropped
from schemas.goals import (
    MAX_GOALS,
    Goal,
    GoalRecord,
    GoalReviewRecord,
    GoalStatus,
    MeasurementPoint,
    MeasurementRecord,
)
from schemas.people import Actor
from schemas.tasks import FirstContactMade, FollowUpReview, OutcomeAnswers, Task
from workflows.record import EpisodeRecord

GoalEvent = GoalAdded | GoalChanged | GoalDropped


def seed(record: EpisodeRecord) -> None:
    """The referral's goals become the first goal records (once; older episodes on the
    first goal change)."""
    state = record.state
    if state.goals_seeded:
        return
    state.goals_seeded = True
    for goal in record.referral.goals:
        _add(state, goal, record.start.referred_by, record.start.referred_at)
    publish(record)


def publish(record: EpisodeRecord) -> None:
    """All goals as they stand go to the read model with the next commit."""
    record.changes.goal_records = tuple(g.model_copy() for g in record.state.goals.values())
    record.touch()


def current(record: EpisodeRecord) -> dict[str, GoalRecord]:
    """The goals as they stand; for an episode not seeded yet, the referral's goals as they
    will be seeded (validators may not change the state)."""
    state = record.state
    if state.goals_seeded:
        return state.goals
    at, by = record.start.referred_at, record.start.referred_by
    return {
        f"g{no}": GoalRecord(
            goal_id=f"g{no}", area=g.area, text=g.text, set_at=at, set_by=by, changed_at=at
        )
        for no, g in enumerate(record.referral.goals, start=1)
    }


def active_ids(record: EpisodeRecord) -> set[str]:
    return {g.goal_id for g in current(record).values() if g.is_active}


def problem(record: EpisodeRecord, event: GoalEvent) -> tuple[str, str] | None:
    """Why a goal event cannot apply now: (field, reason), or None."""
    goals = current(record)
    match event:
        case GoalAdded():
            if len(active_ids(record)) >= MAX_GOALS:
                return ("payload", f"the citizen already has {MAX_GOALS} active goals")
        case GoalChanged() | GoalDropped():
            goal = goals.get(event.payload.goal_id)
            if goal is None:
                return ("payload.goal_id", "no such goal in this episode")
            if not goal.is_active:
                return ("payload.goal_id", f"the goal is already {goal.status.value}")
    return None


def apply(record: EpisodeRecord, event: GoalEvent) -> None:
    if (why := problem(record, event)) is not None:
        record.runtime.log("goal event not applied", {"event_type": event.type})
        record.timeline(
            "goal", "timeline.goal_not_applied", params={"reason": why[1]}, actor=event.actor
        )
        return
    seed(record)
    state = record.state
    match event:
        case GoalAdded():
            _add(state, event.payload, event.actor, event.occurred_at)
            record.timeline("goal", "timeline.goal_set", actor=event.actor)
        case GoalChanged():
            goal = state.goals[event.payload.goal_id]
            goal.area, goal.text = event.payload.area, event.payload.text
            goal.changed_at = event.occurred_at
            record.timeline("goal", "timeline.goal_reworded", actor=event.actor)
        case GoalDropped():
            goal = state.goals[event.payload.goal_id]
            goal.status, goal.changed_at = GoalStatus.DROPPED, event.occurred_at
            record.timeline("goal", "timeline.goal_dropped", actor=event.actor)
    publish(record)


def first_contact(record: EpisodeRecord, made: FirstContactMade, actor: Actor) -> None:
    """The first meeting or contact: hope and network measured, the citizen's goals set."""
    seed(record)
    now = record.runtime.now()
    measure(record, MeasurementPoint.START, made.hope_score, made.network_size, now)
    for goal in made.goals:
        if len([g for g in record.state.goals.values() if g.is_active]) >= MAX_GOALS:
            break
        _add(record.state, goal, actor, now)
    if made.goals:
        record.timeline(
            "goal", "timeline.goals_set", params={"count": str(len(made.goals))}, actor=actor
        )
    publish(record)


def review_problem(record: EpisodeRecord, review: FollowUpReview | None) -> tuple[str, str] | None:
    """A follow-up reviews every active goal, once each, and only goals of this episode."""
    active = active_ids(record)
    reviewed = [r.goal_id for r in review.reviews] if review else []
    if len(set(reviewed)) != len(reviewed):
        return ("result.reviews", "a goal is reviewed twice")
    if unknown := [g for g in reviewed if g not in active]:
        return ("result.reviews", f"{unknown[0]} is not an active goal of this episode")
    if missing := sorted(active - set(reviewed)):
        return ("result.reviews", f"goal {missing[0]} has no review")
    return None


def review(record: EpisodeRecord, task: Task, result: FollowUpReview) -> None:
    seed(record)
    state = record.state
    assert task.decided_at is not None
    for item in result.reviews:
        goal = state.goals.get(item.goal_id)
        if goal is None or not goal.is_active:
            continue
        goal.reviews += 1
        goal.last_progress = item.progress
        if item.reached:
            goal.status = GoalStatus.REACHED
        elif not item.still_relevant:
            goal.status = GoalStatus.DROPPED
        goal.changed_at = task.decided_at
        record.changes.goal_reviews.append(
            GoalReviewRecord(
                goal_id=item.goal_id,
                task_id=task.task_id,
                follow_up_no=task.number,
                progress=item.progress,
                still_relevant=item.still_relevant,
                reached=item.reached,
                reviewed_at=task.decided_at,
            )
        )
    reached = sum(1 for r in result.reviews if r.reached)
    if reached:
        record.timeline(
            "goal", "timeline.goals_reached", params={"count": str(reached)}, task_id=task.task_id
        )
    publish(record)


def closing(record: EpisodeRecord, answers: OutcomeAnswers) -> None:
    """The closing questionnaire measures hope and network again; start values recalled now
    count only when the first contact measured nothing."""
    now = record.runtime.now()
    if start_of(record.state) is None and answers.hope_score_start is not None:
        network = answers.network_size_start if answers.network_size_start is not None else 0
        measure(
            record, MeasurementPoint.START, answers.hope_score_start, network, now, recalled=True
        )
    measure(record, MeasurementPoint.END, answers.hope_score_end, answers.network_size_end, now)


def measure(
    record: EpisodeRecord,
    point: MeasurementPoint,
    hope: int,
    network: int,
    at: datetime,
    *,
    recalled: bool = False,
) -> None:
    state = record.state
    if any(m.point == point for m in state.measurements):
        return  # the first measurement of each point stands
    state.measurements.append(
        MeasurementRecord(
            point=point, hope_score=hope, network_size=network, measured_at=at, recalled=recalled
        )
    )
    record.touch()


def start_of(state: EpisodeState) -> MeasurementRecord | None:
    return next((m for m in state.measurements if m.point == MeasurementPoint.START), None)


def end_of(state: EpisodeState) -> MeasurementRecord | None:
    return next((m for m in state.measurements if m.point == MeasurementPoint.END), None)


def _add(state: EpisodeState, goal: Goal, actor: Actor, at: datetime) -> GoalRecord:
    state.goal_seq += 1
    record = GoalRecord(
        goal_id=f"g{state.goal_seq}",
        area=goal.area,
        text=goal.text,
        set_at=at,
        set_by=actor,
        changed_at=at,
    )
    state.goals[record.goal_id] = record
    return record
