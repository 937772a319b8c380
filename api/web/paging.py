"""A long list shown a page at a time (db/keyset): where the page starts, read from the query
string (`older=` or `newer=` a position), and the links to the pages beside it that keep the
page's other query parameters.

A position is the referral time in microseconds and the episode id (`1733400000123456.ep-1`);
it only says where in the user's own list to start, so it grants nothing. One that is not a
position (edited, cut, both given) is refused with a 400 page naming the parameter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from api.errors import ApiError
from api.web import labels
from api.web.rendering import language
from db import keyset
from db.keyset import Page, Position, Way
from schemas.people import OPAQUE_ID

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_POSITION = re.compile(r"^(\d{1,17})\.(.+)$")
_ID = re.compile(OPAQUE_ID)
# Neither page link carries these on (a notice is said once).
_DROPPED = frozenset({Way.OLDER.value, Way.NEWER.value, "notice"})


def encode(at: Position) -> str:
    micros = (at.referred_at - _EPOCH) // _MICROSECOND
    return f"{micros}.{at.episode_id}"


def _decode(raw: str) -> Position | None:
    found = _POSITION.match(raw)
    if found is None or _ID.match(found.group(2)) is None:
        return None
    # At most 17 digits: before the year 5000, so never past what a datetime holds.
    moment = _EPOCH + int(found.group(1)) * _MICROSECOND
    return Position(referred_at=moment, episode_id=found.group(2))


def position(request: Request) -> tuple[Way, Position]:
    """Which way the page goes and from where; the first page when the query names none."""
    given = [way for way in Way if way.value in request.query_params]
    if not given:
        return Way.OLDER, keyset.START
    way = given[0]
    at = _decode(request.query_params[way.value]) if len(given) == 1 else None
    if at is None:
        reason = labels.text("paging.bad_cursor", language(request)).format(field=way.value)
        raise ApiError(400, reason)
    return way, at


def links(request: Request, page: Page[Any], anchor: str) -> dict[str, str | None]:
    """The hrefs of the older, newer and newest pages (None where there is none), keeping the
    page's other query parameters; each ends at the list's own heading."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in _DROPPED]

    def href(extra: list[tuple[str, str]]) -> str:
        query = urlencode(kept + extra)
        return f"{request.url.path}{'?' + query if query else ''}#{anchor}"

    older = newer = None
    if page.rows and page.more_older:
        older = href([(Way.OLDER.value, encode(_at(page.rows[-1])))])
    if page.rows and page.more_newer:
        newer = href([(Way.NEWER.value, encode(_at(page.rows[0])))])
    first = href([]) if page.more_newer or (not page.rows and _paged(request)) else None
    return {"older": older, "newer": newer, "first": first}


def _paged(request: Request) -> bool:
    return any(way.value in request.query_params for way in Way)


def _at(row: Any) -> Position:
    return Position(referred_at=row.referred_at, episode_id=row.episode_id)
