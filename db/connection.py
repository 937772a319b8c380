"""The type of a connection borrowed from an asyncpg pool (a proxy, typed apart from Connection)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    PooledConnection: TypeAlias = PoolConnectionProxy[asyncpg.Record]
else:
    PooledConnection = asyncpg.Connection


# What asyncpg raises when a connection is gone (killed, database restarted, network cut);
# on a pooled connection the server terminated while idle, asyncpg says InternalClientError
# ("cannot switch to state ..."). The connection is dropped on release.
CONNECTION_LOST: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
