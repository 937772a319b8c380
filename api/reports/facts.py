"""What the report reads per episode and per peer: facts without names, CPR or notes."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, Field

from schemas.base import Frozen


class EpisodeFacts(Frozen):
    """One episode as the read model holds it. `citizen_id` (opaque) is used only to count
    distinct citizens for suppression; it never leaves the report code."""

    citizen_id: str
    programme: str
    municipality_code: str
    organisation_id: str
    referred_at: AwareDatetime
    matched_at: AwareDatetime | None = Field(
        default=None, description="decided_at of the first accepted peer offer"
    )
    discharged_at: AwareDatetime | None = None
    first_contact_at: AwareDatetime | None = None
    follow_ups_done: int = 0
    follow_ups_planned: int = 0
    readmissions: int = 0
    milestones: tuple[str, ...] = ()
    hope_score_start: int | None = None
    hope_score_end: int | None = None
    network_size_start: int | None = Field(default=None, description="measured at first contact")
    network_size_end: int | None = Field(default=None, description="measured at closing")
    job_or_education: str | None = Field(
        default=None, description="the closing questionnaire's answer (schemas.tasks.JobStatus)"
    )
    goals_total: int = Field(default=0, ge=0, description="goals set, whatever became of them")
    goals_reached: int = Field(default=0, ge=0)
    closed_at: AwareDatetime | None = None
    manual_matches: int = 0
    contact_escalations: int = 0

    def hours_to_first_contact(self) -> float | None:
        if self.discharged_at is None or self.first_contact_at is None:
            return None
        return _hours(self.first_contact_at - self.discharged_at)

    def hours_to_match(self) -> float | None:
        if self.matched_at is None:
            return None
        return _hours(self.matched_at - self.referred_at)

    def hope_change(self) -> int | None:
        if self.hope_score_start is None or self.hope_score_end is None:
            return None
        return self.hope_score_end - self.hope_score_start

    def network_change(self) -> int | None:
        if self.network_size_start is None or self.network_size_end is None:
            return None
        return self.network_size_end - self.network_size_start

    def contact_is_due(self, as_of: datetime, within_hours: float) -> bool:
        """Discharged, and either contacted or past the deadline: counts for the 72 h share."""
        if self.discharged_at is None:
            return False
        if self.first_contact_at is not None:
            return True
        return _hours(as_of - self.discharged_at) >= within_hours


class PeerFacts(Frozen):
    """One peer's capacity and current load (no name)."""

    capacity: int = Field(ge=0)
    active_load: int = Field(ge=0)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600
