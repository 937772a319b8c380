"""How each fact changes the episode, applied to a record without a Temporal server."""

from __future__ import annotations

from datetime import timedelta

from schemas.consent import ConsentScope
from schemas.episode import HospitalFact, Phase
from schemas.events import (
    Admitted,
    AdmittedPayload,
    CareSetting,
    ConcernFlagged,
    ConcernPayload,
    ConsentWithdrawn,
    ConsentWithdrawnPayload,
    ContactLogged,
    ContactPayload,
    Deceased,
    Discharged,
    DischargePlanned,
    DischargePlannedPayload,
    Goal,
    GoalArea,
    HospitalEventCancelled,
    HospitalEventRevised,
    HospitalEventRevisedPayload,
    TargetPayload,
)
from schemas.notifications import Template
from schemas.people import Actor, Role
from schemas.tasks import TaskKind, TaskStatus
from tests.workflows.offline import PEER, REFERRED_AT, WARD, episode_start, new_record, with_peer
from workflows import facts, hospital_course
from workflows.record import EpisodeRecord


def templates(record: EpisodeRecord) -> list[Template]:
    return [n.template for n in record.changes.notifications]


def withdrawn(scope: ConsentScope) -> ConsentWithdrawn:
    return ConsentWithdrawn(
        event_id=f"withdrawn-{scope.value}",
        occurred_at=REFERRED_AT,
        actor=WARD,
        payload=ConsentWithdrawnPayload(scope=scope),
    )


def discharged(event_id: str = "dis-1", after: timedelta = timedelta(days=1)) -> Discharged:
    return Discharged(event_id=event_id, occurred_at=REFERRED_AT + after, actor=WARD)


def test_the_referral_brings_its_admission_consents_and_event_id() -> None:
    start = episode_start(risk_elevated=True)
    state = facts.initial_state(start)
    assert state.risk_elevated
    assert [r.fact for r in state.hospital] == [HospitalFact.ADMITTED]
    assert state.hospital[0].occurred_at == start.referral.admitted_at
    assert set(state.consents) == {
        ConsentScope.PEER_SUPPORT,
        ConsentScope.SHARE_WITH_MUNICIPALITY,
    }
    assert state.seen_event_ids == [start.referral_event_id]


def test_the_same_event_twice_is_applied_once() -> None:
    record, runtime = new_record()
    assert facts.receive(record, discharged()) == "accepted"
    assert facts.receive(record, discharged()) == "duplicate"
    assert len(record.state.hospital) == 2, "the referral's admission and one discharge"
    assert [a.action for a in record.changes.audit].count("event.discharged") == 1
    assert runtime.logged == [("duplicate event ignored", {"event_type": "discharged"})]


def test_a_discharge_that_arrives_before_its_admission_still_counts_by_time() -> None:
    record, _ = new_record()
    readmitted = Admitted(event_id="adm-2", occurred_at=REFERRED_AT + timedelta(days=5), actor=WARD)
    facts.receive(record, discharged("dis-2", after=timedelta(days=9)))
    facts.receive(record, discharged("dis-1", after=timedelta(days=2)))
    facts.receive(record, readmitted)
    hospital = record.state.hospital
    assert hospital_course.first_discharge(hospital) == REFERRED_AT + timedelta(days=2)
    assert hospital_course.readmissions(hospital) == 1
    assert not hospital_course.is_admitted(hospital)


def test_a_correction_that_comes_before_its_fact_is_applied_when_the_fact_arrives() -> None:
    record, _ = new_record()
    corrected_to = REFERRED_AT + timedelta(days=4)
    facts.receive(
        record,
        HospitalEventRevised(
            event_id="rev-1",
            occurred_at=REFERRED_AT,
            actor=WARD,
            payload=HospitalEventRevisedPayload(target_event_id="dis-1", occurred_at=corrected_to),
        ),
    )
    assert record.state.pending_corrections == {"dis-1": corrected_to}
    facts.receive(record, discharged("dis-1", after=timedelta(days=1)))
    assert record.state.pending_corrections == {}
    assert hospital_course.first_discharge(record.state.hospital) == corrected_to


def test_a_discharge_sent_in_error_is_cancelled() -> None:
    record, _ = new_record()
    facts.receive(record, discharged("dis-1"))
    facts.receive(
        record,
        HospitalEventCancelled(
            event_id="cancel-1",
            occurred_at=REFERRED_AT,
            actor=WARD,
            payload=TargetPayload(target_event_id="dis-1"),
        ),
    )
    assert not hospital_course.has_left_hospital(record.state.hospital)
    summaries = [entry.summary for entry in record.changes.timeline]
    assert "discharged cancelled: sent in error" in summaries


def test_readmission_after_discharge_tells_the_peer() -> None:
    record, _ = new_record()
    with_peer(record)
    facts.receive(record, discharged())
    record.state.discharged_at = REFERRED_AT + timedelta(days=1)
    facts.receive(
        record, Admitted(event_id="adm-2", occurred_at=REFERRED_AT + timedelta(days=8), actor=WARD)
    )
    assert templates(record).count(Template.READMITTED) == 1
    assert hospital_course.is_readmitted(record.state.hospital)


