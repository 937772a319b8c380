"""A role page's task cards a page at a time: the open tasks, soonest due first (undated
last, the task id breaking ties), PAGE_SIZE cards from a position (`later=` or `sooner=` a
task's due time in microseconds, or `none`, and its id), never an offset. The open tasks are
read whole (a cheap index read); only the cards shown are rendered, which is what costs.

A position that is not one is refused with a 400 page naming the parameter (as the episode
lists' are, api/web/paging)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fastapi import Request

from api.errors import ApiError
from api.web import labels
from api.web.rendering import language
from db.keyset import PAGE_SIZE
from db.tasks import OpenTask
from schemas.people import OPAQUE_ID

LATER = "later"
SOONER = "sooner"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_POSITION = re.compile(r"^(-?\d{1,17}|none)\.(.+)$")
_ID = re.compile(OPAQUE_ID)
_DROPPED = frozenset({LATER, SOONER, "notice"})

# (undated, due in microseconds, task id): the order the cards are shown in.
Key = tuple[bool, int, str]


def key_of(task: OpenTask) -> Key:
    if task.due_at is None:
        return (True, 0, task.task_id)
    return (False, (task.due_at - _EPOCH) // _MICROSECOND, task.task_id)


def encode_key(key: Key) -> str:
    undated, micros, task_id = key
    return f"{'none' if undated else micros}.{task_id}"


def decode_key(raw: str) -> Key | None:
    found = _POSITION.match(raw)
    if found is None or _ID.match(found.group(2)) is None:
        return None
    due = found.group(1)
    return (due == "none", 0 if due == "none" else int(due), found.group(2))


@dataclass(frozen=True)
class TaskPage:
    """The cards shown, the links beside them (None where there is none) and how many open
    tasks there are in all."""

    tasks: list[OpenTask]
    later: str | None
    sooner: str | None
    first: str | None
    total: int


def task_page(request: Request, tasks: Sequence[OpenTask], anchor: str) -> TaskPage:
    """The page of `tasks` the query asks for (the first when it names none)."""
    given = [name for name in (LATER, SOONER) if name in request.query_params]
    ordered = sorted(tasks, key=key_of)
    if not given:
        shown = ordered[:PAGE_SIZE]
        more_later, more_sooner = len(ordered) > PAGE_SIZE, False
    else:
        at = decode_key(request.query_params[given[0]]) if len(given) == 1 else None
        if at is None:
            reason = labels.text("paging.bad_cursor", language(request)).format(field=given[0])
            raise ApiError(400, reason)
        if given[0] == LATER:
            after = [t for t in ordered if key_of(t) > at]
            shown, more_later = after[:PAGE_SIZE], len(after) > PAGE_SIZE
            more_sooner = len(after) < len(ordered)
        else:
            before = [t for t in ordered if key_of(t) < at]
            shown, more_sooner = before[-PAGE_SIZE:], len(before) > PAGE_SIZE
            more_later = len(before) < len(ordered)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in _DROPPED]

    def href(extra: list[tuple[str, str]]) -> str:
        query = urlencode(kept + extra)
        return f"{request.url.path}{'?' + query if query else ''}#{anchor}"

    return TaskPage(
        tasks=shown,
        later=href([(LATER, encode_key(key_of(shown[-1])))]) if shown and more_later else None,
        sooner=href([(SOONER, encode_key(key_of(shown[0])))]) if shown and more_sooner else None,
        first=href([]) if given and (more_sooner or not shown) else None,
        total=len(ordered),
    )
