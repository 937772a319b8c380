"""The column-wise counting gives exactly the report the filter-per-measure counting gave,
on varied episodes (every fact present or missing, citizens with several episodes, several
programmes, municipalities and organisations), and reading rows straight from the database
counts them as validated facts would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from api.reports.build import build_report
from api.reports.counted import of_facts, of_rows
from api.reports.facts import EpisodeFacts, PeerFacts
from api.reports.measures import tallies
from api.reports.model import ReportFilters
from api.reports.period import Period
from db import report_queries
from db.pool import DatabasePool
from schemas.tasks import JobStatus
from tests.reports import reference_counting as reference
from tests.reports.conftest import Quarter
from tests.reports.population import now
from tests.reports.reference_counting import reference_report

START = datetime(2026, 7, 1, tzinfo=UTC)
AS_OF = datetime(2026, 9, 20, tzinfo=UTC)
CITIZENS = [f"cit-{n:03d}" for n in range(30)]
MILESTONES = ("municipal_service", "job_step", "education_step", "network_activity", "other")
hours = st.none() | st.floats(min_value=0, max_value=400, allow_nan=False)
score = st.none() | st.integers(0, 10)


def _after(base: datetime, h: float | None) -> datetime | None:
    return None if h is None else base + timedelta(hours=h)


@st.composite
def episode(draw: st.DrawFn) -> EpisodeFacts:
    referred = START + timedelta(hours=draw(st.floats(0, 2100, allow_nan=False)))
    discharged = _after(referred, draw(hours))
    closed = _after(referred, draw(st.none() | st.floats(0, 3000, allow_nan=False)))
    small = st.integers(0, 4)
    return EpisodeFacts(
        citizen_id=draw(st.sampled_from(CITIZENS)),
        programme=draw(st.sampled_from(["p1", "p2", "p3"])),
        municipality_code=draw(st.sampled_from(["101", "202", "303"])),
        organisation_id=draw(st.sampled_from(["org-a", "org-b"])),
        referred_at=referred,
        matched_at=_after(referred, draw(hours)),
        discharged_at=discharged,
        first_contact_at=None if discharged is None else _after(discharged, draw(hours)),
        follow_ups_done=draw(small),
        follow_ups_planned=draw(small),
        readmissions=draw(st.integers(0, 2)),
        milestones=tuple(draw(st.lists(st.sampled_from(MILESTONES), max_size=3, unique=True))),
        hope_score_start=draw(score),
        hope_score_end=draw(score),
        network_size_start=draw(score),
        network_size_end=draw(score),
        job_or_education=draw(st.none() | st.sampled_from([j.value for j in JobStatus])),
        goals_total=draw(small),
        goals_reached=draw(small),
        closed_at=closed,
        manual_matches=draw(st.integers(0, 2)),
        contact_escalations=draw(st.integers(0, 2)),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(episode(), max_size=60))
def test_every_tally_counts_the_same_number_from_the_same_citizens_as_before(
    facts: list[EpisodeFacts],
) -> None:
    fast = tallies(of_facts(facts, AS_OF))
    before = reference.tallies(facts, AS_OF)
    assert [(m, t.value, t.citizens) for m, t in fast.items()] == [
        (m, t.value, t.citizens) for m, t in before.items()
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(episode(), max_size=120),
    st.lists(st.builds(PeerFacts, capacity=st.integers(0, 9), active_load=st.integers(0, 9))),
)
def test_the_fast_counting_gives_the_same_report_as_before(
    facts: list[EpisodeFacts], peers: list[PeerFacts]
) -> None:
    filters = ReportFilters(period=Period.quarter("2026-Q3"))
    fast = build_report(filters, facts, peers, AS_OF)
    assert fast == reference_report(filters, facts, peers, AS_OF)


async def test_rows_read_from_the_database_count_as_their_validated_facts(
    db_pool: DatabasePool, quarter: Quarter
) -> None:
    within = report_queries.FactScope(
        organisation_id=quarter.roster.organisation_id,
        municipality_code=None,
        consent=None,
        programme=None,
    )
    period = Period.quarter("2026-Q3")
    async with db_pool.acquire() as conn:
        rows = await report_queries.episode_facts(
            conn, starts=period.starts, ends=period.ends, within=within
        )
    assert len(rows) > 40
    as_of = now()
    validated = [EpisodeFacts.model_validate(dict(r)) for r in rows]
    assert of_rows(rows, as_of) == of_facts(validated, as_of)
