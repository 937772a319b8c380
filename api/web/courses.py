"""Course pages: coordinators keep their organisation's catalogue of courses and its terms
(sessions, place, seats, co-teaching peers; open, cancel a session or the term, seats and the
waiting list); teaching peers see their terms and record each session's attendance; staff
enrol a citizen from an episode they may see, or a relative; and the PUBLIC enrolment page,
/enrol/<term_id>, where anyone the course takes enrols without an account.

As on the supervision pages, a page writes PostgreSQL first and then signals the term's
workflow (a signal is kept by Temporal while no worker runs). The public page has no session:
its form carries the token its own page set in a cookie (as /login does), and its submissions
are throttled per client address and per term through the log-in attempts table
(db/login_attempts.py, under keys of their own). Participants' names and addresses are never
logged."""

from __future__ import annotations

import math
import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import structlog
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData
from temporalio.client import Client
from temporalio.service import RPCError

from api.dependencies import AppSettings, Pool, Temporal
from api.errors import ApiError, FieldError, reasons_by_field
from api.principal import Principal
from api.scoping import may_see_episode
from api.web.form_checks import contact_problems, refused, refused_one, whole
from api.web.guard import LoginRoute, PageRoute, PostedForm, field, page_user
from api.web.rendering import language, render
from api.web.session_forms import actor, check_attendance, posted_marks, recorded_marks
from db import courses as store
from db import episode_queries, pages, roster, supervision
from db.episode_queries import EpisodeRow
from db.login_attempts import Backoff, LoginPolicy, claim_check
from db.pool import DatabasePool
from db.programmes import load_programme
from schemas.courses import (
    Course,
    EnrolledBy,
    EnrolmentRefused,
    EnrolmentStatus,
    EnrolResult,
    NewCourse,
    NewParticipant,
    NewSession,
    NewTerm,
    ParticipantKind,
    Term,
    TermSession,
    TermStatus,
    term_workflow_id,
)
from schemas.people import OPAQUE_ID, Role
from schemas.programme import ProgrammeKind
from workers.course_starter import ensure_term_workflow
from workflows.course_term import CourseTermWorkflow

log = structlog.get_logger(__name__)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# The public enrolment page comes before any session: its own token guards its form.
public_router = APIRouter(route_class=LoginRoute, include_in_schema=False)

Coordinator = Annotated[Principal, Depends(page_user(Role.COORDINATOR))]
Teacher = Annotated[Principal, Depends(page_user(Role.PEER))]
Staff = Annotated[
    Principal, Depends(page_user(Role.WARD, Role.CASEWORKER, Role.PEER, Role.COORDINATOR))
]

HOME = "/courses"
LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
ENROL_COOKIE = "hb_enrol"
KINDS = tuple(ParticipantKind)
_ID = re.compile(OPAQUE_ID)
# One session a line: date, start and end time in Copenhagen time.
_SESSION_LINE = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})\s+(?P<sh>[01]?\d|2[0-3]):(?P<sm>[0-5]\d)"
    r"\s*-\s*(?P<eh>[01]?\d|2[0-3]):(?P<em>[0-5]\d)"
)

# The public form: one (term, address) pair 5 times an hour, then a minute doubling to 15;
# one address 20 times an hour over all terms; one term 200 times an hour from everywhere, or
# three times its seats if that is more (`enrol_policy`): a term's opening draws its seats and
# a waiting list at once, and a flood is still cut off.
ENROL_POLICY = LoginPolicy(
    pair=Backoff(
        free=5, first=timedelta(minutes=1), cap=timedelta(minutes=15), window=timedelta(hours=1)
    ),
    user=Backoff(
        free=200, first=timedelta(seconds=10), cap=timedelta(minutes=1), window=timedelta(hours=1)
    ),
    client=Backoff(
        free=20, first=timedelta(minutes=1), cap=timedelta(minutes=15), window=timedelta(hours=1)
    ),
    known_for=timedelta(hours=1),
)

# Each seat of a term allows this many public submissions an hour (see ENROL_POLICY).
SUBMISSIONS_PER_SEAT = 3


