"""Whom a MedCom message may speak for: the token's senders, our receiver identity."""

from __future__ import annotations

import re
from collections.abc import Iterable

from api.medcom.errors import MedcomError
from api.principal import Principal
from schemas.medcom import HospitalNotification

SENDER = "Bundle.entry[MessageHeader].sender"
RECEIVER = "Bundle.entry[MessageHeader].destination[0].receiver"
# A SOR code is a number (15 or 16 digits today); anything else is not one.
_SOR_CODE = re.compile(r"[0-9]{6,18}")


def receiver_identities(setting: str) -> frozenset[str]:
    """The SOR codes we receive for, from `Settings.medcom_receivers` (its pattern admits
    only comma-separated SOR codes); empty when none are configured."""
    return frozenset(c.strip() for c in setting.split(",") if c.strip())


def check_sender(principal: Principal, n: HospitalNotification) -> None:
    """The token must be bound to the sender's SOR code (or its ward's organisation)."""
    if not principal.binding.may_send_as(n.sender_sor):
        raise MedcomError(SENDER, "this token may not send for this sender's SOR code")


def check_receiver(n: HospitalNotification, receivers: Iterable[str]) -> None:
    """The message is addressed to us: to one of `receivers` when they are configured, else
    at least to a well-formed SOR code."""
    known = frozenset(receivers)
    if n.receiver_sor is None:
        raise MedcomError(RECEIVER, "required: an Organization in the bundle with a SOR code")
    if not _SOR_CODE.fullmatch(n.receiver_sor):
        raise MedcomError(RECEIVER, "the SOR code is not a SOR code (6-18 digits)")
    if known and n.receiver_sor not in known:
        raise MedcomError(RECEIVER, "the message is addressed to another receiver")


def not_for_this_episode() -> MedcomError:
    """The sender is bound to the token, but the citizen's open episode belongs to a ward of
    another organisation."""
    return MedcomError(SENDER, "the sender may not speak for the citizen's open episode")
