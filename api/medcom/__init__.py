"""MedCom HospitalNotification in: parse a Bundle, map it to episode events, acknowledge it.

`parse`, `events` and `acknowledge` are pure and named here; what the endpoint does with a
message (store, dedupe, park, apply) is `api.medcom.intake.MedcomIntake`, kept out of this
namespace so reading a message needs neither the database nor Temporal.
"""

from __future__ import annotations

from api.medcom.acknowledge import acknowledgement, fatal_error, transient_error
from api.medcom.errors import MedcomError
from api.medcom.events import event_id_for, to_episode_events
from api.medcom.parse import parse_hospital_notification, transmission_key
from schemas.medcom import ActivityCode, HospitalNotification, MedcomAcknowledgement

__all__ = [
    "ActivityCode",
    "HospitalNotification",
    "MedcomAcknowledgement",
    "MedcomError",
    "acknowledgement",
    "event_id_for",
    "fatal_error",
    "parse_hospital_notification",
    "to_episode_events",
    "transient_error",
    "transmission_key",
]