def enrol_policy(seats: int) -> LoginPolicy:
    """ENROL_POLICY with the term's allowance from everywhere grown to its seats."""
    everyone = ENROL_POLICY.user
    free = max(everyone.free, SUBMISSIONS_PER_SEAT * seats)
    return ENROL_POLICY.model_copy(update={"user": everyone.model_copy(update={"free": free})})


NO_COURSE = "course_id: no such course of your organisation"
NO_TERM = "term_id: no such course term of your organisation"
NO_SESSION = "session_id: no such session of a term you teach"
NO_PUBLIC_TERM = "term_id: no such course term takes enrolments"
NO_ORGANISATION = "a coordinator without an organisation keeps no courses"
TOO_MANY = "too many enrolments from here; wait a while and try again"


def _organisation(principal: Principal) -> str:
    if principal.organisation_id is None:
        raise ApiError(403, NO_ORGANISATION)
    return principal.organisation_id


def _danish(request: Request) -> bool:
    return language(request) == "da"


# --- telling the term's workflow --------------------------------------------------------------


async def _tell(temporal: Client, term_id: str, signal: str, *args: Any) -> None:
    """Signal the term's workflow; Temporal away, the rows stand and the workflow reads them
    when it next looks (attendance) or the worker's start makes sure of it."""
    handle = temporal.get_workflow_handle(term_workflow_id(term_id))
    try:
        await handle.signal(signal, *args)
    except RPCError as err:
        log.warning("course term not told", term_id=term_id, signal=signal, error=err.status)


async def _start(temporal: Client, term_id: str, task_queue: str) -> None:
    try:
        await ensure_term_workflow(temporal, term_id, task_queue=task_queue)
    except RPCError as err:
        log.warning("course term not started", term_id=term_id, error=err.status)


# --- the catalogue ----------------------------------------------------------------------------


async def _course_programmes(pool: DatabasePool, danish: bool) -> dict[str, str]:
    """The programmes of kind course, by code, named in the page's language."""
    found: dict[str, str] = {}
    async with pool.acquire() as conn:
        for named in await pages.programmes(conn):
            programme = await load_programme(conn, named.code)
            if programme is not None and programme.kind == ProgrammeKind.COURSE:
                found[named.code] = (named.name_da if danish else named.name) or named.code
    return found


def course_values(form: FormData) -> dict[str, Any]:
    return {
        "programme": field(form, "programme"),
        "title": field(form, "title"),
        "title_da": field(form, "title_da"),
        "description": field(form, "description"),
        "participant_kinds": [v for v in form.getlist("participant_kinds") if isinstance(v, str)],
        "sessions_to_complete": field(form, "sessions_to_complete"),
    }


BLANK_COURSE: dict[str, Any] = {
    "programme": "",
    "title": "",
    "title_da": "",
    "description": "",
    "participant_kinds": [k.value for k in KINDS],
    "sessions_to_complete": "1",
}


def values_of(found: Course) -> dict[str, Any]:
    return {
        "programme": found.programme,
        "title": found.title,
        "title_da": found.title_da,
        "description": found.description,
        "participant_kinds": [k.value for k in found.participant_kinds],
        "sessions_to_complete": str(found.sessions_to_complete),
    }


def checked_course(
    values: dict[str, Any], programmes: dict[str, str], organisation_id: str
) -> NewCourse:
    errors: list[FieldError] = []

    def problem(name: str, reason: str) -> None:
        errors.append(FieldError(field=name, reason=reason))

    if values["programme"] not in programmes:
        problem("programme", "choose a course programme from the list")
    for name in ("title", "title_da"):
        if not 1 <= len(values[name]) <= 200:
            problem(name, "write a title of 1 to 200 characters")
    if len(values["description"]) > 4000:
        problem("description", "write at most 4000 characters")
    kinds = list(dict.fromkeys(values["participant_kinds"]))
    allowed = {k.value for k in KINDS}
    if not kinds or any(k not in allowed for k in kinds):
        problem("participant_kinds", "choose at least one kind of participant")
    needed = whole(values["sessions_to_complete"], 1, 100)
    if needed is None:
        problem("sessions_to_complete", "write a whole number of sessions from 1 to 100")
    if errors:
        raise refused(errors)
    assert needed is not None
    return NewCourse(
        programme=values["programme"],
        organisation_id=organisation_id,
        title=values["title"],
        title_da=values["title_da"],
        description=values["description"],
        participant_kinds=tuple(ParticipantKind(k) for k in kinds),
        sessions_to_complete=needed,
    )


