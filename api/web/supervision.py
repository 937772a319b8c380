"""Supervision pages: coordinators keep their organisation's groups (name, supervisor,
schedule, members; deactivation), and whoever supervises a group (a coordinator or a peer)
sees its sessions and records, after a session, who came.

The page writes PostgreSQL first and then tells the group's workflow with a signal: the rows
are the record, so the person need not wait for the workflow, and a signal is kept by
Temporal even while no worker runs (an update would need one to answer). Should the signal
not arrive, the workflow reads the rows itself when the attendance falls due."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.dependencies import AppSettings, Pool, Temporal
from api.errors import ApiError, FieldError, reasons_by_field
from api.principal import Principal
from api.web.form_checks import refused
from api.web.guard import PageRoute, PostedForm, field, page_user
from api.web.rendering import render
from api.web.session_forms import (
    WEEKDAYS,
    actor,
    check_attendance,
    checked_schedule,
    posted_marks,
    recorded_marks,
    schedule_values,
)
from db import roster
from db import supervision as store
from db.pool import DatabasePool
from schemas.people import OPAQUE_ID, Role
from schemas.roster import SupervisionGroup
from schemas.supervision import group_workflow_id
from workers.supervision_starter import ensure_group_workflow
from workflows.supervision_group import SupervisionGroupWorkflow

log = structlog.get_logger(__name__)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Coordinator = Annotated[Principal, Depends(page_user(Role.COORDINATOR))]
Supervisor = Annotated[Principal, Depends(page_user(Role.COORDINATOR, Role.PEER))]

HOME = "/supervision"
# Sessions shown on the supervisor's page: this far back and ahead.
SHOWN_BACK = timedelta(weeks=12)
SHOWN_AHEAD = timedelta(weeks=8)
_ID = re.compile(OPAQUE_ID)

NO_GROUP = "group_id: no such supervision group of your organisation"
NO_SESSION = "session_id: no such session of a group you supervise"
NO_ORGANISATION = "a coordinator without an organisation keeps no supervision groups"


def _organisation(principal: Principal) -> str:
    if principal.organisation_id is None:
        raise ApiError(403, NO_ORGANISATION)
    return principal.organisation_id


# --- the group form ---------------------------------------------------------------------------


def group_values(form: FormData) -> dict[str, Any]:
    """The group form as typed (to check, and to show again when refused)."""
    members = [v for v in form.getlist("members") if isinstance(v, str)]
    return {
        "name": field(form, "name"),
        "supervisor_id": field(form, "supervisor_id"),
        "weekday": field(form, "weekday"),
        "time": field(form, "time"),
        "every_weeks": field(form, "every_weeks"),
        "duration_minutes": field(form, "duration_minutes"),
        "members": members,
    }


def values_of(group: SupervisionGroup, members: list[str]) -> dict[str, Any]:
    return {
        "name": group.name,
        "supervisor_id": group.supervisor_id or "",
        **schedule_values(group.schedule),
        "members": members,
    }


BLANK_GROUP: dict[str, Any] = {
    "name": "",
    "supervisor_id": "",
    "weekday": "2",
    "time": "14:00",
    "every_weeks": "4",
    "duration_minutes": "90",
    "members": [],
}


class GroupIn:
    """A checked group form: every field's problem at once, or the values to store."""

    def __init__(
        self, values: dict[str, Any], supervisors: dict[str, str], peers: dict[str, str]
    ) -> None:
        errors: list[FieldError] = []

        def problem(name: str, reason: str) -> None:
            errors.append(FieldError(field=name, reason=reason))

        self.name = str(values["name"])
        if not 1 <= len(self.name) <= 120:
            problem("name", "write a name of 1 to 120 characters")
        self.supervisor_id = str(values["supervisor_id"])
        if self.supervisor_id not in supervisors:
            problem("supervisor_id", "choose the supervisor from the list")
        schedule = checked_schedule(values, problem)
        self.members = list(dict.fromkeys(values["members"]))
        if len(self.members) > 100 or any(m not in peers for m in self.members):
            problem("members", "choose the members from the list of your peer guides")
        if errors:
            raise refused(errors)
        assert schedule is not None
        self.schedule = schedule


async def _choices(pool: DatabasePool, organisation_id: str) -> dict[str, dict[str, str]]:
    async with pool.acquire() as conn:
        return {
            "supervisors": await store.possible_supervisors(conn, organisation_id),
            "peers": await roster.active_peer_names(conn, organisation_id),
        }


async def _own_group(pool: DatabasePool, organisation_id: str, group_id: str) -> SupervisionGroup:
    if not _ID.fullmatch(group_id):
        raise ApiError(404, NO_GROUP)
    async with pool.acquire() as conn:
        group = await store.group(conn, group_id)
    if group is None or group.organisation_id != organisation_id:
        raise ApiError(404, NO_GROUP)
    return group


