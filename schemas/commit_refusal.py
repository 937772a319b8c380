"""Why PostgreSQL refused an episode commit for good: where and what kind, never a value."""

from __future__ import annotations

from pydantic import Field

from schemas.base import Frozen

# The type of the non-retryable ApplicationError a refused commit fails with.
COMMIT_REFUSED = "CommitRefused"


class CommitRefusal(Frozen):
    """The table, the asyncpg error class and the SQLSTATE: enough to find the cause, and
    nothing of the data (PostgreSQL's own message may quote the row, so it is never kept)."""

    table: str = Field(pattern=r"^[a-z_]{1,40}$")
    error: str = Field(pattern=r"^[A-Za-z]{1,80}$")
    sqlstate: str = Field(pattern=r"^[0-9A-Z]{0,5}$")

    def __str__(self) -> str:
        return f"{self.table}: PostgreSQL refused the data ({self.error}, SQLSTATE {self.sqlstate})"
