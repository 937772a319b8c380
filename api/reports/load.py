"""Reads the facts for a reader's scope and filters from the database and builds the report."""

from __future__ import annotations

from datetime import datetime

from api.reports.access import ReportScope
from api.reports.build import build_report
from api.reports.facts import EpisodeFacts, PeerFacts
from api.reports.model import Report, ReportFilters
from api.reports.programme_figures import (
    EnrolmentFacts,
    GroupAttendanceFacts,
    GroupMemberFacts,
)
from db import report_queries
from db.connection import PooledConnection


async def load_report(
    conn: PooledConnection, scope: ReportScope, filters: ReportFilters, as_of: datetime
) -> Report:
    period = filters.period
    within = report_queries.FactScope(
        organisation_id=scope.organisation_id,
        municipality_code=filters.municipality,
        consent=scope.consent,
        programme=filters.programme,
    )
    episodes = await report_queries.episode_facts(
        conn, starts=period.starts, ends=period.ends, within=within
    )
    peers = await report_queries.peer_facts(
        conn,
        organisation_id=scope.organisation_id,
        municipality_code=filters.municipality,
        programme=filters.programme,
    )
    enrolments = await report_queries.enrolment_facts(
        conn, first=period.first, last=period.last, within=within
    )
    members = await report_queries.group_member_facts(
        conn, first=period.first, last=period.last, within=within
    )
    marks = await report_queries.group_attendance_facts(
        conn, starts=period.starts, ends=period.ends, within=within
    )
    return build_report(
        filters,
        [EpisodeFacts.model_validate(dict(r)) for r in episodes],
        [PeerFacts.model_validate(dict(r)) for r in peers],
        as_of,
        enrolments=[EnrolmentFacts.model_validate(dict(r)) for r in enrolments],
        group_members=[GroupMemberFacts.model_validate(dict(r)) for r in members],
        marks=[GroupAttendanceFacts.model_validate(dict(r)) for r in marks],
    )
