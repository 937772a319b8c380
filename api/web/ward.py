"""The ward's page: refer a patient, plan and confirm discharge, the ward's episodes (with the
citizen's name and what is due next) and tasks, the admissions without a referral (refer, or
dismiss as not relevant with a reason); and each episode's own ward page, where the facts the
hospital knows are recorded (consent, risk, cancellation, readmission, leave, death)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import Intake, Pool
from api.episode_details import read_contact
from api.errors import ApiError, FieldError, reasons_by_field
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.scoping import may_see_citizen, may_see_episode
from api.web import paging, referral_candidates, referral_form, task_paging, ward_facts
from api.web.actions import ack_notice, act, done, new_event_id, report
from api.web.guard import PageRoute, PostedForm, field, page_user
from api.web.rendering import LOCAL_TIME, language, render
from api.web.role_page import role_page
from api.web.when_words import day_words, moment_words
from db import episode_queries, pages, ward_lists
from db import referral_candidates as candidates_db
from db.episode_queries import EpisodeRow
from db.pool import DatabasePool
from schemas.episode import TERMINAL_PHASES
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

WardStaff = Annotated[Principal, Depends(page_user(Role.WARD))]


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    referral: dict[str, Any] | None = None,
    dismissing: dict[str, str] | None = None,
) -> Response:
    way, at = paging.position(request)
    async with pool.acquire() as conn:
        episodes = await ward_lists.ward_episodes(
            conn,
            principal.ward_id,
            actor_role=principal.role.value,
            actor_id=principal.id,
            way=way,
            at=at,
        )
        admissions = await candidates_db.ward_candidates(
            conn, principal.ward_id, actor_role=principal.role.value, actor_id=principal.id
        )
        programmes = await pages.programmes(conn)
        municipalities = await pages.municipalities(conn)
        organisations = await pages.organisations(conn)
        own_organisation = await pages.ward_organisation(conn, principal.ward_id)
    refused_referral = referral is not None and problem is not None
    prefilled = None
    if referral is None:
        referral = referral_form.blank(own_organisation)
        prefilled = _prefill(referral, admissions, request.query_params.get("refer"))
    lang = language(request)
    return role_page(
        request,
        principal,
        title="ward.title",
        template="ward.html",
        context={
            "referral": referral,
            "prefilled": prefilled,
            "admissions": referral_candidates.waiting(admissions, datetime.now(UTC), lang),
            "dismissing": dismissing or {},
            "dismiss_errors": reasons_by_field(problem) if dismissing else {},
            "reason_max": referral_candidates.REASON_MAX,
            "field_errors": referral_form.errors_by_field(problem.errors)
            if refused_referral and problem
            else {},
            "goal_areas": referral_form.GOAL_AREAS,
            "languages": referral_form.LANGUAGES,
            "scopes": referral_form.SCOPES,
            "methods": referral_form.METHODS,
            "programmes": programmes,
            "municipalities": municipalities,
            "organisations": organisations,
            "episodes": episodes.rows,
            "episode_page": episodes,
            "episode_links": paging.links(request, episodes, "episodes-title"),
            **_tasks(
                task_paging.task_page(request, await open_tasks(pool, principal), "tasks-title")
            ),
            "event_id": new_event_id,
            "ended": ENDED,
            "moment_words": partial(moment_words, lang=lang),
            "day_words": partial(day_words, lang=lang),
            **await _refused_task(request, problem),
        },
        problem=problem,
        status=status,
    )


def _tasks(page: task_paging.TaskPage) -> dict[str, Any]:
    """The task cards shown and their page."""
    return {"tasks": page.tasks, "task_page": page}


@router.get("/ward")
async def ward_page(request: Request, principal: WardStaff, pool: Pool) -> Response:
    return await page(request, principal, pool)


@router.post("/ward/referrals")
async def refer(
    request: Request, principal: WardStaff, form: PostedForm, pool: Pool, intake: Intake
) -> Response:
    values = referral_form.from_form(form)
    try:
        payload = referral_form.payload(values, principal.ward_id, datetime.now(UTC))
        ack = await report(intake, principal, form, "referral_created", payload)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        return await page(request, principal, pool, problem=err, status=err.status, referral=values)
    return done(principal, ack_notice(ack, "referred"))


def _prefill(
    referral: dict[str, Any],
    admissions: list[candidates_db.WardReferralCandidate],
    candidate_id: str | None,
) -> candidates_db.WardReferralCandidate | None:
    """ "Refer" on an admission without a referral: the form gets the patient's CPR number and
    the admission time the hospital sent (the rest is the ward's to fill in)."""
    admission = next((a for a in admissions if a.candidate_id == candidate_id), None)
    if admission is None or admission.cpr is None:
        return None
    admitted = admission.admitted_at.astimezone(LOCAL_TIME)
    referral.update(cpr=admission.cpr, admitted_at=admitted.strftime("%Y-%m-%dT%H:%M"))
    return admission


@router.post("/ward/admissions/{candidate_id}/not-relevant")
async def dismiss_admission(
    candidate_id: str, request: Request, principal: WardStaff, form: PostedForm, pool: Pool
) -> Response:
    """An admission without a referral needs none: off both lists, with who, when and why
    kept. A reason that is missing, too short or too long is refused, the text kept."""
    reason = field(form, "reason")
    try:
        checked = referral_candidates.dismissal(reason)
        async with pool.acquire() as conn:
            found = await candidates_db.dismiss(
                conn,
                candidate_id,
                principal.ward_id,
                actor_role=principal.role.value,
                actor_id=principal.id,
                reason=checked.reason,
            )
        if not found:
            raise referral_candidates.NO_SUCH_ADMISSION
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        kept = {"candidate_id": candidate_id, "reason": reason}
        return await page(request, principal, pool, problem=err, status=err.status, dismissing=kept)
    return done(principal, "candidate_dismissed", anchor="admissions-title")


@router.post("/ward/episodes/{episode_id}/discharge-planned")
async def plan_discharge(
    episode_id: str,
    request: Request,
    principal: WardStaff,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    async def plan() -> str:
        payload = {"planned_for": field(form, "planned_for")}
        ack = await report(intake, principal, form, "discharge_planned", payload, episode_id)
        return ack_notice(ack, "saved")

    return await act(request, principal, pool, plan(), page)


@router.post("/ward/episodes/{episode_id}/discharged")
async def confirm_discharge(
    episode_id: str,
    request: Request,
    principal: WardStaff,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    async def confirm() -> str:
        ack = await report(intake, principal, form, "discharged", {}, episode_id)
        return ack_notice(ack, "saved")

    return await act(request, principal, pool, confirm(), page)


ENDED = frozenset(p.value for p in TERMINAL_PHASES)
NO_SUCH_EPISODE = ApiError(404, "episode_id: no such episode")


async def _refused_task(request: Request, problem: ApiError | None) -> dict[str, Any]:
    """A network-meeting form the episode refused (the page comes back from POST
    /tasks/{id}/complete): what was typed, and the reasons by field, for its task card."""
    task_id = request.path_params.get("task_id")
    if problem is None or request.method != "POST" or not isinstance(task_id, str):
        return {}
    form = await request.form()
    typed = {name: field(form, name) for name in ("meeting_on", "starts_at", "place")}
    errors = [e for e in problem.errors if e.field.startswith("result.")]
    if not errors and problem.message.startswith("result."):
        where, _, reason = problem.message.partition(": ")
        errors = [FieldError(field=where, reason=reason)]
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field.removeprefix("result.").split(".")[0], []).append(
            error.reason
        )
    return {"task_values": {task_id: typed}, "task_errors": {task_id: by_field}}


async def _own_episode(pool: DatabasePool, principal: Principal, episode_id: str) -> EpisodeRow:
    """The episode, if it is this ward's (404 as for one that does not exist otherwise)."""
    async with pool.acquire() as conn:
        row = await episode_queries.episode(conn, episode_id)
    if row is None or not may_see_episode(principal, row):
        raise NO_SUCH_EPISODE
    return row


async def episode_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    episode_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    refused: tuple[str, dict[str, str]] | None = None,
) -> Response:
    """One episode's ward page: who, where it stands, and a form per fact; a refused form
    comes back with what was typed and the reasons next to its fields."""
    row = await _own_episode(pool, principal, episode_id)
    citizen = None
    async with pool.acquire() as conn:
        programmes = await pages.programmes(conn)
        if may_see_citizen(principal, row):
            citizen = await read_contact(conn, principal, episode_id)
    now = datetime.now(UTC)
    forms = {name: ward_facts.blank(name, now) for name in ward_facts.FACTS}
    refused_name = None
    if refused is not None:
        refused_name, forms[refused[0]] = refused[0], refused[1]
    lang = language(request)
    return render(
        request,
        "ward_episode.html",
        {
            "title": "ward.episode.title",
            "problem": problem,
            "episode": row,
            "programmes": programmes,
            "citizen": citizen,
            "ended": row.phase in ENDED,
            "forms": forms,
            "refused": refused_name,
            "field_errors": ward_facts.errors_by_field(problem),
            "scopes": ward_facts.SCOPES,
            "methods": ward_facts.METHODS,
            "settings": ward_facts.SETTINGS,
            "reason_max": ward_facts.REASON_MAX,
            "today": now.astimezone(LOCAL_TIME).date().isoformat(),
            "referred_on": row.referred_at.astimezone(LOCAL_TIME).date().isoformat(),
            "moment_words": partial(moment_words, lang=lang),
            "day_words": partial(day_words, lang=lang),
        },
        principal=principal,
        status=status,
    )


@router.get("/ward/episodes/{episode_id}")
async def ward_episode_page(
    episode_id: str, request: Request, principal: WardStaff, pool: Pool
) -> Response:
    return await episode_page(request, principal, pool, episode_id)


@router.post("/ward/episodes/{episode_id}/facts/{fact}")
async def record_fact(
    episode_id: str,
    fact: str,
    request: Request,
    principal: WardStaff,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    """One fact, through the same intake as POST /api/events, dated when it happened."""
    if fact not in ward_facts.FACTS:
        raise ApiError(404, "fact: no such form")
    row = await _own_episode(pool, principal, episode_id)
    values = ward_facts.from_form(fact, form)
    lang = language(request)
    try:
        occurred, payload = ward_facts.checked(
            fact, values, row.referred_at, datetime.now(UTC), lang
        )
        ack = await report(intake, principal, form, fact, payload, episode_id, occurred)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        return await episode_page(
            request,
            principal,
            pool,
            episode_id,
            problem=err,
            status=err.status,
            refused=(fact, values),
        )
    notice = ack_notice(ack, f"ward.{fact}")
    return RedirectResponse(
        f"/ward/episodes/{episode_id}?notice={notice}#facts-title", status_code=303
    )