async def home_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, Any] | None = None,
) -> Response:
    organisation_id = _organisation(principal)
    async with pool.acquire() as conn:
        catalogue = await store.organisation_courses(conn, organisation_id)
        terms = await store.organisation_terms(conn, organisation_id)
        seats = {t.term_id: await store.seats(conn, t.term_id) for t in terms}
    return render(
        request,
        "courses.html",
        {
            "title": "courses.title",
            "problem": problem,
            "courses": catalogue,
            "titles": {c.course_id: c.title_da if _danish(request) else c.title for c in catalogue},
            "terms": terms,
            "seats": seats,
            "programmes": await _course_programmes(pool, _danish(request)),
            "kinds": KINDS,
            "values": kept if kept is not None else BLANK_COURSE,
            "errors": reasons_by_field(problem),
        },
        principal=principal,
        status=status,
        path=HOME,
    )


@router.get(HOME)
async def home(request: Request, principal: Coordinator, pool: Pool) -> Response:
    return await home_page(request, principal, pool)


@router.post(HOME)
async def create_course(
    request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    organisation_id = _organisation(principal)
    values = course_values(form)
    try:
        new = checked_course(values, await _course_programmes(pool, False), organisation_id)
    except ApiError as err:
        return await home_page(
            request, principal, pool, problem=err, status=err.status, kept=values
        )
    async with pool.acquire() as conn:
        course_id = await store.create_course(conn, new, actor(principal))
    return RedirectResponse(f"{HOME}/catalogue/{course_id}?notice=course_created", status_code=303)


# --- a course and its terms -------------------------------------------------------------------


async def _own_course(pool: DatabasePool, principal: Principal, course_id: str) -> Course:
    if not _ID.fullmatch(course_id):
        raise ApiError(404, NO_COURSE)
    async with pool.acquire() as conn:
        found = await store.course(conn, course_id)
    if found is None or found.organisation_id != _organisation(principal):
        raise ApiError(404, NO_COURSE)
    return found


def term_values(form: FormData) -> dict[str, Any]:
    return {
        "place": field(form, "place"),
        "seats": field(form, "seats"),
        "sessions": field(form, "sessions"),
        "teachers": [v for v in form.getlist("teachers") if isinstance(v, str)],
    }


BLANK_TERM: dict[str, Any] = {"place": "", "seats": "12", "sessions": "", "teachers": []}


# How far back (recorded late) and ahead a term's session may lie, in days.
_SESSION_DAYS = (-366, 3 * 366)


def _sessions(text: str) -> list[NewSession] | None:
    """The sessions the text lists, one a line ('2027-02-03 17:00-19:00'), or None."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not 1 <= len(lines) <= 60:
        return None
    found: list[NewSession] = []
    for line in lines:
        matched = _SESSION_LINE.fullmatch(line)
        if matched is None:
            return None
        try:
            day = date.fromisoformat(matched["day"])
        except ValueError:
            return None
        if not _SESSION_DAYS[0] <= (day - datetime.now(LOCAL_TIME).date()).days <= _SESSION_DAYS[1]:
            return None  # a typo for a year: a term is planned within these bounds
        starts = datetime.combine(day, time(int(matched["sh"]), int(matched["sm"])), LOCAL_TIME)
        ends = datetime.combine(day, time(int(matched["eh"]), int(matched["em"])), LOCAL_TIME)
        if ends <= starts:
            return None
        found.append(NewSession(starts_at=starts, ends_at=ends))
    return found


def checked_term(values: dict[str, Any], course_id: str, peers: dict[str, str]) -> NewTerm:
    errors: list[FieldError] = []

    def problem(name: str, reason: str) -> None:
        errors.append(FieldError(field=name, reason=reason))

    if not 1 <= len(values["place"]) <= 200:
        problem("place", "write a place of 1 to 200 characters")
    seats = whole(values["seats"], 1, 500)
    if seats is None:
        problem("seats", "write a whole number of seats from 1 to 500")
    sessions = _sessions(values["sessions"])
    if sessions is None:
        problem("sessions", "write one session a line, such as 2027-02-03 17:00-19:00")
    elif [s.starts_at for s in sessions] != sorted({s.starts_at for s in sessions}):
        problem("sessions", "list the sessions in order, each at its own time")
    teachers = list(dict.fromkeys(values["teachers"]))
    if not teachers or len(teachers) > 10 or any(p not in peers for p in teachers):
        problem("teachers", "choose one to ten teaching peers from the list")
    if errors:
        raise refused(errors)
    assert seats is not None
    assert sessions is not None
    return NewTerm(
        course_id=course_id,
        starts_on=sessions[0].starts_at.astimezone(LOCAL_TIME).date(),
        place=values["place"],
        seats=seats,
        sessions=tuple(sessions),
        teachers=tuple(teachers),
    )


async def course_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    course_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, Any] | None = None,
) -> Response:
    found = await _own_course(pool, principal, course_id)
    async with pool.acquire() as conn:
        terms = await store.course_terms(conn, course_id)
        seats = {t.term_id: await store.seats(conn, t.term_id) for t in terms}
        peers = await roster.active_peer_names(conn, found.organisation_id)
    return render(
        request,
        "course.html",
        {
            "title": "courses.course.title",
            "problem": problem,
            "course": found,
            "course_title": found.title_da if _danish(request) else found.title,
            "programmes": await _course_programmes(pool, _danish(request)),
            "terms": terms,
            "seats": seats,
            "peers": peers,
            "values": kept if kept is not None and "place" in kept else BLANK_TERM,
            "course_values": kept if kept is not None and "title" in kept else values_of(found),
            "kinds": KINDS,
            "errors": reasons_by_field(problem),
        },
        principal=principal,
        status=status,
        path=f"{HOME}/catalogue/{course_id}",
    )


@router.get(HOME + "/catalogue/{course_id}")
async def one_course(
    course_id: str, request: Request, principal: Coordinator, pool: Pool
) -> Response:
    return await course_page(request, principal, pool, course_id)


@router.post(HOME + "/catalogue/{course_id}")
async def edit_course(
    course_id: str, request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    found = await _own_course(pool, principal, course_id)
    values = course_values(form)
    try:
        changed = checked_course(
            values, await _course_programmes(pool, False), found.organisation_id
        )
    except ApiError as err:
        return await course_page(
            request, principal, pool, course_id, problem=err, status=err.status, kept=values
        )
    async with pool.acquire() as conn:
        await store.update_course(conn, course_id, changed, actor(principal))
    return RedirectResponse(f"{HOME}/catalogue/{course_id}?notice=course_changed", status_code=303)


@router.post(HOME + "/catalogue/{course_id}/terms")
async def create_term(
    course_id: str, request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    found = await _own_course(pool, principal, course_id)
    values = term_values(form)
    try:
        async with pool.acquire() as conn:
            peers = await roster.active_peer_names(conn, found.organisation_id)
        if not found.active:
            raise refused_one("course_id", "the course is no longer offered", 409)
        new = checked_term(values, course_id, peers)
    except ApiError as err:
        return await course_page(
            request, principal, pool, course_id, problem=err, status=err.status, kept=values
        )
    async with pool.acquire() as conn:
        term_id = await store.create_term(conn, new, actor(principal))
    return RedirectResponse(f"{HOME}/terms/{term_id}?notice=term_created", status_code=303)


# --- a term, as its coordinators see it -------------------------------------------------------


async def _own_term(pool: DatabasePool, principal: Principal, term_id: str) -> Term:
    if not _ID.fullmatch(term_id):
        raise ApiError(404, NO_TERM)
    async with pool.acquire() as conn:
        found = await store.term(conn, term_id)
    if found is None or found.organisation_id != _organisation(principal):
        raise ApiError(404, NO_TERM)
    return found


async def term_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    term_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    found = await _own_term(pool, principal, term_id)
    async with pool.acquire() as conn:
        course = await store.course(conn, found.course_id)
        listed = await store.enrolments(conn, term_id)
        people = await store.participants(conn, [e.participant_id for e in listed])
        seats = await store.seats(conn, term_id)
        sessions = await store.sessions(conn, term_id)
        teaching = await store.teachers(conn, term_id)
        named = await supervision.people(conn, teaching)
    assert course is not None
    holding = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)
    return render(
        request,
        "course_term.html",
        {
            "title": "courses.term.title",
            "problem": problem,
            "term": found,
            "course": course,
            "course_title": course.title_da if _danish(request) else course.title,
            "seats": seats,
            "sessions": sessions,
            "teachers": [named.get(p, p) for p in teaching],
            "holding": [e for e in listed if e.status in holding],
            "waiting": [e for e in listed if e.status == EnrolmentStatus.WAITING],
            "people": people,
            "public_link": str(request.base_url).rstrip("/") + f"/enrol/{term_id}",
        },
        principal=principal,
        status=status,
        path=f"{HOME}/terms/{term_id}",
    )


@router.get(HOME + "/terms/{term_id}")
async def one_term(term_id: str, request: Request, principal: Coordinator, pool: Pool) -> Response:
    return await term_page(request, principal, pool, term_id)


@router.post(HOME + "/terms/{term_id}/open")
async def open_term(
    term_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
    settings: AppSettings,
) -> Response:
    await _own_term(pool, principal, term_id)
    async with pool.acquire() as conn:
        opened = await store.open_term(conn, term_id, actor(principal))
    if not opened:
        problem = refused_one("term_id", "only a planned term can be opened", 409)
        return await term_page(request, principal, pool, term_id, problem=problem, status=409)
    await _start(temporal, term_id, settings.task_queue)
    return RedirectResponse(f"{HOME}/terms/{term_id}?notice=term_opened", status_code=303)


@router.post(HOME + "/terms/{term_id}/cancel")
async def cancel_term(
    term_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
) -> Response:
    found = await _own_term(pool, principal, term_id)
    async with pool.acquire() as conn:
        cancelled = await store.cancel_term(conn, term_id, actor(principal))
    if not cancelled:
        problem = refused_one("term_id", "the term is over or cancelled already", 409)
        return await term_page(request, principal, pool, term_id, problem=problem, status=409)
    if found.status == TermStatus.OPEN:
        await _tell(temporal, term_id, CourseTermWorkflow.term_cancelled.__name__)
    return RedirectResponse(f"{HOME}/terms/{term_id}?notice=term_cancelled", status_code=303)


@router.post(HOME + "/terms/{term_id}/sessions/{session_id}/cancel")
async def cancel_session(
    term_id: str,
    session_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
) -> Response:
    found = await _own_term(pool, principal, term_id)
    async with pool.acquire() as conn:
        session = await store.session(conn, session_id) if _ID.fullmatch(session_id) else None
        if session is None or session.term_id != term_id:
            raise ApiError(404, "session_id: no such session of this term")
        cancelled = await store.cancel_session(conn, session_id, actor(principal))
    if not cancelled:
        problem = refused_one("session_id", "only a planned session can be cancelled", 409)
        return await term_page(request, principal, pool, term_id, problem=problem, status=409)
    if found.status == TermStatus.OPEN:
        await _tell(temporal, term_id, CourseTermWorkflow.session_cancelled.__name__, session_id)
    return RedirectResponse(f"{HOME}/terms/{term_id}?notice=session_cancelled", status_code=303)


# --- the teaching peer ------------------------------------------------------------------------


@router.get(HOME + "/teaching")
async def teaching(request: Request, principal: Teacher, pool: Pool) -> Response:
    async with pool.acquire() as conn:
        terms = await store.teacher_terms(conn, principal.id)
        sessions = {t.term_id: await store.sessions(conn, t.term_id) for t in terms}
        recorded = {
            s.session_id: await store.attendance_recorded(conn, s.session_id)
            for listed in sessions.values()
            for s in listed
        }
        titles = {}
        for t in terms:
            course = await store.course(conn, t.course_id)
            if course is not None:
                titles[t.term_id] = course.title_da if _danish(request) else course.title
    return render(
        request,
        "course_teaching.html",
        {
            "title": "courses.teaching.title",
            "problem": None,
            "terms": terms,
            "titles": titles,
            "sessions": sessions,
            "recorded": recorded,
        },
        principal=principal,
        path=f"{HOME}/teaching",
    )


async def _taught_session(
    pool: DatabasePool, principal: Principal, session_id: str
) -> tuple[TermSession, Term]:
    if not _ID.fullmatch(session_id):
        raise ApiError(404, NO_SESSION)
    async with pool.acquire() as conn:
        session = await store.session(conn, session_id)
        found = None if session is None else await store.term(conn, session.term_id)
        if (
            session is None
            or found is None
            or not await store.is_teacher(conn, found.term_id, principal.id)
        ):
            raise ApiError(404, NO_SESSION)
    return session, found


async def attendance_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    session_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, str] | None = None,
) -> Response:
    session, found = await _taught_session(pool, principal, session_id)
    async with pool.acquire() as conn:
        expected = await store.enrolled(conn, found.term_id)
        recorded = await store.attendance(conn, session_id)
        people = await store.participants(conn, expected)
    marks = kept if kept is not None else recorded_marks(recorded)
    return render(
        request,
        "course_attendance.html",
        {
            "title": "courses.attendance.title",
            "problem": problem,
            "session": session,
            "term": found,
            "expected": expected,
            "people": people,
            "marks": marks,
            "begun": session.starts_at <= datetime.now(UTC),
            "errors": reasons_by_field(problem),
        },
        principal=principal,
        status=status,
        path=f"{HOME}/teaching/sessions/{session_id}",
    )


@router.get(HOME + "/teaching/sessions/{session_id}")
async def one_session(
    session_id: str, request: Request, principal: Teacher, pool: Pool
) -> Response:
    return await attendance_page(request, principal, pool, session_id)


@router.post(HOME + "/teaching/sessions/{session_id}")
async def record_attendance(
    session_id: str,
    request: Request,
    principal: Teacher,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
) -> Response:
    session, found = await _taught_session(pool, principal, session_id)
    async with pool.acquire() as conn:
        expected = await store.enrolled(conn, found.term_id)
    marks = posted_marks(form, expected)
    try:
        present = check_attendance(
            status=session.status,
            starts_at=session.starts_at,
            expected=expected,
            marks=marks,
            unmarked=FieldError(
                field="attendance", reason="say for every participant whether they came"
            ),
        )
    except ApiError as err:
        return await attendance_page(
            request, principal, pool, session_id, problem=err, status=err.status, kept=marks
        )
    async with pool.acquire() as conn:
        await store.record_attendance(conn, session_id, present, actor(principal))
    await _tell(
        temporal, found.term_id, CourseTermWorkflow.attendance_recorded.__name__, session_id
    )
    return RedirectResponse(f"{HOME}/teaching?notice=course_attendance_recorded", status_code=303)


# --- enrolment: the form staff and the public page share --------------------------------------


def person_values(form: FormData) -> dict[str, str]:
    return {
        "display_name": field(form, "display_name"),
        "email": field(form, "email"),
        "phone": field(form, "phone"),
        "kind": field(form, "kind"),
        "consent": field(form, "consent"),
        "key": field(form, "key"),
    }


def checked_person(
    values: dict[str, str], kinds: tuple[ParticipantKind, ...], episode_id: str | None = None
) -> NewParticipant:
    """The participant the form describes, or every field's problem at once."""
    errors: list[FieldError] = []

    def problem(name: str, reason: str) -> None:
        errors.append(FieldError(field=name, reason=reason))

    if not 1 <= len(values["display_name"]) <= 200:
        problem("display_name", "write a name of 1 to 200 characters")
    email, phone = values["email"], values["phone"]
    errors.extend(contact_problems(email, phone, missing="email"))
    if values["kind"] not in {k.value for k in kinds}:
        problem("kind", "choose one of the kinds of participant this course takes")
    elif episode_id is not None and values["kind"] != ParticipantKind.CITIZEN:
        problem("kind", "only the citizen is enrolled from their episode")
    if values["consent"] != "yes":
        problem("consent", "tick the box to give your consent")
    key = values["key"]
    if not _ID.fullmatch(key) or not key.startswith("cp-"):
        problem("key", "the form is incomplete; open it again")
    if errors:
        raise refused(errors)
    return NewParticipant(
        participant_id=key,
        display_name=values["display_name"],
        email=email or None,
        phone=phone or None,
        kind=ParticipantKind(values["kind"]),
        episode_id=episode_id,
        consent_at=datetime.now(UTC),
    )


def _blank_person(kind: str = "") -> dict[str, str]:
    return {
        "display_name": "",
        "email": "",
        "phone": "",
        "kind": kind,
        "consent": "",
        "key": f"cp-{secrets.token_hex(16)}",
    }


async def _enrol(
    pool: DatabasePool, term_id: str, person: NewParticipant, by: EnrolledBy
) -> EnrolResult:
    """The participant and their enrolment; a refusal names the field."""
    async with pool.acquire() as conn, conn.transaction():
        participant_id = await store.create_participant(conn, person)
        try:
            return await store.enrol(conn, term_id, participant_id, by)
        except EnrolmentRefused as refused:
            reason = {
                "course_term_not_open": "the term takes no enrolments",
                "course_term_unknown": "the term takes no enrolments",
                "course_kind_not_allowed": (
                    "choose one of the kinds of participant this course takes"
                ),
            }.get(refused.reason, "the enrolment was refused")
            raise refused_one(refused.field, reason, 409) from refused


# --- enrolment by staff -----------------------------------------------------------------------


async def _enrollable_terms(pool: DatabasePool, danish: bool) -> dict[str, dict[str, Any]]:
    """Open terms (and planned ones) of active courses, with what the form shows of each."""
    found: dict[str, dict[str, Any]] = {}
    async with pool.acquire() as conn:
        courses = {c.course_id: c for c in await store.active_courses(conn)}
        for term in await store.open_terms(conn):
            course = courses.get(term.course_id)
            if course is not None:
                found[term.term_id] = {
                    "term": term,
                    "course": course,
                    "title": course.title_da if danish else course.title,
                }
    return found


async def _episode_seen(
    pool: DatabasePool, principal: Principal, episode_id: str
) -> EpisodeRow | None:
    if not _ID.fullmatch(episode_id):
        return None
    async with pool.acquire() as conn:
        row = await episode_queries.episode(conn, episode_id)
    return row if row is not None and may_see_episode(principal, row) else None


async def staff_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, str] | None = None,
) -> Response:
    episode_id = request.query_params.get("episode_id", "")
    values = kept or {**_blank_person(), "episode_id": episode_id, "term_id": ""}
    return render(
        request,
        "course_enrol.html",
        {
            "title": "courses.enrol.title",
            "problem": problem,
            "terms": await _enrollable_terms(pool, _danish(request)),
            "kinds": (ParticipantKind.CITIZEN, ParticipantKind.RELATIVE),
            "values": values,
            "errors": reasons_by_field(problem),
        },
        principal=principal,
        status=status,
        path=f"{HOME}/enrol",
    )


