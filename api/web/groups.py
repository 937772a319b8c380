"""Peer group pages: coordinators keep their organisation's groups (programme, facilitating
peers, schedule, place, seats; deactivation); the facilitating peer sees their groups, their
sessions and follow-up tasks, and records after a session who came; a peer, caseworker or
coordinator adds a citizen whose episode they may see to a group, and removes them; the
facilitator or a coordinator adds someone without an account (a relative, staff, a student) with
their consent, as a course participant (db/courses).

As on the supervision pages, the page writes PostgreSQL first and then signals the group's
workflow; should the signal not arrive, the workflow reads the rows when attendance falls due.
A citizen is shown by their episode number; someone without an account by their name, on the
group's own pages only."""

from __future__ import annotations

import re
import uuid
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
from api.scoping import may_see_episode
from api.web.form_checks import EMAIL, PHONE, refused, refused_one, whole
from api.web.guard import PageRoute, PostedForm, field, page_user
from api.web.rendering import language, render
from api.web.session_forms import (
    WEEKDAYS,
    actor,
    check_attendance,
    checked_schedule,
    posted_marks,
    recorded_marks,
    schedule_values,
)
from db import courses, episode_queries, pages, roster
from db import peer_groups as store
from db.connection import PooledConnection
from db.pool import DatabasePool
from schemas.courses import NewParticipant, ParticipantKind
from schemas.peer_groups import ABSENT_IN_A_ROW, PeerGroup, peer_group_workflow_id
from schemas.people import OPAQUE_ID, Role
from workers.peer_group_starter import ensure_peer_group_workflow
from workflows.peer_group import PeerGroupWorkflow

log = structlog.get_logger(__name__)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Coordinator = Annotated[Principal, Depends(page_user(Role.COORDINATOR))]
Staff = Annotated[Principal, Depends(page_user(Role.COORDINATOR, Role.PEER, Role.CASEWORKER))]
Keeper = Annotated[Principal, Depends(page_user(Role.COORDINATOR, Role.PEER))]

HOME = "/groups"
# Sessions shown on the facilitator's pages: this far back and ahead.
SHOWN_BACK = timedelta(weeks=12)
SHOWN_AHEAD = timedelta(weeks=8)
ENDED = frozenset({"closed", "withdrawn", "cancelled", "deceased"})
_ID = re.compile(OPAQUE_ID)

NO_GROUP = "group_id: no such peer group you may keep"
NO_SESSION = "session_id: no such session of a group you facilitate"
NO_MEMBER = "member_id: no such member you may remove"
NO_TASK = "task_id: no such open task of yours"
NO_ORGANISATION = "a coordinator without an organisation keeps no peer groups"


def _organisation(principal: Principal) -> str:
    if principal.organisation_id is None:
        raise ApiError(403, NO_ORGANISATION)
    return principal.organisation_id


def _facilitates(principal: Principal, group: PeerGroup) -> bool:
    return principal.id == group.facilitator_id or principal.id in group.co_facilitator_ids


def _keeps(principal: Principal, group: PeerGroup) -> bool:
    """The organisation's coordinators and the group's facilitators open its page."""
    coordinator = principal.role == Role.COORDINATOR
    return (coordinator and group.organisation_id == principal.organisation_id) or _facilitates(
        principal, group
    )


def _joinable(principal: Principal, group: PeerGroup) -> bool:
    """Whose citizens may be added: a peer's or coordinator's own organisation's groups, a
    caseworker's municipality's."""
    if not group.active:
        return False
    if principal.role == Role.CASEWORKER:
        return group.municipality_code == principal.municipality_code
    return group.organisation_id == principal.organisation_id


# --- the group form ---------------------------------------------------------------------------

GROUP_FIELDS = (
    "name",
    "programme",
    "facilitator_id",
    "municipality_code",
    "weekday",
    "time",
    "every_weeks",
    "duration_minutes",
    "place",
    "seats",
    "absent_in_a_row",
)

BLANK_GROUP: dict[str, Any] = {
    "name": "",
    "programme": "municipal-peer-support",
    "facilitator_id": "",
    "municipality_code": "",
    "weekday": "4",
    "time": "10:00",
    "every_weeks": "1",
    "duration_minutes": "120",
    "place": "",
    "seats": "8",
    "absent_in_a_row": str(ABSENT_IN_A_ROW),
    "co_facilitators": [],
}


