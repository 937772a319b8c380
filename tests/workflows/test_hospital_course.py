"""Where the citizen is, computed from hospital facts that may come late, corrected or cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.episode import HospitalFact, HospitalRecord
from schemas.events import CareSetting
from workflows import hospital_course

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def fact(
    event_id: str,
    kind: HospitalFact,
    day: int,
    setting: CareSetting = CareSetting.INPATIENT,
    *,
    cancelled: bool = False,
) -> HospitalRecord:
    return HospitalRecord(
        event_id=event_id,
        fact=kind,
        setting=setting,
        occurred_at=T0 + timedelta(days=day),
        cancelled=cancelled,
    )


ADMITTED, DISCHARGED = HospitalFact.ADMITTED, HospitalFact.DISCHARGED


def test_with_no_facts_the_citizen_is_on_the_ward_that_referred_them() -> None:
    assert hospital_course.is_admitted([])
    assert not hospital_course.has_left_hospital([])
    assert hospital_course.first_discharge([]) is None
    assert hospital_course.readmissions([]) == 0


def test_facts_count_in_the_order_they_happened_not_the_order_they_came() -> None:
    records = [
        fact("d2", DISCHARGED, 20),
        fact("a2", ADMITTED, 10),
        fact("d1", DISCHARGED, 5),
        fact("a1", ADMITTED, 0),
    ]
    assert hospital_course.first_discharge(records) == T0 + timedelta(days=5)
    assert hospital_course.last_discharge(records) == T0 + timedelta(days=20)
    assert hospital_course.readmissions(records) == 1
    assert not hospital_course.is_readmitted(records)
    assert not hospital_course.is_admitted(records)


def test_readmitted_while_the_last_fact_is_an_admission_after_a_discharge() -> None:
    records = [fact("a1", ADMITTED, 0), fact("d1", DISCHARGED, 5), fact("a2", ADMITTED, 8)]
    assert hospital_course.is_readmitted(records)
    assert hospital_course.last_discharge(records) is None


def test_cancelled_facts_and_emergency_visits_do_not_move_the_citizen() -> None:
    records = [
        fact("a1", ADMITTED, 0),
        fact("d1", DISCHARGED, 5, cancelled=True),
        fact("e1", ADMITTED, 6, CareSetting.EMERGENCY),
        fact("e2", DISCHARGED, 6, CareSetting.EMERGENCY),
        fact("l1", HospitalFact.LEAVE_STARTED, 7),
    ]
    assert hospital_course.is_admitted(records)
    assert not hospital_course.has_left_hospital(records)
    assert hospital_course.find(records, "e2") is records[3]
    assert hospital_course.find(records, "nope") is None


def test_facts_at_the_same_moment_keep_the_order_they_came_in() -> None:
    records = [fact("a1", ADMITTED, 0), fact("d1", DISCHARGED, 3), fact("a2", ADMITTED, 3)]
    assert hospital_course.is_readmitted(records)
    assert not hospital_course.is_readmitted(list(reversed(records[1:])) + records[:1])
