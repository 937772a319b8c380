"""The type of a connection borrowed from an asyncpg pool (a proxy, typed apart from Connection)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    PooledConnection: TypeAlias = PoolConnectionProxy[asyncpg.Record]
else:
    PooledConnection = asyncpg.Connection
