"""Goals reached, job and education outcomes, and hope and network change: the report's new
figures against a plain recount, hidden where too few citizens are behind them, and on the
page, the printable quarter and the CSV in Danish and English."""

from __future__ import annotations

import csv
import html
import io
import uuid
from datetime import timedelta

from api.reports.access import ReportScope
from api.reports.display import measure_text
from api.reports.load import load_report
from api.reports.measures import COUNTS, Measure
from api.reports.model import Report, ReportFilters
from api.reports.period import Period
from api.reports.suppression import Cell, Mark
from db.pool import DatabasePool
from tests.reports import expected
from tests.reports.conftest import Caller, Quarter
from tests.reports.population import AS_OF, BIG, Q3_START, Ep, insert
from tests.web.conftest import web_roster

Q3 = Period.quarter("2026-Q3")
GOALS = (
    "goal_episodes",
    "goals_set",
    "goals_reached",
    "goals_reached_pct",
    "goal_reached_episodes",
    "goal_reached_episodes_pct",
)
JOB = (
    "job_or_education_step",
    "closed_answered",
    "closed_working_or_studying",
    "closed_working_or_studying_pct",
    "closed_in_process",
    "closed_in_process_pct",
)
CHANGE = (
    "hope_n",
    "hope_change_mean",
    "hope_change_median",
    "network_n",
    "network_change_mean",
    "network_change_median",
)
NEW = GOALS + JOB + CHANGE
# What a reader sees next to each number: (Danish, English).
LABELS = {
    "goals_set": ("Mål sat i alt", "Goals set in total"),
    "goals_reached_pct": ("Mål nået (% af satte mål)", "Goals reached (% of goals set)"),
    "goal_reached_episodes": (
        "Forløb med mindst ét mål nået",
        "Episodes with at least one goal reached",
    ),
    "job_or_education_step": (
        "Forløb med skridt mod job eller uddannelse",
        "Episodes with a job or education step",
    ),
    "closed_working_or_studying": (
        "I job eller uddannelse ved afslutning",
        "Working or studying at closing",
    ),
    "closed_in_process": (
        "I gang med at komme i job eller uddannelse ved afslutning",
        "In process towards a job or education at closing",
    ),
    "network_change_mean": (
        "Gennemsnitlig ændring i netværk (personer)",
        "Mean change in network (people)",
    ),
}
HEADINGS = (
    ("Borgerens mål", "The citizen's goals"),
    ("Job og uddannelse", "Job and education"),
    ("Netværk", "Network"),
    ("Ændring i netværk fra start til slut", "Change in network from start to end"),
)


def seen(cell: Cell) -> object:
    return cell.value if cell.mark == Mark.SHOWN else cell.mark.value


async def report_for(pool: DatabasePool, organisation_id: str, **filters: str | None) -> Report:
    async with pool.acquire() as conn:
        return await load_report(
            conn,
            ReportScope(organisation_id=organisation_id),
            ReportFilters(period=Q3, **filters),
            AS_OF,
        )


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


