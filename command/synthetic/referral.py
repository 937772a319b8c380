"""A ward's referral for a made-up citizen: an opaque citizen id, consent given in writing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from command.synthetic.roster import Roster
from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.events import Goal, GoalArea, Referral, ReferralCreated
from schemas.people import Actor, Role

PEER_SUPPORT_AND_MUNICIPALITY = (
    ConsentScope.PEER_SUPPORT,
    ConsentScope.SHARE_WITH_MUNICIPALITY,
)


def referral(
    roster: Roster,
    *,
    programme: str = "peer-guide-sind",
    risk_elevated: bool = False,
    consents: tuple[ConsentScope, ...] = PEER_SUPPORT_AND_MUNICIPALITY,
    goals: tuple[Goal, ...] = (Goal(area=GoalArea.NETWORK, text="Meet people again"),),
    at: datetime | None = None,
    admitted_ago: timedelta = timedelta(days=3),
) -> ReferralCreated:
    """The roster's ward nurse refers a new citizen to `programme`, now (or `at`)."""
    now = at or datetime.now(UTC)
    nurse = Actor(role=Role.WARD, id=roster.ward_nurse)
    return ReferralCreated(
        event_id=f"ref-{uuid.uuid4().hex}",
        occurred_at=now,
        actor=nurse,
        payload=Referral(
            programme=programme,
            citizen_id=uuid.uuid4().hex,
            municipality_code=roster.municipality_code,
            ward_id=roster.ward_id,
            organisation_id=roster.organisation_id,
            risk_elevated=risk_elevated,
            goals=goals,
            consents=tuple(
                ConsentGrant(
                    scope=s, recorded_by=nurse, recorded_at=now, method=ConsentMethod.WRITTEN
                )
                for s in consents
            ),
            admitted_at=now - admitted_ago,
        ),
    )
