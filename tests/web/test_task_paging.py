"""A role page's task cards a page at a time (api/web/task_paging): soonest due first,
undated last, PAGE_SIZE cards, later and sooner pages from a position that keeps the other
query parameters; a position that is not one is refused naming the parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.requests import Request

from api.errors import ApiError
from api.web.task_paging import task_page
from db.keyset import PAGE_SIZE
from db.tasks import OpenTask

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/ward",
            "query_string": query.encode(),
            "headers": [],
        }
    )


def tasks(dated: int, undated: int) -> list[OpenTask]:
    """`dated` tasks an hour apart (two share each hour: the id breaks the tie), then
    `undated` ones, in a shuffled order."""
    made = [
        OpenTask(
            task_id=f"task-{n:04d}",
            episode_id=f"ep-{n}",
            kind="follow_up",
            status="open",
            number=n,
            created_at=NOW,
            due_at=NOW + timedelta(hours=n // 2) if n < dated else None,
            overdue=False,
        )
        for n in range(dated + undated)
    ]
    return made[::-1]


def query_of(href: str | None) -> str:
    assert href is not None
    parts = urlsplit(href)
    assert parts.fragment == "tasks-title"
    return parts.query


def test_pages_go_later_and_back_sooner_keeping_the_other_parameters() -> None:
    every = tasks(dated=2 * PAGE_SIZE + 30, undated=20)
    expected = [f"task-{n:04d}" for n in range(2 * PAGE_SIZE + 50)]
    first = task_page(request("lang=en&older=5.ep-1&notice=saved"), every, "tasks-title")
    assert [t.task_id for t in first.tasks] == expected[:PAGE_SIZE]
    assert first.total == 2 * PAGE_SIZE + 50 and first.sooner is None and first.first is None
    later = query_of(first.later)
    assert parse_qs(later)["lang"] == ["en"] and parse_qs(later)["older"] == ["5.ep-1"]
    assert "notice" not in parse_qs(later), "a notice is said once"

    second = task_page(request(later), every, "tasks-title")
    assert [t.task_id for t in second.tasks] == expected[PAGE_SIZE : 2 * PAGE_SIZE]
    third = task_page(request(query_of(second.later)), every, "tasks-title")
    assert [t.task_id for t in third.tasks] == expected[2 * PAGE_SIZE :], "undated ones last"
    assert third.later is None and third.first is not None

    back = task_page(request(query_of(third.sooner)), every, "tasks-title")
    assert [t.task_id for t in back.tasks] == expected[PAGE_SIZE : 2 * PAGE_SIZE]
    # A task done meanwhile leaves no gap: the position is a due time and an id, not a count.
    remaining = [t for t in every if t.task_id != expected[PAGE_SIZE]]
    again = task_page(request(later), remaining, "tasks-title")
    assert [t.task_id for t in again.tasks] == expected[PAGE_SIZE + 1 : 2 * PAGE_SIZE + 1]


@pytest.mark.parametrize(
    ("query", "named"),
    [("later=soon", "later"), ("sooner=12.bad%20id", "sooner"), ("later=1.a&sooner=1.b", "later")],
)
def test_a_position_that_is_not_one_is_refused_naming_the_parameter(query: str, named: str) -> None:
    with pytest.raises(ApiError) as refused:
        task_page(request(query + "&lang=en"), tasks(3, 0), "tasks-title")
    assert refused.value.status == 400
    assert refused.value.message.startswith(f"{named}: not a page of this list")