def group_values(form: FormData) -> dict[str, Any]:
    """The group form as typed (to check, and to show again when refused)."""
    values: dict[str, Any] = {name: field(form, name) for name in GROUP_FIELDS}
    values["co_facilitators"] = [v for v in form.getlist("co_facilitators") if isinstance(v, str)]
    return values


def values_of(group: PeerGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "programme": group.programme,
        "facilitator_id": group.facilitator_id,
        "municipality_code": group.municipality_code or "",
        **schedule_values(group.schedule),
        "place": group.place,
        "seats": str(group.seats),
        "absent_in_a_row": str(group.absent_in_a_row),
        "co_facilitators": list(group.co_facilitator_ids),
    }


class Choices:
    """What the group form offers: programmes, the organisation's peers, municipalities."""

    def __init__(
        self, programmes: dict[str, str], peers: dict[str, str], municipalities: dict[str, str]
    ) -> None:
        self.programmes, self.peers, self.municipalities = programmes, peers, municipalities

    def context(self) -> dict[str, Any]:
        return {
            "programmes": self.programmes,
            "peers": self.peers,
            "municipalities": self.municipalities,
        }


async def _choices(pool: DatabasePool, organisation_id: str, lang_da: bool = False) -> Choices:
    async with pool.acquire() as conn:
        programmes = await pages.programmes(conn)
        municipalities = await pages.municipalities(conn)
        peers = await roster.active_peer_names(conn, organisation_id)
    return Choices(
        {p.code: ((p.name_da if lang_da else p.name) or p.code) for p in programmes},
        peers,
        {m.municipality_code: m.name for m in municipalities},
    )


def checked_group(
    values: dict[str, Any], choices: Choices, *, group_id: str, organisation_id: str
) -> PeerGroup:
    """The group the form describes, or every field's problem at once."""
    errors: list[FieldError] = []

    def problem(name: str, reason: str) -> None:
        errors.append(FieldError(field=name, reason=reason))

    name = str(values["name"])
    if not 1 <= len(name) <= 120:
        problem("name", "write a name of 1 to 120 characters")
    if values["programme"] not in choices.programmes:
        problem("programme", "choose the programme from the list")
    facilitator = str(values["facilitator_id"])
    if facilitator not in choices.peers:
        problem("facilitator_id", "choose the facilitating peer from the list")
    co = list(dict.fromkeys(values["co_facilitators"]))
    if len(co) > 10 or any(p not in choices.peers or p == facilitator for p in co):
        problem("co_facilitators", "choose co-facilitators from the list, not the facilitator")
    municipality = str(values["municipality_code"])
    if municipality and municipality not in choices.municipalities:
        problem("municipality_code", "choose the municipality from the list")
    schedule = checked_schedule(values, problem)
    place = str(values["place"])
    if len(place) > 200:
        problem("place", "write the place in at most 200 characters")
    seats = whole(values["seats"], 1, 100)
    if seats is None:
        problem("seats", "write a whole number of seats from 1 to 100")
    absent = whole(values["absent_in_a_row"], 2, 10)
    if absent is None:
        problem("absent_in_a_row", "write a whole number of sessions from 2 to 10")
    if errors:
        raise refused(errors)
    assert schedule is not None
    assert seats is not None
    assert absent is not None
    return PeerGroup(
        group_id=group_id,
        programme=values["programme"],
        organisation_id=organisation_id,
        municipality_code=municipality or None,
        name=name,
        facilitator_id=facilitator,
        co_facilitator_ids=tuple(co),
        schedule=schedule,
        place=place,
        seats=seats,
        absent_in_a_row=absent,
    )


async def _group(pool: DatabasePool, group_id: str) -> PeerGroup | None:
    if not _ID.fullmatch(group_id):
        return None
    async with pool.acquire() as conn:
        return await store.group(conn, group_id)


async def _kept_group(pool: DatabasePool, principal: Principal, group_id: str) -> PeerGroup:
    group = await _group(pool, group_id)
    if group is None or not _keeps(principal, group):
        raise ApiError(404, NO_GROUP)
    return group


