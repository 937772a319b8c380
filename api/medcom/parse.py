"""Reading a MedCom HospitalNotification: Bundle JSON in, a typed HospitalNotification out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from api.event_input import time_fault
from api.medcom.errors import MedcomError
from schemas.fhir import KNOWN_RESOURCES, Bundle, MessageHeader, Organization, Reference
from schemas.medcom import (
    ACTIVITY_SYSTEM,
    CPR_SYSTEM,
    EVENT_SYSTEM,
    HOSPITAL_NOTIFICATION_EVENT,
    SOR_SYSTEM,
    ActivityCode,
    EarlierMessageRole,
    HospitalNotification,
    HospitalNotificationEncounter,
    HospitalNotificationHeader,
    HospitalNotificationMessage,
    MedcomOrganization,
    MedcomPatient,
    MedcomProvenance,
)

_SAFE_CODE = re.compile(r"[a-z]+(?:-[a-z]+){0,8}")
_UUID_PREFIX = "urn:uuid:"
# MedCom addresses an organisation by its SOR code: `https://sor2.sum.dsdn.dk/#id=<SOR>`.
SOR_ENDPOINT = "https://sor2.sum.dsdn.dk/#id="
_T = TypeVar("_T")


def as_mapping(raw: object) -> Mapping[Any, Any]:
    """The message as a JSON object: a mapping as given, JSON text or bytes decoded."""
    if isinstance(raw, str | bytes | bytearray):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise MedcomError("Bundle", "not valid JSON") from None
    if not isinstance(raw, Mapping):
        raise MedcomError("Bundle", "must be a JSON object (a FHIR Bundle)")
    return raw


def _fhir_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a FHIR path, e.g. `Bundle.entry[Patient].identifier[0]`."""
    path = "Bundle"
    i = 0
    while i < len(loc):
        part = loc[i]
        if (
            part == "entry"
            and i + 3 < len(loc)
            and isinstance(loc[i + 1], int)
            and loc[i + 2] == "resource"
        ):
            tag = loc[i + 3]
            path += f".entry[{tag}]" if tag in KNOWN_RESOURCES else f".entry[{loc[i + 1]}].resource"
            i += 4
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
        i += 1
    return path


def _problem(error: Mapping[str, Any]) -> tuple[str, str]:
    cause = error.get("ctx", {}).get("error")
    if error.get("type") == "missing":
        reason = "required"
    elif isinstance(cause, Exception):
        reason = str(cause)
    else:
        reason = str(error.get("msg", "invalid"))
    return _fhir_path(tuple(error.get("loc", ()))), reason


def from_validation(exc: ValidationError) -> MedcomError:
    """Pydantic's errors on a message as a MedcomError naming FHIR paths (no input values)."""
    problems = [
        _problem(e)
        for e in exc.errors(include_url=False, include_context=True, include_input=False)
    ]
    if not problems:  # pragma: no cover - pydantic always reports at least one
        return MedcomError("Bundle", "invalid")
    (field, reason), *more = problems
    return MedcomError(field, reason, more=more)


def _only(items: Iterable[_T], field: str, what: str) -> _T:
    found = list(items)
    if not found:
        raise MedcomError(field, f"no {what} in the bundle")
    if len(found) > 1:
        raise MedcomError(field, f"more than one {what} in the bundle")
    return found[0]


def organization_sor(bundle: Bundle, ref: Reference | None, field: str, role: str) -> str:
    """The SOR code of the Organization `ref` points to in the bundle (the `role` it plays,
    e.g. 'the sender', names it in the reason)."""
    org = bundle.resolve(ref, "Organization")
    if not isinstance(org, Organization):
        raise MedcomError(field, f"does not point to an Organization in the bundle ({role})")
    sor = next((i.value for i in org.identifier if i.system == SOR_SYSTEM and i.value), None)
    if sor is None:
        raise MedcomError(
            "Bundle.entry[Organization].identifier", f"{role} has no SOR identifier ({SOR_SYSTEM})"
        )
    return sor


_B = TypeVar("_B", bound=Bundle)


def read_message(raw: object, model: type[_B], event_code: str) -> tuple[_B, MessageHeader]:
    """A MedCom message Bundle read as `model`, and its one MessageHeader, whose eventCoding
    must be `medcom-messaging-eventCodes#<event_code>`. Raises `MedcomError` (and nothing
    else) naming the element at fault."""
    data = as_mapping(raw)
    if data.get("resourceType") != "Bundle":
        raise MedcomError("Bundle.resourceType", "must be 'Bundle'")
    if data.get("type") != "message":
        raise MedcomError("Bundle.type", "must be 'message'")
    try:
        bundle = model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None
    header = _only(
        (r for r in bundle.resources() if isinstance(r, MessageHeader)),
        "Bundle.entry[MessageHeader]",
        "MessageHeader",
    )
    event = header.event_coding
    if event.system != EVENT_SYSTEM or event.code != event_code:
        raise MedcomError(
            "Bundle.entry[MessageHeader].eventCoding",
            f"must be medcom-messaging-eventCodes#{event_code}",
        )
    return bundle, header


