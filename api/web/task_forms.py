"""The fields a task's form asks for, and the task result they make up."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from api.web.guard import field
from api.web.labels import VALUES
from schemas.tasks import JobStatus, TaskKind

SERVICES = tuple(VALUES["service"])
OUTCOME_NUMBERS = ("hope_score_start", "hope_score_end", "network_size_start", "network_size_end")


def task_context() -> dict[str, Any]:
    """Choices the task forms in the templates offer."""
    return {
        "services": SERVICES,
        "job_statuses": tuple(JobStatus),
        "outcome_numbers": OUTCOME_NUMBERS,
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
        case TaskKind.OUTCOME_QUESTIONNAIRE:
            answers: dict[str, Any] = {name: field(form, name) for name in OUTCOME_NUMBERS}
            return {"kind": "outcome", **answers, "job_or_education": field(form, "job")}
    return None


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
