"""The citizen's "my consent, my data" pages: /my/consent (what is shared with whom, and
withdrawing a scope, effective at once), /my/reads (who has read or changed their record,
from the audit log, in words) and /my/data (everything held about them, as a printable page
and a JSON download, audited as their own export).

A withdrawal goes through the same intake as a staff-recorded one (api/web/actions.report):
a consent_withdrawn event from Actor(role=citizen, id=<their citizen id>), method digital,
sent as the episode's update that answers only once its commit is in the read model the
access checks read (episodes.consents), so a caseworker's very next request is refused.
Staff are shown by role and workplace, never by name: the citizen's right of access covers
who received their data, and the workplace can tell them who in the log if they ask."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import Intake, Pool
from api.errors import ApiError, FieldError
from api.principal import Principal
from api.web import labels
from api.web.actions import new_event_id, report
from api.web.citizen_guard import CitizenEpisode, CitizenForm, CitizenRoute, CitizenUser
from api.web.guard import field
from api.web.rendering import language, render, when
from api.web.timeline_lines import line_text
from db import citizen_record as record
from db.citizen_record import MyEpisode, RecordLine
from db.notes import episode_notes
from db.pool import DatabasePool
from schemas.citizen_record import (
    CitizenPart,
    CitizenRecord,
    ContactPart,
    EpisodePart,
    GoalPart,
    MessagePart,
    NotePart,
    RelativePart,
    TaskPart,
    TimelinePart,
)
from schemas.consent import ConsentMethod, ConsentScope
from schemas.episode import TERMINAL_PHASES

router = APIRouter(route_class=CitizenRoute, include_in_schema=False)

READS_PER_PAGE = 20
# The pages a citizen can go back through: far more than any record holds.
MAX_PAGE = 10_000
ENDED = frozenset(p.value for p in TERMINAL_PHASES)


# --- /my/consent ---------------------------------------------------------------------------


async def _episodes(pool: DatabasePool, principal: Principal) -> list[MyEpisode]:
    async with pool.acquire() as conn:
        return await record.my_episodes(conn, principal.id, sorted(principal.citizen_episodes))


def _consent_page(
    request: Request,
    principal: Principal,
    episodes: list[MyEpisode],
    *,
    confirm: tuple[MyEpisode, str] | None = None,
    problem: ApiError | None = None,
) -> Response:
    return render(
        request,
        "my_consent.html",
        {
            "episodes": episodes,
            "ended": ENDED,
            "confirm": confirm,
            "event_id": new_event_id("consent_withdrawn"),
            "problem": problem,
        },
        principal=principal,
        status=problem.status if problem else 200,
    )


def _refusal(reason_key: str, lang: str, status: int = 422, **params: str) -> ApiError:
    reason = labels.text(reason_key, lang).format(**params)
    return ApiError(
        status, labels.text("myconsent.refused", lang), [FieldError(field="scope", reason=reason)]
    )


def _withdrawable(episode: MyEpisode | None, scope: str, lang: str) -> str:
    """The scope if the citizen can withdraw it from this episode now (422 naming `scope`
    otherwise: not a scope, not given, or the episode has ended)."""
    if scope not in {s.value for s in ConsentScope}:
        raise _refusal("myconsent.scope_unknown", lang)
    if episode is None or episode.phase in ENDED:
        raise _refusal("myconsent.episode_ended", lang, status=409)
    if scope not in episode.consents:
        raise _refusal("myconsent.scope_not_given", lang)
    return scope


def _find(episodes: list[MyEpisode], episode_id: str) -> MyEpisode | None:
    return next((e for e in episodes if e.episode_id == episode_id), None)


@router.get("/my/consent")
async def my_consent(request: Request, principal: CitizenUser, pool: Pool) -> Response:
    """Each bridge with the consents that stand, who sees what, and a withdraw link each."""
    return _consent_page(request, principal, await _episodes(pool, principal))


@router.get("/my/consent/{episode_id}/withdraw")
async def confirm_withdrawal(
    request: Request, episode_id: CitizenEpisode, principal: CitizenUser, pool: Pool
) -> Response:
    """The confirm step: what withdrawing this scope means, and a button that does it."""
    episodes = await _episodes(pool, principal)
    episode = _find(episodes, episode_id)
    scope = request.query_params.get("scope", "")
    try:
        _withdrawable(episode, scope, language(request))
    except ApiError as err:
        return _consent_page(request, principal, episodes, problem=err)
    assert episode is not None
    return _consent_page(request, principal, episodes, confirm=(episode, scope))


@router.post("/my/consent/{episode_id}/withdraw")
async def withdraw(
    request: Request,
    episode_id: CitizenEpisode,
    principal: CitizenUser,
    form: CitizenForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    """Withdraw the scope through the episode, answering once the read model holds it."""
    lang = language(request)
    episodes = await _episodes(pool, principal)
    scope = field(form, "scope")
    try:
        _withdrawable(_find(episodes, episode_id), scope, lang)
        payload = {"scope": scope, "method": ConsentMethod.DIGITAL.value}
        await report(intake, principal, form, "consent_withdrawn", payload, episode_id)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        return _consent_page(request, principal, await _episodes(pool, principal), problem=err)
    notice = "my_bridge_ended" if scope == ConsentScope.PEER_SUPPORT else "my_consent_withdrawn"
    return RedirectResponse(f"/my/consent?notice={notice}", status_code=303)


# --- /my/reads -----------------------------------------------------------------------------


def _who(line: RecordLine, lang: str) -> str:
    for key in (f"myreads.who.{line.actor_role}.{line.service}", f"myreads.who.{line.actor_role}"):
        if key in labels.TEXTS:
            return labels.text(key, lang)
    return labels.text("myreads.who.other", lang)


def _did(action: str, lang: str) -> str:
    """The action in words; one the catalog does not name, as a read or a change."""
    key = f"myreads.did.{action}"
    if key in labels.TEXTS:
        return labels.text(key, lang)
    looked = action.startswith(("read.", "codec."))
    return labels.text("myreads.did.read" if looked else "myreads.did.changed", lang)


def line_words(line: RecordLine, lang: str) -> str:
    """ "A caseworker at Aarhus Kommune read the notes about you on 2026-05-03 10:15." """
    words = {"who": _who(line, lang), "did": _did(line.action, lang), "when": when(line.at)}
    if line.place:
        return labels.text("myreads.line", lang).format(place=line.place, **words)
    return labels.text("myreads.line.no_place", lang).format(**words)


def _page_number(request: Request, lang: str) -> int:
    raw = request.query_params.get("page", "1").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 5 and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    reason = labels.text("myreads.bad_page", lang).format(last=MAX_PAGE)
    raise ApiError(422, f"page: {reason}", [FieldError(field="page", reason=reason)])


@router.get("/my/reads")
async def my_reads(request: Request, principal: CitizenUser, pool: Pool) -> Response:
    """The audit log of the citizen's record in words, newest first, a page at a time."""
    lang = language(request)
    page = _page_number(request, lang)
    async with pool.acquire() as conn:
        lines = await record.record_lines(
            conn,
            principal.id,
            sorted(principal.citizen_episodes),
            limit=READS_PER_PAGE + 1,
            offset=(page - 1) * READS_PER_PAGE,
        )
    context = {
        "lines": [line_words(line, lang) for line in lines[:READS_PER_PAGE]],
        "page": page,
        "older": len(lines) > READS_PER_PAGE,
    }
    return render(request, "my_reads.html", context, principal=principal)


