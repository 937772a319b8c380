"""Every MedCom HospitalNotification example parses and maps to the events the guide names."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.medcom import (
    HospitalNotification,
    acknowledgement,
    parse_hospital_notification,
    transmission_key,
)
from api.medcom.events import event_id_for, stay_scope, to_episode_events
from schemas.events import EVENT_ADAPTER, CareSetting, EpisodeEvent
from schemas.medcom import ActivityCode, EarlierMessageRole, EncounterStatus
from schemas.people import SYSTEM
from tests.medcom.bundles import (
    cpr_of,
    example,
    example_files,
    header_id,
    resource,
    short_name,
)

STIN_HEADER = "b9b4818e-02de-4cc4-b418-d20cbc7b5404"
STOR_HEADER = "e563a2b2-bf92-4b13-bbd2-0a021a95bded"
STAA_HEADER = "i50fc5fe-2d11-4ef3-acac-2e2e5c6c0029"
INPATIENT, EMERGENCY = CareSetting.INPATIENT, CareSetting.EMERGENCY


@dataclass(frozen=True)
class Expected:
    activity: ActivityCode
    setting: CareSetting
    status: EncounterStatus
    deceased: bool
    event: str
    event_setting: CareSetting | None = None
    target_header: str | None = None
    earlier: tuple[str, EarlierMessageRole] | None = None


A = ActivityCode
S = EncounterStatus
REVISION, REMOVAL = EarlierMessageRole.REVISION, EarlierMessageRole.REMOVAL

# The table in tests/medcom/examples/README.md, keyed by the start of the bundle id.
EXPECTED: dict[str, Expected] = {
    "a5e5b880": Expected(A.ADMIT_INPATIENT, INPATIENT, S.IN_PROGRESS, False, "admitted", INPATIENT),
    "bfab3e80": Expected(
        A.REVISE_ADMIT_INPATIENT,
        INPATIENT,
        S.IN_PROGRESS,
        False,
        "hospital_event_revised",
        target_header=STIN_HEADER,
        earlier=(STIN_HEADER, REVISION),
    ),
    "c83671a4": Expected(
        A.CANCEL_ADMIT_INPATIENT,
        INPATIENT,
        S.ENTERED_IN_ERROR,
        False,
        "hospital_event_cancelled",
        target_header=STIN_HEADER,
        earlier=(STIN_HEADER, REMOVAL),
    ),
    "d3128d9b": Expected(
        A.START_LEAVE_INPATIENT,
        INPATIENT,
        S.ON_LEAVE,
        False,
        "leave_started",
        earlier=(STIN_HEADER, REVISION),
    ),
    "e94de8ee": Expected(
        A.END_LEAVE_INPATIENT,
        INPATIENT,
        S.IN_PROGRESS,
        False,
        "leave_ended",
        earlier=(STOR_HEADER, REVISION),
    ),
    "f4aa42a4": Expected(
        A.DISCHARGE_INPATIENT_HOME,
        INPATIENT,
        S.FINISHED,
        False,
        "discharged",
        INPATIENT,
        earlier=(STIN_HEADER, REVISION),
    ),
    "g099bbf3": Expected(
        A.ADMIT_INPATIENT, INPATIENT, S.FINISHED, True, "deceased", earlier=(STIN_HEADER, REVISION)
    ),
    "h1c8e4a8": Expected(A.ADMIT_EMERGENCY, EMERGENCY, S.IN_PROGRESS, False, "admitted", EMERGENCY),
    "kcab461b": Expected(
        A.DISCHARGE_EMERGENCY_HOME,
        EMERGENCY,
        S.FINISHED,
        False,
        "discharged",
        EMERGENCY,
        earlier=(STAA_HEADER, REVISION),
    ),
    "ld31e08a": Expected(
        A.ADMIT_EMERGENCY, EMERGENCY, S.FINISHED, True, "deceased", earlier=(STAA_HEADER, REVISION)
    ),
    "m908i967": Expected(A.ADMIT_INPATIENT, INPATIENT, S.IN_PROGRESS, False, "admitted", INPATIENT),
    "n73ccf30": Expected(A.ADMIT_INPATIENT, INPATIENT, S.IN_PROGRESS, False, "admitted", INPATIENT),
    "i3c2c3c0": Expected(
        A.REVISE_ADMIT_EMERGENCY,
        EMERGENCY,
        S.IN_PROGRESS,
        False,
        "hospital_event_revised",
        target_header=STAA_HEADER,
        earlier=(STAA_HEADER, REVISION),
    ),
    "j1f8b295": Expected(
        A.CANCEL_ADMIT_EMERGENCY,
        EMERGENCY,
        S.ENTERED_IN_ERROR,
        False,
        "hospital_event_cancelled",
        target_header=STAA_HEADER,
        earlier=(STAA_HEADER, REMOVAL),
    ),
}

FILES = example_files()


def parse(prefix: str) -> HospitalNotification:
    return parse_hospital_notification(example(prefix))


# An opaque citizen id as db/citizens gives one (never the CPR).
CITIZEN_ID = "3f1c0a9e5b7d4e2f8a6c1b0d9e8f7a6b"


def own_id(n: HospitalNotification) -> str:
    return event_id_for(stay_scope(n, CITIZEN_ID), n.message_header_id)


def mapped(n: HospitalNotification) -> list[EpisodeEvent]:
    """The events of a message whose earlier message (for a revise/cancel) the intake found
    in the same stay, under the id that message got."""
    earlier = n.earlier_message_header_id
    target = event_id_for(stay_scope(n, CITIZEN_ID), earlier) if earlier is not None else None
    return to_episode_events(n, actor=SYSTEM, event_id=own_id(n), target_event_id=target)


def test_every_example_file_is_in_the_table() -> None:
    assert len(FILES) == 14
    assert {short_name(p) for p in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=short_name)
def test_example_parses_and_maps(path: Path) -> None:
    expected = EXPECTED[short_name(path)]
    raw = path.read_text(encoding="utf-8")
    bundle = json.loads(raw)

    n = parse_hospital_notification(raw)

    assert n.bundle_id == bundle["id"]
    assert n.message_header_id == header_id(bundle)
    assert n.activity is expected.activity
    assert n.encounter_class is expected.setting
    assert n.encounter_status is expected.status
    assert n.deceased is expected.deceased
    assert n.cpr == cpr_of(bundle)
    assert n.sender_sor == "265161000016000"
    assert n.receiver_sor == "953741000016009"
    assert n.episode_of_care
    earlier = (n.earlier_message_header_id, n.earlier_message_role)
    assert earlier == (expected.earlier or (None, None))
    for moment in (n.bundle_timestamp, n.period_start, n.recorded_at, n.period_end):
        assert moment is None or moment.utcoffset() == UTC.utcoffset(None)

    events = mapped(n)

    assert [e.type for e in events] == [expected.event]
    (event,) = events
    assert event.event_id == own_id(n)
    assert event.event_id.startswith("medcom:") and event.event_id.endswith(n.message_header_id)
    assert event.actor == SYSTEM
    if expected.event_setting is not None:
        assert event.payload.setting is expected.event_setting  # type: ignore[union-attr]
    if expected.target_header is not None:
        target = event_id_for(stay_scope(n, CITIZEN_ID), expected.target_header)
        assert event.payload.target_event_id == target  # type: ignore[union-attr]
    # The events survive the JSON round trip of Temporal's pydantic data converter.
    assert EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(event)) == event
    assert acknowledgement(n).outcome == "ok"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("prefix", "occurred_at"),
    [
        ("a5e5b880", "2022-12-07T12:00:00+02:00"),  # period.start
        ("bfab3e80", "2022-12-07T13:00:00+02:00"),  # the corrected start
        ("c83671a4", "2022-12-07T15:00:02+02:00"),  # cancellation: Provenance.recorded
        ("d3128d9b", "2022-12-13T14:00:10+02:00"),  # leave start
        ("e94de8ee", "2022-12-14T15:30:00+02:00"),  # leave end
        ("f4aa42a4", "2022-12-18T09:45:30+02:00"),  # period.end
        ("g099bbf3", "2022-12-09T09:45:30+02:00"),  # time of death = period.end
        ("h1c8e4a8", "2022-12-01T10:00:04+02:00"),
        ("kcab461b", "2022-12-02T22:00:09+02:00"),
        ("ld31e08a", "2022-12-02T07:00:00+02:00"),
        ("i3c2c3c0", "2022-10-01T10:00:05Z"),
    ],
)
def test_events_happen_at_the_clinical_time(prefix: str, occurred_at: str) -> None:
    (event,) = mapped(parse(prefix))
    assert event.occurred_at == at(occurred_at)
    assert event.occurred_at.tzinfo == UTC


def test_revision_carries_the_new_time() -> None:
    (event,) = mapped(parse("bfab3e80"))
    assert event.type == "hospital_event_revised"
    assert event.payload.occurred_at == at("2022-12-07T13:00:00+02:00")


def test_revise_and_cancel_target_the_event_of_the_earlier_message() -> None:
    (admitted,) = mapped(parse("a5e5b880"))
    (revised,) = mapped(parse("bfab3e80"))
    (cancelled,) = mapped(parse("c83671a4"))
    assert revised.payload.target_event_id == admitted.event_id  # type: ignore[union-attr]
    assert cancelled.payload.target_event_id == admitted.event_id  # type: ignore[union-attr]


def test_a_revise_or_cancel_is_not_mapped_without_the_earlier_messages_event() -> None:
    n = parse("i3c2c3c0")
    with pytest.raises(ValueError, match="earlier message"):
        to_episode_events(n, actor=SYSTEM, event_id=own_id(n))


def test_the_event_id_is_scoped_to_sender_citizen_and_episode_of_care() -> None:
    n = parse("a5e5b880")
    other_stay = n.model_copy(update={"episode_of_care": (("urn:x", "another-stay"),)})
    other_sender = n.model_copy(update={"sender_sor": "123456000016000"})
    ids = {
        own_id(n),
        own_id(other_stay),
        own_id(other_sender),
        event_id_for(stay_scope(n, "another-citizen"), n.message_header_id),
    }
    assert len(ids) == 4
    assert all(n.message_header_id in i and n.cpr not in i for i in ids)
    assert own_id(n) == own_id(parse("a5e5b880"))


def test_an_admission_to_a_somatic_ward_carries_psychiatric_false() -> None:
    n = parse("a5e5b880")
    (somatic,) = to_episode_events(n, actor=SYSTEM, event_id=own_id(n), psychiatric=False)
    (psychiatric,) = mapped(n)
    assert somatic.payload.psychiatric is False  # type: ignore[union-attr]
    assert psychiatric.payload.psychiatric is True  # type: ignore[union-attr]


def test_event_ids_are_deterministic() -> None:
    first = mapped(parse("f4aa42a4"))
    again = mapped(parse("f4aa42a4"))
    assert first == again


def test_death_is_only_a_death_not_another_admission() -> None:
    n = parse("g099bbf3")
    assert n.activity is ActivityCode.ADMIT_INPATIENT  # MORS keeps the previous code
    assert [e.type for e in mapped(n)] == ["deceased"]


def test_death_without_period_end_happens_at_the_recorded_time() -> None:
    bundle = example("g099bbf3")
    del resource(bundle, "Encounter")["period"]["end"]
    (event,) = mapped(parse_hospital_notification(bundle))
    assert event.type == "deceased"
    assert event.occurred_at == at("2022-12-09T09:45:32+02:00")


def test_death_wins_over_a_leave_code() -> None:
    bundle = example("d3128d9b")
    resource(bundle, "Patient")["deceasedBoolean"] = True
    events = mapped(parse_hospital_notification(bundle))
    assert [e.type for e in events] == ["deceased"]


def test_service_provider_may_differ_from_sender_and_urn_uuid_is_stripped() -> None:
    n = parse("m908i967")
    assert n.message_header_id == "o9b4818e-12de-5cc4-c418-d30cbc7b5404"  # not a valid UUID
    assert n.sender_sor == "265161000016000"
    assert n.service_provider_sor == "399841000016000"
    assert n.episode_of_care == (
        ("https://sor2.sum.dsdn.dk/#id=265161000016000", "bd481c38-a921-11ed-afa1-0242ac120002"),
    )
    assert n.recorded_at == datetime(2022, 12, 9, 12, 0, 2, tzinfo=UTC)  # written with Z
    assert n.bundle_timestamp == datetime(2022, 12, 7, 10, 0, 1, tzinfo=UTC)  # +02:00 trusted


def test_two_episode_of_care_identifiers() -> None:
    n = parse("n73ccf30")
    assert n.episode_of_care == (
        (
            "https://www.esundhed.dk/Registre/Landspatientregisteret",
            "fc60e762-b13b-5773-865e-67f3907bdcc7",
        ),
        ("https://sor2.sum.dsdn.dk/#id=265161000016000", "bd481c38-a921-11ed-afa1-0242ac120002"),
    )


def test_leave_periods() -> None:
    started = parse("d3128d9b")
    assert started.leave_start == at("2022-12-13T14:00:10+02:00")
    assert started.leave_end is None
    ended = parse("e94de8ee")
    assert (ended.leave_start, ended.leave_end) == (
        at("2022-12-13T14:00:10+02:00"),
        at("2022-12-14T15:30:00+02:00"),
    )


def test_entry_order_does_not_matter() -> None:
    bundle = example("e94de8ee")
    reference = parse_hospital_notification(bundle)
    for seed in range(5):
        shuffled = example("e94de8ee")
        random.Random(seed).shuffle(shuffled["entry"])
        assert parse_hospital_notification(shuffled) == reference


def test_message_header_last_is_accepted() -> None:
    bundle = example("a5e5b880")
    bundle["entry"].append(bundle["entry"].pop(0))
    assert parse_hospital_notification(bundle).message_header_id == header_id(bundle)


def test_references_resolve_by_type_and_id_not_full_url() -> None:
    bundle = example("f4aa42a4")
    for i, entry in enumerate(bundle["entry"]):
        entry["fullUrl"] = f"urn:uuid:00000000-0000-0000-0000-{i:012d}"
    assert parse_hospital_notification(bundle) == parse("f4aa42a4")


def test_absolute_references_resolve_too() -> None:
    bundle = example("a5e5b880")
    header = resource(bundle, "MessageHeader")
    focus = header["focus"][0]
    focus["reference"] = "https://medcomfhir.dk/ig/hospitalnotification/" + focus["reference"]
    assert parse_hospital_notification(bundle) == parse("a5e5b880")


def test_transmission_key_is_bundle_and_header_id() -> None:
    n = parse("a5e5b880")
    assert transmission_key(n) == (
        "a5e5b880-c087-4055-b9ec-99108695f81d",
        "b9b4818e-02de-4cc4-b418-d20cbc7b5404",
    )
    resent = example("a5e5b880")
    resent["id"] = "a5e5b880-0000-0000-0000-000000000001"
    again = parse_hospital_notification(resent)
    assert transmission_key(again) != transmission_key(n)
    assert mapped(again) == mapped(n), "the event id is the stay's and the MessageHeader's"


def test_json_text_and_bytes_are_accepted() -> None:
    bundle = example("kcab461b")
    text = json.dumps(bundle)
    assert parse_hospital_notification(text) == parse_hospital_notification(text.encode())


def test_the_cpr_is_not_in_repr_or_str() -> None:
    bundle = example("a5e5b880")
    n = parse_hospital_notification(bundle)
    cpr = cpr_of(bundle)
    assert n.cpr == cpr
    assert cpr not in repr(n)
    assert cpr not in str(n)