async def test_goals_job_status_and_network_change_match_the_recount(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    report = await report_for(db_pool, quarter.roster.organisation_id)
    got = {m.value: seen(c) for m, c in report.overall.cells.items()}
    want = expected.overall(quarter.episodes, AS_OF)
    expected.check_overall(got, want)
    # The generated quarter has enough of each to show them (the recount says so too).
    for measure in ("goal_episodes", "goals_set", "goals_reached", "closed_answered", "network_n"):
        assert isinstance(want[measure], float), measure
        shown = report.overall.cell(measure).value
        assert shown is not None and shown % 5 == 0, measure
    assert 0 < (report.overall.cell("goals_reached_pct").value or 0) <= 100
    assert report.overall.cell("network_change_mean").value == want["network_change_mean"]
    # Steps during the follow-up count too, not only those of closed episodes.
    steps = [e for e in quarter.episodes if {"job_step", "education_step"} & set(e.milestones)]
    assert any(e.closed_at is None for e in steps)


async def test_network_and_hope_buckets_count_each_measured_citizen_once(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    report = await report_for(db_pool, quarter.roster.organisation_id)
    hope = [
        e.hope_end - e.hope_start
        for e in quarter.episodes
        if e.hope_start is not None and e.hope_end is not None
    ]
    for buckets, want in (
        (report.network_buckets, expected.network_histogram(quarter.episodes)),
        (report.hope_buckets, expected.change_histogram(hope, "hope")),
    ):
        got = {b.key: b.cell for b in buckets}
        assert list(got) == list(want)
        for key, count in want.items():
            if count < 5:
                assert got[key].mark == Mark.SMALL, key
            elif (shown := got[key].value) is not None:
                assert expected.rounds(shown, count), key
        assert sum(1 for c in got.values() if not c.shown) != 1, "a lone gap gives itself away"


async def test_the_new_counts_are_protected_across_programmes(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    """A group's hidden count is never the only one hidden, and shown counts are rounded."""
    report = await report_for(db_pool, quarter.roster.organisation_id)
    new_counts = [m for m in COUNTS if m.value in NEW]
    assert len(new_counts) == 10
    for name, rows in report.breakdowns.items():
        for measure in new_counts:
            cells = [r.cell(measure) for r in rows]
            assert sum(1 for c in cells if not c.shown) != 1, (name, measure)
            assert all((c.value or 0) % 5 == 0 for c in cells if c.shown), (name, measure)


def _few(municipality: str) -> list[Ep]:
    """Ten citizens with goals, of whom only three reached one; seven closed with the
    questionnaire, two of them in process; four with the network measured twice; two with a
    job step; four still open with only a start measurement of hope."""
    eps: list[Ep] = []
    for n in range(10):
        referred = Q3_START + timedelta(days=3 + n)
        discharged = referred + timedelta(days=4)
        closed = n < 7
        ep = Ep(
            citizen=f"cit-{uuid.uuid4().hex[:12]}",
            programme=BIG,
            municipality=municipality,
            referred_at=referred,
            phase="closed" if closed else "follow_up",
            offers=[("accepted", referred + timedelta(hours=3))],
            discharged_at=discharged,
            first_contact_at=discharged + timedelta(hours=20),
            goals_total=2,
            goals_reached=2 if n < 3 else 0,
            hope_start=3,
            hope_end=6 if n < 6 else None,
            network_start=2 if n < 4 else None,
            network_end=5 if n < 4 else None,
            milestones=["job_step"] if n in (7, 8) else [],
            closed_at=discharged + timedelta(days=30) if closed else None,
        )
        if closed:
            ep.job_or_education = "in_process" if n in (5, 6) else ("working", "studying")[n % 2]
        eps.append(ep)
    return eps


async def test_too_few_citizens_behind_a_new_figure_hide_it_everywhere(
    db_pool: DatabasePool, as_user: Caller
) -> None:
    roster = await web_roster(db_pool, peers=1)
    eps = _few(roster.municipality_code)
    await insert(db_pool, roster, eps)
    report = await report_for(db_pool, roster.organisation_id)
    got = {m.value: seen(c) for m, c in report.overall.cells.items()}
    expected.check_overall(got, expected.overall(eps, AS_OF))
    hidden = {
        "goals_reached": "suppressed",  # six goals, but only three citizens
        "goals_reached_pct": "suppressed",
        "goal_reached_episodes": "<5",
        "goal_reached_episodes_pct": "suppressed",
        "job_or_education_step": "<5",
        "closed_in_process": "<5",
        "closed_in_process_pct": "suppressed",
        "network_n": "<5",
        "network_change_mean": "suppressed",
        "network_change_median": "suppressed",
    }
    assert {m: got[m] for m in hidden} == hidden
    assert got["goals_set"] == 20 and got["goal_episodes"] == 10
    assert got["closed_working_or_studying"] == 5
    assert got["closed_answered"] in (5, 10)
    assert got["hope_n"] in (5, 10), "only those measured at start and at closing"
    assert got["hope_change_mean"] == got["hope_change_median"] == 3
    assert all(not b.cell.shown for b in report.network_buckets)

    client = await as_user(roster.coordinator)
    rows = csv_rows((await client.get("/reports.csv?quarter=2026-Q3")).content)
    overall = {r["measure"]: r["value"] for r in rows if r["breakdown"] == "all"}
    assert {m: overall[m] for m in hidden} == hidden
    network = {r["measure"]: r["value"] for r in rows if r["breakdown"] == "network_change"}
    assert set(network) == set(expected.network_histogram(eps))
    assert set(network.values()) == {"<5"}
    for lang, word in (("da", "skjult"), ("en", "suppressed")):
        page = await client.get(f"/reports?quarter=2026-Q3&lang={lang}")
        assert page.status_code == 200
        assert f'data-measure="goals_reached">{word}<' in page.text
        assert 'data-measure="goal_reached_episodes">&lt;5<' in page.text
        assert 'data-measure="network_n">&lt;5<' in page.text
        assert f'data-measure="network_change_mean">{word}<' in page.text
        assert 'data-measure="goals_set">20<' in page.text


async def test_the_page_print_view_and_csv_show_the_new_figures_in_both_languages(
    db_pool: DatabasePool, quarter: Quarter, as_user: Caller
) -> None:
    report = await report_for(db_pool, quarter.roster.organisation_id)
    client = await as_user(quarter.roster.coordinator)
    for index, lang in enumerate(("da", "en")):
        for path in ("/reports", "/reports/print"):
            page = await client.get(f"{path}?quarter=2026-Q3&lang={lang}")
            assert page.status_code == 200, (path, lang)
            text = html.unescape(page.text)
            for heading in HEADINGS:
                assert heading[index] in text, (path, heading[index])
            for label in LABELS.values():
                assert label[index] in text, (path, label[index])
            for measure in NEW:
                shown = measure_text(report.overall, measure, lang)
                assert f'data-measure="{measure}">{shown}<' in text, (path, lang, measure)
            assert 'id="chart-network"' in page.text
    # Danish numbers have a decimal comma, English a point.
    mean = report.overall.cell("network_change_mean").value
    assert mean is not None
    da = await client.get("/reports?quarter=2026-Q3&lang=da")
    assert f'data-measure="network_change_mean">{mean:.1f}<'.replace(".", ",") in da.text

    rows = csv_rows((await client.get("/reports.csv?quarter=2026-Q3")).content)
    overall = {r["measure"]: r["value"] for r in rows if r["breakdown"] == "all"}
    for measure in NEW:
        assert overall[measure] == report.overall.cell(measure).text(
            1 if measure.endswith(("_pct", "_mean", "_median")) else 0
        ), measure
    network = {r["measure"]: r["value"] for r in rows if r["breakdown"] == "network_change"}
    assert network == {b.key: b.cell.text(0) for b in report.network_buckets}
    assert Measure.GOALS_REACHED_PCT.value in {
        r["measure"] for r in rows if r["breakdown"] == "programme"
    }
