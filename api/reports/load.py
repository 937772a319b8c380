"""Reads the facts for a reader's scope and filters from the database and builds the report."""

from __future__ import annotations

from datetime import datetime

from api.reports.access import ReportScope
from api.reports.build import build_report
from api.reports.facts import EpisodeFacts, PeerFacts
from api.reports.model import Report, ReportFilters
from db import report_queries
from db.connection import PooledConnection


async def load_report(
    conn: PooledConnection, scope: ReportScope, filters: ReportFilters, as_of: datetime
) -> Report:
    episodes = await report_queries.episode_facts(
        conn,
        starts=filters.period.starts,
        ends=filters.period.ends,
        organisation_id=scope.organisation_id,
        municipality_code=filters.municipality,
        consent=scope.consent,
        programme=filters.programme,
    )
    peers = await report_queries.peer_facts(
        conn,
        organisation_id=scope.organisation_id,
        municipality_code=filters.municipality,
        programme=filters.programme,
    )
    return build_report(
        filters,
        [EpisodeFacts.model_validate(dict(r)) for r in episodes],
        [PeerFacts.model_validate(dict(r)) for r in peers],
        as_of,
    )
