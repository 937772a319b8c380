"""Who is calling: a logged-in person or a system holding an API token."""

from __future__ import annotations

from enum import StrEnum

from schemas.base import Frozen
from schemas.people import Actor, Role


class TokenRole(StrEnum):
    INTEGRATION = "integration"
    MEDCOM_GATEWAY = "medcom_gateway"
    OPERATOR = "operator"


class Principal(Frozen):
    """The caller, with what row scoping needs: their ward, organisation or municipality."""

    id: str
    role: Role | TokenRole
    display_name: str = ""
    organisation_id: str | None = None
    ward_id: str | None = None
    municipality_code: str | None = None
    service: str | None = None
    csrf_token: str | None = None

    @property
    def is_person(self) -> bool:
        return isinstance(self.role, Role)

    def actor(self) -> Actor:
        """How the caller appears in events, decisions and the audit log."""
        if isinstance(self.role, Role):
            return Actor(role=self.role, id=self.id)
        if self.role == TokenRole.OPERATOR:
            return Actor(role=Role.OPERATOR, id=self.id)
        return Actor(role=Role.SYSTEM, id=self.id)
