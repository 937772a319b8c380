"""An episode's closing summary: what each consented caseworker service opens from the
CLOSING_SUMMARY notification, and what the coordinators of the episode's organisation see.

A caseworker of service S (with the citizen's consent for S, api/scoping.may_see_episode) gets
S's slice: the programme, the referral, discharge and closing dates, the follow-ups done and
planned, the milestones of S's area with the offer or step, the services S confirmed started,
the citizen's goals in S's area with their status (reached, active, dropped; the goal in the
citizen's words), hope and network at the start and at the end, the job or education at
closing (the jobcenter and education guidance only) and the peer's closing note; and the
citizen's name and CPR number, which their slice of the episode has too, to file it. Nothing
else (admissions, concerns, notes, risk, contact data, other areas' goals or milestones) is
ever read into the model, so nothing can leak from it. Coordinators of the episode's
organisation see the whole summary (every area). Everyone else: 404, as if there were none.

A summary exists once the episode is closing or closed; before that, those who may see it get
a 404 that says so. Every read is audited ('read.closing_summary')."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.caseworker_view import SERVICE_GOAL_AREA, SERVICE_MILESTONE
from api.errors import ApiError
from api.principal import Principal
from api.scoping import may_see_episode
from db import closing_summaries, episode_queries
from db.closing_summaries import ConfirmedServiceRow
from db.episode_queries import EpisodeRow
from db.pool import DatabasePool
from schemas.base import Frozen
from schemas.goals import GoalArea
from schemas.people import Role
from schemas.services import milestone_of

NOT_YOURS = ApiError(404, "episode_id: no such episode")
NOT_YET = ApiError(
    404,
    "episode_id: the episode has not closed yet; its closing summary is made when it closes",
)
# A summary exists from the moment the episode begins to close.
SUMMARY_PHASES = frozenset({"closing", "closed"})
# Services whose summary says what the citizen does for a living at closing.
JOB_SERVICES = frozenset({"jobcenter", "education"})


class SummaryCitizen(Frozen):
    """Who the summary is about, to file it (personal data): never how to reach them."""

    name: str | None = Field(repr=False)
    cpr: str | None = Field(repr=False, description="CPR number")


class SummaryGoal(Frozen):
    goal_id: str
    area: str
    text: str = Field(repr=False, description="In the citizen's own words")
    status: Literal["active", "reached", "dropped"]
    reviews: int = Field(description="How many follow-ups reviewed it")


class SummaryMilestone(Frozen):
    kind: str = Field(description="municipal_service, job_step, education_step, ...")
    detail: str = Field(description="The offer or step, e.g. housing_support, ips")
    reached_at: datetime


class ServiceStarted(Frozen):
    """An offer a caseworker service confirmed started (a completed confirm_service task)."""

    service: str | None = Field(description="The caseworker service that confirmed it")
    offer: str = Field(description="e.g. housing_support, ips")
    started_at: datetime | None = Field(description="When it was confirmed")


class Change(Frozen):
    """A measurement at the first contact (start) and at closing (end)."""

    start: int | None
    end: int | None


class ClosingSummary(Frozen):
    """An episode's closing summary, the slice its reader may see."""

    episode_id: str
    audience: Literal["caseworker", "coordinator"] = Field(
        description="caseworker: one service's slice; coordinator: the whole summary"
    )
    service: str | None = Field(description="The caseworker's service whose slice this is")
    areas: list[str] = Field(description="The goal areas the summary covers")
    programme: str
    programme_name: str | None
    programme_name_da: str | None
    phase: str = Field(description="closing or closed")
    citizen: SummaryCitizen
    referred_at: datetime
    discharged_at: datetime | None
    closed_at: datetime | None = Field(description="None while the episode is still closing")
    follow_ups_done: int
    follow_ups_planned: int
    milestones: list[SummaryMilestone] = Field(description="Of the summary's areas, oldest first")
    services_started: list[ServiceStarted]
    goals: list[SummaryGoal] = Field(description="The citizen's goals in the summary's areas")
    hope: Change = Field(description="Hope (1-10) at the start and at the end")
    network: Change = Field(description="The citizen's network (people) at start and end")
    job_or_education: str | None = Field(
        description="At closing: none, in_process, working or studying (not for social services)"
    )
    closing_note: str | None = Field(repr=False, description="The peer's closing words")


class _Slice(Frozen):
    """What one reader's summary covers: None is everything (a coordinator)."""

    audience: Literal["caseworker", "coordinator"]
    service: str | None
    areas: list[str] | None
    milestone_kinds: list[str] | None
    job: bool