def _same_sor(endpoint: str | None, sor_code: str | None, field: str, element: str) -> None:
    """An endpoint given as a SOR address names the organisation the message names."""
    if endpoint is None or not endpoint.startswith(SOR_ENDPOINT):
        return
    if endpoint.removeprefix(SOR_ENDPOINT) != sor_code:
        raise MedcomError(field, f"names another SOR code than {element}")


def _current_provenance(
    bundle: HospitalNotificationMessage, header: HospitalNotificationHeader
) -> MedcomProvenance:
    mine = ("MessageHeader", header.id)
    current = [
        r
        for r in bundle.resources()
        if isinstance(r, MedcomProvenance) and any(t.target() == mine for t in r.target)
    ]
    if not current:
        raise MedcomError(
            "Bundle.entry[Provenance].target", "no Provenance targets this bundle's MessageHeader"
        )
    if len(current) > 1:
        raise MedcomError(
            "Bundle.entry[Provenance].target",
            "more than one Provenance targets this bundle's MessageHeader",
        )
    return current[0]


def _activity(provenance: MedcomProvenance) -> ActivityCode:
    field = "Bundle.entry[Provenance].activity"
    code = provenance.activity.code_in(ACTIVITY_SYSTEM)
    if code is None:
        raise MedcomError(field, "no coding from medcom-messaging-activityCodes")
    try:
        return ActivityCode(code)
    except ValueError:
        shown = f" '{code}'" if _SAFE_CODE.fullmatch(code) else ""
        raise MedcomError(
            field, f"activity code{shown} is not a HospitalNotification activity"
        ) from None


def _earlier_message(
    provenance: MedcomProvenance, activity: ActivityCode
) -> tuple[str | None, EarlierMessageRole | None]:
    field = "Bundle.entry[Provenance].entity"
    wanted = EarlierMessageRole.REMOVAL if activity.is_cancellation else EarlierMessageRole.REVISION
    ids = [
        target[1]
        for e in provenance.entity
        if e.role == wanted.value
        and (target := e.what.target()) is not None
        and target[0] == "MessageHeader"
    ]
    if len(ids) > 1:
        raise MedcomError(field, f"more than one entity with role '{wanted.value}'")
    if ids:
        return ids[0], wanted
    if activity.is_cancellation or activity.is_revision:
        raise MedcomError(
            field,
            f"{activity.value} needs an entity with role '{wanted.value}' "
            "pointing to the earlier MessageHeader",
        )
    return None, None


def _plausible(field: str, when: datetime | None) -> None:
    """A time that becomes an event's time is one an event may have."""
    reason = time_fault(when) if when is not None else None
    if reason is not None:
        raise MedcomError(field, reason)


def _check_times(
    activity: ActivityCode, encounter: HospitalNotificationEncounter, provenance: MedcomProvenance
) -> None:
    if encounter.period.start is None:
        raise MedcomError("Bundle.entry[Encounter].period.start", "required")
    leave = encounter.leave_period
    leave_field = "Bundle.entry[Encounter].extension[leave-period]"
    for field, when in (
        ("Bundle.entry[Encounter].period.start", encounter.period.start),
        ("Bundle.entry[Encounter].period.end", encounter.period.end),
        (f"{leave_field}.valuePeriod.start", leave.start if leave else None),
        (f"{leave_field}.valuePeriod.end", leave.end if leave else None),
        ("Bundle.entry[Provenance].recorded", provenance.recorded),
    ):
        _plausible(field, when)
    if activity.is_cancellation:
        return
    base = activity.base
    if base in {ActivityCode.DISCHARGE_INPATIENT_HOME, ActivityCode.DISCHARGE_EMERGENCY_HOME}:
        if encounter.period.end is None:
            raise MedcomError("Bundle.entry[Encounter].period.end", f"required for {activity}")
    elif base is ActivityCode.START_LEAVE_INPATIENT:
        if leave is None or leave.start is None:
            raise MedcomError(f"{leave_field}.valuePeriod.start", f"required for {activity}")
    elif base is ActivityCode.END_LEAVE_INPATIENT and (leave is None or leave.end is None):
        raise MedcomError(f"{leave_field}.valuePeriod.end", f"required for {activity}")


