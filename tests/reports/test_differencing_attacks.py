"""The differencing attacks on the published report, performed against the running app: two
periods one referral apart, a total minus the groups shown, the whole minus a filtered report.
Each used to give away a number of 1 to 4 citizens; now every shown count is a multiple of five,
so every difference of shown counts is one too."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta

import httpx

from db.pool import DatabasePool
from tests.reports import expected
from tests.reports.conftest import Caller, Quarter
from tests.reports.population import BIG, CPH, Ep, insert
from tests.web.conftest import web_roster

FIRST_DAY = date(2026, 4, 1)
DAYS = 30
COUNTED = [
    m
    for m in expected.overall([], datetime.now(CPH))
    if m not in expected.PERCENT_OF and m not in expected.STATISTICS
]
Figures = dict[tuple[str, str, str], str]


def one_referral_a_day(municipality: str) -> list[Ep]:
    """One citizen referred each day at noon; every other one is readmitted, so the readmitted
    count also grows one at a time."""
    eps = []
    for n in range(DAYS):
        referred = datetime.combine(FIRST_DAY + timedelta(days=n), datetime.min.time(), CPH)
        referred += timedelta(hours=12)
        discharged = referred + timedelta(days=2)
        eps.append(
            Ep(
                citizen=f"cit-{uuid.uuid4().hex[:12]}",
                programme=BIG,
                municipality=municipality,
                referred_at=referred,
                offers=[("accepted", referred + timedelta(hours=3))],
                discharged_at=discharged,
                first_contact_at=discharged + timedelta(hours=20 + n),
                readmissions=n % 2,
                follow_ups_planned=6,
                follow_ups_done=n % 7,
            )
        )
    return eps


async def figures(client: httpx.AsyncClient, query: str) -> Figures:
    response = await client.get(f"/reports.csv?{query}")
    assert response.status_code == 200, response.text[:300]
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return {(r["breakdown"], r["group"], r["measure"]): r["value"] for r in rows}


def number(value: str) -> float | None:
    return None if value in expected.HIDDEN else float(value)


def assert_no_small_difference(a: float | None, b: float | None, what: object) -> None:
    if a is None or b is None:
        return
    assert a % 5 == 0 and b % 5 == 0, what
    assert abs(a - b) % 5 == 0, what
    assert abs(a - b) not in (1, 2, 3, 4), what


async def test_two_periods_one_referral_apart_never_differ_by_one_to_four(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    """The attack: widen the period one day at a time. Each step adds exactly one referral
    (and every other step one readmitted citizen); exact figures would differ by 1 and tell
    that citizen's outcome. Published figures differ by a multiple of five, or not at all."""
    roster = await web_roster(db_pool, peers=1)
    eps = one_referral_a_day(roster.municipality_code)
    await insert(db_pool, roster, eps)
    client = await as_user(roster.coordinator)

    before: Figures | None = None
    steps_hidden = 0
    for last in range(5, DAYS):
        until = FIRST_DAY + timedelta(days=last)
        now = await figures(client, f"from={FIRST_DAY}&to={until}")
        in_period = [e for e in eps if e.referred_at.date() <= until]
        assert len(in_period) == last + 1, "the two periods are one referral apart"
        shown = number(now[("all", "all", "referrals")])
        assert shown is not None and expected.rounds(shown, len(in_period))
        if before is not None:
            for measure in COUNTED:
                key = ("all", "all", measure)
                assert_no_small_difference(number(before[key]), number(now[key]), (until, measure))
            steps_hidden += before[("all", "all", "referrals")] == now[("all", "all", "referrals")]
        before = now
    # Many single-referral steps do not show at all: both periods publish the same figure.
    assert steps_hidden > 0
    # And the sweep is on record, one audit row per period asked for.
    async with db_pool.acquire() as conn:
        audited = await conn.fetch(
            "SELECT detail->>'last' AS last FROM audit_log"
            " WHERE actor_id = $1 AND action = 'report_exported'",
            roster.coordinator,
        )
    assert len(audited) == DAYS - 5
    page = await client.get(f"/reports?from={FIRST_DAY}&to={FIRST_DAY + timedelta(days=9)}")
    assert page.status_code == 200
    async with db_pool.acquire() as conn:
        viewed = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'report_viewed'",
            roster.coordinator,
        )
    assert viewed == 1


async def test_a_total_minus_the_groups_shown_never_gives_a_hidden_group_away(
    as_user: Caller, quarter: Quarter
) -> None:
    """The attack: the overall count minus every programme (and municipality) shown. The
    small programme (3 referrals) is hidden; what is left over is a multiple of five, and a
    second group is hidden with it."""
    client = await as_user(quarter.roster.coordinator)
    got = await figures(client, "quarter=2026-Q3")
    assert got[("programme", "ark-course", "referrals")] == "<5"
    for breakdown in ("programme", "municipality"):
        groups = {g for (b, g, _) in got if b == breakdown}
        assert len(groups) > 1, breakdown
        for measure in COUNTED:
            total = number(got[("all", "all", measure)])
            cells = [number(got[(breakdown, g, measure)]) for g in groups]
            hidden = sum(1 for c in cells if c is None)
            assert hidden != 1, (breakdown, measure)
            if total is None or not hidden:
                continue
            left = total - sum(c for c in cells if c is not None)
            assert left % 5 == 0 and left not in (1, 2, 3, 4), (breakdown, measure, left)
    # The contact histogram: everyone contacted is in one of the hour buckets.
    contacted = number(got[("all", "all", "contacted")])
    buckets = [
        number(v) for (b, _, m), v in got.items() if b == "contact_hours" and m != "no_contact"
    ]
    if contacted is not None and None in buckets:
        left = contacted - sum(c for c in buckets if c is not None)
        assert left % 5 == 0, left


async def test_the_whole_minus_a_filtered_report_gives_nothing_below_five(
    as_user: Caller, quarter: Quarter
) -> None:
    """The attack: the report for everything minus the report for the big programme, measure
    by measure, would count the two small programmes exactly."""
    client = await as_user(quarter.roster.coordinator)
    whole = await figures(client, "quarter=2026-Q3")
    big = await figures(client, f"quarter=2026-Q3&programme={BIG}")
    for measure in COUNTED:
        key = ("all", "all", measure)
        assert_no_small_difference(number(whole[key]), number(big[key]), measure)


async def test_asking_again_gives_the_same_figures(as_user: Caller, quarter: Quarter) -> None:
    """The rounding is fixed by who is counted: asking many times averages nothing away."""
    client = await as_user(quarter.roster.coordinator)
    first = await figures(client, "quarter=2026-Q3")
    for _ in range(3):
        assert await figures(client, "quarter=2026-Q3") == first
