"""Consent scopes and how each grant or withdrawal was recorded."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime

from schemas.base import Frozen
from schemas.people import Actor


class ConsentScope(StrEnum):
    PEER_SUPPORT = "peer_support"
    SHARE_WITH_MUNICIPALITY = "share_with_municipality"
    SHARE_WITH_JOBCENTER = "share_with_jobcenter"
    SHARE_WITH_EDUCATION = "share_with_education"
    # Plain-language notices (discharge date, who the peer is) to a relative on the episode.
    SHARE_WITH_RELATIVE = "share_with_relative"


class ConsentMethod(StrEnum):
    VERBAL = "verbal"
    WRITTEN = "written"
    DIGITAL = "digital"


class ConsentGrant(Frozen):
    """One scope given, with who recorded it, when and how."""

    scope: ConsentScope
    recorded_by: Actor
    recorded_at: AwareDatetime
    method: ConsentMethod


# Which consent scope allows sharing with which caseworker service.
SERVICE_SCOPE: dict[str, ConsentScope] = {
    "social_services": ConsentScope.SHARE_WITH_MUNICIPALITY,
    "jobcenter": ConsentScope.SHARE_WITH_JOBCENTER,
    "education": ConsentScope.SHARE_WITH_EDUCATION,
}
