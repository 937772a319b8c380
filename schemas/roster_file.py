"""A partnership's roster as one document (`hverdagsbro roster import/export`, the demo roster):
the partnership and its rules, its members, municipalities, wards, staff, peers and supervision."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from schemas.base import Frozen
from schemas.people import OPAQUE_ID
from schemas.programme import Carriers
from schemas.roster import (
    Absence,
    Employment,
    OrganisationKind,
    SharingRules,
    SupervisionGroup,
    TrainingRecord,
)

# A file of more than this is refused before it is read (a partnership's roster is far smaller).
MAX_FILE_BYTES = 5_000_000
# Bounds on each list, so a hostile file cannot make validation itself the burden.
MAX_ENTRIES = 5_000
MAX_PER_PEER = 200

_CODE = r"^[a-z0-9-]{2,40}$"
_MUNICIPALITY = r"^[0-9]{3,4}$"
_LANGUAGE = r"^[a-z]{2,3}$"

Code = Annotated[str, Field(pattern=_CODE)]
Language = Annotated[str, Field(pattern=_LANGUAGE)]
MunicipalityCode = Annotated[str, Field(pattern=_MUNICIPALITY)]
OpaqueId = Annotated[str, Field(pattern=OPAQUE_ID)]
UserRole = Literal["ward", "peer", "coordinator", "caseworker", "operator"]
Service = Literal["social_services", "jobcenter", "education"]


class PartnershipEntry(Frozen):
    partnership_id: str = Field(pattern=OPAQUE_ID)
    name: str = Field(min_length=1, max_length=200)
    sharing: SharingRules = SharingRules()


class OrganisationEntry(Frozen):
    organisation_id: str = Field(pattern=OPAQUE_ID)
    name: str = Field(min_length=1, max_length=200)
    kind: OrganisationKind


class MunicipalityEntry(Frozen):
    municipality_code: str = Field(pattern=_MUNICIPALITY)
    name: str = Field(min_length=1, max_length=200)
    organisation_id: str | None = Field(default=None, pattern=OPAQUE_ID)
    # Where CareCommunications are sent (SOR code and EAN location number).
    sor_code: str | None = Field(default=None, pattern=r"^[0-9]{6,18}$")
    ean: str | None = Field(default=None, pattern=r"^[0-9]{13}$")


class WardEntry(Frozen):
    ward_id: str = Field(pattern=OPAQUE_ID)
    name: str = Field(min_length=1, max_length=200)
    organisation_id: str = Field(pattern=OPAQUE_ID)
    sor_code: str | None = Field(default=None, pattern=r"^[0-9]{6,18}$")
    ean: str | None = Field(default=None, pattern=r"^[0-9]{13}$")


class PeerProfile(Frozen):
    """What the roster knows about a peer besides who they are."""

    employment: Employment
    capacity: int = Field(ge=0, le=50)
    languages: tuple[Language, ...] = Field(default=("da",), max_length=20)
    programmes: tuple[Code, ...] = Field(default=(), max_length=20)
    municipalities: tuple[MunicipalityCode, ...] = Field(default=(), max_length=100)
    available: bool = True
    trainings: tuple[TrainingRecord, ...] = Field(default=(), max_length=MAX_PER_PEER)
    absences: tuple[Absence, ...] = Field(default=(), max_length=MAX_PER_PEER)
    supervision_groups: tuple[OpaqueId, ...] = Field(default=(), max_length=10)


class UserEntry(Frozen):
    """A member of staff or a peer. Names, e-mail and phone are personal data: they are stored,
    never logged or shown in an error."""

    user_id: str = Field(pattern=OPAQUE_ID)
    role: UserRole
    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{6,20}$")
    organisation_id: str = Field(pattern=OPAQUE_ID)
    municipality_code: str | None = Field(default=None, pattern=_MUNICIPALITY)
    ward_id: str | None = Field(default=None, pattern=OPAQUE_ID)
    service: Service | None = None
    active: bool = True
    peer: PeerProfile | None = None

    @model_validator(mode="after")
    def _fits_the_role(self) -> UserEntry:
        if (self.role == "peer") != (self.peer is not None):
            raise ValueError("peer: a peer profile belongs to users of role peer, and only them")
        if self.role == "ward" and self.ward_id is None:
            raise ValueError("ward_id: ward staff belong to a ward")
        if self.role == "caseworker" and (self.municipality_code is None or self.service is None):
            raise ValueError("municipality_code, service: a caseworker has both")
        if self.service is not None and self.role != "caseworker":
            raise ValueError("service: only caseworkers have a service")
        return self


class RosterFile(Frozen):
    """One partnership's roster. Every organisation listed is a member of the partnership."""

    format: Literal["hverdagsbro-roster/1"] = "hverdagsbro-roster/1"
    partnership: PartnershipEntry
    organisations: tuple[OrganisationEntry, ...] = Field(min_length=1, max_length=MAX_ENTRIES)
    municipalities: tuple[MunicipalityEntry, ...] = Field(default=(), max_length=MAX_ENTRIES)
    wards: tuple[WardEntry, ...] = Field(default=(), max_length=MAX_ENTRIES)
    users: tuple[UserEntry, ...] = Field(default=(), max_length=MAX_ENTRIES)
    supervision_groups: tuple[SupervisionGroup, ...] = Field(default=(), max_length=MAX_ENTRIES)

    @property
    def peers(self) -> list[UserEntry]:
        return [u for u in self.users if u.peer is not None]


class RosterCatalogue(Frozen):
    """What the database already holds that a roster file may refer to."""

    programmes: dict[str, Carriers]
    courses: frozenset[str]
    organisations: dict[str, OrganisationKind]
    municipalities: frozenset[str]
    wards: frozenset[str]
    users: frozenset[str]
    supervision_groups: dict[str, str] = Field(
        description="group id -> the organisation it belongs to"
    )


class RosterChanges(Frozen):
    """How many rows an import inserted or changed (0 when the file was already applied)."""

    rows: int
