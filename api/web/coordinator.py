"""The coordinator's page: unmatched and escalated episodes, manual matching, the episodes by
the citizen's name with their peer (a partner's episode one of the organisation's own peers is
assigned to, marked with its owner, where the partnership's sharing rules say so), handing an
episode to another peer, overdue work by who holds it (a page at a time), the peers who need
a look (full, away with citizens, one place left, none yet; all of them on the roster page),
and the admissions to the organisation's wards without a referral (ward and when only: no
consent yet). A manual match and a hand-over each have their own page (api/web/manual_match,
hand_over_page), so the landing page reads no eligible peers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from api.dependencies import Pool, Temporal
from api.errors import ApiError, invalid
from api.hand_over import HandOverIn, hand_over
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.scoping import may_see_episode
from api.web import overdue_list, paging, task_paging
from api.web.actions import done
from api.web.guard import PageRoute, PostedForm, page_user
from api.web.guard import field as form_field
from api.web.referral_candidates import waiting
from api.web.rendering import language, render
from api.web.role_page import role_page
from api.web.task_cards import card_notes
from db import coordinator_lists, episode_queries, pages, partnerships, referral_candidates
from db.coordinator_lists import CoordinatorEpisode, EligiblePeer
from db.keyset import PAGE_SIZE
from db.pool import DatabasePool
from db.tasks import OpenTask
from schemas.episode import TERMINAL_PHASES
from schemas.people import Role
from schemas.tasks import TaskKind

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ATTENTION = frozenset({TaskKind.MANUAL_MATCH, TaskKind.FIRST_CONTACT_ESCALATION, TaskKind.CONCERN})
ENDED = frozenset(p.value for p in TERMINAL_PHASES)
# The hand-over form's fields, as the API names them.
HAND_FIELDS = ("peer_id", "reason")
NO_SUCH_EPISODE = ApiError(404, "episode_id: no such episode for you")

Coordinator = Annotated[Principal, Depends(page_user(Role.COORDINATOR))]


def peer_choices(episode: CoordinatorEpisode, peers: list[EligiblePeer]) -> list[EligiblePeer]:
    """The peers this episode may go to: serving its programme and municipality, not its
    own peer (full peers are listed, marked, so the coordinator sees why not them)."""
    return [
        p
        for p in peers
        if p.peer_id != episode.peer_id
        and episode.programme in p.programmes
        and episode.municipality_code in p.municipalities
    ]


def hand_over_errors(problem: ApiError | None) -> dict[str, list[str]]:
    """A refused hand-over's reasons by form field (peer_id, reason), as the API names them."""
    if problem is None:
        return {}
    found: dict[str, list[str]] = {}
    for error in problem.errors:
        if error.field in HAND_FIELDS:
            found.setdefault(error.field, []).append(error.reason)
    if not found:
        name, _, reason = problem.message.partition(":")
        if name in HAND_FIELDS and reason:
            found[name] = [reason.strip()]
    return found


def handable(principal: Principal, episode: CoordinatorEpisode) -> bool:
    """Only the coordinator's own organisation's active episodes with a peer can be handed
    over."""
    return (
        episode.peer_id is not None
        and episode.phase not in ENDED
        and episode.organisation_id == principal.organisation_id
    )


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    way, at = paging.position(request)
    every_task = await with_supervised_tasks(pool, principal, await open_tasks(pool, principal))
    task_page = task_paging.task_page(request, every_task, "tasks-title")
    tasks = task_page.tasks
    reasons: dict[str, list[str]] = {}
    for task in every_task:
        if task.kind in ATTENTION:
            reasons.setdefault(task.episode_id, []).append(task.kind)
    partners = sorted(principal.escalated_episodes | principal.supervised_episodes)
    who = {"actor_role": principal.role.value, "actor_id": principal.id}
    async with pool.acquire() as conn:
        listed = await coordinator_lists.episodes(
            conn, principal.organisation_id, partners, way=way, at=at, **who
        )
        attention = await coordinator_lists.attention(
            conn, principal.organisation_id, partners, sorted(reasons), **who
        )
        overdue = await overdue_list.overdue_page(
            request, conn, principal.organisation_id, partners, "overdue-title"
        )
        peers = await pages.peers_to_watch(conn, principal.organisation_id, PAGE_SIZE)
        admissions = await referral_candidates.organisation_candidates(
            conn, principal.organisation_id
        )
    episodes = listed.rows
    shown = {e.episode_id: e for e in [*attention, *episodes]}
    return role_page(
        request,
        principal,
        title="coordinator.title",
        template="coordinator.html",
        context={
            "attention": attention,
            "reasons": reasons,
            "episodes": episodes,
            "episode_page": listed,
            "episode_links": paging.links(request, listed, "episodes-title"),
            "supervised": supervised_owners(principal, list(shown.values())),
            "names": {e.episode_id: e.citizen_name for e in shown.values()},
            "handable": {e.episode_id for e in episodes if handable(principal, e)},
            "overdue": overdue,
            "tasks": tasks,
            "task_page": task_page,
            "peers": peers,
            "card_notes": await card_notes(pool, principal, tasks),
            "admissions": waiting(admissions, datetime.now(UTC), language(request)),
        },
        problem=problem,
        status=status,
    )


