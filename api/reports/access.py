"""Who may read reports, and on which episodes: coordinators their organisation, caseworkers
their municipality where the citizen consented to sharing with their service."""

from __future__ import annotations

from api.errors import ApiError
from api.principal import Principal
from schemas.base import Frozen
from schemas.consent import SERVICE_SCOPE
from schemas.people import Role

READERS = (Role.COORDINATOR, Role.CASEWORKER)


class ReportScope(Frozen):
    """Fixed by the reader's role; filters only narrow it further."""

    organisation_id: str | None = None
    municipality_code: str | None = None
    consent: str | None = None


def scope_for(principal: Principal) -> ReportScope:
    if principal.role == Role.COORDINATOR and principal.organisation_id:
        return ReportScope(organisation_id=principal.organisation_id)
    if principal.role == Role.CASEWORKER and principal.municipality_code:
        scope = SERVICE_SCOPE.get(principal.service or "")
        if scope is not None:
            return ReportScope(municipality_code=principal.municipality_code, consent=scope.value)
    raise ApiError(403, f"role {principal.role.value} may not read outcome reports")
