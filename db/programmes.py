"""The programme catalogue: shipped defaults, stored in PostgreSQL where operators may edit them."""

from __future__ import annotations

import json
from importlib import resources

from pydantic import TypeAdapter

from db.connection import PooledConnection
from schemas.programme import Programme

_PROGRAMMES = TypeAdapter(list[Programme])


def default_programmes() -> list[Programme]:
    """The six programmes of the design brief, as shipped in db/reference/programmes.json."""
    raw = (resources.files("db") / "reference" / "programmes.json").read_text(encoding="utf-8")
    return _PROGRAMMES.validate_json(raw)


async def seed_programmes(conn: PooledConnection) -> None:
    """Insert the shipped programmes that are not in the database yet (never overwrites)."""
    for programme in default_programmes():
        await conn.execute(
            "INSERT INTO programmes (code, definition) VALUES ($1, $2::jsonb)"
            " ON CONFLICT (code) DO NOTHING",
            programme.code,
            programme.model_dump_json(),
        )


async def load_programme(conn: PooledConnection, code: str) -> Programme | None:
    """The active programme with this code, or None."""
    row = await conn.fetchrow(
        "SELECT definition::text AS d FROM programmes WHERE code = $1 AND active", code
    )
    return None if row is None else Programme.model_validate(json.loads(row["d"]))