# --- telling the group's workflow -------------------------------------------------------------


async def _tell(
    temporal: Client, group: SupervisionGroup, task_queue: str, signal: str, *args: Any
) -> None:
    """Signal the group's workflow; one that is not running is started (unless the group
    has ended). Temporal away: the rows stand, the workflow catches up (see the module)."""
    handle = temporal.get_workflow_handle(group_workflow_id(group.group_id))
    try:
        await handle.signal(signal, *args)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND and group.active:
            await _start(temporal, group, task_queue)
            return
        log.warning("supervision group not told", group_id=group.group_id, signal=signal)


async def _start(temporal: Client, group: SupervisionGroup, task_queue: str) -> None:
    try:
        await ensure_group_workflow(temporal, group, task_queue=task_queue)
    except RPCError as err:
        # The next worker start makes sure of it.
        log.warning("supervision group not started", group_id=group.group_id, error=err.status)


# --- pages ------------------------------------------------------------------------------------


async def home_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, Any] | None = None,
) -> Response:
    now = datetime.now(UTC)
    context: dict[str, Any] = {"coordinator": principal.role == Role.COORDINATOR}
    own: list[SupervisionGroup] = []
    async with pool.acquire() as conn:
        supervised = await store.supervised_groups(conn, principal.id)
        shown = [g.group_id for g in supervised]
        sessions = await store.sessions_of(conn, shown, now - SHOWN_BACK, now + SHOWN_AHEAD)
        if context["coordinator"] and principal.organisation_id is not None:
            own = await store.organisation_groups(conn, principal.organisation_id)
            counts = {g.group_id: len(await store.members(conn, g.group_id)) for g in own}
            context.update(groups=own, member_counts=counts)
        for_peers = [str(s["for_peer_id"]) for s in sessions if s["for_peer_id"]]
        supervisors = [g.supervisor_id for g in own if g.supervisor_id]
        named = await store.people(conn, [*for_peers, *supervisors])
    if context["coordinator"] and principal.organisation_id is not None:
        context.update(await _choices(pool, principal.organisation_id))
    return render(
        request,
        "supervision.html",
        {
            "title": "supervision.title",
            "problem": problem,
            "supervised": {g.group_id: g for g in supervised},
            "sessions": sessions,
            "named": named,
            "values": kept if kept is not None else BLANK_GROUP,
            "errors": reasons_by_field(problem),
            "weekdays": WEEKDAYS,
            **context,
        },
        principal=principal,
        status=status,
        path=HOME,
    )


@router.get(HOME)
async def home(request: Request, principal: Supervisor, pool: Pool) -> Response:
    return await home_page(request, principal, pool)


@router.post(f"{HOME}/groups")
async def create_group(
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
    settings: AppSettings,
) -> Response:
    organisation_id = _organisation(principal)
    values = group_values(form)
    try:
        checked = GroupIn(values, **await _choices(pool, organisation_id))
    except ApiError as err:
        return await home_page(
            request, principal, pool, problem=err, status=err.status, kept=values
        )
    async with pool.acquire() as conn:
        group_id = await store.create_group(
            conn,
            organisation_id=organisation_id,
            name=checked.name,
            supervisor_id=checked.supervisor_id,
            schedule=checked.schedule,
            members=checked.members,
            who=actor(principal),
        )
        group = await store.group(conn, group_id)
    assert group is not None
    await _start(temporal, group, settings.task_queue)
    return RedirectResponse(f"{HOME}/groups/{group_id}?notice=group_created", status_code=303)


async def group_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    group_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, Any] | None = None,
) -> Response:
    organisation_id = _organisation(principal)
    group = await _own_group(pool, organisation_id, group_id)
    async with pool.acquire() as conn:
        members = await store.members(conn, group_id)
    return render(
        request,
        "supervision_group.html",
        {
            "title": "supervision.group.title",
            "problem": problem,
            "group": group,
            "values": kept if kept is not None else values_of(group, members),
            "errors": reasons_by_field(problem),
            "weekdays": WEEKDAYS,
            **await _choices(pool, organisation_id),
        },
        principal=principal,
        status=status,
        path=f"{HOME}/groups/{group_id}",
    )


@router.get(HOME + "/groups/{group_id}")
async def one_group(
    group_id: str, request: Request, principal: Coordinator, pool: Pool
) -> Response:
    return await group_page(request, principal, pool, group_id)


