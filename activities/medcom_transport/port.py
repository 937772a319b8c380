"""The transport port: hand one MedCom message (a FHIR Bundle, JSON) to the network.

Adapters: HTTP to a MedCom gateway/VANS endpoint, and a directory drop (the form many
municipal integrations use). Acknowledgements and replies come back the other way: to the
API's MedCom endpoints, or picked up from the directory."""

from __future__ import annotations

from typing import Protocol

from schemas.base import Frozen


class OutgoingBundle(Frozen):
    """One transmission. `body` is the Bundle as JSON bytes (personal data: never log it)."""

    bundle_id: str
    message_header_id: str
    receiver_sor: str
    body: bytes


class TransportError(Exception):
    """The transport did not take the message. The message is code-like (`http 503`,
    `timeout`, `directory not writable`), never content; `retryable` says whether sending
    the same message again later may work."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class MedcomTransport(Protocol):
    async def send(self, bundle: OutgoingBundle) -> None:
        """Hand the bundle over; returns once the other side has taken it (HTTP 2xx, file
        renamed into place), raises TransportError otherwise. Sending the same bundle twice
        is allowed: the receiver knows a repeat by its Bundle.id and MessageHeader.id."""
        ...
