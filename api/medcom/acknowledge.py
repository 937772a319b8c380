"""The MedCom Acknowledgement of a received message: ok, transient-error or fatal-error."""

from __future__ import annotations

import re
from collections.abc import Mapping

from api.medcom.errors import MedcomError, redact
from api.medcom.parse import as_mapping
from schemas.fhir import FHIR_ID
from schemas.medcom import HospitalNotification, MedcomAcknowledgement

_ID = re.compile(FHIR_ID)


def _transmission_ids(raw: object) -> tuple[str | None, str | None]:
    """Best effort (Bundle.id, MessageHeader.id) of a message that may be malformed."""
    try:
        data = as_mapping(raw)
    except MedcomError:
        return None, None
    bundle_id = data.get("id")
    header_id: object = None
    entries = data.get("entry")
    if isinstance(entries, list):
        for entry in entries:
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if isinstance(resource, Mapping) and resource.get("resourceType") == "MessageHeader":
                header_id = resource.get("id")
                break

    def safe(value: object) -> str | None:
        return value if isinstance(value, str) and _ID.fullmatch(value) else None

    return safe(bundle_id), safe(header_id)


def fatal_error(error: MedcomError, raw: object = None) -> MedcomAcknowledgement:
    """`fatal-error`: the message will never be accepted; the reasons name FHIR paths."""
    bundle_id, header_id = _transmission_ids(raw)
    return MedcomAcknowledgement(
        outcome="fatal-error",
        bundle_id=bundle_id,
        message_header_id=header_id,
        reasons=error.reasons,
    )


def transient_error(reason: str, raw: object = None) -> MedcomAcknowledgement:
    """`transient-error`: we could not take it now (e.g. Temporal unreachable); send it again."""
    bundle_id, header_id = _transmission_ids(raw)
    return MedcomAcknowledgement(
        outcome="transient-error",
        bundle_id=bundle_id,
        message_header_id=header_id,
        reasons=[redact(reason)],
    )


def acknowledgement(
    result: HospitalNotification | MedcomError, raw: object = None
) -> MedcomAcknowledgement:
    """`ok` for a parsed notification, `fatal-error` (with the reasons) for a `MedcomError`."""
    if isinstance(result, MedcomError):
        return fatal_error(result, raw)
    return MedcomAcknowledgement(
        outcome="ok", bundle_id=result.bundle_id, message_header_id=result.message_header_id
    )
