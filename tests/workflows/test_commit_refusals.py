"""What a refused commit is stored as: its texts cleaned of what PostgreSQL cannot hold, or
without the part the refusing table keeps."""

from __future__ import annotations

from datetime import timedelta

from temporalio.exceptions import ActivityError, ApplicationError, RetryState

from schemas.commit import AuditEntry, EpisodeCommit, EpisodeProjection
from schemas.commit_refusal import COMMIT_REFUSED, CommitRefusal
from schemas.events import Goal, GoalArea
from schemas.people import SYSTEM
from schemas.tasks import ServiceConfirmed, TaskKind
from tests.workflows.offline import REFERRED_AT, new_record, with_peer
from workflows import commit_refusals, projections
from workflows.commit_refusals import clean_state, cleaned, refusal_of, storable, without
from workflows.record import EpisodeRecord

REFUSAL = CommitRefusal(table="tasks", error="CharacterNotInRepertoireError", sqlstate="22021")


def poisoned_commit() -> tuple[EpisodeRecord, EpisodeCommit]:
    record, _ = new_record()
    with_peer(record)
    task = record.add_task(TaskKind.FOLLOW_UP, record.peer(), due_in=timedelta(days=3))
    task.note = "Talte om\x00 Hanne"
    service = record.add_task(TaskKind.CONFIRM_SERVICE, record.caseworker("social_services"))
    service.result = ServiceConfirmed(service="housing\x00_support")
    record.changes.goals = (
        Goal(area=GoalArea.JOB, text="Et job\x00"),
        Goal(area=GoalArea.NETWORK, text="\x00"),
    )
    record.audit(SYSTEM, "x", detail={"k": "v\x00"})
    commit = record.changes.take(
        seq=1, projection=record_projection(record), tasks=record.state.tasks
    )
    return record, commit


def record_projection(record: EpisodeRecord) -> EpisodeProjection:
    return projections.projection(record.start, record.state, REFERRED_AT)


def test_storable_text_drops_nul_and_lone_surrogates_only() -> None:
    assert storable("Æble\x00 ø\ud800å 😀") == "Æble øå 😀"


def test_a_cleaned_commit_keeps_every_text_but_what_cannot_be_stored() -> None:
    _, commit = poisoned_commit()
    clean = cleaned(commit)
    notes = {t.kind: t for t in clean.tasks}
    assert notes[TaskKind.FOLLOW_UP].note == "Talte om Hanne"
    result = notes[TaskKind.CONFIRM_SERVICE].result
    assert isinstance(result, ServiceConfirmed) and result.service == "housing_support"
    assert [g.text for g in clean.goals] == ["Et job"], "a goal left empty is dropped"
    assert clean.audit[-1].detail == {"k": "v"}
    assert clean.projection == commit.projection
    assert "\x00" not in clean.model_dump_json()


def test_a_result_no_longer_valid_once_cleaned_is_left_out() -> None:
    record, _ = poisoned_commit()
    [service] = record.tasks_of(TaskKind.CONFIRM_SERVICE)
    service.result = ServiceConfirmed(service="a\x00")
    cleaned_task = commit_refusals.cleaned_task(service)
    assert cleaned_task.result is None


def test_the_state_keeps_no_text_that_cannot_be_stored() -> None:
    record, commit = poisoned_commit()
    clean_state(record.state, commit)
    [task] = record.tasks_of(TaskKind.FOLLOW_UP)
    assert task.note == "Talte om Hanne"
    [service] = record.tasks_of(TaskKind.CONFIRM_SERVICE)
    assert isinstance(service.result, ServiceConfirmed)
    assert service.result.service == "housing_support"


def test_without_a_table_leaves_out_its_part_but_never_the_episode_row() -> None:
    _, commit = poisoned_commit()
    parts = {t: without(commit, t) for t in ("tasks", "episode_goals", "outbox", "audit_log")}
    assert commit.tasks and commit.goals and commit.notifications and commit.audit
    assert parts["tasks"] is not None and parts["tasks"].tasks == ()
    assert parts["episode_goals"] is not None and parts["episode_goals"].goals == ()
    assert parts["outbox"] is not None and parts["outbox"].notifications == ()
    assert parts["audit_log"] is not None and parts["audit_log"].audit == ()
    assert parts["tasks"] is not None and parts["tasks"].goals == commit.goals, "only its part"
    assert without(commit, "episodes") is None


def refused(details: object | None = REFUSAL) -> ApplicationError:
    if isinstance(details, CommitRefusal):
        details = details.model_dump()
    args = () if details is None else (details,)
    return ApplicationError(str(REFUSAL), *args, type=COMMIT_REFUSED, non_retryable=True)


def test_a_refusal_is_read_from_a_local_or_a_remote_activity_failure() -> None:
    local = refused()
    remote = ActivityError(
        "activity failed",
        scheduled_event_id=1,
        started_event_id=2,
        identity="w",
        activity_type="commit_episode",
        activity_id="1",
        retry_state=RetryState.NON_RETRYABLE_FAILURE,
    )
    remote.__cause__ = refused()
    assert refusal_of(local) == REFUSAL
    assert refusal_of(remote) == REFUSAL


def test_other_failures_are_no_refusal() -> None:
    assert refusal_of(ApplicationError("boom", type="Other")) is None
    assert refusal_of(refused(details=None)) is None
    assert refusal_of(refused(details={"table": "Hanne Jensen!"})) is None


def test_audit_entries_keep_their_ids_when_cleaned() -> None:
    entry = AuditEntry(audit_id="a1", at=REFERRED_AT, actor=SYSTEM, action="x", reason="\x00")
    _, commit = poisoned_commit()
    clean = cleaned(commit.model_copy(update={"audit": (entry,)}))
    assert clean.audit[0].audit_id == "a1" and clean.audit[0].reason == ""