async def _owned_group(pool: DatabasePool, principal: Principal, group_id: str) -> PeerGroup:
    group = await _group(pool, group_id)
    if group is None or group.organisation_id != _organisation(principal):
        raise ApiError(404, NO_GROUP)
    return group


# --- telling the group's workflow -------------------------------------------------------------


async def _tell(
    temporal: Client, group: PeerGroup, task_queue: str, signal: str, *args: Any
) -> None:
    """Signal the group's workflow; one that is not running is started (unless the group has
    ended). Temporal away: the rows stand, the workflow catches up (see the module)."""
    handle = temporal.get_workflow_handle(peer_group_workflow_id(group.group_id))
    try:
        await handle.signal(signal, *args)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND and group.active:
            await _start(temporal, group, task_queue)
            return
        log.warning("peer group not told", group_id=group.group_id, signal=signal)


async def _start(temporal: Client, group: PeerGroup, task_queue: str) -> None:
    try:
        await ensure_peer_group_workflow(temporal, group, task_queue=task_queue)
    except RPCError as err:
        # The next worker start makes sure of it.
        log.warning("peer group not started", group_id=group.group_id, error=err.status)


# --- the groups page --------------------------------------------------------------------------


async def _memberships(
    pool: DatabasePool, principal: Principal, joinable: list[PeerGroup]
) -> list[dict[str, Any]]:
    """Current memberships of the joinable groups whose episode the caller may see."""
    shown: list[dict[str, Any]] = []
    async with pool.acquire() as conn:
        for group in joinable:
            for member in await store.members(conn, group.group_id):
                if member.episode_id is None:
                    continue
                row = await episode_queries.episode(conn, member.episode_id)
                if row is not None and may_see_episode(principal, row):
                    shown.append({"member": member, "group": group})
    return shown


async def home_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, Any] | None = None,
    joining: dict[str, str] | None = None,
) -> Response:
    now = datetime.now(UTC)
    coordinator = principal.role == Role.COORDINATOR
    async with pool.acquire() as conn:
        facilitated = await store.facilitated_groups(conn, principal.id)
        sessions = {
            g.group_id: await store.sessions_of(
                conn, g.group_id, now - SHOWN_BACK, now + SHOWN_AHEAD
            )
            for g in facilitated
        }
        tasks = [
            (g, t)
            for g in facilitated
            for t in await store.open_tasks(conn, g.group_id)
            if t["assigned_to"] == principal.id
        ]
        own = (
            await store.organisation_groups(conn, principal.organisation_id)
            if coordinator and principal.organisation_id is not None
            else []
        )
        if principal.role == Role.CASEWORKER:
            candidates = await store.active_groups(conn)
        else:
            candidates = (
                [g for g in own if g.active] if coordinator else await store.active_groups(conn)
            )
        counts = {
            g.group_id: len(await store.members(conn, g.group_id))
            for g in {g.group_id: g for g in [*own, *facilitated, *candidates]}.values()
        }
    joinable = [g for g in candidates if _joinable(principal, g)]
    context: dict[str, Any] = {"coordinator": coordinator}
    if coordinator and principal.organisation_id is not None:
        choices = await _choices(pool, principal.organisation_id, _danish(request))
        context.update(choices.context())
    return render(
        request,
        "groups.html",
        {
            "title": "groups.title",
            "problem": problem,
            "facilitated": facilitated,
            "sessions": sessions,
            "tasks": tasks,
            "groups": own,
            "member_counts": counts,
            "joinable": joinable,
            "memberships": await _memberships(pool, principal, joinable),
            "values": kept if kept is not None else BLANK_GROUP,
            "joining": joining if joining is not None else {"group_id": "", "episode_id": ""},
            "errors": reasons_by_field(problem),
            "weekdays": WEEKDAYS,
            **context,
        },
        principal=principal,
        status=status,
        path=HOME,
    )


def _danish(request: Request) -> bool:
    return language(request) == "da"


@router.get(HOME)
async def home(request: Request, principal: Staff, pool: Pool) -> Response:
    return await home_page(request, principal, pool)