# --- /my/data ------------------------------------------------------------------------------


def _role(role: str | None, lang: str) -> str | None:
    return labels.value("role", role, lang) if role else None


def _goal_status(status: str, lang: str) -> str:
    key = f"peer.goal_status.{status}"
    return labels.text(key, lang) if key in labels.TEXTS else status


async def _episode_part(pool: DatabasePool, e: MyEpisode, lang: str) -> EpisodePart:
    async with pool.acquire() as conn:
        contact = await record.contact(conn, e.episode_id)
        goals = await record.goals(conn, e.episode_id)
        timeline = await record.timeline(conn, e.episode_id)
        relatives = await record.relatives(conn, e.episode_id)
        notes = await episode_notes(conn, e.episode_id)
        tasks = await record.tasks(conn, e.episode_id)
        messages = await record.messages(conn, e.episode_id)
    name = e.programme_name_da if lang == "da" else e.programme_name
    return EpisodePart(
        programme=name or e.programme,
        phase=labels.value("phase", e.phase, lang),
        ward=e.ward_name,
        organisation=e.organisation_name,
        municipality=e.municipality_name or "",
        referred_at=e.referred_at,
        discharged_at=e.discharged_at,
        closed_at=e.closed_at,
        consents_given=tuple(labels.value("scope", s, lang) for s in e.consents),
        contact=None
        if contact is None
        else ContactPart(
            name=contact.name,
            phone=contact.phone,
            email=contact.email,
            recorded_by=labels.value("role", contact.recorded_by_role, lang),
            recorded_at=contact.recorded_at,
        ),
        goals=tuple(
            GoalPart(
                area=labels.value("area", g.area, lang),
                text=g.text,
                status=_goal_status(g.status, lang),
                set_at=g.set_at,
                changed_at=g.changed_at,
            )
            for g in goals
        ),
        timeline=tuple(
            TimelinePart(at=t.at, what=line_text(t, lang), by=_role(t.actor_role, lang))
            for t in timeline
        ),
        relatives=tuple(
            RelativePart(
                name=r.name,
                relation=r.relation,
                phone=r.phone,
                email=r.email,
                added_at=r.recorded_at,
                removed_at=r.removed_at,
            )
            for r in relatives
        ),
        notes=tuple(
            NotePart(
                kind=labels.text(f"notes.kind.{n.kind}", lang),
                at=n.at,
                by=_role(n.author_role, lang),
                text=n.text,
                urgent=n.urgent,
            )
            for n in notes
        ),
        tasks=tuple(
            TaskPart(
                kind=labels.value("task", t.kind, lang),
                for_role=labels.value("role", t.assignee_role, lang),
                status=labels.value("status", t.status, lang),
                created_at=t.created_at,
                due_at=t.due_at,
                decided_at=t.decided_at,
            )
            for t in tasks
        ),
        messages=tuple(
            MessagePart(
                about=m.template.replace("_", " "),
                channel=m.channel,
                status=labels.value("status", m.status, lang),
                created_at=m.created_at,
                sent_at=m.sent_at,
            )
            for m in messages
        ),
    )