@router.get(HOME + "/enrol")
async def enrol_form(request: Request, principal: Staff, pool: Pool) -> Response:
    return await staff_page(request, principal, pool)


@router.post(HOME + "/enrol")
async def enrol_by_staff(
    request: Request, principal: Staff, form: PostedForm, pool: Pool
) -> Response:
    values = {
        **person_values(form),
        "episode_id": field(form, "episode_id"),
        "term_id": field(form, "term_id"),
    }
    terms = await _enrollable_terms(pool, _danish(request))
    try:
        chosen = terms.get(values["term_id"])
        episode = None
        if values["kind"] == ParticipantKind.CITIZEN:
            episode = await _episode_seen(pool, principal, values["episode_id"])
        errors: list[FieldError] = []
        if chosen is None:
            errors.append(FieldError(field="term_id", reason="choose an open term from the list"))
        if values["kind"] == ParticipantKind.CITIZEN and episode is None:
            reason = "write the number of an episode you may see"
            errors.append(FieldError(field="episode_id", reason=reason))
        kinds = (ParticipantKind.CITIZEN, ParticipantKind.RELATIVE)
        try:
            person = checked_person(values, kinds, episode.episode_id if episode else None)
        except ApiError as err:
            errors.extend(err.errors)
        if errors:
            raise refused(errors)
        assert chosen is not None
        by = EnrolledBy(role=principal.actor().role.value, actor_id=principal.id)
        result = await _enrol(pool, values["term_id"], person, by)
    except ApiError as err:
        return await staff_page(
            request, principal, pool, problem=err, status=err.status, kept=values
        )
    notice = "course_seat" if result.status != EnrolmentStatus.WAITING else "course_waiting"
    return RedirectResponse(f"{HOME}/enrol?notice={notice}", status_code=303)