@router.post(f"{HOME}/new")
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
        group = checked_group(
            values,
            await _choices(pool, organisation_id),
            group_id=f"pg-{uuid.uuid4().hex[:16]}",
            organisation_id=organisation_id,
        )
    except ApiError as err:
        return await home_page(
            request, principal, pool, problem=err, status=err.status, kept=values
        )
    async with pool.acquire() as conn:
        await store.create_group(conn, group, actor(principal))
    await _start(temporal, group, settings.task_queue)
    return RedirectResponse(f"{HOME}/{group.group_id}?notice=group_created", status_code=303)


@router.post(f"{HOME}/join")
async def add_member(
    request: Request,
    principal: Staff,
    form: PostedForm,
    pool: Pool,
) -> Response:
    joining = {"group_id": field(form, "group_id"), "episode_id": field(form, "episode_id")}
    try:
        errors: list[FieldError] = []
        group = await _group(pool, joining["group_id"])
        if group is None or not _joinable(principal, group):
            errors.append(FieldError(field="group_id", reason="choose the group from the list"))
        episode = None
        if _ID.fullmatch(joining["episode_id"]):
            async with pool.acquire() as conn:
                episode = await episode_queries.episode(conn, joining["episode_id"])
        if episode is None or not may_see_episode(principal, episode):
            reason = "write the number of an episode you may see"
            errors.append(FieldError(field="episode_id", reason=reason))
        elif episode.phase in ENDED:
            errors.append(FieldError(field="episode_id", reason="the episode has ended"))
        if errors:
            raise refused(errors)
        assert group is not None
        assert episode is not None
        async with pool.acquire() as conn, conn.transaction():
            if await store.seats_taken(conn, group.group_id) >= group.seats:
                raise refused_one("group_id", "the group has no free seat", 409)
            added = await store.add_member(
                conn,
                group.group_id,
                datetime.now(UTC).date(),
                actor(principal),
                episode_id=episode.episode_id,
            )
        if added is None:
            raise refused_one("episode_id", "the citizen is in the group already", 409)
    except ApiError as err:
        return await home_page(
            request, principal, pool, problem=err, status=err.status, joining=joining
        )
    return RedirectResponse(f"{HOME}?notice=member_added", status_code=303)


@router.post(HOME + "/members/{member_id}/leave")
async def remove_member(
    member_id: str,
    request: Request,
    principal: Staff,
    form: PostedForm,
    pool: Pool,
) -> Response:
    member = None
    if _ID.fullmatch(member_id):
        async with pool.acquire() as conn:
            member = await store.member(conn, member_id)
            group = None if member is None else await store.group(conn, member.group_id)
            episode = (
                None
                if member is None or member.episode_id is None
                else await episode_queries.episode(conn, member.episode_id)
            )
    if member is None or group is None:
        raise ApiError(404, NO_MEMBER)
    sees = episode is not None and may_see_episode(principal, episode)
    if not (_keeps(principal, group) or (sees and _joinable(principal, group))):
        raise ApiError(404, NO_MEMBER)
    async with pool.acquire() as conn:
        left = await store.remove_member(
            conn, member_id, datetime.now(UTC).date(), actor(principal)
        )
    if not left:
        problem = refused_one("member_id", "the citizen has left the group already", 409)
        return await home_page(request, principal, pool, problem=problem, status=409)
    back = f"{HOME}/{group.group_id}" if _keeps(principal, group) else HOME
    return RedirectResponse(f"{back}?notice=member_removed", status_code=303)


@router.post(HOME + "/tasks/{task_id}/done")
async def task_done(
    task_id: str,
    request: Request,
    principal: Keeper,
    form: PostedForm,
    pool: Pool,
) -> Response:
    group = await _group(pool, field(form, "group_id"))
    if group is None or not _keeps(principal, group) or not _ID.fullmatch(task_id):
        raise ApiError(404, NO_TASK)
    async with pool.acquire() as conn:
        done = await store.close_task(conn, task_id, group.group_id, principal.id)
    if not done:
        raise ApiError(404, NO_TASK)
    return RedirectResponse(f"{HOME}?notice=group_task_done", status_code=303)


# --- one group --------------------------------------------------------------------------------


