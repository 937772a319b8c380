"""What a HospitalNotification means for the episode: the episode events it stands for, under
an identity scoped to the hospital stay.

MessageHeader ids are not unique across stays (MedCom's own test set reuses them), so the
identity of a hospital fact is the stay's scope (sender SOR code, our opaque citizen id, the
Encounter's episode-of-care identifiers) plus the MessageHeader.id. The scope goes into the
event id as a hash: the id reaches Temporal histories, and an episode-of-care URL does not fit
the event-id pattern. Which earlier message a `revise-*`/`cancel-*` means is looked up in the
stay (`api.medcom.intake`); `to_episode_events` is given the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
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

_SCOPE_HEX = 24


def episode_of_care_tokens(identifiers: Iterable[tuple[str, str]]) -> list[str]:
    """The episode-of-care identifiers as sorted FHIR tokens, `system|value`."""
    return sorted({f"{system}|{value}" for system, value in identifiers})


def same_stay(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    """Whether two messages' episode-of-care tokens may name one stay: they do not contradict
    (no system with different values). None given on either side does not contradict."""
    mine = _by_system(ours)
    other = _by_system(theirs)
    return all(mine[s] & other[s] for s in mine.keys() & other.keys())


def shares_an_episode_of_care(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    return bool(set(ours) & set(theirs))


def _by_system(tokens: Iterable[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for token in tokens:
        system, _, value = token.partition("|")
        found.setdefault(system, set()).add(value)
    return found


def stay_scope(n: HospitalNotification, citizen_id: str) -> str:
    """The stay a message speaks about, as sha256 hex (24 digits) of sender SOR code, citizen
    id and episode-of-care identifiers: never the CPR, and the same for every repeat."""
    scope = [n.sender_sor, citizen_id, *episode_of_care_tokens(n.episode_of_care)]
    return hashlib.sha256(json.dumps(scope).encode("utf-8")).hexdigest()[:_SCOPE_HEX]


def event_id_for(scope: str, message_header_id: str) -> str:
    """The deterministic event id of what one MedCom message says about one stay:
    `medcom:<scope>:<MessageHeader.id>`."""
    return f"medcom:{scope}:{message_header_id}"


def legacy_event_id(message_header_id: str) -> str:
    """The id a message's event was given before identities were scoped to the stay; a
    revise/cancel of such a message still targets it."""
    return f"medcom:{message_header_id}"


def content_digest(n: HospitalNotification, citizen_id: str | None) -> str:
    """sha256 of what a message says (who, from whom, what, when), to tell a repeat of a
    transmission from another message sent under the same ids. Ids and times only: the
    citizen is our opaque id, never the CPR (None when the CPR is not known to us)."""
    said = {
        "citizen": citizen_id,
        "sender": n.sender_sor,
        "activity": n.activity.value,
        "deceased": n.deceased,
        "episode_of_care": episode_of_care_tokens(n.episode_of_care),
        "earlier": n.earlier_message_header_id,
        "period": [_iso(n.period_start), _iso(n.period_end)],
        "leave": [_iso(n.leave_start), _iso(n.leave_end)],
    }
    return hashlib.sha256(json.dumps(said, sort_keys=True).encode("utf-8")).hexdigest()


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


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


def to_episode_events(
    n: HospitalNotification,
    *,
    actor: Actor,
    event_id: str,
    target_event_id: str | None = None,
    psychiatric: bool = True,
) -> list[EpisodeEvent]:
    """The episode events one HospitalNotification stands for, under `event_id`.

    A `revise-*`/`cancel-*` needs `target_event_id`, the event of the earlier message in the
    same stay. Death (`Patient.deceasedBoolean`) wins over the activity code, which MORS leaves
    unchanged: only `Deceased` is produced. A cancellation is timed at `Provenance.recorded`;
    every other event at its clinical time (Encounter period or leave period). An admission to,
    or a discharge from, a ward that is not psychiatric carries `psychiatric=False`."""
    if n.deceased:
        return [Deceased(event_id=event_id, occurred_at=n.period_end or n.recorded_at, actor=actor)]
    activity = n.activity
    if activity.is_cancellation or activity.is_revision:
        if target_event_id is None:
            raise ValueError(f"{activity.value} without the event of the earlier message")
        if activity.is_cancellation:
            return [
                HospitalEventCancelled(
                    event_id=event_id,
                    occurred_at=n.recorded_at,
                    actor=actor,
                    payload=TargetPayload(target_event_id=target_event_id),
                )
            ]
        when = _clinical_time(n)
        return [
            HospitalEventRevised(
                event_id=event_id,
                occurred_at=when,
                actor=actor,
                payload=HospitalEventRevisedPayload(
                    target_event_id=target_event_id, occurred_at=when
                ),
            )
        ]
    when = _clinical_time(n)
    # The discharge from a somatic ward is marked too: it must not end the psychiatric stay.
    stay = AdmittedPayload(setting=activity.setting, psychiatric=psychiatric)
    if activity in {ActivityCode.ADMIT_INPATIENT, ActivityCode.ADMIT_EMERGENCY}:
        return [Admitted(event_id=event_id, occurred_at=when, actor=actor, payload=stay)]
    if activity in {ActivityCode.DISCHARGE_INPATIENT_HOME, ActivityCode.DISCHARGE_EMERGENCY_HOME}:
        return [Discharged(event_id=event_id, occurred_at=when, actor=actor, payload=stay)]
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
