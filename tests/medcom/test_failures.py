"""Messages that can never be accepted: a MedcomError naming the FHIR path, never the CPR."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from api.medcom import (
    MedcomError,
    acknowledgement,
    fatal_error,
    parse_hospital_notification,
    transient_error,
)
from schemas.medcom import HospitalNotificationMessage as Bundle
from tests.medcom.bundles import (
    CARE_DIR,
    cpr_of,
    current_provenance,
    drop,
    example,
    header_id,
    resource,
    resources,
)

Mutation = Callable[[dict[str, Any]], None]


def fails(
    bundle: dict[str, Any], field: str, reason: str, *, cpr: str | None = None
) -> MedcomError:
    """Parse, expect a MedcomError with this field and a reason containing `reason`."""
    secret = cpr or cpr_of(bundle)
    with pytest.raises(MedcomError) as caught:
        parse_hospital_notification(bundle)
    error = caught.value
    assert error.field == field
    assert reason in error.reason
    assert str(error).startswith(f"{field}: ")
    for text in (str(error), repr(error), *error.reasons, *(str(a) for a in error.args)):
        assert secret not in text
    # No chained ValidationError or KeyError rides along into a logged traceback.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    return error


def test_not_a_bundle() -> None:
    bundle = example("a5e5b880")
    bundle["resourceType"] = "Patient"
    fails(bundle, "Bundle.resourceType", "must be 'Bundle'")


@pytest.mark.parametrize("raw", [[], "[1, 2]", "not json {", b"\xff\xfe", 42, None, "null"])
def test_not_a_json_object(raw: object) -> None:
    with pytest.raises(MedcomError) as caught:
        parse_hospital_notification(raw)
    assert caught.value.field == "Bundle"


def test_wrong_bundle_type() -> None:
    bundle = example("a5e5b880")
    bundle["type"] = "collection"
    fails(bundle, "Bundle.type", "must be 'message'")


def test_no_message_header() -> None:
    bundle = example("a5e5b880")
    drop(bundle, "MessageHeader")
    fails(bundle, "Bundle.entry[MessageHeader]", "no MessageHeader")


def test_two_message_headers() -> None:
    bundle = example("a5e5b880")
    second = json.loads(json.dumps(bundle["entry"][0]))
    second["resource"]["id"] = "another-header"
    bundle["entry"].append(second)
    fails(bundle, "Bundle.entry[MessageHeader]", "more than one MessageHeader")


def test_not_a_hospital_notification() -> None:
    bundle = example("a5e5b880")
    resource(bundle, "MessageHeader")["eventCoding"]["code"] = "care-communication-message"
    fails(bundle, "Bundle.entry[MessageHeader].eventCoding", "hospital-notification-message")


@pytest.mark.parametrize("path", sorted(CARE_DIR.glob("*.json")), ids=lambda p: p.stem[7:15])
def test_care_communication_is_refused(path: Any) -> None:
    with pytest.raises(MedcomError) as caught:
        parse_hospital_notification(path.read_text(encoding="utf-8"))
    assert caught.value.field == "Bundle.entry[MessageHeader].eventCoding"


def test_missing_patient() -> None:
    bundle = example("a5e5b880")
    secret = cpr_of(bundle)
    drop(bundle, "Patient")
    fails(bundle, "Bundle.entry[Patient]", "no Patient", cpr=secret)


def test_subject_points_nowhere() -> None:
    bundle = example("a5e5b880")
    resource(bundle, "Encounter")["subject"]["reference"] = "Patient/someone-else"
    fails(bundle, "Bundle.entry[Encounter].subject", "does not point to a Patient")


def test_missing_encounter() -> None:
    bundle = example("a5e5b880")
    drop(bundle, "Encounter")
    fails(bundle, "Bundle.entry[Encounter]", "no Encounter")


def test_focus_points_nowhere() -> None:
    bundle = example("a5e5b880")
    resource(bundle, "MessageHeader")["focus"] = [{"reference": "Encounter/elsewhere"}]
    fails(bundle, "Bundle.entry[MessageHeader].focus", "does not point to an Encounter")


def test_no_current_provenance() -> None:
    bundle = example("e94de8ee")
    current_provenance(bundle)["target"] = [{"reference": "MessageHeader/some-other-message"}]
    fails(bundle, "Bundle.entry[Provenance].target", "no Provenance targets")


def test_no_provenance_at_all() -> None:
    bundle = example("a5e5b880")
    drop(bundle, "Provenance")
    fails(bundle, "Bundle.entry[Provenance].target", "no Provenance targets")


def test_two_current_provenances() -> None:
    bundle = example("a5e5b880")
    twin = json.loads(json.dumps(current_provenance(bundle)))
    twin["id"] = "twin"
    bundle["entry"].append({"resource": twin})
    fails(bundle, "Bundle.entry[Provenance].target", "more than one Provenance")


def test_history_provenance_is_not_taken_for_the_current_one() -> None:
    """The STIN Provenance comes first in the SLOR bundle; the match is by target."""
    bundle = example("e94de8ee")
    assert resources(bundle, "Provenance")[0] is not current_provenance(bundle)
    assert parse_hospital_notification(bundle).activity == "end-leave-inpatient"


def test_unknown_activity_code() -> None:
    bundle = example("a5e5b880")
    current_provenance(bundle)["activity"]["coding"][0]["code"] = "new-message"
    error = fails(bundle, "Bundle.entry[Provenance].activity", "not a HospitalNotification")
    assert "'new-message'" in error.reason


def test_unknown_activity_code_is_not_echoed_when_it_could_be_personal() -> None:
    bundle = example("a5e5b880")
    secret = cpr_of(bundle)
    current_provenance(bundle)["activity"]["coding"][0]["code"] = f"x-{secret}"
    error = fails(bundle, "Bundle.entry[Provenance].activity", "not a HospitalNotification")
    assert secret not in error.reason


def test_activity_from_another_code_system() -> None:
    bundle = example("a5e5b880")
    current_provenance(bundle)["activity"]["coding"][0]["system"] = "http://example.org/codes"
    fails(bundle, "Bundle.entry[Provenance].activity", "no coding from")


def test_revision_without_entity() -> None:
    bundle = example("bfab3e80")
    current_provenance(bundle)["entity"] = []
    fails(bundle, "Bundle.entry[Provenance].entity", "role 'revision'")


def test_cancellation_needs_a_removal() -> None:
    bundle = example("c83671a4")
    current_provenance(bundle)["entity"][0]["role"] = "revision"
    fails(bundle, "Bundle.entry[Provenance].entity", "role 'removal'")


def test_encounter_class_must_fit_the_activity() -> None:
    bundle = example("h1c8e4a8")
    resource(bundle, "Encounter")["class"]["code"] = "IMP"
    fails(bundle, "Bundle.entry[Encounter].class", "does not fit activity admit-emergency")


def test_encounter_class_outside_imp_emer() -> None:
    bundle = example("a5e5b880")
    resource(bundle, "Encounter")["class"]["code"] = "AMB"
    fails(bundle, "Bundle.entry[Encounter].class.code", "IMP")


def test_discharge_needs_period_end() -> None:
    bundle = example("f4aa42a4")
    del resource(bundle, "Encounter")["period"]["end"]
    fails(bundle, "Bundle.entry[Encounter].period.end", "required")


def test_leave_end_needs_the_leave_period() -> None:
    bundle = example("e94de8ee")
    resource(bundle, "Encounter")["extension"] = []
    fails(bundle, "Bundle.entry[Encounter].extension[leave-period].valuePeriod.end", "required")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.__setitem__("timestamp", "2022-12-14T15:30:01"), "Bundle.timestamp"),
        (
            lambda b: resource(b, "Encounter")["period"].__setitem__(
                "start", "2022-12-07T12:00:00"
            ),
            "Bundle.entry[Encounter].period.start",
        ),
        (
            lambda b: resource(b, "Encounter")["extension"][0]["valuePeriod"].__setitem__(
                "end", "2022-12-14T15:30:00.123"
            ),
            "Bundle.entry[Encounter].extension[0].valuePeriod.end",
        ),
        (
            lambda b: current_provenance(b).__setitem__("recorded", "2022-12-14T15:30:02"),
            "Bundle.entry[Provenance].recorded",
        ),
    ],
    ids=["bundle-timestamp", "period-start", "leave-end", "provenance-recorded"],
)
def test_timestamp_without_offset(mutate: Mutation, field: str) -> None:
    bundle = example("e94de8ee")
    mutate(bundle)
    fails(bundle, field, "timestamp has no UTC offset")


@pytest.mark.parametrize(
    "value", ["2022-12-07", "2022-12-07T25:00:00+02:00", "yesterday", 1670407200]
)
def test_timestamp_not_a_date_time(value: object) -> None:
    bundle = example("a5e5b880")
    resource(bundle, "Encounter")["period"]["start"] = value
    fails(bundle, "Bundle.entry[Encounter].period.start", "timestamp")


@pytest.mark.parametrize("damage", ["shorter", "hyphen", "letters", "longer"])
def test_cpr_malformed(damage: str) -> None:
    bundle = example("a5e5b880")
    cpr = cpr_of(bundle)
    bad = {
        "shorter": cpr[:8],
        "hyphen": f"{cpr[:6]}-{cpr[6:]}",
        "letters": cpr[:6] + "abcd",
        "longer": cpr + "0",
    }[damage]
    resource(bundle, "Patient")["identifier"][0]["value"] = bad
    error = fails(bundle, "Bundle.entry[Patient].identifier[0]", "CPR must be 10 digits", cpr=cpr)
    assert bad not in str(error)
    assert cpr[:6] not in str(error)


def test_cpr_missing_value() -> None:
    bundle = example("a5e5b880")
    secret = cpr_of(bundle)
    del resource(bundle, "Patient")["identifier"][0]["value"]
    fails(bundle, "Bundle.entry[Patient].identifier[0]", "CPR must be 10 digits", cpr=secret)


def test_no_cpr_identifier() -> None:
    bundle = example("a5e5b880")
    secret = cpr_of(bundle)
    resource(bundle, "Patient")["identifier"][0]["system"] = "urn:oid:1.2.208.176.1.6.1.1"
    error = fails(bundle, "Bundle.entry[Patient].identifier", "no CPR identifier", cpr=secret)
    assert str(error) == (
        "Bundle.entry[Patient].identifier: no CPR identifier (urn:oid:1.2.208.176.1.2)"
    )


def test_deceased_must_be_a_json_boolean() -> None:
    bundle = example("g099bbf3")
    resource(bundle, "Patient")["deceasedBoolean"] = "true"
    fails(bundle, "Bundle.entry[Patient].deceasedBoolean", "boolean")


def test_resource_id_must_be_a_fhir_id() -> None:
    bundle = example("a5e5b880")
    resource(bundle, "Encounter")["id"] = "not a fhir id!"
    fails(bundle, "Bundle.entry[Encounter].id", "pattern")


def test_sender_without_sor_code() -> None:
    bundle = example("a5e5b880")
    sender = resource(bundle, "MessageHeader")["sender"]["reference"].split("/")[1]
    (org,) = [o for o in resources(bundle, "Organization") if o["id"] == sender]
    org["identifier"] = [i for i in org["identifier"] if i["system"] != "urn:oid:1.2.208.176.1.1"]
    fails(bundle, "Bundle.entry[Organization].identifier", "sender has no SOR identifier")


def test_unknown_resource_types_are_ignored_but_need_a_resource_type() -> None:
    bundle = example("a5e5b880")
    bundle["entry"].append({"resource": {"resourceType": "Basic", "id": "x"}})
    assert parse_hospital_notification(bundle).message_header_id == header_id(bundle)
    bundle["entry"].append({"resource": {"id": "y"}})
    fails(bundle, f"Bundle.entry[{len(bundle['entry']) - 1}].resource.resourceType", "required")


def test_several_problems_are_all_reported() -> None:
    bundle = example("e94de8ee")
    secret = cpr_of(bundle)
    bundle["timestamp"] = "2022-12-14T15:30:01"
    resource(bundle, "Patient")["identifier"][0]["value"] = "12"
    error = fails(bundle, "Bundle.timestamp", "no UTC offset", cpr=secret)
    assert "Bundle.entry[Patient].identifier[0]: CPR must be 10 digits" in error.reasons


def test_validation_errors_never_show_the_cpr() -> None:
    """Even the raw pydantic error (should it ever be logged) hides inputs."""
    bundle = example("a5e5b880")
    cpr = cpr_of(bundle)
    resource(bundle, "Patient")["identifier"][0]["value"] = cpr + "1"
    with pytest.raises(ValueError, match="CPR must be 10 digits") as caught:
        Bundle.model_validate(bundle)
    assert cpr not in str(caught.value)


def test_fhir_models_hide_the_cpr_in_repr() -> None:
    bundle = example("a5e5b880")
    assert cpr_of(bundle) not in repr(Bundle.model_validate(bundle))


# --- acknowledgements -------------------------------------------------------------------------


def test_fatal_error_acknowledgement_names_the_message_and_the_field() -> None:
    bundle = example("a5e5b880")
    secret = cpr_of(bundle)
    resource(bundle, "Patient")["identifier"][0]["value"] = "123"
    with pytest.raises(MedcomError) as caught:
        parse_hospital_notification(bundle)
    ack = fatal_error(caught.value, bundle)
    assert ack == acknowledgement(caught.value, bundle)
    assert ack.outcome == "fatal-error"
    assert ack.bundle_id == bundle["id"]
    assert ack.message_header_id == header_id(bundle)
    assert ack.reasons == ["Bundle.entry[Patient].identifier[0]: CPR must be 10 digits"]
    assert secret not in ack.model_dump_json()


def test_fatal_error_acknowledgement_of_garbage() -> None:
    with pytest.raises(MedcomError) as caught:
        parse_hospital_notification("{")
    ack = fatal_error(caught.value, "{")
    assert (ack.outcome, ack.bundle_id, ack.message_header_id) == ("fatal-error", None, None)
    assert ack.reasons == ["Bundle: not valid JSON"]


def test_transient_error_acknowledgement() -> None:
    bundle = example("a5e5b880")
    ack = transient_error("episode service unavailable, try again", json.dumps(bundle))
    assert ack.outcome == "transient-error"
    assert (ack.bundle_id, ack.message_header_id) == (bundle["id"], header_id(bundle))


def test_redaction_is_a_last_line_of_defence() -> None:
    shaped, hyphened = "01" * 3 + "1234", "01" * 3 + "-1234"  # CPR-shaped, made up
    error = MedcomError("Bundle.entry[Patient]", f"value {shaped} or {hyphened} is wrong")
    assert shaped not in str(error)
    assert hyphened not in str(error)


def test_medcom_error_pickles() -> None:
    error = MedcomError("Bundle.type", "must be 'message'", more=[("Bundle.id", "required")])
    again = pickle.loads(pickle.dumps(error))
    assert (again.field, again.reason, again.reasons) == (error.field, error.reason, error.reasons)


def test_odd_python_inputs() -> None:
    for raw in ({1: "x", "resourceType": "Bundle", "type": "message"}, bytearray(b"{}")):
        with pytest.raises(MedcomError):
            parse_hospital_notification(raw)