# --- the public enrolment page ----------------------------------------------------------------


async def _public_term(pool: DatabasePool, term_id: str) -> tuple[Term, Course]:
    if not _ID.fullmatch(term_id):
        raise ApiError(404, NO_PUBLIC_TERM)
    async with pool.acquire() as conn:
        found = await store.term(conn, term_id)
        course = None if found is None else await store.course(conn, found.course_id)
    if found is None or course is None or found.status != TermStatus.OPEN or not course.active:
        raise ApiError(404, NO_PUBLIC_TERM)
    return found, course


async def public_page(
    request: Request,
    pool: DatabasePool,
    term_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, str] | None = None,
    answer: EnrolResult | None = None,
) -> Response:
    found, course = await _public_term(pool, term_id)
    async with pool.acquire() as conn:
        seats = await store.seats(conn, term_id)
        sessions = [s for s in await store.sessions(conn, term_id) if s.status != "cancelled"]
    token = secrets.token_urlsafe(24)
    values = kept or _blank_person(
        course.participant_kinds[0].value if len(course.participant_kinds) == 1 else ""
    )
    response = render(
        request,
        "enrol.html",
        {
            "title": "enrol.title",
            "problem": problem,
            "term": found,
            "course": course,
            "course_title": course.title_da if _danish(request) else course.title,
            "seats": seats,
            "sessions": sessions,
            "values": values,
            "errors": reasons_by_field(problem),
            "enrol_token": token,
            "answer": answer,
        },
        status=status,
        path=f"/enrol/{term_id}",
    )
    response.set_cookie(
        ENROL_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/enrol",
    )
    return response


