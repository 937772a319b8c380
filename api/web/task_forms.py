"""The fields a task's form asks for, and the task result they make up."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from api.errors import ApiError, FieldError
from api.web.guard import field
from api.web.labels import VALUES
from schemas.goals import GoalArea, GoalProgress
from schemas.tasks import JobStatus, TaskKind

SERVICES = tuple(VALUES["service"])
OUTCOME_NUMBERS = ("hope_score_start", "hope_score_end", "network_size_start", "network_size_end")
# The peer's task forms: the first contact's goals (up to three), a follow-up's reviews.
GOAL_AREAS = tuple(GoalArea)
FIRST_GOALS = 3
PROGRESS = tuple(GoalProgress)


def task_context() -> dict[str, Any]:
    """Choices the task forms in the templates offer."""
    return {
        "services": SERVICES,
        "job_statuses": tuple(JobStatus),
        "outcome_numbers": OUTCOME_NUMBERS,
        "goal_areas": GOAL_AREAS,
        "first_goals": range(1, FIRST_GOALS + 1),
        "progress_levels": PROGRESS,
    }


def result_for(kind: str, form: FormData) -> dict[str, Any] | None:
    """The result a completed task of this kind carries (validated by the API's own model)."""
    match kind:
        case TaskKind.MANUAL_MATCH:
            return {"kind": "manual_match", "peer_id": field(form, "peer_id")}
        case TaskKind.CONFIRM_SERVICE:
            return {"kind": "service_confirmed", "service": field(form, "service")}
        case TaskKind.NETWORK_MEETING:
            return network_meeting(form)
        case TaskKind.PROGRAMME_REVIEW:
            return {"kind": "review", "continue_episode": field(form, "continue") == "yes"}
        case TaskKind.FIRST_MEETING | TaskKind.FIRST_CONTACT:
            return first_contact(form)
        case TaskKind.FOLLOW_UP:
            return follow_up_review(form)
        case TaskKind.OUTCOME_QUESTIONNAIRE:
            return outcome(form)
    return None


def _refuse(errors: list[FieldError]) -> None:
    """The page's own checks, said as the API says its refusals (nothing is sent)."""
    if errors:
        summary = "; ".join(f"{e.field}: {e.reason}" for e in errors)
        raise ApiError(422, f"invalid input: {summary}", errors)


def first_contact(form: FormData) -> dict[str, Any]:
    """Hope and network (both asked for on the page) and up to three goals; a goal slot
    left empty is no goal."""
    _refuse(
        [
            FieldError(field=f"result.{name}", reason="required: write a number")
            for name in ("hope_score", "network_size")
            if not field(form, name)
        ]
    )
    goals = [
        {"area": field(form, f"goal_area_{n}"), "text": field(form, f"goal_text_{n}")}
        for n in range(1, FIRST_GOALS + 1)
        if field(form, f"goal_text_{n}")
    ]
    return {
        "kind": "first_contact",
        "hope_score": field(form, "hope_score"),
        "network_size": field(form, "network_size"),
        "goals": goals,
    }


def reviewed_goals(form: FormData) -> list[str]:
    """The ids of the goals the follow-up form reviews, in the form's order."""
    return [g.strip() for g in form.getlist("review_goal") if isinstance(g, str) and g.strip()]


def follow_up_review(form: FormData) -> dict[str, Any]:
    """A short review of each active goal the form showed (none when there were none); a
    goal whose progress was not chosen is refused by name."""
    goal_ids = reviewed_goals(form)
    _refuse(
        [
            FieldError(
                field=f"result.reviews.{n}.progress", reason="choose the progress on this goal"
            )
            for n, goal_id in enumerate(goal_ids)
            if not field(form, f"progress_{goal_id}")
        ]
    )
    reviews = [
        {
            "goal_id": goal_id,
            "progress": field(form, f"progress_{goal_id}"),
            "still_relevant": field(form, f"relevant_{goal_id}") != "no",
            "reached": field(form, f"reached_{goal_id}") == "yes",
        }
        for goal_id in goal_ids
    ]
    return {"kind": "follow_up_review", "reviews": reviews}


def outcome(form: FormData) -> dict[str, Any]:
    """Hope and network now, job or education, the closing note; the start values only when
    the form asked for them (no start measurement)."""
    answers: dict[str, Any] = {
        "kind": "outcome",
        "hope_score_end": field(form, "hope_score_end"),
        "network_size_end": field(form, "network_size_end"),
        "job_or_education": field(form, "job"),
        "closing_note": field(form, "closing_note"),
    }
    for name in ("hope_score_start", "network_size_start"):
        if name in form:
            answers[name] = field(form, name)
    return answers


def network_meeting(form: FormData) -> dict[str, Any]:
    """The meeting's date, and its time and place when given (an empty time is none)."""
    result: dict[str, Any] = {
        "kind": "network_meeting",
        "meeting_on": field(form, "meeting_on"),
        "place": field(form, "place"),
    }
    starts_at = field(form, "starts_at")
    if starts_at:
        result["starts_at"] = starts_at
    return result
