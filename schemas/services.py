"""What each caseworker service can start for a citizen, and what each start counts as."""

from __future__ import annotations

from schemas.programme import MilestoneKind

# Caseworker service (Recipient.service / users.service) -> the offers it starts.
SERVICE_OFFERS: dict[str, tuple[str, ...]] = {
    "social_services": ("housing_support", "contact_person", "activity_offer"),
    "jobcenter": ("ips", "resource_course", "job_clarification"),
    "education": ("special_educational_support", "education_guidance"),
}

# An offer confirmed started is a milestone of this kind: a job step, an education step, or
# (everything else) a municipal service.
OFFER_MILESTONE: dict[str, MilestoneKind] = {
    "ips": MilestoneKind.JOB_STEP,
    "resource_course": MilestoneKind.JOB_STEP,
    "job_clarification": MilestoneKind.JOB_STEP,
    "special_educational_support": MilestoneKind.EDUCATION_STEP,
    "education_guidance": MilestoneKind.EDUCATION_STEP,
}


def milestone_of(offer: str) -> MilestoneKind:
    return OFFER_MILESTONE.get(offer, MilestoneKind.MUNICIPAL_SERVICE)


def offers_of(service: str | None) -> tuple[str, ...]:
    """The offers a caseworker of this service may confirm (none for an unknown service)."""
    return SERVICE_OFFERS.get(service or "", ())
