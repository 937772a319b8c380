"""Peer matching: asking the roster for the best peer and holding one capacity slot."""

from __future__ import annotations

from pydantic import Field

from schemas.base import Frozen
from schemas.people import OPAQUE_ID


class ReservationRequest(Frozen):
    """Reserve a slot for offer `offer_no` of an episode. With `peer_id` set (a coordinator's
    manual match) only that peer is tried and capacity may be overridden."""

    episode_id: str
    offer_no: int = Field(ge=1)
    programme: str
    municipality_code: str
    organisation_id: str
    languages: tuple[str, ...] = ()
    exclude_peer_ids: tuple[str, ...] = ()
    peer_id: str | None = Field(default=None, pattern=OPAQUE_ID)
    override_capacity: bool = False
    releases_offer_no: int | None = Field(
        default=None,
        ge=1,
        description="A hand-over: give back this offer's slot in the same transaction.",
    )


class Reservation(Frozen):
    episode_id: str
    offer_no: int
    peer_id: str | None = Field(description="None: no trained peer with capacity fits.")
    reason: str = ""


class ReservationRelease(Frozen):
    episode_id: str
    offer_no: int
