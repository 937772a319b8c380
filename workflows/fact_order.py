"""The order facts happened in: occurred_at, then the type's precedence, then the event id.

Consent, risk and hospital facts may arrive in any order; the one that happened last stands,
so the order they arrived in never changes what the episode ends up knowing.
"""

from __future__ import annotations

from datetime import datetime

from schemas.consent import ConsentScope
from schemas.episode import FactStamp, HospitalFact, HospitalRecord
from schemas.events import ConsentGranted, ConsentWithdrawn, RiskChanged
from workflows.record import EpisodeRecord

# At the same instant a stay runs its course: admitted, on leave, back, discharged.
HOSPITAL_PRECEDENCE = {
    HospitalFact.ADMITTED: 0,
    HospitalFact.LEAVE_STARTED: 1,
    HospitalFact.LEAVE_ENDED: 2,
    HospitalFact.DISCHARGED: 3,
}
# The referral is the first word; at the same instant a raised risk and a withdrawal stand
# (the cautious reading).
REFERRAL = 0
LOWER_OR_GRANT = 1
RAISE_OR_WITHDRAW = 2

RISK = "risk"


def consent_key(scope: ConsentScope) -> str:
    return f"consent:{scope.value}"


def hospital_key(record: HospitalRecord) -> tuple[datetime, int, str]:
    return (record.occurred_at, HOSPITAL_PRECEDENCE[record.fact], record.event_id)


def sort_hospital(records: list[HospitalRecord]) -> None:
    """Keep the hospital facts in the order they happened; hospital_course's stable sort by
    time then keeps this rule for facts of the same instant."""
    records.sort(key=hospital_key)


def stamp(event: RiskChanged | ConsentGranted | ConsentWithdrawn) -> FactStamp:
    raised = isinstance(event, ConsentWithdrawn) or (
        isinstance(event, RiskChanged) and event.payload.elevated
    )
    return FactStamp(
        occurred_at=event.occurred_at,
        precedence=RAISE_OR_WITHDRAW if raised else LOWER_OR_GRANT,
        event_id=event.event_id,
    )


def stands(record: EpisodeRecord, key: str, new: FactStamp) -> bool:
    """Record `new` as the fact that stands for `key` if it happened after the one that
    does (at first: the referral); False if a later fact already stands."""
    stamps = record.state.fact_stamps
    current = stamps.get(key) or FactStamp(
        occurred_at=record.start.referred_at,
        precedence=REFERRAL,
        event_id=record.start.referral_event_id,
    )
    if new.key <= current.key:
        return False
    stamps[key] = new
    return True