async def group_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    group: PeerGroup,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, Any] | None = None,
    joining: dict[str, str] | None = None,
) -> Response:
    now = datetime.now(UTC)
    owner = principal.role == Role.COORDINATOR and group.organisation_id == (
        principal.organisation_id
    )
    async with pool.acquire() as conn:
        members = await store.members(conn, group.group_id)
        sessions = await store.sessions_of(
            conn, group.group_id, now - SHOWN_BACK, now + SHOWN_AHEAD
        )
        tasks = await store.open_tasks(conn, group.group_id)
        named = await roster.active_peer_names(conn, group.organisation_id)
        names = await member_names(conn, [m.member_id for m in members])
    context: dict[str, Any] = {}
    if owner:
        context.update((await _choices(pool, group.organisation_id, _danish(request))).context())
    return render(
        request,
        "group.html",
        {
            "title": "groups.group.title",
            "problem": problem,
            "group": group,
            "owner": owner,
            "facilitates": _facilitates(principal, group),
            "members": members,
            "sessions": sessions,
            "tasks": tasks,
            "named": named,
            "names": names,
            "joining": joining or dict.fromkeys((*PARTICIPANT_FIELDS, "consent"), ""),
            "kinds": [k.value for k in ParticipantKind],
            "values": kept if kept is not None else values_of(group),
            "errors": reasons_by_field(problem),
            "weekdays": WEEKDAYS,
            **context,
        },
        principal=principal,
        status=status,
        path=f"{HOME}/{group.group_id}",
    )


@router.get(HOME + "/{group_id}")
async def one_group(group_id: str, request: Request, principal: Keeper, pool: Pool) -> Response:
    return await group_page(request, principal, pool, await _kept_group(pool, principal, group_id))


@router.post(HOME + "/{group_id}")
async def edit_group(
    group_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
    settings: AppSettings,
) -> Response:
    group = await _owned_group(pool, principal, group_id)
    values = group_values(form)
    try:
        if not group.active:
            raise refused_one("group_id", "the group is deactivated", 409)
        changed = checked_group(
            values,
            await _choices(pool, group.organisation_id),
            group_id=group.group_id,
            organisation_id=group.organisation_id,
        )
        if changed.programme != group.programme:
            raise refused_one("programme", "a group keeps its programme; create a new group", 409)
    except ApiError as err:
        return await group_page(
            request, principal, pool, group, problem=err, status=err.status, kept=values
        )
    async with pool.acquire() as conn:
        await store.update_group(conn, changed, actor(principal))
    if changed.schedule != group.schedule:
        signal = PeerGroupWorkflow.schedule_changed.__name__
        await _tell(temporal, changed, settings.task_queue, signal, changed.schedule)
    return RedirectResponse(f"{HOME}/{group_id}?notice=group_changed", status_code=303)


@router.post(HOME + "/{group_id}/deactivate")
async def deactivate_group(
    group_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
    settings: AppSettings,
) -> Response:
    group = await _owned_group(pool, principal, group_id)
    if not group.active:
        problem = refused_one("group_id", "the group is deactivated", 409)
        return await group_page(request, principal, pool, group, problem=problem, status=409)
    async with pool.acquire() as conn:
        await store.deactivate_group(conn, group_id, actor(principal))
    ended = group.model_copy(update={"active": False})
    await _tell(temporal, ended, settings.task_queue, PeerGroupWorkflow.deactivate.__name__)
    return RedirectResponse(f"{HOME}/{group_id}?notice=group_deactivated", status_code=303)


async def member_names(conn: PooledConnection, member_ids: list[str]) -> dict[str, str]:
    """How the pages name members: a citizen by their episode, someone without an account by
    their name (personal data: the group's own pages only)."""
    names = await store.participant_names(conn, member_ids)
    for member_id in member_ids:
        if member_id not in names:
            member = await store.member(conn, member_id)
            episode = member.episode_id if member is not None else member_id
            names[member_id] = f"#{episode}"
    return names


# --- someone without an account -----------------------------------------------------------

PARTICIPANT_FIELDS = (
    "participant_name",
    "participant_kind",
    "participant_email",
    "participant_phone",
)