@router.post(HOME + "/groups/{group_id}")
async def edit_group(
    group_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
    settings: AppSettings,
) -> Response:
    organisation_id = _organisation(principal)
    group = await _own_group(pool, organisation_id, group_id)
    values = group_values(form)
    try:
        if not group.active:
            raise refused([FieldError(field="group_id", reason="the group is deactivated")], 409)
        checked = GroupIn(values, **await _choices(pool, organisation_id))
    except ApiError as err:
        return await group_page(
            request, principal, pool, group_id, problem=err, status=err.status, kept=values
        )
    async with pool.acquire() as conn:
        await store.update_group(
            conn,
            group_id,
            name=checked.name,
            supervisor_id=checked.supervisor_id,
            schedule=checked.schedule,
            members=checked.members,
            who=actor(principal),
        )
    if checked.schedule != group.schedule:
        changed = group.model_copy(update={"schedule": checked.schedule})
        signal = SupervisionGroupWorkflow.schedule_changed.__name__
        await _tell(temporal, changed, settings.task_queue, signal, checked.schedule)
    return RedirectResponse(f"{HOME}/groups/{group_id}?notice=group_changed", status_code=303)


@router.post(HOME + "/groups/{group_id}/deactivate")
async def deactivate_group(
    group_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
    settings: AppSettings,
) -> Response:
    group = await _own_group(pool, _organisation(principal), group_id)
    if not group.active:
        problem = refused([FieldError(field="group_id", reason="the group is deactivated")], 409)
        return await group_page(request, principal, pool, group_id, problem=problem, status=409)
    async with pool.acquire() as conn:
        await store.deactivate_group(conn, group_id, actor(principal))
    ended = group.model_copy(update={"active": False})
    await _tell(temporal, ended, settings.task_queue, SupervisionGroupWorkflow.deactivate.__name__)
    return RedirectResponse(f"{HOME}/groups/{group_id}?notice=group_deactivated", status_code=303)


# --- attendance -------------------------------------------------------------------------------


async def _supervised_session(
    pool: DatabasePool, principal: Principal, session_id: str
) -> tuple[dict[str, object], SupervisionGroup, list[str]]:
    """The session, its group and who is expected, if the caller supervises the group."""
    if not _ID.fullmatch(session_id):
        raise ApiError(404, NO_SESSION)
    async with pool.acquire() as conn:
        session = await store.session(conn, session_id)
        group = None if session is None else await store.group(conn, str(session["group_id"]))
        if session is None or group is None or group.supervisor_id != principal.id:
            raise ApiError(404, NO_SESSION)
        expected = (
            [str(session["for_peer_id"])]
            if session["for_peer_id"]
            else await store.members(conn, group.group_id)
        )
    return session, group, expected


async def session_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    session_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, str] | None = None,
) -> Response:
    session, group, expected = await _supervised_session(pool, principal, session_id)
    async with pool.acquire() as conn:
        recorded = await store.attendance(conn, session_id)
        named = await store.people(conn, expected)
    marks = kept if kept is not None else recorded_marks(recorded)
    return render(
        request,
        "supervision_session.html",
        {
            "title": "supervision.session.title",
            "problem": problem,
            "session": session,
            "group": group,
            "expected": expected,
            "named": named,
            "marks": marks,
            "recorded": bool(recorded),
            "begun": session["starts_at"] <= datetime.now(UTC),  # type: ignore[operator]
            "errors": reasons_by_field(problem),
        },
        principal=principal,
        status=status,
        path=f"{HOME}/sessions/{session_id}",
    )


@router.get(HOME + "/sessions/{session_id}")
async def one_session(
    session_id: str, request: Request, principal: Supervisor, pool: Pool
) -> Response:
    return await session_page(request, principal, pool, session_id)


@router.post(HOME + "/sessions/{session_id}")
async def record_attendance(
    session_id: str,
    request: Request,
    principal: Supervisor,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
    settings: AppSettings,
) -> Response:
    session, group, expected = await _supervised_session(pool, principal, session_id)
    marks = posted_marks(form, expected)
    try:
        present = check_attendance(
            status=session["status"],
            starts_at=session["starts_at"],  # type: ignore[arg-type]
            expected=expected,
            marks=marks,
            unmarked=FieldError(
                field="attendance", reason="say for every member whether they came"
            ),
        )
    except ApiError as err:
        return await session_page(
            request, principal, pool, session_id, problem=err, status=err.status, kept=marks
        )
    async with pool.acquire() as conn:
        await store.record_attendance(conn, session_id, present, actor(principal))
    await _tell(
        temporal,
        group,
        settings.task_queue,
        SupervisionGroupWorkflow.attendance_recorded.__name__,
        session_id,
    )
    return RedirectResponse(f"{HOME}?notice=attendance_recorded", status_code=303)
