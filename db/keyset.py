"""Keyset pages of an episode list ordered newest referral first (referred_at, then
episode_id, both descending): a page starts after a position, going older or newer, and never
by an offset, so a far page costs what the first does.

The statements are fixed text: each list writes its query once with the markers below and
`variants` makes the older and newer statement of it (no value is ever interpolated)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Generic, TypeVar

import asyncpg
from pydantic import BaseModel

from schemas.base import Frozen

# Rows a page shows; a list reads one more to know whether there is a further page. 50, not
# 100: the coordinator's page holds four such lists, and at a region's size (10,000 open
# episodes) rendering 400 rows was most of its time (47 -> 35 ms a request, issue 20).
PAGE_SIZE = 50
# A list's total is counted up to this many; beyond it the page says "more than" it.
COUNT_CAP = 1000


class Way(StrEnum):
    """Which way a page goes from its position: to older referrals, or back to newer ones."""

    OLDER = "older"
    NEWER = "newer"


class Position(Frozen):
    """A row of a list: where the next page starts (that row itself is not on it)."""

    referred_at: datetime
    episode_id: str


# The first page: older than anything.
START = Position(referred_at=datetime(9999, 1, 1, tzinfo=UTC), episode_id="")

# In a template: `{after}` the keyset condition on e (position in $AT, $ID), `{order}` the
# direction the rows are read in (the page is shown newest first whichever way it was read).
_AFTER = {
    Way.OLDER: "(e.referred_at, e.episode_id) < ($AT::timestamptz, $ID::text)",
    Way.NEWER: "(e.referred_at, e.episode_id) > ($AT::timestamptz, $ID::text)",
}
_ORDER = {Way.OLDER: "DESC", Way.NEWER: "ASC"}


def variants(template: str, at: int, episode_id: int) -> dict[Way, str]:
    """The statement for each way, the position at parameters $`at` and $`episode_id`."""
    made: dict[Way, str] = {}
    for way in Way:
        after = _AFTER[way].replace("$AT", f"${at}").replace("$ID", f"${episode_id}")
        order = _ORDER[way]
        made[way] = template.replace("{after}", after).replace("{order}", order)
    return made


T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, newest first: its rows, whether there are older and newer rows
    beyond it, and the list's total (counted up to COUNT_CAP; `capped` when there are more)."""

    rows: list[T]
    more_older: bool
    more_newer: bool
    total: int
    capped: bool


def capped_total(counted: int) -> tuple[int, bool]:
    """A list's total from a count taken up to COUNT_CAP + 1: at most COUNT_CAP, and whether
    there are more."""
    return min(counted, COUNT_CAP), counted > COUNT_CAP


def page_of(
    rows: Sequence[asyncpg.Record], model: type[M], way: Way, at: Position, counted: int
) -> Page[M]:
    """The page of `rows` read `way` from `at` (one more than a page when there are more; each
    carries the statement's `probed` count of rows found), newest first, as `model`s, with
    whether older and newer rows lie beyond them and the list's total (`counted` up to
    COUNT_CAP + 1)."""
    read_more = bool(rows) and rows[0]["probed"] > PAGE_SIZE
    shown = [
        model.model_validate({k: v for k, v in r.items() if k != "probed"})
        for r in rows[:PAGE_SIZE]
    ]
    came_from = at != START
    if way == Way.NEWER:
        shown.reverse()
    older, newer = (came_from, read_more) if way == Way.NEWER else (read_more, came_from)
    total, capped = capped_total(counted)
    return Page(rows=shown, more_older=older, more_newer=newer, total=total, capped=capped)
