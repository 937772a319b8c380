"""The citizen's own page, My bridge: their plan and the next step in plain words, their goals
(added and reworded through the episode, as the peer's forms do, so the peer sees them at
once), their next meeting and how to reach their peer, what is shared with whom, and their
reminders. Only the citizen's own episodes: the open one in full, earlier ones listed.

Reading one's own record is not audited (the citizen is its subject); every change is: a goal
is an event of the episode, a reminder choice a line of db/citizen_preferences."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import Intake, Pool
from api.errors import ApiError, FieldError
from api.meeting_dates import date_today
from api.principal import Principal
from api.web.actions import ack_notice, new_event_id, report
from api.web.citizen_guard import CitizenEpisode, CitizenForm, CitizenRoute, CitizenUser
from api.web.form_checks import refused, refused_one
from api.web.guard import field as form_field
from api.web.labels import text
from api.web.peer_episode import errors_by_field
from api.web.rendering import language, render
from api.web.when_words import day_words, moment_words
from db import citizen_preferences, episode_queries, my_bridge
from db import relatives as relatives_store
from db.audit import Actor
from db.my_bridge import MyEpisode
from db.pool import DatabasePool
from schemas.citizen_messages import PreferredChannel
from schemas.consent import ConsentScope
from schemas.episode import TERMINAL_PHASES
from schemas.goals import GoalArea
from schemas.people import Role

router = APIRouter(route_class=CitizenRoute, include_in_schema=False)

GOAL_TEXT_MAX = 500
_GOAL_ID = re.compile(r"g[0-9]{1,4}")
_ENDED = frozenset(p.value for p in TERMINAL_PHASES)
# The choices of the channel form: no preference ("any") or one of PreferredChannel.
CHANNELS: dict[str, PreferredChannel | None] = {
    "any": None,
    "sms": PreferredChannel.SMS,
    "email": PreferredChannel.EMAIL,
    "none": PreferredChannel.NONE,
}
# The consent scopes in the order the page explains them.
SCOPES = tuple(ConsentScope)


@dataclass(frozen=True)
class Refused:
    """A form of the page that was refused: which (`goal_added`, `goal_changed:g2`,
    `reminders`, `channel`), why, and what was typed."""

    form: str
    problem: ApiError
    values: dict[str, str] = field(default_factory=dict)

    def errors(self) -> dict[str, list[str]]:
        return errors_by_field(self.problem)


@dataclass(frozen=True)
class MyView:
    """What the template shows; `refused` keeps a refused form's reasons and values."""

    current: MyEpisode | None
    others: list[MyEpisode]
    refused: Refused | None = None

    def kept(self, form: str, name: str, default: str = "") -> str:
        if self.refused is None or self.refused.form != form:
            return default
        return self.refused.values.get(name, default)

    def wrong(self, form: str, name: str) -> list[str]:
        if self.refused is None or self.refused.form != form:
            return []
        return self.refused.errors().get(name, [])


def _who(principal: Principal) -> Actor:
    return Actor(role=Role.CITIZEN.value, actor_id=principal.id)


def _next_step(episode: MyEpisode, due: my_bridge.PeerDue | None, lang: str) -> list[str]:
    """The next step in words, plainest first."""
    lines: list[str] = []
    if due is not None:
        words = moment_words(due.due_at, lang)
        lines.append(text(f"my.next.{due.kind}", lang).format(when=words))
    if episode.planned_discharge_on is not None and episode.discharged_at is None:
        day = day_words(episode.planned_discharge_on, lang, weekday=True)
        lines.append(text("my.next.discharge_planned", lang).format(day=day))
    if not lines and episode.phase in ("referred", "matching", "unmatched"):
        lines.append(text("my.next.matching", lang))
    if not lines:
        lines.append(text("my.next.none", lang))
    return lines


async def _current_details(pool: DatabasePool, episode: MyEpisode, lang: str) -> dict[str, Any]:
    async with pool.acquire() as conn:
        goals = await episode_queries.goals(conn, episode.episode_id)
        due = await my_bridge.peer_due(conn, episode.episode_id)
        booked = await my_bridge.booked_meeting(conn, episode.episode_id, date_today())
        sessions = await my_bridge.next_sessions(conn, episode.episode_id, datetime.now(UTC))
        peer = (
            await my_bridge.peer_contact(conn, episode.peer_id)
            if episode.peer_id is not None
            else None
        )
        relatives = await relatives_store.current(conn, episode.episode_id)
    meeting = None
    if booked is not None:
        meeting = {
            "day": day_words(booked.meeting_on, lang, weekday=True),
            "time": booked.starts_at.strftime("%H:%M") if booked.starts_at else "",
            "place": booked.place,
        }
    return {
        "goals": goals,
        "next_lines": _next_step(episode, due, lang),
        "meeting": meeting,
        "sessions": [
            {
                "line": text(f"my.sessions.{found.kind}", lang).format(
                    title=found.title_da if lang == "da" else found.title,
                    when=moment_words(found.starts_at, lang),
                ),
                "place": found.place,
            }
            for found in sessions
        ],
        "peer": peer,
        "relative_names": [r.name for r in relatives if r.name],
    }


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    refused_form: Refused | None = None,
    status: int = 200,
) -> Response:
    lang = language(request)
    async with pool.acquire() as conn:
        mine = await my_bridge.episodes(conn, principal.id, principal.citizen_episodes)
        prefs = await citizen_preferences.preferences(conn, principal.id)
    current = next((e for e in mine if e.phase not in _ENDED), None)
    view = MyView(
        current=current, others=[e for e in mine if e is not current], refused=refused_form
    )
    details = await _current_details(pool, current, lang) if current is not None else {}
    channel = next(
        (name for name, value in CHANNELS.items() if value == prefs.preferred_channel), "any"
    )
    return render(
        request,
        "my_bridge.html",
        {
            "view": view,
            **details,
            "prefs": prefs,
            "channel": view.kept("channel", "channel", channel),
            "channels": tuple(CHANNELS),
            "goal_areas": tuple(GoalArea),
            "scopes": SCOPES,
            "ended_phases": _ENDED,
            "event_id": new_event_id,
            "problem": refused_form.problem if refused_form else None,
            "day_words": lambda moment: day_words(moment, lang),
        },
        principal=principal,
        status=status,
    )


