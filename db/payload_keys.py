"""Per-episode payload keys as stored: wrapped with a master key, or destroyed by erasure."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen


class StoredKey(Frozen):
    """A destroyed key keeps its row (with `destroyed_at`) and loses the key material."""

    master_key_id: str | None
    wrapped_key: bytes | None = Field(repr=False)
    destroyed_at: datetime | None


async def stored_key(conn: PooledConnection, workflow_id: str) -> StoredKey | None:
    row = await conn.fetchrow(
        "SELECT master_key_id, wrapped_key, destroyed_at FROM payload_keys WHERE workflow_id = $1",
        workflow_id,
    )
    return None if row is None else StoredKey.model_validate(dict(row))


async def store_key(
    conn: PooledConnection, workflow_id: str, master_key_id: str, wrapped_key: bytes
) -> None:
    """Keep the first key stored for the workflow; a later one (a lost race) is dropped."""
    await conn.execute(
        "INSERT INTO payload_keys (workflow_id, master_key_id, wrapped_key)"
        " VALUES ($1, $2, $3) ON CONFLICT (workflow_id) DO NOTHING",
        workflow_id,
        master_key_id,
        wrapped_key,
    )
