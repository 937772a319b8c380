"""The coordinator's overdue work by who holds it, a page of tasks at a time: PAGE_SIZE
overdue tasks, oldest due first (undated last, the task id breaking ties), from a position
(`overdue_after=` a task's due time in microseconds, or `none`, and its id, as the task
cards' pages write it), never an offset; each holder's count and oldest due are over all
their overdue work, not just the page's; the total is counted up to the lists' cap (more
than that says so). A position that is not one is refused with a 400 page naming the
parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fastapi import Request

from api.errors import ApiError
from api.web import labels
from api.web.rendering import language
from api.web.task_paging import decode_key, encode_key
from db import coordinator_lists
from db.connection import PooledConnection
from db.coordinator_lists import OverdueHolder, OverduePosition, OverdueTask

AFTER = "overdue_after"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DROPPED = frozenset({AFTER, "notice"})


@dataclass
class Holder:
    """Who holds overdue work (all of it counted) and their overdue tasks on this page."""

    held: OverdueHolder
    tasks: list[OverdueTask] = field(default_factory=list)

    @property
    def role(self) -> str:
        return self.held.assignee_role

    @property
    def holder_id(self) -> str:
        return self.held.assignee_id

    @property
    def service(self) -> str | None:
        return self.held.assignee_service

    @property
    def name(self) -> str | None:
        return self.held.holder_name


@dataclass(frozen=True)
class OverduePage:
    """The holders with tasks on this page (oldest due first), the link to the next page and
    back to the oldest (None where there is none), and how many overdue tasks in all
    (counted up to the lists' cap; `capped` when there are more)."""

    holders: list[Holder]
    shown: int
    total: int
    capped: bool
    later: str | None
    first: str | None


def _position(request: Request) -> OverduePosition | None:
    raw = request.query_params.get(AFTER)
    if raw is None:
        return None
    key = decode_key(raw) if len(request.query_params.getlist(AFTER)) == 1 else None
    if key is None:
        reason = labels.text("paging.bad_cursor", language(request)).format(field=AFTER)
        raise ApiError(400, reason)
    undated, micros, task_id = key
    return OverduePosition(
        due_at=None if undated else _EPOCH + micros * _MICROSECOND, task_id=task_id
    )


def _encode(task: OverdueTask) -> str:
    if task.due_at is None:
        return encode_key((True, 0, task.task_id))
    return encode_key((False, (task.due_at - _EPOCH) // _MICROSECOND, task.task_id))


def by_holder(held: list[OverdueHolder], tasks: list[OverdueTask]) -> list[Holder]:
    """The page's tasks grouped by who holds them, in the order of each holder's first task
    on the page (so the oldest due work first)."""
    known = {(h.assignee_role, h.assignee_id, h.assignee_service): h for h in held}
    holders: dict[tuple[str, str, str | None], Holder] = {}
    for task in tasks:
        key = (task.assignee_role, task.assignee_id, task.assignee_service)
        holder = holders.get(key)
        if holder is None:
            counted = known.get(key) or OverdueHolder(
                assignee_role=task.assignee_role,
                assignee_id=task.assignee_id,
                assignee_service=task.assignee_service,
                holder_name=task.holder_name,
                overdue=0,
                oldest_due=task.due_at,
            )
            holder = holders[key] = Holder(counted)
        holder.tasks.append(task)
    return list(holders.values())


async def overdue_page(
    request: Request,
    conn: PooledConnection,
    organisation_id: str | None,
    partners: list[str],
    anchor: str,
) -> OverduePage:
    """The page of overdue work the query asks for (the oldest when it names none)."""
    after = _position(request)
    tasks, more = await coordinator_lists.overdue_tasks(conn, organisation_id, partners, after)
    held = await coordinator_lists.overdue_holders(conn, organisation_id, partners, tasks)
    total, capped = await coordinator_lists.overdue_count(conn, organisation_id, partners)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in _DROPPED]

    def href(extra: list[tuple[str, str]]) -> str:
        query = urlencode(kept + extra)
        return f"{request.url.path}{'?' + query if query else ''}#{anchor}"

    return OverduePage(
        holders=by_holder(held, tasks),
        shown=len(tasks),
        total=total,
        capped=capped,
        later=href([(AFTER, _encode(tasks[-1]))]) if tasks and more else None,
        first=href([]) if after is not None else None,
    )
