"""The peer's page: offers (what matters for deciding, no name before accepting) and tasks
with their forms, own episodes, contacts and concerns; and the forms of the peer's section of
an episode page (the citizen's goals, a step, asking to close)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from api.dependencies import Intake, Pool
from api.errors import ApiError, FieldError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web import episode_page, paging, peer_episode
from api.web.actions import ack_notice, act, new_event_id, report
from api.web.guard import PageRoute, PostedForm, field, page_user
from api.web.labels import TEXTS, text
from api.web.peer_episode import Refusal
from api.web.rendering import LOCAL_TIME, language
from api.web.role_page import role_page
from api.web.task_forms import reviewed_goals
from db import episode_queries, peer_lists
from db import supervision as supervision_store
from db.connection import PooledConnection
from db.episode_queries import GoalRow
from db.peer_lists import OfferFacts
from db.pool import DatabasePool
from db.tasks import OpenTask
from schemas.events import ContactChannel
from schemas.goals import GoalStatus
from schemas.people import Role
from schemas.tasks import TaskKind

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Peer = Annotated[Principal, Depends(page_user(Role.PEER))]

# Cards whose forms show the episode's active goals, or ask for the start values.
_GOAL_CARDS = frozenset({TaskKind.FOLLOW_UP})
_OUTCOME_CARDS = frozenset({TaskKind.OUTCOME_QUESTIONNAIRE})


def offer_lines(facts: OfferFacts, lang: str) -> dict[str, str]:
    """The offer card's facts in words: programme and municipality by name, languages,
    discharge and whether a first meeting before it is expected."""
    name = facts.programme_name_da if lang == "da" else facts.programme_name
    languages = [
        text(f"language.{code}", lang) if f"language.{code}" in TEXTS else code
        for code in facts.languages
    ]
    planned = facts.planned_discharge_on.isoformat() if facts.planned_discharge_on else None
    if facts.discharged_at is not None:
        moment = facts.discharged_at.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")
        discharge = text("peer.offer.discharged", lang).format(when=moment)
    elif planned:
        discharge = text("peer.offer.planned", lang).format(day=planned)
    else:
        discharge = text("peer.offer.not_planned", lang)
    hours = text("peer.offer.meeting_no", lang).format(hours=facts.first_contact_hours)
    if not facts.meets_before_discharge or facts.discharged_at is not None:
        meeting = hours
    elif planned:
        meeting = text("peer.offer.meeting_by", lang).format(day=planned)
    else:
        meeting = text("peer.offer.meeting_yes", lang)
    return {
        "programme": name or facts.programme_name or facts.programme,
        "municipality": facts.municipality_name or "\u2013",
        "languages": ", ".join(languages) or "\u2013",
        "discharge": discharge,
        "meeting": meeting,
    }


async def _refused_task(request: Request, problem: ApiError | None) -> dict[str, Any]:
    """A task form the episode refused (the page comes back from POST /tasks/{id}/complete):
    what was typed, and the reasons by the form's field names, for its card."""
    task_id = request.path_params.get("task_id")
    if problem is None or request.method != "POST" or not isinstance(task_id, str):
        return {}
    form = await request.form()
    typed = {
        name: field(form, name) for name in form if name not in ("csrf", "event_id", "review_goal")
    }
    return {
        "task_values": {task_id: typed},
        "task_errors": {task_id: task_errors(problem, form)},
    }


def task_errors(problem: ApiError, form: FormData) -> dict[str, list[str]]:
    """`result.first_contact.hope_score` is `hope_score`; `result.reviews.1.progress` is the
    progress of the second goal reviewed (`progress_g2`); `result.goals.0.text` is `goals`;
    a refusal the workflow gave in its message ("result.reviews: ...") is read from it."""
    errors = [e for e in problem.errors if e.field.startswith("result")]
    if not errors and problem.message.startswith("result"):
        where, _, reason = problem.message.partition(": ")
        errors = [FieldError(field=where, reason=reason)]
    goal_ids = reviewed_goals(form)
    found: dict[str, list[str]] = {}
    for error in errors:
        parts = error.field.split(".")[1:]
        if parts and parts[0] in ("first_contact", "follow_up_review", "outcome"):
            parts = parts[1:]
        name = parts[0] if parts else "result"
        if name == "reviews" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(goal_ids):
                name = f"progress_{goal_ids[index]}"
        elif name == "job_or_education":
            name = "job"
        found.setdefault(name, []).append(error.reason)
    return found


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    way, at = paging.position(request)
    tasks = await open_tasks(pool, principal)
    lang = language(request)
    offers = [t.episode_id for t in tasks if t.kind == TaskKind.PEER_OFFER]
    async with pool.acquire() as conn:
        episodes = await peer_lists.peer_episodes(conn, principal.id, way=way, at=at)
        open_episodes = await peer_lists.open_episodes(conn, principal.id)
        facts = await peer_lists.offer_facts(conn, offers)
        measured = await peer_lists.start_measured(
            conn, [t.episode_id for t in tasks if t.kind in _OUTCOME_CARDS]
        )
        goals = await _active_goals(conn, principal, tasks)
        supervision = await supervision_store.next_session_for_peer(
            conn, principal.id, datetime.now(UTC)
        )
    offer_facts = {e: offer_lines(f, lang) for e, f in facts.items()}
    return role_page(
        request,
        principal,
        title="peer.title",
        template="peer.html",
        context={
            "tasks": tasks,
            "offered": {e: f["programme"] for e, f in offer_facts.items()},
            "offer_facts": offer_facts,
            "peer_goals": goals,
            "start_measured": measured,
            "episodes": episodes.rows,
            "episode_page": episodes,
            "episode_links": paging.links(request, episodes, "episodes-title"),
            "open_episodes": open_episodes,
            "channels": tuple(ContactChannel),
            "event_id": new_event_id,
            "next_supervision": supervision,
            **await _refused_task(request, problem),
        },
        problem=problem,
        status=status,
    )


