"""The audit line a page's change writes: who (role and id), what (an action name) and ids
only in the detail, never a person's data. The supervision, peer group, course and roster
stores all write it the same way; each names its lines' ids with a prefix of its own."""

from __future__ import annotations

import json
import uuid
from typing import Protocol

from db.connection import PooledConnection
from schemas.base import Frozen

_AUDIT = """
INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, detail)
VALUES ($1, now(), $2, $3, $4, $5::jsonb)
"""


class Actor(Frozen):
    """Who makes a change, as the audit log names them."""

    role: str
    actor_id: str


class Named(Protocol):
    """Anything that names who acts as the audit log does (an Actor, the roster's Who)."""

    @property
    def role(self) -> str: ...

    @property
    def actor_id(self) -> str: ...


async def write_audit(
    conn: PooledConnection, prefix: str, who: Named, action: str, detail: dict[str, object]
) -> None:
    """One audit line, its id `<prefix>-<random hex>`."""
    await conn.execute(
        _AUDIT, f"{prefix}-{uuid.uuid4().hex}", who.role, who.actor_id, action, json.dumps(detail)
    )
