"""What a caseworker sees: one scope model for GET /api/episodes/{id}, the episode page and
the caseworker's list.

A caseworker sees an episode of their municipality only while the citizen's consent covers
sharing with their service (api/scoping.may_see_episode), and then only the slice their work
needs: the programme, the phase, the planned and actual discharge, the peer guide's name, the
citizen's name and CPR number (to find them in the municipal system, never how to reach them),
the goals and milestones of their service's area and their own service's tasks. Nothing else
(admissions, leave, concerns, notes, risk, other services' goals or milestones, the timeline)
is ever read into the model, so nothing can leak from it by accident. Reading the citizen's
name and CPR number is audited like every read of personal data."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from api.errors import ApiError
from api.principal import Principal
from api.scoping import may_see_episode
from db import caseworker_queries, episode_queries, keyset
from db.caseworker_queries import DueTask
from db.connection import PooledConnection
from db.episode_queries import EpisodeRow, TaskRow
from db.keyset import Page, Position, Way
from db.pool import DatabasePool
from schemas.base import Frozen
from schemas.consent import SERVICE_SCOPE
from schemas.people import Role
from schemas.programme import MilestoneKind
from schemas.services import milestone_of

# A caseworker service's area: the citizen's goals and the milestones that are its work.
SERVICE_GOAL_AREA: dict[str, str] = {
    "social_services": "municipal_services",
    "jobcenter": "job",
    "education": "education",
}
SERVICE_MILESTONE: dict[str, MilestoneKind] = {
    "social_services": MilestoneKind.MUNICIPAL_SERVICE,
    "jobcenter": MilestoneKind.JOB_STEP,
    "education": MilestoneKind.EDUCATION_STEP,
}
NOT_YOURS = ApiError(404, "episode_id: no such episode")


class CaseworkerCitizen(Frozen):
    """Who the citizen is, to find them in the municipal system (personal data): never how
    to reach them."""

    name: str | None = Field(repr=False)
    cpr: str | None = Field(repr=False, description="CPR number")


class CaseworkerGoal(Frozen):
    area: str
    text: str = Field(repr=False, description="In the citizen's own words")
    status: str = Field(description="active, reached or dropped")


class CaseworkerMilestone(Frozen):
    kind: str = Field(description="municipal_service, job_step or education_step")
    detail: str = Field(description="The offer or step, e.g. housing_support, ips")
    reached_at: datetime


class CaseworkerTask(Frozen):
    """A task of the caseworker's own service (for confirm_service: the offer confirmed)."""

    task_id: str
    kind: str
    status: str
    due_at: datetime | None
    overdue: bool
    decided_at: datetime | None
    offer: str | None = Field(description="The offer confirmed started, once completed")


class CaseworkerView(Frozen):
    """An episode as a caseworker with the citizen's consent sees it."""

    view: Literal["caseworker"] = Field(
        default="caseworker", description="This is a caseworker's slice of the episode"
    )
    episode_id: str
    service: str = Field(description="The caseworker's service whose slice this is")
    programme: str
    programme_name: str | None
    programme_name_da: str | None
    phase: str
    planned_discharge_on: date | None
    discharged_at: datetime | None
    peer_name: str | None = Field(repr=False, description="The peer guide, to work together")
    citizen: CaseworkerCitizen
    goals: list[CaseworkerGoal] = Field(description="The citizen's goals in the service's area")
    milestones: list[CaseworkerMilestone] = Field(
        description="The milestones of the service's area, oldest first"
    )
    tasks: list[CaseworkerTask] = Field(description="The tasks of the caseworker's service")


class CaseworkerListing(Frozen):
    """A row of the caseworker's list (personal data: the citizen's name)."""

    episode_id: str
    citizen_name: str | None = Field(repr=False)
    programme: str
    programme_name: str | None
    programme_name_da: str | None
    phase: str
    referred_at: datetime
    discharged_at: datetime | None
    planned_discharge_on: date | None
    due: list[DueTask]


def is_own_task(principal: Principal, task: TaskRow) -> bool:
    """A task of the caseworker's municipality and service (or of any service)."""
    return (
        task.assignee_role == "caseworker"
        and task.assignee_id == principal.municipality_code
        and task.assignee_service in (None, principal.service)
    )


def confirmed_offer(task: TaskRow) -> str | None:
    """The offer a completed confirm_service task confirmed started."""
    if task.status != "completed" or not task.result:
        return None
    result = json.loads(task.result)
    if not isinstance(result, dict) or result.get("kind") != "service_confirmed":
        return None
    offer = result.get("service")
    return offer if isinstance(offer, str) else None