def test_an_emergency_visit_after_discharge_tells_the_peer_without_readmitting() -> None:
    record, _ = new_record()
    with_peer(record)
    facts.receive(record, discharged())
    record.state.discharged_at = REFERRED_AT + timedelta(days=1)
    facts.receive(
        record,
        Admitted(
            event_id="er-1",
            occurred_at=REFERRED_AT + timedelta(days=3),
            actor=WARD,
            payload=AdmittedPayload(setting=CareSetting.EMERGENCY),
        ),
    )
    assert record.state.emergency_visits == 1
    assert Template.EMERGENCY_VISIT in templates(record)
    assert Template.READMITTED not in templates(record)
    assert not hospital_course.is_readmitted(record.state.hospital)


def test_the_municipality_hears_of_a_planned_discharge_once_and_only_with_consent() -> None:
    plan = DischargePlanned(
        event_id="plan-1",
        occurred_at=REFERRED_AT,
        actor=WARD,
        payload=DischargePlannedPayload(planned_for=REFERRED_AT.date() + timedelta(days=7)),
    )
    record, _ = new_record()
    facts.receive(record, plan)
    facts.receive(record, discharged())
    confirm = record.tasks_of(TaskKind.CONFIRM_SERVICE)
    assert [t.assignee.service for t in confirm] == ["social_services"]
    assert confirm[0].due_at == REFERRED_AT + timedelta(days=14)
    assert templates(record).count(Template.DISCHARGE_PLANNED) == 1

    without, _ = new_record(episode_start(consents=(ConsentScope.PEER_SUPPORT,)))
    facts.receive(without, plan)
    assert without.tasks_of(TaskKind.CONFIRM_SERVICE) == []
    assert Template.DISCHARGE_PLANNED not in templates(without)


def test_the_jobcenter_hears_only_when_a_job_is_a_goal() -> None:
    scopes = (ConsentScope.PEER_SUPPORT, ConsentScope.SHARE_WITH_JOBCENTER)
    no_goal, _ = new_record(episode_start(consents=scopes))
    job_goal, _ = new_record(
        episode_start(consents=scopes, goals=(Goal(area=GoalArea.JOB, text="Work again"),))
    )
    for record in (no_goal, job_goal):
        facts.receive(record, discharged())
    assert no_goal.tasks_of(TaskKind.CONFIRM_SERVICE) == []
    assert [t.assignee.service for t in job_goal.tasks_of(TaskKind.CONFIRM_SERVICE)] == [
        "jobcenter"
    ]


def test_withdrawing_municipality_consent_cancels_the_caseworker_task() -> None:
    record, _ = new_record()
    facts.receive(record, discharged())
    facts.receive(record, withdrawn(ConsentScope.SHARE_WITH_MUNICIPALITY))
    [task] = record.tasks_of(TaskKind.CONFIRM_SERVICE, open_only=False)
    assert task.status == TaskStatus.CANCELLED
    assert record.ending is None
    assert not facts.may_share_with(record.state, "social_services")


def test_withdrawing_consent_to_peer_support_ends_the_episode() -> None:
    record, _ = new_record()
    facts.receive(record, withdrawn(ConsentScope.PEER_SUPPORT))
    assert record.ending == (Phase.WITHDRAWN, "consent to peer support withdrawn")
    assert record.interrupted


def test_death_ends_the_episode_but_not_one_that_has_ended() -> None:
    record, _ = new_record()
    facts.receive(record, Deceased(event_id="death-1", occurred_at=REFERRED_AT, actor=WARD))
    assert record.ending == (Phase.DECEASED, "deceased")

    ended, _ = new_record()
    ended.state.phase = Phase.CLOSED
    facts.receive(ended, Deceased(event_id="death-1", occurred_at=REFERRED_AT, actor=WARD))
    assert ended.ending is None


def test_an_urgent_concern_is_due_in_four_hours_and_another_in_two_days() -> None:
    record, _ = new_record()
    for event_id, urgent in (("c-1", True), ("c-2", False)):
        facts.receive(
            record,
            ConcernFlagged(
                event_id=event_id,
                occurred_at=REFERRED_AT,
                actor=PEER,
                payload=ConcernPayload(urgent=urgent),
            ),
        )
    due = [t.due_at for t in record.tasks_of(TaskKind.CONCERN)]
    assert due == [REFERRED_AT + timedelta(hours=4), REFERRED_AT + timedelta(days=2)]
    assert all(t.assignee.role == Role.COORDINATOR for t in record.tasks_of(TaskKind.CONCERN))
    assert record.state.concerns == 2


def test_a_contact_logged_by_the_assigned_peer_completes_the_first_contact() -> None:
    record, runtime = new_record()
    with_peer(record)
    contact = record.add_task(TaskKind.FIRST_CONTACT, record.peer())
    met_at = REFERRED_AT + timedelta(hours=30)
    runtime.advance(timedelta(days=2))

    def logged(event_id: str, actor: Actor) -> ContactLogged:
        return ContactLogged(
            event_id=event_id, occurred_at=met_at, actor=actor, payload=ContactPayload()
        )

    facts.receive(record, logged("contact-1", Actor(role=Role.PEER, id="peer-2")))
    assert contact.is_open, "another peer's contact does not count"
    facts.receive(record, logged("contact-2", PEER))
    assert contact.status == TaskStatus.COMPLETED
    assert contact.decided_at == met_at, "the contact counts from when it happened"
    assert record.state.contacts_logged == 2