async def _active_goals(
    conn: PooledConnection, principal: Principal, tasks: list[OpenTask]
) -> dict[str, list[GoalRow]]:
    """episode id -> its active goals, for the follow-up cards' reviews. The goals are the
    citizen's words: each episode's read is audited."""
    wanted = sorted({t.episode_id for t in tasks if t.kind in _GOAL_CARDS})
    every = await episode_queries.goals_of(conn, wanted)
    found = {e: [g for g in every.get(e, []) if g.status == GoalStatus.ACTIVE] for e in wanted}
    await episode_queries.audit_reads(
        conn,
        actor_role=principal.role.value,
        actor_id=principal.id,
        episode_ids=[e for e in wanted if found[e]],
        what="read.goals",
    )
    return found


@router.get("/peer")
async def peer_page(request: Request, principal: Peer, pool: Pool) -> Response:
    return await page(request, principal, pool)


@router.post("/peer/episodes/{episode_id}/contacts")
async def log_contact(
    episode_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    async def contact() -> str:
        payload = {"channel": field(form, "channel"), "note": field(form, "note")}
        ack = await report(intake, principal, form, "contact_logged", payload, episode_id)
        return ack_notice(ack, "contact")

    return await act(request, principal, pool, contact(), page)


@router.post("/peer/episodes/{episode_id}/concerns")
async def flag_concern(
    episode_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    async def concern() -> str:
        payload = {"urgent": field(form, "urgent") == "on", "note": field(form, "note")}
        ack = await report(intake, principal, form, "concern_flagged", payload, episode_id)
        return ack_notice(ack, "concern")

    return await act(request, principal, pool, concern(), page)


# ---------------------------------------------------------------- the episode page's forms


def _refuse(name: str, reason: str) -> ApiError:
    return ApiError(
        422, f"invalid input: {name}: {reason}", [FieldError(field=name, reason=reason)]
    )


async def _episode_form(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    episode_id: str,
    refused_as: str,
    values: dict[str, str],
    send: Callable[[], Awaitable[str]],
) -> Response:
    """Send one form of the episode page's peer section; refused, the same page comes back
    with the reasons and what was typed; done, the page again with the notice."""
    try:
        notice = await send()
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        peer_episode.set_refusal(request, Refusal(form=refused_as, problem=err, values=values))
        response = await episode_page.episode_page(episode_id, request, principal, pool)
        response.status_code = err.status
        return response
    return RedirectResponse(f"/episodes/{episode_id}?notice={notice}#peer-title", status_code=303)


@router.post("/peer/episodes/{episode_id}/goals")
async def add_goal(
    episode_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    values = {"area": field(form, "area"), "text": field(form, "text")}

    async def send() -> str:
        ack = await report(intake, principal, form, "goal_added", values, episode_id)
        return ack_notice(ack, "goal_added")

    return await _episode_form(request, principal, pool, episode_id, "goal_added", values, send)


@router.post("/peer/episodes/{episode_id}/goals/{goal_id}/change")
async def change_goal(
    episode_id: str,
    goal_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    values = {"area": field(form, "area"), "text": field(form, "text")}

    async def send() -> str:
        payload = {"goal_id": goal_id, **values}
        ack = await report(intake, principal, form, "goal_changed", payload, episode_id)
        return ack_notice(ack, "goal_changed")

    refused_as = f"goal_changed:{goal_id}"
    return await _episode_form(request, principal, pool, episode_id, refused_as, values, send)


@router.post("/peer/episodes/{episode_id}/goals/{goal_id}/drop")
async def drop_goal(
    episode_id: str,
    goal_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    values = {"reason": field(form, "reason")}

    async def send() -> str:
        payload = {"goal_id": goal_id, **values}
        ack = await report(intake, principal, form, "goal_dropped", payload, episode_id)
        return ack_notice(ack, "goal_dropped")

    refused_as = f"goal_dropped:{goal_id}"
    return await _episode_form(request, principal, pool, episode_id, refused_as, values, send)


@router.post("/peer/episodes/{episode_id}/steps")
async def report_step(
    episode_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    values = {"step": field(form, "step")}

    async def send() -> str:
        step = peer_episode.step_of(values["step"])
        if step is None:
            raise _refuse("step", "choose one of the steps")
        payload = {"kind": step[0], "detail": step[1]}
        ack = await report(intake, principal, form, "milestone_reached", payload, episode_id)
        return ack_notice(ack, "step")

    return await _episode_form(request, principal, pool, episode_id, "step", values, send)


@router.post("/peer/episodes/{episode_id}/close")
async def ask_to_close(
    episode_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    values = {"reason": field(form, "reason"), "confirm": field(form, "confirm")}

    async def send() -> str:
        if not values["reason"]:
            raise _refuse("reason", "required: say why the episode should close")
        if values["confirm"] != "on":
            raise _refuse("confirm", "tick the box to confirm that the episode should close")
        payload = {"reason": values["reason"]}
        ack = await report(intake, principal, form, "close_requested", payload, episode_id)
        return ack_notice(ack, "close_requested")

    return await _episode_form(request, principal, pool, episode_id, "close", values, send)
