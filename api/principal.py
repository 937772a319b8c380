"""Who is calling: a logged-in person or a system holding an API token."""

from __future__ import annotations

from enum import StrEnum

from schemas.base import Frozen
from schemas.people import Actor, Role


class TokenRole(StrEnum):
    INTEGRATION = "integration"
    MEDCOM_GATEWAY = "medcom_gateway"
    OPERATOR = "operator"


class Binding(Frozen):
    """Whom a system token speaks for: its organisations, and the wards (with their SOR codes)
    it is bound to by SOR code or through their organisation. Empty: nobody."""

    organisations: frozenset[str] = frozenset()
    wards: frozenset[str] = frozenset()
    sor_codes: frozenset[str] = frozenset()

    def covers_ward(self, ward_id: str) -> bool:
        return ward_id in self.wards

    def covers_episode(self, ward_id: str, organisation_id: str) -> bool:
        """An episode of one of its wards, or one its organisation runs."""
        return ward_id in self.wards or organisation_id in self.organisations

    def may_send_as(self, sor_code: str) -> bool:
        return sor_code in self.sor_codes


class Principal(Frozen):
    """The caller, with what row scoping needs: their ward, organisation or municipality, or
    (for a system token) whom the token speaks for."""

    id: str
    role: Role | TokenRole
    display_name: str = ""
    organisation_id: str | None = None
    ward_id: str | None = None
    municipality_code: str | None = None
    service: str | None = None
    csrf_token: str | None = None
    binding: Binding = Binding()
    # Coordinators: episodes of partner organisations an escalation called them to.
    escalated_episodes: frozenset[str] = frozenset()
    # Coordinators: partners' episodes their own organisation's peers are assigned to, where
    # the partnership's sharing rules let their organisation's kind see them (db/partnerships).
    supervised_episodes: frozenset[str] = frozenset()
    # The citizen (signed in with a one-time link): every episode of theirs, open or ended.
    citizen_episodes: frozenset[str] = frozenset()

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
