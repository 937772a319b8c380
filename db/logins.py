"""The account a log-in form names: its id and password hash, if it is active."""

from __future__ import annotations

from db.connection import PooledConnection
from schemas.base import Frozen


class LoginAccount(Frozen):
    user_id: str
    password_hash: str | None


_LOGIN_ACCOUNT = "SELECT user_id, password_hash FROM users WHERE user_id = $1 AND active"


async def login_account(conn: PooledConnection, user_id: str) -> LoginAccount | None:
    row = await conn.fetchrow(_LOGIN_ACCOUNT, user_id)
    return None if row is None else LoginAccount.model_validate(dict(row))
