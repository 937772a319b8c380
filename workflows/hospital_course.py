"""Where the citizen is: in hospital or out, derived from admission/discharge facts by time.

Facts may arrive out of order, be corrected or be cancelled, so nothing here is a running
counter: every answer is computed from all facts sorted by the time they happened.
"""

from __future__ import annotations

from datetime import datetime

from schemas.episode import HospitalFact, HospitalRecord
from schemas.events import CareSetting


def _inpatient_facts(records: list[HospitalRecord]) -> list[HospitalRecord]:
    facts = [
        r
        for r in records
        if not r.cancelled
        and r.setting == CareSetting.INPATIENT
        and r.fact in (HospitalFact.ADMITTED, HospitalFact.DISCHARGED)
    ]
    # Stable sort: facts with the same time keep the order they arrived in.
    return sorted(facts, key=lambda r: r.occurred_at)


def first_discharge(records: list[HospitalRecord]) -> datetime | None:
    """When the citizen first left hospital during this episode (None: still admitted)."""
    for r in _inpatient_facts(records):
        if r.fact == HospitalFact.DISCHARGED:
            return r.occurred_at
    return None


def is_admitted(records: list[HospitalRecord]) -> bool:
    """True while the latest inpatient fact in time is an admission.

    With no facts at all the citizen counts as admitted: ward staff refer from a ward.
    """
    facts = _inpatient_facts(records)
    return not facts or facts[-1].fact == HospitalFact.ADMITTED


def is_readmitted(records: list[HospitalRecord]) -> bool:
    """Admitted again after the first discharge."""
    return first_discharge(records) is not None and is_admitted(records)


def readmissions(records: list[HospitalRecord]) -> int:
    """Inpatient admissions that happened after the first discharge."""
    discharged = first_discharge(records)
    if discharged is None:
        return 0
    return sum(
        1
        for r in _inpatient_facts(records)
        if r.fact == HospitalFact.ADMITTED and r.occurred_at > discharged
    )


def find(records: list[HospitalRecord], event_id: str) -> HospitalRecord | None:
    return next((r for r in records if r.event_id == event_id), None)


def last_discharge(records: list[HospitalRecord]) -> datetime | None:
    """When the citizen last left hospital, if they are out now."""
    facts = _inpatient_facts(records)
    if not facts or facts[-1].fact != HospitalFact.DISCHARGED:
        return None
    return facts[-1].occurred_at


def has_left_hospital(records: list[HospitalRecord]) -> bool:
    """The citizen has been discharged from inpatient care at least once in this episode."""
    return first_discharge(records) is not None
