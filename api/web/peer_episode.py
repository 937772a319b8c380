"""The peer guide's section of their episode's page: the citizen's goals (add, reword, drop),
a job, education or network step, asking to close, and the peer's own earlier notes. A form
the episode refused comes back on the same page with what was typed and the reasons by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from api.caseworker_view import CaseworkerView
from api.episode_details import EpisodeOut
from api.episode_notes import NoteOut
from api.errors import ApiError, FieldError
from api.principal import Principal
from api.web.actions import new_event_id
from db import episode_queries
from db.episode_queries import GoalRow
from db.pool import DatabasePool
from schemas.episode import TERMINAL_PHASES, Phase
from schemas.goals import GoalArea
from schemas.people import Role
from schemas.programme import MilestoneKind

GOAL_AREAS = tuple(GoalArea)
# The steps a peer may report, by the milestone they count as (a closed list: the detail
# is one of these words, never free text).
STEPS: dict[str, tuple[str, ...]] = {
    MilestoneKind.JOB_STEP: ("application_sent", "interview", "internship", "job_started"),
    MilestoneKind.EDUCATION_STEP: ("enrolled", "course_started", "exam_passed"),
    MilestoneKind.NETWORK_ACTIVITY: ("activity_joined", "new_contact"),
}
CLOSE_REASON_MAX = 500
GOAL_TEXT_MAX = 500


@dataclass(frozen=True)
class Refusal:
    """A form of the section the episode refused: which one (`goal_added`, `step`, `close`,
    `goal_changed:g2`, `goal_dropped:g2`), why, and what was typed."""

    form: str
    problem: ApiError
    values: dict[str, str]


@dataclass(frozen=True)
class PeerView:
    episode_id: str
    goals: list[GoalRow]
    open: bool
    closing: bool
    own_notes: list[NoteOut]
    refused: str | None = None
    problem: ApiError | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def kept(self, form: str, name: str, default: str = "") -> str:
        """What was typed into `name` of `form` if that form was refused, else `default`."""
        return self.values.get(name, default) if self.refused == form else default

    def wrong(self, form: str, name: str) -> list[str]:
        return self.errors.get(name, []) if self.refused == form else []


def step_of(raw: str) -> tuple[str, str] | None:
    """("job_step", "interview") for "job_step:interview", if it is one of the steps."""
    kind, _, detail = raw.partition(":")
    return (kind, detail) if detail in STEPS.get(kind, ()) else None


def errors_by_field(problem: ApiError) -> dict[str, list[str]]:
    """The reasons by the form's field name: `payload.text` is `text`; a refusal the
    workflow gave as "payload.goal_id: no such goal" is read from its message."""
    errors = list(problem.errors)
    if not errors and ": " in problem.message:
        where, _, reason = problem.message.partition(": ")
        if " " not in where:
            errors = [FieldError(field=where, reason=reason)]
    found: dict[str, list[str]] = {}
    for error in errors:
        name = error.field.removeprefix("payload.").split(".")[0]
        found.setdefault(name, []).append(error.reason)
    return found


def set_refusal(request: Request, refusal: Refusal) -> None:
    """The episode page rendered for this request shows the refused form."""
    request.state.peer_refusal = refusal


async def peer_section(
    request: Request,
    pool: DatabasePool,
    principal: Principal,
    episode: EpisodeOut | CaseworkerView,
) -> dict[str, Any]:
    """`peer_view` for the episode page: set for the episode's own peer only."""
    if (
        principal.role != Role.PEER
        or not isinstance(episode, EpisodeOut)
        or episode.peer_id != principal.id
    ):
        return {"peer_view": None}
    async with pool.acquire() as conn:
        goals = await episode_queries.goals(conn, episode.episode_id)
    refusal: Refusal | None = getattr(request.state, "peer_refusal", None)
    # The notes were read (and the read audited) with the episode; the peer's own, newest
    # first as they came.
    own = [n for n in episode.notes or [] if n.author_id == principal.id]
    view = PeerView(
        episode_id=episode.episode_id,
        goals=goals,
        open=episode.phase not in TERMINAL_PHASES,
        closing=episode.phase == Phase.CLOSING,
        own_notes=own,
        refused=refusal.form if refusal else None,
        problem=refusal.problem if refusal else None,
        values=refusal.values if refusal else {},
        errors=errors_by_field(refusal.problem) if refusal else {},
    )
    return {
        "peer_view": view,
        "goal_areas": GOAL_AREAS,
        "steps": STEPS,
        "event_id": new_event_id,
    }