async def citizen_record(pool: DatabasePool, principal: Principal, lang: str) -> CitizenRecord:
    """Everything held about the citizen, its words in `lang`; audited as their export."""
    episodes = await _episodes(pool, principal)
    async with pool.acquire() as conn:
        row = await record.citizen_row(conn, principal.id)
    if row is None:
        raise ApiError(401, "sign in first")  # erased since they signed in
    parts = [await _episode_part(pool, e, lang) for e in episodes]
    return CitizenRecord(
        exported_at=datetime.now(UTC),
        language=lang,
        citizen=CitizenPart(cpr=row.cpr, known_since=row.created_at),
        episodes=tuple(parts),
    )


async def _audited(pool: DatabasePool, principal: Principal, form: str) -> None:
    async with pool.acquire() as conn:
        await record.audit_export(conn, principal.id, sorted(principal.citizen_episodes), form=form)


@router.get("/my/data")
async def my_data(request: Request, principal: CitizenUser, pool: Pool) -> Response:
    """The printable page of everything held about the citizen."""
    data = await citizen_record(pool, principal, language(request))
    await _audited(pool, principal, "page")
    return render(request, "my_data_print.html", {"data": data}, principal=principal)


@router.get("/my/data/download")
async def download(request: Request, principal: CitizenUser, pool: Pool) -> Response:
    """The same as a JSON file the browser saves."""
    data = await citizen_record(pool, principal, language(request))
    await _audited(pool, principal, "json")
    stamp = data.exported_at.strftime("%Y-%m-%d")
    return Response(
        data.model_dump_json(indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="hverdagsbro-my-data-{stamp}.json"',
            "Cache-Control": "no-store",
        },
    )
