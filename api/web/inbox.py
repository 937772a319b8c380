"""The inbox page for every role: the person's in-app notifications, newest first, unread ones
marked in words, each linked where its reader may open it; marking one or all read; and the
unread count in the navigation of every page."""

from __future__ import annotations

import re
from datetime import datetime
from math import ceil

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from activities.messages import (
    COURSES_PAGE,
    GROUPS_PAGE,
    ROSTER_TASKS_PAGE,
    TEACHING_PAGE,
    TEXTS,
    link,
)
from api.auth import MaybeCaller
from api.dependencies import Pool
from api.errors import ApiError, FieldError
from api.principal import Principal
from api.scoping import may_act_on_task, may_see_episode
from api.web.guard import SAFE_METHODS, PageRoute, PostedForm, SignedIn, field
from api.web.inbox_texts import INBOX_TEXTS
from api.web.rendering import render
from db import inbox as inbox_queries
from db.inbox import InboxEntry
from schemas.base import Frozen
from schemas.notifications import (
    COURSE_STAFF_TEMPLATES,
    GROUP_TEMPLATES,
    ROSTER_TEMPLATES,
    Template,
)
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PER_PAGE = 25
MAX_PAGE = 10_000
_PAGE = re.compile(r"[0-9]{1,5}")
NOT_YOURS = ApiError(404, "notification_id: no such notification for you")


class InboxLine(Frozen):
    """One notification as the page shows it."""

    notification_id: str
    created_at: datetime
    read: bool
    text: tuple[str, str]
    link: str | None
    link_label: str


def message(template: str) -> tuple[str, str]:
    """(Danish, English) from the notification catalogue the e-mails and texts use."""
    try:
        return TEXTS[Template(template)]
    except (ValueError, KeyError):
        return INBOX_TEXTS["inbox.unknown"]


# A notice about no episode opens its family's page, for the roles that page lets in.
_FAMILY_PAGES: dict[str, tuple[str, frozenset[Role]]] = {
    TEACHING_PAGE: ("inbox.open_teaching", frozenset({Role.PEER})),
    COURSES_PAGE: ("inbox.open_courses", frozenset({Role.COORDINATOR})),
    GROUPS_PAGE: ("inbox.open_groups", frozenset({Role.PEER, Role.COORDINATOR})),
    ROSTER_TASKS_PAGE: ("inbox.open_roster_tasks", frozenset({Role.COORDINATOR})),
}


def family_page(principal: Principal, template: str) -> tuple[str | None, str]:
    """A notice without an episode: the courses (or teaching) page for a course notice, the
    groups page for a group task, the roster tasks page for a roster task (or an unknown
    notice to a coordinator), where the reader's role may open it."""
    known = Template(template) if template in set(Template) else None
    if known in COURSE_STAFF_TEMPLATES | GROUP_TEMPLATES | ROSTER_TEMPLATES:
        page = link("", None, None, known)
    else:
        page = ROSTER_TASKS_PAGE
    label, roles = _FAMILY_PAGES[page]
    if principal.role not in roles:
        return None, "inbox.not_yours"
    return page, label


def where_to_open(principal: Principal, entry: InboxEntry) -> tuple[str | None, str]:
    """The task while its reader may still act on it, else the episode if they may see it,
    else nothing (a link would only answer 404); a notice about no episode opens the page of
    its kind (`family_page`)."""
    episode, task = entry.episode, entry.task
    if entry.episode_id is None:
        return family_page(principal, entry.template)
    if episode is None:
        return None, "inbox.not_yours"
    if task is not None and task.status == "open" and may_act_on_task(principal, task, episode):
        return link("", entry.episode_id, entry.task_id), "inbox.open_task"
    if may_see_episode(principal, episode):
        template = Template(entry.template) if entry.template in set(Template) else None
        return link("", entry.episode_id, None, template), "inbox.open_episode"
    return None, "inbox.not_yours"


def line(principal: Principal, entry: InboxEntry) -> InboxLine:
    target, label = where_to_open(principal, entry)
    return InboxLine(
        notification_id=entry.notification_id,
        created_at=entry.created_at,
        read=entry.read,
        text=message(entry.template),
        link=target,
        link_label=label,
    )


def page_number(raw: str | None) -> int:
    """`page` from the address or a form: 1 when absent, else a whole number in range."""
    if raw is None or raw == "":
        return 1
    if _PAGE.fullmatch(raw) is None or not 1 <= int(raw) <= MAX_PAGE:
        reason = f"must be a whole number from 1 to {MAX_PAGE}"
        raise ApiError(422, f"page: {reason}", [FieldError(field="page", reason=reason)])
    return int(raw)


async def unread_badge(request: Request, principal: MaybeCaller, pool: Pool) -> None:
    """The unread count for the navigation of every page a person opens (reads only: a form
    answers with a redirect, whose page counts again)."""
    if principal is not None and request.method in SAFE_METHODS:
        async with pool.acquire() as conn:
            request.state.inbox_unread = await inbox_queries.unread(conn, principal.id)


@router.get("/inbox")
async def inbox_page(request: Request, principal: SignedIn, pool: Pool) -> Response:
    page = page_number(request.query_params.get("page"))
    async with pool.acquire() as conn:
        counts = await inbox_queries.counts(conn, principal.id)
        entries = await inbox_queries.inbox_page(
            conn, principal.id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
        )
    pages = max(1, ceil(counts.total / PER_PAGE))
    if page > pages:
        raise ApiError(404, f"page: there are {pages} pages")
    return render(
        request,
        "inbox.html",
        {
            "title": "inbox.title",
            "problem": None,
            "lines": [line(principal, e) for e in entries],
            "counts": counts,
            "page": page,
            "pages": pages,
        },
        principal=principal,
    )


@router.post("/inbox/read-all")
async def mark_all_read(principal: SignedIn, form: PostedForm, pool: Pool) -> Response:
    async with pool.acquire() as conn:
        await inbox_queries.mark_all_read(conn, principal.id)
    return RedirectResponse("/inbox?notice=inbox_all_read", status_code=303)


@router.post("/inbox/{notification_id}/read")
async def mark_read(
    notification_id: str, principal: SignedIn, form: PostedForm, pool: Pool
) -> Response:
    page = page_number(field(form, "page"))
    async with pool.acquire() as conn:
        found = await inbox_queries.mark_read(conn, notification_id, principal.id)
    if not found:
        raise NOT_YOURS
    return RedirectResponse(f"/inbox?page={page}&notice=inbox_read", status_code=303)