async def with_supervised_tasks(
    pool: DatabasePool, principal: Principal, tasks: list[OpenTask]
) -> list[OpenTask]:
    """The coordinator's inbox and the coordinator tasks of the partners' episodes they
    supervise (addressed to the owner, which the home coordinator may take too), soonest due
    first."""
    async with pool.acquire() as conn:
        supervised = await partnerships.supervised_tasks(
            conn, sorted(principal.supervised_episodes)
        )
    known = {t.task_id for t in tasks}
    merged = tasks + [t for t in supervised if t.task_id not in known]
    return sorted(
        merged, key=lambda t: (t.due_at is None, t.due_at or datetime.min.replace(tzinfo=UTC))
    )


def supervised_owners(principal: Principal, episodes: list[CoordinatorEpisode]) -> dict[str, str]:
    """The partners' episodes listed because one of the coordinator's own peers is assigned
    (the partnership's sharing rules), with the name of the organisation that owns each."""
    return {
        e.episode_id: e.organisation_name
        for e in episodes
        if e.episode_id in principal.supervised_episodes
        and e.organisation_id != principal.organisation_id
    }


async def kept_hand_over(request: Request, problem: ApiError | None) -> dict[str, object]:
    """A refused hand-over form: what was chosen and typed, and the reasons by field, to show
    them again."""
    if problem is None or request.method != "POST":
        return {}
    form = await request.form()
    return {
        "peer_id": form_field(form, "peer_id"),
        "reason": form_field(form, "reason"),
        "errors": hand_over_errors(problem),
    }


@router.get("/coordinator")
async def coordinator_page(request: Request, principal: Coordinator, pool: Pool) -> Response:
    return await page(request, principal, pool)


async def hand_over_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    episode_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    """One episode's hand-over form: the peers of the partnership who serve its programme and
    municipality; an episode not the coordinator's own is 404, as one that does not exist."""
    async with pool.acquire() as conn:
        found = await episode_queries.episode(conn, episode_id)
        if (
            found is None
            or found.organisation_id != principal.organisation_id
            or not may_see_episode(principal, found)
        ):
            raise NO_SUCH_EPISODE
        episode = await coordinator_lists.one_episode(
            conn, episode_id, actor_role=principal.role.value, actor_id=principal.id
        )
        if episode is None:
            raise NO_SUCH_EPISODE
        eligible = await coordinator_lists.eligible_peers(conn, principal.organisation_id)
    can = handable(principal, episode)
    return render(
        request,
        "coordinator_hand_over.html",
        {
            "title": "coordinator.hand.title",
            "problem": problem,
            "episode": episode,
            "handable": can,
            "choices": peer_choices(episode, eligible) if can else [],
            "kept": await kept_hand_over(request, problem),
        },
        principal=principal,
        status=status,
    )


@router.get("/coordinator/episodes/{episode_id}/hand-over")
async def hand_over_form(
    episode_id: str, request: Request, principal: Coordinator, pool: Pool
) -> Response:
    return await hand_over_page(request, principal, pool, episode_id)


@router.post("/coordinator/episodes/{episode_id}/hand-over")
async def hand_over_episode(
    episode_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
    temporal: Temporal,
) -> Response:
    """The same code as POST /api/episodes/{id}/hand-over; a refusal shows the episode's
    hand-over page again with the field named and what was typed kept."""
    try:
        try:
            body = HandOverIn(
                peer_id=form_field(form, "peer_id"), reason=form_field(form, "reason")
            )
        except ValidationError as err:
            raise invalid(err) from None
        await hand_over(pool, temporal, principal, episode_id, body)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        return await hand_over_page(
            request, principal, pool, episode_id, problem=err, status=err.status
        )
    return done(principal, "handed_over")