@router.get("/my/bridge")
async def my_bridge_page(request: Request, principal: CitizenUser, pool: Pool) -> Response:
    return await page(request, principal, pool)


def _goal_values(area: str, text: str) -> dict[str, str]:
    """The goal form's fields, refused all at once naming each (422)."""
    errors: list[FieldError] = []
    if area not in {a.value for a in GoalArea}:
        errors.append(FieldError(field="area", reason="choose what the goal is about"))
    if not text:
        errors.append(FieldError(field="text", reason="write your goal in a few words"))
    elif len(text) > GOAL_TEXT_MAX:
        errors.append(FieldError(field="text", reason="write at most 500 characters"))
    if errors:
        raise refused(errors)
    return {"area": area, "text": text}


async def _goal_form(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    intake: Intake,
    form: CitizenForm,
    episode_id: str,
    goal_id: str | None,
) -> Response:
    """Send a goal event as the citizen (goal_added, or goal_changed for `goal_id`); refused,
    the page again with the reasons next to the fields and what was typed; done, the page
    with the notice."""
    kind = "goal_added" if goal_id is None else "goal_changed"
    refused_as = kind if goal_id is None else f"{kind}:{goal_id}"
    extra = {} if goal_id is None else {"goal_id": goal_id}
    typed = {"area": form_field(form, "area"), "text": form_field(form, "text")}
    try:
        values = _goal_values(typed["area"], typed["text"])
        ack = await report(intake, principal, form, kind, {**extra, **values}, episode_id)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        kept = {"area": typed["area"], "text": typed["text"][: GOAL_TEXT_MAX * 2]}
        return await page(
            request,
            principal,
            pool,
            refused_form=Refused(form=refused_as, problem=err, values=kept),
            status=err.status,
        )
    notice = ack_notice(ack, f"my_{kind}")
    return RedirectResponse(f"/my/bridge?notice={notice}#goals-title", status_code=303)


@router.post("/my/episodes/{episode_id}/goals")
async def add_goal(
    episode_id: CitizenEpisode,
    request: Request,
    principal: CitizenUser,
    form: CitizenForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    return await _goal_form(request, principal, pool, intake, form, episode_id, None)


@router.post("/my/episodes/{episode_id}/goals/{goal_id}/change")
async def change_goal(
    episode_id: CitizenEpisode,
    goal_id: str,
    request: Request,
    principal: CitizenUser,
    form: CitizenForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    if not _GOAL_ID.fullmatch(goal_id):
        raise ApiError(404, "goal_id: no such goal in this episode")
    return await _goal_form(request, principal, pool, intake, form, episode_id, goal_id)


@router.post("/my/reminders")
async def reminders(
    request: Request, principal: CitizenUser, form: CitizenForm, pool: Pool
) -> Response:
    """Reminders off or on again; audited by db/citizen_preferences."""
    choice = form_field(form, "reminders")
    if choice not in ("on", "off"):
        problem = refused_one("reminders", "choose on or off")
        return await page(
            request, principal, pool, refused_form=Refused("reminders", problem), status=422
        )
    async with pool.acquire() as conn:
        await citizen_preferences.set_reminders_opted_out(
            conn, principal.id, choice == "off", _who(principal)
        )
    return RedirectResponse(
        f"/my/bridge?notice=my_reminders_{choice}#reminders-title", status_code=303
    )


@router.post("/my/channel")
async def channel(
    request: Request, principal: CitizenUser, form: CitizenForm, pool: Pool
) -> Response:
    """How the citizen wants messages (or none); audited by db/citizen_preferences."""
    choice = form_field(form, "channel")
    if choice not in CHANNELS:
        problem = refused_one("channel", "choose one of the ways to get messages")
        return await page(
            request,
            principal,
            pool,
            refused_form=Refused("channel", problem, {"channel": choice[:20]}),
            status=422,
        )
    async with pool.acquire() as conn:
        await citizen_preferences.set_preferred_channel(
            conn, principal.id, CHANNELS[choice], _who(principal)
        )
    return RedirectResponse("/my/bridge?notice=my_channel#reminders-title", status_code=303)
