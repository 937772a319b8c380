"""Who acts and who is addressed: roles and actor references (opaque ids only)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from schemas.base import Frozen

OPAQUE_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"


class Role(StrEnum):
    WARD = "ward"
    PEER = "peer"
    COORDINATOR = "coordinator"
    CASEWORKER = "caseworker"
    OPERATOR = "operator"
    SYSTEM = "system"
    # The person the episode is for, signed in with a one-time link (id: their opaque
    # citizen id), and a relative they share with (id: the relative contact's opaque id).
    CITIZEN = "citizen"
    RELATIVE = "relative"


class Actor(Frozen):
    """Who did something: a role and an opaque id (a user id, a ward id, a system name)."""

    role: Role
    id: str = Field(pattern=OPAQUE_ID)


class Recipient(Frozen):
    """Who should act or be told. For caseworkers `id` is the municipality code and
    `service` narrows it to social services, jobcenter or education guidance."""

    role: Role
    id: str = Field(pattern=OPAQUE_ID)
    service: str | None = None


SYSTEM = Actor(role=Role.SYSTEM, id="hverdagsbro")
