"""Where the citizen is: in hospital or out, derived from admission/discharge facts by time.

Facts may arrive out of order, be corrected or be cancelled, so nothing here is a running
counter: every answer is computed from all facts sorted by the time they happened.

Two courses run side by side. The psychiatric one (the partnership's wards) decides the
discharge that ends pre-discharge, readmissions and the first-contact clock. A somatic stay
(a ward outside psychiatry) is kept on the record; it pauses the follow-up like a
readmission only when the programme says so (the record's `pauses_follow_up`), and its
discharge is never taken as the psychiatric discharge.
"""

from __future__ import annotations

from datetime import datetime

from schemas.episode import EpisodeState, HospitalFact, HospitalRecord
from schemas.events import CareSetting


def _inpatient_facts(
    records: list[HospitalRecord], *, psychiatric: bool = True
) -> list[HospitalRecord]:
    facts = [
        r
        for r in records
        if not r.cancelled
        and r.psychiatric == psychiatric
        and r.setting == CareSetting.INPATIENT
        and r.fact in (HospitalFact.ADMITTED, HospitalFact.DISCHARGED)
    ]
    # Stable sort: facts with the same time keep the order they arrived in.
    return sorted(facts, key=lambda r: r.occurred_at)


def _pausing_somatic_facts(records: list[HospitalRecord]) -> list[HospitalRecord]:
    return [r for r in _inpatient_facts(records, psychiatric=False) if r.pauses_follow_up]


def first_discharge(records: list[HospitalRecord]) -> datetime | None:
    """When the citizen first left the psychiatric ward during this episode (None: still
    admitted)."""
    for r in _inpatient_facts(records):
        if r.fact == HospitalFact.DISCHARGED:
            return r.occurred_at
    return None


def in_somatic_stay(records: list[HospitalRecord], *, pausing_only: bool = False) -> bool:
    """True while the latest somatic inpatient fact in time is an admission."""
    facts = (
        _pausing_somatic_facts(records)
        if pausing_only
        else _inpatient_facts(records, psychiatric=False)
    )
    return bool(facts) and facts[-1].fact == HospitalFact.ADMITTED


def ends_somatic_stay(records: list[HospitalRecord], at: datetime) -> bool:
    """An inpatient discharge at `at` not marked as somatic ends the somatic stay when the
    citizen was out of the psychiatric ward but in a somatic stay then (a discharge from
    the psychiatric ward while out of it would mean nothing)."""
    before = [r for r in records if r.occurred_at <= at]
    psychiatric = _inpatient_facts(before)
    out = bool(psychiatric) and psychiatric[-1].fact == HospitalFact.DISCHARGED
    return out and in_somatic_stay(before)


def is_admitted(records: list[HospitalRecord]) -> bool:
    """True while the latest psychiatric inpatient fact in time is an admission, or while a
    somatic stay the programme pauses for lasts.

    With no psychiatric facts at all the citizen counts as admitted: ward staff refer from
    a ward.
    """
    facts = _inpatient_facts(records)
    psychiatric = not facts or facts[-1].fact == HospitalFact.ADMITTED
    return psychiatric or in_somatic_stay(records, pausing_only=True)


def is_readmitted(records: list[HospitalRecord]) -> bool:
    """Admitted again (in a stay that pauses the follow-up) after the first discharge."""
    return first_discharge(records) is not None and is_admitted(records)


def readmissions(records: list[HospitalRecord]) -> int:
    """Psychiatric inpatient admissions that happened after the first discharge."""
    discharged = first_discharge(records)
    if discharged is None:
        return 0
    return sum(
        1
        for r in _inpatient_facts(records)
        if r.fact == HospitalFact.ADMITTED and r.occurred_at > discharged
    )


def ever_admitted(records: list[HospitalRecord]) -> bool:
    """Any psychiatric inpatient fact in this episode (an ambulant referral has none)."""
    return bool(_inpatient_facts(records))


def course(state: EpisodeState) -> list[HospitalRecord]:
    """The facts the process reads. An ambulant citizen, never admitted, counts as out of
    hospital since a peer took the episode: as if discharged then (a fact nobody sent, never
    stored), so an admission afterwards is a readmission and its discharge resumes."""
    if state.ambulant_since is None:
        return state.hospital
    start = HospitalRecord(
        event_id="ambulant-start",
        fact=HospitalFact.DISCHARGED,
        setting=CareSetting.INPATIENT,
        occurred_at=state.ambulant_since,
    )
    return [start, *state.hospital]


def find(records: list[HospitalRecord], event_id: str) -> HospitalRecord | None:
    return next((r for r in records if r.event_id == event_id), None)


def last_discharge(records: list[HospitalRecord]) -> datetime | None:
    """When the citizen last left hospital (a stay that pauses the follow-up), if they have
    left the psychiatric ward and are out now."""
    if first_discharge(records) is None or is_admitted(records):
        return None
    facts = _inpatient_facts(records) + _pausing_somatic_facts(records)
    return max(r.occurred_at for r in facts if r.fact == HospitalFact.DISCHARGED)


def has_left_hospital(records: list[HospitalRecord]) -> bool:
    """The citizen has been discharged from psychiatric inpatient care at least once in
    this episode."""
    return first_discharge(records) is not None