def checked_participant(values: dict[str, str]) -> NewParticipant:
    """Someone without an account, as the form describes them, or every problem at once."""
    errors: list[FieldError] = []

    def problem(name: str, reason: str) -> None:
        errors.append(FieldError(field=name, reason=reason))

    name, email, phone = (
        values["participant_name"],
        values["participant_email"],
        values["participant_phone"],
    )
    if not 1 <= len(name) <= 200:
        problem("participant_name", "write the person's name, 1 to 200 characters")
    if values["participant_kind"] not in {k.value for k in ParticipantKind}:
        problem("participant_kind", "choose from the list who the person is")
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        problem("participant_email", "write an e-mail address such as navn@example.dk")
    if phone and not PHONE.fullmatch(phone):
        problem("participant_phone", "write a phone number of 8 to 20 digits")
    if not email and not phone:
        problem("participant_email", "give an e-mail address or a phone number")
    if values.get("consent") != "yes":
        problem("consent", "tick the box when the person agrees")
    if errors:
        raise refused(errors)
    return NewParticipant(
        display_name=name,
        email=email or None,
        phone=phone or None,
        kind=ParticipantKind(values["participant_kind"]),
        consent_at=datetime.now(UTC),
    )


@router.post(HOME + "/{group_id}/participants")
async def add_participant(
    group_id: str,
    request: Request,
    principal: Keeper,
    form: PostedForm,
    pool: Pool,
) -> Response:
    group = await _kept_group(pool, principal, group_id)
    values = {name: field(form, name) for name in (*PARTICIPANT_FIELDS, "consent")}
    try:
        if not group.active:
            raise refused_one("group_id", "the group is deactivated", 409)
        new = checked_participant(values)
        async with pool.acquire() as conn, conn.transaction():
            if await store.seats_taken(conn, group.group_id) >= group.seats:
                raise refused_one("group_id", "the group has no free seat", 409)
            participant_id = await courses.create_participant(conn, new)
            await store.add_member(
                conn,
                group.group_id,
                datetime.now(UTC).date(),
                actor(principal),
                participant_id=participant_id,
            )
    except ApiError as err:
        return await group_page(
            request, principal, pool, group, problem=err, status=err.status, joining=values
        )
    return RedirectResponse(f"{HOME}/{group_id}?notice=participant_added", status_code=303)


# --- attendance -------------------------------------------------------------------------------


async def _facilitated_session(
    pool: DatabasePool, principal: Principal, session_id: str
) -> tuple[dict[str, object], PeerGroup, list[str]]:
    """The session, its group and its members (membership ids), if the caller facilitates."""
    if not _ID.fullmatch(session_id):
        raise ApiError(404, NO_SESSION)
    async with pool.acquire() as conn:
        session = await store.session(conn, session_id)
        group = None if session is None else await store.group(conn, str(session["group_id"]))
        if session is None or group is None or not _facilitates(principal, group):
            raise ApiError(404, NO_SESSION)
        recorded = await store.attendance(conn, session_id)
        current = [m.member_id for m in await store.members(conn, group.group_id)]
    # Those recorded before stay on the list (one who left since is still shown as they were).
    expected = [*current, *(m for m in recorded if m not in current)]
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
    session, group, expected = await _facilitated_session(pool, principal, session_id)
    async with pool.acquire() as conn:
        recorded = await store.attendance(conn, session_id)
        names = await member_names(conn, expected)
    marks = kept if kept is not None else recorded_marks(recorded)
    return render(
        request,
        "group_session.html",
        {
            "title": "groups.session.title",
            "problem": problem,
            "session": session,
            "group": group,
            "expected": expected,
            "names": names,
            "marks": marks,
            "begun": session["starts_at"] <= datetime.now(UTC),  # type: ignore[operator]
            "errors": reasons_by_field(problem),
        },
        principal=principal,
        status=status,
        path=f"{HOME}/sessions/{session_id}",
    )


@router.get(HOME + "/sessions/{session_id}")
async def one_session(session_id: str, request: Request, principal: Keeper, pool: Pool) -> Response:
    return await session_page(request, principal, pool, session_id)


@router.post(HOME + "/sessions/{session_id}")
async def record_attendance(
    session_id: str,
    request: Request,
    principal: Keeper,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
    settings: AppSettings,
) -> Response:
    session, group, expected = await _facilitated_session(pool, principal, session_id)
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
    signal = PeerGroupWorkflow.attendance_recorded.__name__
    await _tell(temporal, group, settings.task_queue, signal, session_id)
    return RedirectResponse(f"{HOME}?notice=attendance_recorded", status_code=303)
