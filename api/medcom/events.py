"""What a HospitalNotification means for the episode: the episode events it stands for."""

from __future__ import annotations

from datetime import datetime

from schemas.events import (
    Admitted,
    AdmittedPayload,
    Deceased,
    Discharged,
    EpisodeEvent,
    HospitalEventCancelled,
    HospitalEventRevised,
    HospitalEventRevisedPayload,
    LeaveEnded,
    LeaveStarted,
    TargetPayload,
)
from schemas.medcom import ActivityCode, HospitalNotification
from schemas.people import Actor


def event_id_for(message_header_id: str, suffix: str | None = None) -> str:
    """The deterministic event id of what one MedCom message says.

    A later `revise-*`/`cancel-*` message refers to the earlier MessageHeader, so its target is
    `event_id_for(earlier_header_id)`. Should one message ever yield a second event, that event
    gets `suffix` (`medcom:<header id>:<suffix>`); the first keeps the bare id."""
    base = f"medcom:{message_header_id}"
    return base if suffix is None else f"{base}:{suffix}"


def _clinical_time(n: HospitalNotification) -> datetime:
    base = n.activity.base
    if base in {ActivityCode.ADMIT_INPATIENT, ActivityCode.ADMIT_EMERGENCY}:
        return n.period_start
    if base in {ActivityCode.DISCHARGE_INPATIENT_HOME, ActivityCode.DISCHARGE_EMERGENCY_HOME}:
        when = n.period_end
    elif base is ActivityCode.START_LEAVE_INPATIENT:
        when = n.leave_start
    else:
        when = n.leave_end
    if when is None:  # parse_hospital_notification guarantees it for non-cancellations
        raise ValueError(f"{n.activity.value} without its clinical time")
    return when


def to_episode_events(n: HospitalNotification, *, actor: Actor) -> list[EpisodeEvent]:
    """The episode events one HospitalNotification stands for.

    Death (`Patient.deceasedBoolean`) wins over the activity code, which MORS leaves unchanged:
    only `Deceased` is produced. A cancellation is timed at `Provenance.recorded`; every other
    event at its clinical time (Encounter period or leave period)."""
    event_id = event_id_for(n.message_header_id)
    if n.deceased:
        return [Deceased(event_id=event_id, occurred_at=n.period_end or n.recorded_at, actor=actor)]
    activity = n.activity
    if activity.is_cancellation or activity.is_revision:
        if n.earlier_message_header_id is None:
            raise ValueError(f"{activity.value} without the earlier MessageHeader")
        target = event_id_for(n.earlier_message_header_id)
        if activity.is_cancellation:
            return [
                HospitalEventCancelled(
                    event_id=event_id,
                    occurred_at=n.recorded_at,
                    actor=actor,
                    payload=TargetPayload(target_event_id=target),
                )
            ]
        when = _clinical_time(n)
        return [
            HospitalEventRevised(
                event_id=event_id,
                occurred_at=when,
                actor=actor,
                payload=HospitalEventRevisedPayload(target_event_id=target, occurred_at=when),
            )
        ]
    when = _clinical_time(n)
    setting = AdmittedPayload(setting=activity.setting)
    if activity in {ActivityCode.ADMIT_INPATIENT, ActivityCode.ADMIT_EMERGENCY}:
        return [Admitted(event_id=event_id, occurred_at=when, actor=actor, payload=setting)]
    if activity in {ActivityCode.DISCHARGE_INPATIENT_HOME, ActivityCode.DISCHARGE_EMERGENCY_HOME}:
        return [Discharged(event_id=event_id, occurred_at=when, actor=actor, payload=setting)]
    if activity is ActivityCode.START_LEAVE_INPATIENT:
        return [LeaveStarted(event_id=event_id, occurred_at=when, actor=actor)]
    return [LeaveEnded(event_id=event_id, occurred_at=when, actor=actor)]


def for_another_episode(events: list[EpisodeEvent], episode_id: str) -> list[EpisodeEvent]:
    """The same events for a second open episode of the citizen (another programme): each id,
    and the id a revision or cancellation targets, gets `@<episode id>`, so each episode
    records the fact once under an id of its own and its corrections find it."""

    def own(event_id: str) -> str:
        return f"{event_id}@{episode_id}"

    moved: list[EpisodeEvent] = []
    for event in events:
        update: dict[str, object] = {"event_id": own(event.event_id)}
        if isinstance(event, HospitalEventRevised | HospitalEventCancelled):
            target = own(event.payload.target_event_id)
            update["payload"] = event.payload.model_copy(update={"target_event_id": target})
        moved.append(event.model_copy(update=update))
    return moved
