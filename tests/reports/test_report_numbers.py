"""Every number of the quarterly report against a plain recount of the generated episodes."""

from __future__ import annotations

from datetime import date

import pytest

from api.reports.access import ReportScope
from api.reports.load import load_report
from api.reports.model import Report, ReportFilters
from api.reports.period import Period
from api.reports.suppression import Cell, Mark
from db.pool import DatabasePool
from tests.reports import expected
from tests.reports.conftest import Quarter
from tests.reports.population import AS_OF, BIG, MID, MUNICIPALITY_SCOPE, SMALL, Ep

Q3 = Period.quarter("2026-Q3")


def seen(cell: Cell) -> object:
    return cell.value if cell.mark == Mark.SHOWN else cell.mark.value


async def report_for(pool: DatabasePool, scope: ReportScope, **filters: str | None) -> Report:
    async with pool.acquire() as conn:
        return await load_report(conn, scope, ReportFilters(period=Q3, **filters), AS_OF)


def assert_overall(report: Report, eps: list[Ep]) -> None:
    got = {m.value: seen(c) for m, c in report.overall.cells.items()}
    expected.check_overall(got, expected.overall(eps, AS_OF))


async def test_the_quarter_report_matches_an_independent_recount(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    report = await report_for(db_pool, ReportScope(organisation_id=quarter.roster.organisation_id))
    assert_overall(report, quarter.episodes)
    assert report.overall.cell("referrals").value == len(quarter.episodes) == 50


async def test_the_contact_histogram_counts_each_discharge_once(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    report = await report_for(db_pool, ReportScope(organisation_id=quarter.roster.organisation_id))
    want = expected.contact_histogram(quarter.episodes, AS_OF)
    got = {b.key: b.cell for b in report.contact_buckets}
    assert list(got) == list(want)
    for key, count in want.items():
        if count < 5:
            assert got[key].mark == Mark.SMALL, key
        elif (shown := got[key].value) is not None:
            assert expected.rounds(shown, count), key
    hidden = [k for k, c in got.items() if not c.shown]
    assert len(hidden) != 1, "a lone hidden bucket could be recovered from the total"


async def test_a_small_programme_is_hidden_and_the_next_smallest_with_it(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    report = await report_for(db_pool, ReportScope(organisation_id=quarter.roster.organisation_id))
    rows = {r.key: r for r in report.breakdowns["programme"]}
    assert set(rows) == {BIG, MID, SMALL}
    assert rows[SMALL].cell("referrals").mark == Mark.SMALL
    assert rows[MID].cell("referrals").mark == Mark.SUPPRESSED
    big = [e for e in quarter.episodes if e.programme == BIG]
    assert rows[BIG].cell("referrals").value == len(big) == 35
    assert rows[SMALL].cell("contact_median_h").mark == Mark.SUPPRESSED


async def test_filters_narrow_the_report_to_a_programme_and_a_municipality(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    scope = ReportScope(organisation_id=quarter.roster.organisation_id)
    by_programme = await report_for(db_pool, scope, programme=MID)
    assert_overall(by_programme, [e for e in quarter.episodes if e.programme == MID])
    home = quarter.roster.municipality_code
    by_place = await report_for(db_pool, scope, municipality=home)
    assert_overall(by_place, [e for e in quarter.episodes if e.municipality == home])
    assert "municipality" not in by_place.breakdowns


async def test_a_caseworker_counts_only_consented_episodes_of_their_municipality(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    """Both organisations serve the municipality; only episodes with consent to share with
    the municipality count, from either organisation."""
    home = quarter.roster.municipality_code
    scope = ReportScope(municipality_code=home, consent=MUNICIPALITY_SCOPE)
    report = await report_for(db_pool, scope, municipality=home)

    def consented(eps: list[Ep]) -> list[Ep]:
        return [e for e in eps if e.municipality == home and MUNICIPALITY_SCOPE in e.consents]

    assert_overall(report, consented(quarter.episodes) + consented(quarter.strangers))
    rows = {r.key: r for r in report.breakdowns["organisation"]}
    own = rows[quarter.roster.organisation_id]
    shown = own.cell("referrals").value
    assert shown is not None and expected.rounds(shown, len(consented(quarter.episodes)))


async def test_an_empty_quarter_hides_everything_and_breaks_nothing(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    scope = ReportScope(organisation_id=quarter.roster.organisation_id)
    async with db_pool.acquire() as conn:
        filters = ReportFilters(period=Period(first=date(2025, 1, 1), last=date(2025, 3, 31)))
        report = await load_report(conn, scope, filters, AS_OF)
    assert report.overall.cell("referrals").mark == Mark.SMALL
    assert all(not c.shown for c in report.overall.cells.values())
    assert report.breakdowns == {}


@pytest.mark.parametrize(
    ("loads", "shown"),
    [((2, 2, 1), True), ((1, 2, 1), False)],
    ids=["five-citizens-shown", "four-citizens-hidden"],
)
async def test_peer_load_adds_up_the_organisations_peers(
    db_pool: DatabasePool, quarter: Quarter, loads: tuple[int, int, int], shown: bool
) -> None:
    roster = quarter.roster
    async with db_pool.acquire() as conn:
        for peer, load in zip(roster.peers, loads, strict=True):
            await conn.execute("UPDATE peers SET active_load = $2 WHERE peer_id = $1", peer, load)
    report = await report_for(db_pool, ReportScope(organisation_id=roster.organisation_id))
    load = report.peer_load
    assert (load.peers, load.capacity) == (3, 6)
    if shown:
        assert load.active_load.value == sum(loads)
        assert load.utilisation_pct.value == pytest.approx(100 * sum(loads) / 6)
        assert load.at_capacity.value == sum(1 for x in loads if x >= 2)
    else:
        assert load.active_load.mark == Mark.SMALL
        assert not load.utilisation_pct.shown and not load.at_capacity.shown
