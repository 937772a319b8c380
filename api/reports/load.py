"""Reads the facts for a reader's scope and filters from the database and builds the report."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from api.reports.access import ReportScope
from api.reports.build import build_counted
from api.reports.counted import of_rows
from api.reports.facts import PeerFacts
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
    # Counting a year is a second or more of CPU: in a thread, so the event loop goes on
    # answering other requests meanwhile.
    return await asyncio.to_thread(
        _counted_report, filters, episodes, peers, enrolments, members, marks, as_of
    )


def _counted_report(
    filters: ReportFilters,
    episodes: Sequence[Any],
    peers: Sequence[Any],
    enrolments: Sequence[Any],
    members: Sequence[Any],
    marks: Sequence[Any],
    as_of: datetime,
) -> Report:
    return build_counted(
        filters,
        of_rows(episodes, as_of),
        [PeerFacts.model_validate(dict(r)) for r in peers],
        as_of,
        enrolments=[EnrolmentFacts.model_validate(dict(r)) for r in enrolments],
        group_members=[GroupMemberFacts.model_validate(dict(r)) for r in members],
        marks=[GroupAttendanceFacts.model_validate(dict(r)) for r in marks],
    )
