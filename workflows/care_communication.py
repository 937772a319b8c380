"""Delivering one CareCommunication to the municipality: send it, wait for its Acknowledgement,
send the same message again when none comes or a transient error does, and say how it ended."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.care_communication.sender import CareCommunicationSender
    from schemas.care_communication import (
        AcknowledgementCode,
        DeliveryOutcome,
        DeliveryStatus,
        OutgoingCareCommunication,
        ReceivedAcknowledgement,
        SendAttempt,
    )
    from workflows.calls import DATABASE_CALL, CallOptions
    from workflows.timings import ACKNOWLEDGEMENT_DUE, RETRANSMIT_AFTER

# Transmissions of one message before a person is asked to see to it.
MAX_ATTEMPTS = 3
# One transmission: the transport is retried a few times within the attempt (a gateway that
# is briefly away); then the attempt counts as failed and the next one follows.
SEND_CALL: Final = CallOptions(
    start_to_close_timeout=timedelta(seconds=60),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=10),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=5),
        maximum_attempts=5,
    ),
)


@workflow.defn
class CareCommunicationDelivery:
    """Send -> Acknowledgement (ok: done; fatal-error: rejected) -> else send again, up to
    MAX_ATTEMPTS times; the outcome is written to the message's outbox row."""

    @workflow.init
    def __init__(self, message: OutgoingCareCommunication) -> None:
        self.message = message
        self.answer: ReceivedAcknowledgement | None = None
        self.header_id: str | None = None

    @workflow.run
    async def run(self, message: OutgoingCareCommunication) -> DeliveryOutcome:
        outcome = await self.deliver()
        await workflow.execute_activity_method(
            CareCommunicationSender.finish_care_communication, outcome, **DATABASE_CALL
        )
        return outcome

    async def deliver(self) -> DeliveryOutcome:
        sent_once = False
        reason = ""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                receipt = await workflow.execute_activity_method(
                    CareCommunicationSender.send_care_communication,
                    SendAttempt(message=self.message, attempt=attempt),
                    **SEND_CALL,
                )
            except ActivityError as err:
                reason, retryable = _transport_failure(err)
                if not retryable:
                    return self._ended(DeliveryStatus.UNDELIVERABLE, attempt, reason)
                continue
            if receipt.status == "not_sent":
                return self._ended(DeliveryStatus.NOT_SENT, attempt, receipt.reason)
            sent_once = True
            self.header_id = receipt.message_header_id
            answer = await self._acknowledgement()
            if answer is None:
                reason = "no acknowledgement"
                continue
            if answer.code == AcknowledgementCode.OK:
                return self._ended(DeliveryStatus.ACKNOWLEDGED, attempt, "")
            if answer.code == AcknowledgementCode.FATAL_ERROR:
                return self._ended(DeliveryStatus.REJECTED, attempt, answer.reason or "fatal-error")
            reason = answer.reason or "transient-error"
            self.answer = None  # the next transmission waits for an answer of its own
            if attempt < MAX_ATTEMPTS:
                await workflow.sleep(RETRANSMIT_AFTER, summary="retransmission")
        status = DeliveryStatus.UNANSWERED if sent_once else DeliveryStatus.UNDELIVERABLE
        return self._ended(status, MAX_ATTEMPTS, reason)

    async def _acknowledgement(self) -> ReceivedAcknowledgement | None:
        """The answer to this transmission, or None when none came in time (an answer that
        came before the send returned counts: the receiver may be that quick)."""
        try:
            await workflow.wait_condition(
                lambda: self.answer is not None,
                timeout=ACKNOWLEDGEMENT_DUE,
                timeout_summary="acknowledgement",
            )
        except TimeoutError:
            return None
        return self.answer

    def _ended(self, status: DeliveryStatus, attempts: int, reason: str) -> DeliveryOutcome:
        workflow.logger.info(
            "care communication delivery ended",
            extra={"message_id": self.message.message_id, "status": status.value},
        )
        return DeliveryOutcome(
            message_id=self.message.message_id,
            kind=self.message.kind,
            status=status,
            attempts=attempts,
            reason=reason,
        )

    @workflow.signal
    def acknowledged(self, answer: ReceivedAcknowledgement) -> None:
        """The municipality's Acknowledgement of this message (the API found it by the
        MessageHeader.id it answers). One for another header is ignored; a positive or a
        fatal answer is final and is not replaced by a later one."""
        if self.header_id is not None and answer.message_header_id != self.header_id:
            return
        if self.answer is None or self.answer.code == AcknowledgementCode.TRANSIENT_ERROR:
            self.answer = answer


def _transport_failure(err: ActivityError) -> tuple[str, bool]:
    """The transport's reason and whether a later attempt may work."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return cause.message, not cause.non_retryable
    return "transport failed", True