def _episode_of_care(encounter: HospitalNotificationEncounter) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for i, ref in enumerate(encounter.episode_of_care):
        field = f"Bundle.entry[Encounter].episodeOfCare[{i}].identifier"
        system, value = ref.identifier.system, ref.identifier.value
        if not system:
            raise MedcomError(f"{field}.system", "required")
        value = (value or "").removeprefix(_UUID_PREFIX)
        if not value:
            raise MedcomError(f"{field}.value", "required")
        found.append((system, value))
    return tuple(found)


def parse_hospital_notification(raw: object) -> HospitalNotification:
    """Read one HospitalNotification message Bundle (a dict, or JSON text/bytes).

    Raises `MedcomError` (and nothing else) when the message can never be accepted."""
    bundle, any_header = read_message(raw, HospitalNotificationMessage, HOSPITAL_NOTIFICATION_EVENT)
    header = any_header
    if not isinstance(header, HospitalNotificationHeader):  # pragma: no cover - the model's
        raise MedcomError("Bundle.entry[MessageHeader]", "required")  # headers are these

    encounter = bundle.resolve(header.focus[0], "Encounter")
    if not isinstance(encounter, HospitalNotificationEncounter):
        if not any(isinstance(r, HospitalNotificationEncounter) for r in bundle.resources()):
            raise MedcomError("Bundle.entry[Encounter]", "no Encounter in the bundle")
        raise MedcomError(
            "Bundle.entry[MessageHeader].focus", "does not point to an Encounter in the bundle"
        )

    patient = bundle.resolve(encounter.subject, "Patient")
    if not isinstance(patient, MedcomPatient):
        if not any(isinstance(r, MedcomPatient) for r in bundle.resources()):
            raise MedcomError("Bundle.entry[Patient]", "no Patient in the bundle")
        raise MedcomError(
            "Bundle.entry[Encounter].subject", "does not point to a Patient in the bundle"
        )
    cprs = {i.value for i in patient.identifier if i.system == CPR_SYSTEM}
    if not cprs:
        raise MedcomError("Bundle.entry[Patient].identifier", f"no CPR identifier ({CPR_SYSTEM})")
    if len(cprs) > 1:
        raise MedcomError("Bundle.entry[Patient].identifier", "more than one CPR identifier")

    provenance = _current_provenance(bundle, header)
    activity = _activity(provenance)
    earlier_id, earlier_role = _earlier_message(provenance, activity)

    setting = activity.setting
    if (encounter.class_.code == "EMER") != (setting.value == "emergency"):
        raise MedcomError(
            "Bundle.entry[Encounter].class",
            f"{encounter.class_.code} does not fit activity {activity.value}",
        )
    _check_times(activity, encounter, provenance)
    leave = encounter.leave_period

    receiver = header.destination[0].receiver if header.destination else None
    receiver_org = bundle.resolve(receiver, "Organization")
    receiver_sor = receiver_org.sor_code if isinstance(receiver_org, MedcomOrganization) else None
    sender_sor = organization_sor(
        bundle, header.sender, "Bundle.entry[MessageHeader].sender", "sender"
    )
    _same_sor(
        header.source.endpoint,
        sender_sor,
        "Bundle.entry[MessageHeader].source.endpoint",
        "MessageHeader.sender",
    )
    if header.destination:
        _same_sor(
            header.destination[0].endpoint,
            receiver_sor,
            "Bundle.entry[MessageHeader].destination[0].endpoint",
            "MessageHeader.destination[0].receiver",
        )
    try:
        return HospitalNotification(
            bundle_id=bundle.id,
            bundle_timestamp=bundle.timestamp,
            message_header_id=header.id,
            activity=activity,
            cpr=cprs.pop() or "",
            deceased=patient.deceased,
            encounter_class=setting,
            encounter_status=encounter.status,
            period_start=encounter.period.start,
            period_end=encounter.period.end,
            leave_start=leave.start if leave else None,
            leave_end=leave.end if leave else None,
            episode_of_care=_episode_of_care(encounter),
            sender_sor=sender_sor,
            service_provider_sor=organization_sor(
                bundle,
                encounter.service_provider,
                "Bundle.entry[Encounter].serviceProvider",
                "serviceProvider",
            ),
            receiver_sor=receiver_sor,
            earlier_message_header_id=earlier_id,
            earlier_message_role=earlier_role,
            recorded_at=provenance.recorded,
        )
    except ValidationError as exc:  # pragma: no cover - every field was checked above
        raise MedcomError("Bundle", f"{exc.error_count()} inconsistent value(s)") from None


def transmission_key(n: HospitalNotification) -> tuple[str, str]:
    """(Bundle.id, MessageHeader.id): a repeated transmission is recognised by this pair."""
    return n.transmission_key
