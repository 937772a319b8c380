"""The account a log-in form names: its id and password hash, if it is active, and whether its
organisation lets its users log in with a password (or only through its identity provider)."""

from __future__ import annotations

from db.connection import PooledConnection
from schemas.base import Frozen


class LoginAccount(Frozen):
    user_id: str
    password_hash: str | None
    password_login: bool = True


_LOGIN_ACCOUNT = """
SELECT u.user_id, u.password_hash, coalesce(o.password_login, true) AS password_login
FROM users u LEFT JOIN organisations o USING (organisation_id)
WHERE u.user_id = $1 AND u.active
"""


async def login_account(conn: PooledConnection, user_id: str) -> LoginAccount | None:
    row = await conn.fetchrow(_LOGIN_ACCOUNT, user_id)
    return None if row is None else LoginAccount.model_validate(dict(row))
