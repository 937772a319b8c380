"""Bulk rows of a generated population (benchmark and tests): extra wards and municipalities,
then episodes with their citizens, contacts, goals, tasks, timelines and received events,
copied straight into the read-model tables the pages and reports read. New ids only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from db.connection import PooledConnection

Record = tuple[Any, ...]

EPISODE_COLUMNS = (
    "episode_id",
    "citizen_id",
    "programme",
    "phase",
    "peer_id",
    "municipality_code",
    "ward_id",
    "organisation_id",
    "risk_elevated",
    "consents",
    "referred_at",
    "discharged_at",
    "first_contact_at",
    "next_due_at",
    "next_due_kind",
    "overdue_tasks",
    "follow_ups_done",
    "follow_ups_planned",
    "readmissions",
    "milestones",
    "hope_score_start",
    "hope_score_end",
    "network_size_start",
    "network_size_end",
    "job_or_education",
    "goals_total",
    "goals_reached",
    "closed_at",
    "end_reason",
    "commit_seq",
    "pathway",
)
CONTACT_COLUMNS = (
    "episode_id",
    "citizen_id",
    "name",
    "email",
    "recorded_by_role",
    "recorded_by_id",
    "recorded_at",
)
GOAL_COLUMNS = ("episode_id", "goal_no", "goal_id", "area", "text", "status", "set_at", "reviews")
TASK_COLUMNS = (
    "task_id",
    "episode_id",
    "kind",
    "assignee_role",
    "assignee_id",
    "assignee_service",
    "status",
    "number",
    "created_at",
    "due_at",
    "overdue",
    "decided_at",
    "decided_by",
    "commit_seq",
)
TIMELINE_COLUMNS = (
    "entry_id",
    "episode_id",
    "at",
    "kind",
    "actor_role",
    "actor_id",
    "summary",
    "task_id",
    "commit_seq",
    "text_key",
    "params",
)
EVENT_COLUMNS = (
    "event_id",
    "event_type",
    "episode_id",
    "citizen_id",
    "source",
    "status",
    "received_at",
    "applied_at",
    "body",
)

# The tables a population fills, in the order their foreign keys need.
TABLES: dict[str, tuple[str, ...]] = {
    "episodes": EPISODE_COLUMNS,
    "episode_contacts": CONTACT_COLUMNS,
    "episode_goals": GOAL_COLUMNS,
    "tasks": TASK_COLUMNS,
    "timeline": TIMELINE_COLUMNS,
    "events_received": EVENT_COLUMNS,
}


async def add_wards(conn: PooledConnection, organisation_id: str, ward_ids: Sequence[str]) -> None:
    """More wards of the organisation (no SOR or EAN code)."""
    await conn.execute(
        "INSERT INTO wards (ward_id, name, organisation_id)"
        " SELECT w, 'Ward ' || w, $1 FROM unnest($2::text[]) AS w",
        organisation_id,
        list(ward_ids),
    )


async def add_municipalities(conn: PooledConnection, codes: Sequence[str]) -> None:
    """More municipalities (no organisation, SOR or EAN code of their own)."""
    await conn.execute(
        "INSERT INTO municipalities (municipality_code, name)"
        " SELECT c, 'Kommune ' || c FROM unnest($1::text[]) AS c",
        list(codes),
    )


async def add_caseworkers(
    conn: PooledConnection, organisation_id: str, municipality_codes: Sequence[str]
) -> None:
    """A social-services caseworker per municipality, user id cw-pop-<code>."""
    await conn.execute(
        "INSERT INTO users (user_id, role, display_name, email, organisation_id,"
        " municipality_code, service)"
        " SELECT 'cw-pop-' || c, 'caseworker', 'Test caseworker', 'cw-pop-' || c || '@example.org',"
        " $1, c, 'social_services' FROM unnest($2::text[]) AS c",
        organisation_id,
        list(municipality_codes),
    )


async def add_citizens(conn: PooledConnection, citizen_ids: Sequence[str]) -> None:
    """Citizens known by id only (no CPR number)."""
    await conn.copy_records_to_table(
        "citizens", records=((c,) for c in citizen_ids), columns=("citizen_id",)
    )


# A bulk copy may take longer than the pool's statement timeout (HVERDAGSBRO_DATABASE_TIMEOUT,
# seconds, meant for a page's short statements), most of all on a busy machine.
COPY_TIMEOUT_S = 300.0


async def copy_rows(conn: PooledConnection, table: str, records: Iterable[Record]) -> int:
    """Rows into one of TABLES, columns in its order; returns how many."""
    rows = list(records)
    await conn.copy_records_to_table(
        table, records=rows, columns=TABLES[table], timeout=COPY_TIMEOUT_S
    )
    return len(rows)


async def settle_peer_load(conn: PooledConnection, organisation_id: str) -> None:
    """Each peer of the organisation carries the open episodes assigned to them."""
    await conn.execute(
        "UPDATE peers p SET active_load = coalesce(("
        " SELECT count(*) FROM episodes e WHERE e.peer_id = p.peer_id"
        " AND e.phase NOT IN ('closed', 'withdrawn', 'cancelled', 'deceased')), 0),"
        " capacity = greatest(capacity, 1000)"
        " WHERE p.organisation_id = $1",
        organisation_id,
        timeout=COPY_TIMEOUT_S,
    )


async def vacuum_analyze(conn: PooledConnection) -> None:
    """After a bulk load, the tables as autovacuum leaves them, now rather than later:
    planner statistics, and the visibility map and hint bits set (otherwise the first
    readers of every page set them, and autovacuum's pass over a million fresh rows runs
    beside whatever is measured next; the benchmark's first page had a p95 of 146-315 ms)."""
    for table in (*TABLES, "citizens", "peers"):
        await conn.execute(f"VACUUM (ANALYZE) {table}", timeout=COPY_TIMEOUT_S)  # from TABLES


async def counts(conn: PooledConnection, episode_prefix: str) -> dict[str, int]:
    """Rows of the population whose episode ids start with `episode_prefix`, per table, and
    how many of its episodes are open."""
    like = episode_prefix + "%"
    found: dict[str, int] = {}
    for table in TABLES:
        found[table] = await conn.fetchval(
            f"SELECT count(*) FROM {table} WHERE episode_id LIKE $1",  # noqa: S608 (constant)
            like,
        )
    found["open"] = await conn.fetchval(
        "SELECT count(*) FROM episodes WHERE episode_id LIKE $1"
        " AND phase NOT IN ('closed', 'withdrawn', 'cancelled', 'deceased')",
        like,
    )
    return found


async def busiest_peer(conn: PooledConnection, episode_prefix: str) -> tuple[str, list[str]]:
    """The peer with the most open episodes of the population, and those episodes."""
    row = await conn.fetchrow(
        "SELECT peer_id, array_agg(episode_id ORDER BY episode_id) AS episodes FROM episodes"
        " WHERE episode_id LIKE $1 AND peer_id IS NOT NULL"
        " AND phase NOT IN ('closed', 'withdrawn', 'cancelled', 'deceased')"
        " GROUP BY peer_id ORDER BY count(*) DESC, peer_id LIMIT 1",
        episode_prefix + "%",
    )
    if row is None:
        raise LookupError("the population has no open episode with a peer")
    return str(row["peer_id"]), list(row["episodes"])


async def open_episode_of_ward(conn: PooledConnection, ward_id: str) -> tuple[str, str]:
    """An open episode of the ward that has a peer, and its citizen: (episode, citizen)."""
    row = await conn.fetchrow(
        "SELECT episode_id, citizen_id FROM episodes"
        " WHERE ward_id = $1 AND peer_id IS NOT NULL"
        " AND phase NOT IN ('closed', 'withdrawn', 'cancelled', 'deceased')"
        " ORDER BY referred_at DESC LIMIT 1",
        ward_id,
    )
    if row is None:
        raise LookupError("the ward has no open episode with a peer")
    return str(row["episode_id"]), str(row["citizen_id"])
