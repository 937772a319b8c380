"""Import a parsed roster (checked as a whole, applied in one transaction) and export one."""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from pydantic import ValidationError

from command.roster.checks import cross_check
from command.roster.formats import Parsed, RosterRefused, json_where
from db.pool import DatabasePool
from db.roster_import import apply_roster, export_roster, load_catalogue, partnership_ids
from schemas.roster_file import RosterChanges, RosterFile

log = structlog.get_logger(__name__)


async def import_roster(
    pool: DatabasePool,
    parsed: Parsed[Any],
    *,
    recorded_by: str,
    password_hash: str | None = None,
    check_only: bool = False,
) -> RosterChanges:
    """Check the roster against itself and the database, then apply it, all in one
    transaction: refused (RosterRefused, every problem listed) means nothing was written."""
    roster: RosterFile = parsed.roster
    async with pool.acquire() as conn, conn.transaction():
        catalogue = await load_catalogue(conn)
        problems = [
            f"{parsed.where(loc)}: {reason}"
            for loc, reason in cross_check(roster, catalogue, parsed.unchecked)
        ]
        if parsed.problems or problems:
            raise RosterRefused(_in_file_order([*parsed.problems, *problems]))
        if check_only:
            return RosterChanges(rows=0)
        try:
            changes = await apply_roster(
                conn, roster, recorded_by=recorded_by, password_hash=password_hash
            )
        except asyncpg.IntegrityConstraintViolationError as err:
            # The constraint's name, not its message: that quotes the values.
            raise RosterRefused(
                [f"database: the roster breaks the constraint {err.constraint_name}"]
            ) from None
    log.info(
        "roster imported",
        partnership_id=roster.partnership.partnership_id,
        users=len(roster.users),
        rows_changed=changes.rows,
    )
    return changes


_SECTIONS = (
    "file",
    "partnership",
    "organisations",
    "municipalities",
    "wards",
    "users",
    "supervision_groups",
)


def _in_file_order(problems: list[str]) -> list[str]:
    """Field and cross-check problems together, by section and entry (a stable sort)."""

    def place(problem: str) -> tuple[int, int]:
        head = problem.split(":", 1)[0]
        if head.startswith("line "):
            number = head[5:].split(",", 1)[0]
            return (0, int(number) if number.isdigit() else 0)
        section, _, rest = head.partition("[")
        index = rest.split("]", 1)[0]
        order = _SECTIONS.index(section) if section in _SECTIONS else 0
        return (order, int(index) if index.isdigit() else -1)

    return sorted(problems, key=place)


async def the_partnership(pool: DatabasePool, given: str | None) -> str:
    """The partnership asked for, or the only one there is."""
    async with pool.acquire() as conn:
        known = await partnership_ids(conn)
    if given is not None:
        if given not in known:
            raise RosterRefused(["--partnership: no such partnership"])
        return given
    if len(known) != 1:
        raise RosterRefused([f"--partnership: there are {len(known)} partnerships; say which one"])
    return known[0]


async def _stored(pool: DatabasePool, partnership_id: str) -> dict[str, Any]:
    async with pool.acquire() as conn:
        data = await export_roster(conn, partnership_id)
    if data is None:
        raise RosterRefused(["--partnership: no such partnership"])
    return data


async def stored_roster(pool: DatabasePool, partnership_id: str) -> RosterFile:
    """The partnership's roster as stored, in the file's shape."""
    data = await _stored(pool, partnership_id)
    try:
        return RosterFile.model_validate(data)
    except ValidationError as err:
        raise RosterRefused(
            [
                f"the stored roster cannot be written as a file: {json_where(tuple(e['loc']))}:"
                f" {e['msg']}"
                for e in err.errors(include_input=False)
            ]
        ) from None


async def csv_base(pool: DatabasePool, partnership_id: str) -> dict[str, Any]:
    """What a CSV of peers is imported into: the partnership and its members as stored."""
    data = await _stored(pool, partnership_id)
    return {"partnership": data["partnership"], "organisations": data["organisations"]}
