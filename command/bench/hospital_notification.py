"""HospitalNotification Bundles as a region's ward sends them, for the benchmark's MedCom
intake: the shape of MedCom's published examples (IG 3.0.2) without their narratives, each a
message of its own (fresh Bundle and MessageHeader ids) for one citizen's hospital stay."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.medcom.parse import SOR_ENDPOINT
from schemas.medcom import (
    ACT_CODE_SYSTEM,
    ACTIVITY_SYSTEM,
    CPR_SYSTEM,
    EVENT_SYSTEM,
    HOSPITAL_NOTIFICATION_EVENT,
    LEAVE_PERIOD_URL,
    SOR_SYSTEM,
    ActivityCode,
)

BASE = "https://medcomfhir.dk/ig/hospitalnotification/"
# The receiving municipality of MedCom's examples (Plejecenter Herlev); any SOR code is
# taken when HVERDAGSBRO_MEDCOM_RECEIVERS is not set, as in the benchmark.
RECEIVER_SOR = "953741000016009"


@dataclass(frozen=True)
class Stay:
    """One citizen's hospital stay at a ward: who, where, its episode-of-care id, since when."""

    cpr: str
    ward_sor: str
    stay_id: str
    admitted_at: datetime


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"{BASE}{resource['resourceType']}/{resource['id']}", "resource": resource}


def _ref(resource: dict[str, Any]) -> dict[str, str]:
    return {"reference": f"{resource['resourceType']}/{resource['id']}"}


def leave_notification(stay: Stay, activity: ActivityCode, at: datetime) -> dict[str, Any]:
    """A start-leave-inpatient or end-leave-inpatient message of the stay, the leave
    starting or ending `at` (both can be sent any number of times in one stay)."""
    if activity not in (ActivityCode.START_LEAVE_INPATIENT, ActivityCode.END_LEAVE_INPATIENT):
        raise ValueError(f"not a leave activity: {activity}")
    ward = {
        "resourceType": "Organization",
        "id": str(uuid.uuid4()),
        "identifier": [{"system": SOR_SYSTEM, "value": stay.ward_sor}],
        "name": "Psykiatrisk afsnit",
    }
    municipality = {
        "resourceType": "Organization",
        "id": str(uuid.uuid4()),
        "identifier": [{"system": SOR_SYSTEM, "value": RECEIVER_SOR}],
        "name": "Kommunens modtagelse",
    }
    patient = {
        "resourceType": "Patient",
        "id": str(uuid.uuid4()),
        "identifier": [{"system": CPR_SYSTEM, "value": stay.cpr}],
        "name": [{"use": "official", "family": "Borger"}],
    }
    starting = activity is ActivityCode.START_LEAVE_INPATIENT
    encounter = {
        "resourceType": "Encounter",
        "id": str(uuid.uuid4()),
        "extension": [
            {
                "url": LEAVE_PERIOD_URL,
                "valuePeriod": {"start" if starting else "end": at.isoformat()},
            }
        ],
        "status": "onleave" if starting else "in-progress",
        "class": {"system": ACT_CODE_SYSTEM, "code": "IMP"},
        "subject": _ref(patient),
        "episodeOfCare": [
            {"identifier": {"system": f"{SOR_ENDPOINT}{stay.ward_sor}", "value": stay.stay_id}}
        ],
        "period": {"start": stay.admitted_at.isoformat()},
        "serviceProvider": _ref(ward),
    }
    header = {
        "resourceType": "MessageHeader",
        "id": str(uuid.uuid4()),
        "eventCoding": {"system": EVENT_SYSTEM, "code": HOSPITAL_NOTIFICATION_EVENT},
        "destination": [
            {"endpoint": f"{SOR_ENDPOINT}{RECEIVER_SOR}", "receiver": _ref(municipality)}
        ],
        "sender": _ref(ward),
        "source": {"endpoint": f"{SOR_ENDPOINT}{stay.ward_sor}"},
        "focus": [_ref(encounter)],
    }
    provenance = {
        "resourceType": "Provenance",
        "id": str(uuid.uuid4()),
        "target": [_ref(header)],
        "occurredDateTime": at.isoformat(),
        "recorded": at.isoformat(),
        "activity": {"coding": [{"system": ACTIVITY_SYSTEM, "code": activity.value}]},
        "agent": [{"who": _ref(ward)}],
    }
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "message",
        "timestamp": at.isoformat(),
        "entry": [_entry(r) for r in (header, patient, encounter, municipality, ward, provenance)],
    }