@public_router.get("/enrol/{term_id}")
async def public_form(term_id: str, request: Request, pool: Pool) -> Response:
    return await public_page(request, pool, term_id)


@public_router.post("/enrol/{term_id}")
async def public_enrol(term_id: str, request: Request, pool: Pool) -> Response:
    form = await request.form()
    sent, kept = field(form, "enrol_token"), request.cookies.get(ENROL_COOKIE, "")
    if not sent or not kept or not secrets.compare_digest(sent, kept):
        raise ApiError(403, "csrf: the form is stale or did not come from this site")
    found, course = await _public_term(pool, term_id)
    values = person_values(form)
    # Behind a trusted proxy uvicorn has already put the real client's address here.
    client = request.client.host if request.client else ""
    async with pool.acquire() as conn:
        claim = await claim_check(
            conn, f"enrol:{found.term_id}", f"enrol:{client}", "", enrol_policy(found.seats)
        )
    if claim.attempt_id is None:
        minutes = max(1, math.ceil(claim.wait.total_seconds() / 60))
        log.info("public enrolment refused until a wait is over", minutes=minutes)
        response = await public_page(
            request, pool, term_id, problem=ApiError(429, TOO_MANY), status=429, kept=values
        )
        response.headers["Retry-After"] = str(math.ceil(claim.wait.total_seconds()))
        return response
    try:
        person = checked_person(values, course.participant_kinds)
        result = await _enrol(pool, term_id, person, EnrolledBy(role="self"))
    except ApiError as err:
        return await public_page(
            request, pool, term_id, problem=err, status=err.status, kept=values
        )
    log.info("public enrolment", term_id=term_id, status=result.status.value)
    return await public_page(request, pool, term_id, answer=result)
