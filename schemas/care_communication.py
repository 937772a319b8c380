"""Messages this system sends to the municipality as MedCom CareCommunications, and what
comes back: the Acknowledgement that ends each one's delivery.

Everything here is ids, codes and times: the workflow carries these, never the content (the
citizen's CPR, name and the text are read from the database by the activity that builds the
message, at the moment it is sent)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import Frozen
from schemas.fhir import FHIR_ID
from schemas.people import OPAQUE_ID


class CareCommunicationKind(StrEnum):
    """Why the episode writes to the municipality (each maps to a MedCom category)."""

    DISCHARGE = "discharge"  # the citizen is discharged and followed by a peer
    NETWORK_MEETING = "network_meeting"  # an invitation to the network meeting
    CLOSING_SUMMARY = "closing_summary"  # the closing summary for the consented services


class OutgoingCareCommunication(Frozen):
    """One message to send. `message_id` is ours, opaque (`<episode id>-cc<n>`); the FHIR ids
    (Bundle.id, MessageHeader.id, ...) are derived from it, so every (re)transmission of the
    same message carries the same ids, as MedCom's retransmission rules want."""

    message_id: str = Field(pattern=OPAQUE_ID, max_length=120)
    episode_id: str = Field(pattern=OPAQUE_ID, max_length=120)
    kind: CareCommunicationKind
    # When what the message tells about happened (the discharge, the booking, the closing).
    occurred_at: AwareDatetime


class SendAttempt(Frozen):
    """The activity's input: the message and which attempt this is (1-based)."""

    message: OutgoingCareCommunication
    attempt: int = Field(ge=1)


class SendReceipt(Frozen):
    """What was handed to the transport: the message's FHIR ids (no content)."""

    message_id: str
    bundle_id: str = Field(pattern=FHIR_ID)
    message_header_id: str = Field(pattern=FHIR_ID)
    # 'not_sent': nothing to send (no consent to share, no receiver known); says why.
    status: Literal["sent", "not_sent"] = "sent"
    reason: str = ""


class AcknowledgementCode(StrEnum):
    OK = "ok"
    TRANSIENT_ERROR = "transient-error"
    FATAL_ERROR = "fatal-error"


class ReceivedAcknowledgement(Frozen):
    """An Acknowledgement the municipality sent for one of our messages (signalled to that
    message's delivery workflow). `reason` is the OperationOutcome's code, never its text."""

    message_header_id: str = Field(pattern=FHIR_ID)
    code: AcknowledgementCode
    received_at: AwareDatetime
    reason: str = Field(default="", max_length=200)


class DeliveryStatus(StrEnum):
    ACKNOWLEDGED = "acknowledged"  # a positive Acknowledgement came back
    REJECTED = "rejected"  # a fatal-error Acknowledgement: sending again will not help
    UNANSWERED = "unanswered"  # every attempt timed out or met a transient error
    NOT_SENT = "not_sent"  # nothing was sent (no consent, no receiver known)
    UNDELIVERABLE = "undeliverable"  # the transport refused every attempt


class DeliveryOutcome(Frozen):
    message_id: str
    kind: CareCommunicationKind
    status: DeliveryStatus
    attempts: int
    reason: str = ""


DELIVERY_PREFIX = "care-communication-"


def delivery_workflow_id(message_id: str) -> str:
    """The id of the workflow that delivers one message (the Acknowledgement signals it)."""
    return f"{DELIVERY_PREFIX}{message_id}"


def episode_of_delivery(workflow_id: str) -> str | None:
    """The episode whose message a delivery workflow sends (`<episode id>-cc<n>`), or None
    for any other workflow id: its payloads are the episode's, encrypted with its key."""
    if not workflow_id.startswith(DELIVERY_PREFIX):
        return None
    episode_id, sep, number = workflow_id.removeprefix(DELIVERY_PREFIX).rpartition("-cc")
    if not sep or not number.isdigit() or not episode_id.startswith("episode-"):
        return None
    return episode_id