def slice_of(principal: Principal, row: EpisodeRow) -> _Slice:
    """The reader's slice of the episode's summary, or 404 if it is not theirs to see."""
    if principal.role == Role.CASEWORKER:
        service = principal.service or ""
        if service not in SERVICE_MILESTONE or not may_see_episode(principal, row):
            raise NOT_YOURS
        return _Slice(
            audience="caseworker",
            service=service,
            areas=[SERVICE_GOAL_AREA[service]],
            milestone_kinds=[SERVICE_MILESTONE[service].value],
            job=service in JOB_SERVICES,
        )
    # Coordinators of the episode's own organisation (not a partner called to it).
    if principal.role == Role.COORDINATOR and row.organisation_id == principal.organisation_id:
        return _Slice(
            audience="coordinator", service=None, areas=None, milestone_kinds=None, job=True
        )
    raise NOT_YOURS


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _started(row: ConfirmedServiceRow) -> ServiceStarted | None:
    result = _json(row.result)
    offer = result.get("service")
    if result.get("kind") != "service_confirmed" or not isinstance(offer, str):
        return None
    return ServiceStarted(service=row.assignee_service, offer=offer, started_at=row.decided_at)


def _is_of(started: ServiceStarted, part: _Slice) -> bool:
    """A confirmation of the slice's service (one for any service counts where its offer
    belongs)."""
    if part.service is None:
        return True
    if started.service is not None:
        return started.service == part.service
    return milestone_of(started.offer) == SERVICE_MILESTONE[part.service]


async def closing_summary(
    pool: DatabasePool, principal: Principal, episode_id: str, *, place: Literal["api", "page"]
) -> ClosingSummary:
    """The reader's slice of the episode's closing summary; 404 when it is not theirs to see,
    and (for those who may) while the episode has not begun to close."""
    async with pool.acquire() as conn:
        row = await episode_queries.episode(conn, episode_id)
        if row is None:
            raise NOT_YOURS
        part = slice_of(principal, row)
        if row.phase not in SUMMARY_PHASES:
            raise NOT_YET
        facts = await closing_summaries.facts(conn, episode_id)
        if facts is None:
            raise NOT_YOURS
        goals = await episode_queries.goals(conn, episode_id, part.areas)
        reported = await episode_queries.reported_milestones(conn, episode_id, part.milestone_kinds)
        rows = await closing_summaries.confirmed_services(conn, episode_id)
        confirmed = [s for s in map(_started, rows) if s is not None and _is_of(s, part)]
        outcome = await closing_summaries.outcome(conn, episode_id)
        await closing_summaries.audit_summary_read(
            conn,
            actor_role=principal.role.value,
            actor_id=principal.id,
            episode_id=episode_id,
            service=part.service,
            place=place,
        )
    milestones = [
        SummaryMilestone(kind=m.kind, detail=m.detail, reached_at=m.reached_at) for m in reported
    ]
    # A confirmed offer counts as the milestone it is (IPS is a job step).
    for s in confirmed:
        kind = milestone_of(s.offer).value
        if s.started_at is not None and (
            part.milestone_kinds is None or kind in part.milestone_kinds
        ):
            milestones.append(SummaryMilestone(kind=kind, detail=s.offer, reached_at=s.started_at))
    answers = _json(outcome.result if outcome else None)
    note = answers.get("closing_note")
    job = row.job_or_education or answers.get("job_or_education")
    return ClosingSummary(
        episode_id=episode_id,
        audience=part.audience,
        service=part.service,
        areas=part.areas if part.areas is not None else [a.value for a in GoalArea],
        programme=row.programme,
        programme_name=facts.programme_name,
        programme_name_da=facts.programme_name_da,
        phase=row.phase,
        citizen=SummaryCitizen(name=facts.citizen_name, cpr=facts.cpr),
        referred_at=row.referred_at,
        discharged_at=row.discharged_at,
        closed_at=row.closed_at,
        follow_ups_done=row.follow_ups_done,
        follow_ups_planned=row.follow_ups_planned,
        milestones=sorted(milestones, key=lambda m: m.reached_at),
        services_started=confirmed,
        goals=[SummaryGoal.model_validate(g.model_dump(exclude={"last_progress"})) for g in goals],
        hope=Change(start=row.hope_score_start, end=row.hope_score_end),
        network=Change(start=row.network_size_start, end=row.network_size_end),
        job_or_education=(job if isinstance(job, str) else None) if part.job else None,
        closing_note=note if isinstance(note, str) and note else None,
    )