async def caseworker_view(
    pool: DatabasePool, principal: Principal, episode_id: str
) -> CaseworkerView:
    """The caseworker's slice of the episode, or 404 when it is not theirs to see (not their
    municipality, or no consent for their service, or a consent withdrawn)."""
    async with pool.acquire() as conn:
        row = await episode_queries.episode(conn, episode_id)
        if row is None or not may_see_episode(principal, row):
            raise NOT_YOURS
        return await _view(conn, principal, row)


async def _view(conn: PooledConnection, principal: Principal, row: EpisodeRow) -> CaseworkerView:
    service = principal.service or ""
    if principal.role != Role.CASEWORKER or service not in SERVICE_MILESTONE:
        raise NOT_YOURS
    facts = await caseworker_queries.facts(conn, row.episode_id)
    if facts is None:
        raise NOT_YOURS
    kind = SERVICE_MILESTONE[service]
    goals = await episode_queries.goals(conn, row.episode_id, [SERVICE_GOAL_AREA[service]])
    milestones = [
        CaseworkerMilestone(kind=m.kind, detail=m.detail, reached_at=m.reached_at)
        for m in await episode_queries.reported_milestones(conn, row.episode_id, [kind.value])
    ]
    tasks = await episode_queries.episode_tasks(conn, row.episode_id)
    for task in tasks:
        offer = confirmed_offer(task)
        if offer is not None and task.decided_at is not None and milestone_of(offer) == kind:
            milestones.append(
                CaseworkerMilestone(kind=kind.value, detail=offer, reached_at=task.decided_at)
            )
    await episode_queries.audit_read(
        conn,
        audit_id=f"read-{uuid.uuid4().hex}",
        actor_role=principal.role.value,
        actor_id=principal.id,
        episode_id=row.episode_id,
        what="read.citizen",
    )
    return CaseworkerView(
        episode_id=row.episode_id,
        service=service,
        programme=row.programme,
        programme_name=facts.programme_name,
        programme_name_da=facts.programme_name_da,
        phase=row.phase,
        planned_discharge_on=facts.planned_discharge_on,
        discharged_at=row.discharged_at,
        peer_name=facts.peer_name if row.peer_id else None,
        citizen=CaseworkerCitizen(name=facts.citizen_name, cpr=facts.cpr),
        goals=[CaseworkerGoal(area=g.area, text=g.text, status=g.status) for g in goals],
        milestones=sorted(milestones, key=lambda m: m.reached_at),
        tasks=[
            CaseworkerTask(
                task_id=t.task_id,
                kind=t.kind,
                status=t.status,
                due_at=t.due_at,
                overdue=t.overdue,
                decided_at=t.decided_at,
                offer=confirmed_offer(t),
            )
            for t in tasks
            if is_own_task(principal, t)
        ],
    )


async def caseworker_list(
    pool: DatabasePool,
    principal: Principal,
    *,
    way: Way = Way.OLDER,
    at: Position = keyset.START,
) -> Page[CaseworkerListing]:
    """A page of the episodes the caseworker may see, newest referral first, each with what
    is due for their service; every citizen whose name the page shows is audited."""
    scope = SERVICE_SCOPE.get(principal.service or "")
    if principal.role != Role.CASEWORKER or scope is None or principal.service is None:
        return Page(rows=[], more_older=False, more_newer=False, total=0, capped=False)
    async with pool.acquire() as conn:
        shared = await caseworker_queries.shared_episodes(
            conn, principal.municipality_code, scope.value, way=way, at=at
        )
        ids = [e.episode_id for e in shared.rows]
        due: dict[str, list[DueTask]] = {}
        for task in await caseworker_queries.due_tasks(
            conn, ids, principal.municipality_code, principal.service
        ):
            due.setdefault(task.episode_id, []).append(task)
        await caseworker_queries.audit_citizens_listed(
            conn,
            actor_role=principal.role.value,
            actor_id=principal.id,
            episode_ids=[e.episode_id for e in shared.rows if e.citizen_name],
            place="caseworker_list",
        )
    listed = [
        CaseworkerListing(
            episode_id=e.episode_id,
            citizen_name=e.citizen_name,
            programme=e.programme,
            programme_name=e.programme_name,
            programme_name_da=e.programme_name_da,
            phase=e.phase,
            referred_at=e.referred_at,
            discharged_at=e.discharged_at,
            planned_discharge_on=e.planned_discharge_on,
            due=due.get(e.episode_id, []),
        )
        for e in shared.rows
    ]
    return Page(
        rows=listed,
        more_older=shared.more_older,
        more_newer=shared.more_newer,
        total=shared.total,
        capped=shared.capped,
    )
