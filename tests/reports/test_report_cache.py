"""Reports kept for a few minutes per reader scope and filters: concurrent readers wait for
one build, a kept report is at most its age old and says when it was counted, the number kept
is bounded, and no reader is ever given a report counted for another scope."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from api.dependencies import services_of
from api.reports.access import ReportScope
from api.reports.build import build_report
from api.reports.cache import ReportCache
from api.reports.csv_export import report_csv
from api.reports.filters import filters_from
from api.reports.load import load_report
from api.reports.model import Report, ReportFilters
from api.reports.period import LOCAL_TIME, Period
from db.pool import DatabasePool
from tests.reports.conftest import Caller, Quarter
from tests.reports.population import insert, population, second_municipality
from tests.web.conftest import web_roster

Q3 = ReportFilters(period=Period.quarter("2026-Q3"))
Q2 = ReportFilters(period=Period.quarter("2026-Q2"))
ORG_A = ReportScope(organisation_id="org-a")
ORG_B = ReportScope(organisation_id="org-b")
AS_OF = datetime(2026, 10, 15, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Builds:
    """Counts the builds; each waits for `release` so readers can pile up behind it."""

    def __init__(self) -> None:
        self.count = 0
        self.release = asyncio.Event()
        self.release.set()
        self.fail = False

    async def __call__(self) -> Report:
        self.count += 1
        await self.release.wait()
        if self.fail:
            raise RuntimeError("the database went away")
        return build_report(Q3, [], [], AS_OF)


async def test_concurrent_readers_of_one_report_wait_for_one_build() -> None:
    cache, builds = ReportCache(max_age=300), Builds()
    builds.release.clear()
    readers = [asyncio.create_task(cache.get(ORG_A, Q3, builds)) for _ in range(5)]
    await asyncio.sleep(0)
    builds.release.set()
    reports = await asyncio.gather(*readers)
    assert builds.count == 1
    assert all(r is reports[0] for r in reports)


async def test_a_kept_report_is_shown_until_it_is_max_age_old_then_counted_again() -> None:
    clock, builds = Clock(), Builds()
    cache = ReportCache(max_age=300, clock=clock)
    first = await cache.get(ORG_A, Q3, builds)
    clock.now += 299
    assert await cache.get(ORG_A, Q3, builds) is first
    clock.now += 1
    assert await cache.get(ORG_A, Q3, builds) is not first
    assert builds.count == 2


async def test_a_report_read_late_in_its_life_is_counted_anew_while_readers_get_the_kept_one() -> (
    None
):
    clock, builds = Clock(), Builds()
    cache = ReportCache(max_age=300, clock=clock)
    first = await cache.get(ORG_A, Q3, builds)
    clock.now += 239
    assert await cache.get(ORG_A, Q3, builds) is first
    assert builds.count == 1
    clock.now += 1
    builds.release.clear()
    assert await cache.get(ORG_A, Q3, builds) is first  # not waiting for the renewal
    assert await cache.get(ORG_A, Q3, builds) is first  # one renewal at a time
    builds.release.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert builds.count == 2
    clock.now += 100  # past the first one's age, not the renewed one's
    renewed = await cache.get(ORG_A, Q3, builds)
    assert renewed is not first
    assert builds.count == 2


async def test_other_filters_or_another_scope_are_counted_on_their_own() -> None:
    cache, builds = ReportCache(max_age=300), Builds()
    caseworker = ReportScope(municipality_code="101", consent="share_with_municipality")
    jobcenter = ReportScope(municipality_code="101", consent="share_with_jobcenter")
    for scope, filters in ((ORG_A, Q3), (ORG_B, Q3), (ORG_A, Q2), (caseworker, Q3)):
        await cache.get(scope, filters, builds)
    await cache.get(jobcenter, Q3, builds)
    assert builds.count == 5
    assert len(cache) == 5


async def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_read() -> None:
    cache, builds = ReportCache(max_age=300, size=2), Builds()
    await cache.get(ORG_A, Q3, builds)
    await cache.get(ORG_B, Q3, builds)
    await cache.get(ORG_A, Q3, builds)  # read again: now the most recent
    await cache.get(ORG_A, Q2, builds)  # drops ORG_B's
    assert len(cache) == 2
    await cache.get(ORG_A, Q3, builds)
    assert builds.count == 3
    await cache.get(ORG_B, Q3, builds)
    assert builds.count == 4


async def test_a_failed_build_reaches_every_waiting_reader_and_is_not_kept() -> None:
    cache, builds = ReportCache(max_age=300), Builds()
    builds.release.clear()
    builds.fail = True
    readers = [asyncio.create_task(cache.get(ORG_A, Q3, builds)) for _ in range(3)]
    await asyncio.sleep(0)
    builds.release.set()
    results = await asyncio.gather(*readers, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert builds.count == 1
    builds.fail = False
    await cache.get(ORG_A, Q3, builds)
    assert builds.count == 2


async def test_max_age_zero_keeps_nothing() -> None:
    cache, builds = ReportCache(max_age=0), Builds()
    await cache.get(ORG_A, Q3, builds)
    await cache.get(ORG_A, Q3, builds)
    assert builds.count == 2
    assert len(cache) == 0


async def test_a_reader_who_leaves_does_not_cancel_the_build_others_wait_for() -> None:
    cache, builds = ReportCache(max_age=300), Builds()
    builds.release.clear()
    leaving = asyncio.create_task(cache.get(ORG_A, Q3, builds))
    staying = asyncio.create_task(cache.get(ORG_A, Q3, builds))
    await asyncio.sleep(0)
    leaving.cancel()
    builds.release.set()
    assert isinstance(await staying, Report)
    with pytest.raises(asyncio.CancelledError):
        await leaving


def _lines(body: bytes) -> list[tuple[str, str, str, str]]:
    """(breakdown, group, measure, value) of a CSV, without when it was counted."""
    rows = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    return [
        (r["breakdown"], r["group"], r["measure"], r["value"])
        for r in rows
        if r["breakdown"] != "figures"
    ]


def _fresh_lines(report: Report) -> list[tuple[str, str, str, str]]:
    return _lines(report_csv(report).encode())


async def test_readers_of_different_scopes_never_see_each_others_kept_report(
    api_app: FastAPI, as_user: Caller, db_pool: DatabasePool, quarter: Quarter
) -> None:
    """Two organisations' coordinators and two caseworkers of one municipality with
    different consent scopes ask for the same quarter on one app (one cache), twice: each
    gets what a fresh count for their own scope gives."""
    other = await web_roster(db_pool, peers=1)
    other_code = await second_municipality(db_pool)
    await insert(db_pool, other, population(21, (other.municipality_code, other_code)))
    roster = quarter.roster
    readers = {
        "coordinator": (roster.coordinator, ReportScope(organisation_id=roster.organisation_id)),
        "other coordinator": (
            other.coordinator,
            ReportScope(organisation_id=other.organisation_id),
        ),
        "social services": (
            roster.caseworkers["social_services"],
            ReportScope(
                municipality_code=roster.municipality_code, consent="share_with_municipality"
            ),
        ),
        "job centre": (
            roster.caseworkers["jobcenter"],
            ReportScope(municipality_code=roster.municipality_code, consent="share_with_jobcenter"),
        ),
    }
    fresh = {}
    async with db_pool.acquire() as conn:
        for name, (_, scope) in readers.items():
            # The filters as the page makes them (a caseworker's municipality is their own).
            filters = filters_from({"quarter": "2026-Q3"}, scope, datetime.now(LOCAL_TIME).date())
            fresh[name] = _fresh_lines(await load_report(conn, scope, filters, datetime.now(UTC)))
    assert len({tuple(lines) for lines in fresh.values()}) == len(readers)
    clients = {name: await as_user(user) for name, (user, _) in readers.items()}
    cache = services_of(api_app).reports
    kept_before = len(cache)  # the app (and its cache) may have served other tests
    for _ in range(2):
        for name, client in clients.items():
            response = await client.get("/reports.csv?quarter=2026-Q3")
            assert response.status_code == 200
            assert _lines(response.content) == fresh[name], name
    assert len(cache) == kept_before + len(readers)


async def test_page_and_csv_say_when_the_figures_were_counted_and_how_long_they_are_kept(
    as_user: Caller, db_pool: DatabasePool, quarter: Quarter
) -> None:
    client = await as_user(quarter.roster.coordinator)
    first = await client.get("/reports.csv?quarter=2026-Q3")
    counted = [r for r in csv.DictReader(io.StringIO(first.text.lstrip("\ufeff")))][-1]
    assert (counted["breakdown"], counted["measure"]) == ("figures", "as_of")
    moment = datetime.fromisoformat(counted["value"])
    # More referrals now: the kept report still says, and shows, what was counted then.
    await insert(db_pool, quarter.roster, population(31, (quarter.roster.municipality_code,) * 2))
    again = await client.get("/reports.csv?quarter=2026-Q3")
    assert again.content == first.content
    hour_minute = moment.strftime("%H:%M")
    page = await client.get("/reports?quarter=2026-Q3&lang=en")
    assert f"Figures as of {moment.strftime('%Y-%m-%d')} {hour_minute}" in page.text
    assert "shown again for up to 5 minutes" in page.text
    danish = await client.get("/reports?quarter=2026-Q3&lang=da")
    assert f"Tal opgjort {moment.strftime('%Y-%m-%d')} {hour_minute}" in danish.text
    assert "vises igen i op til 5 minutter" in danish.text
