"""Request bodies as callers send them."""

from __future__ import annotations

import itertools
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from command.synthetic.roster import Roster

# A made-up CPR-shaped number; still treated as personal data everywhere.
TEST_CPR = "0101901234"
# A citizen has one open episode at a time, so each referral is for a person of its own: a
# prefix for this test run and a counter (TEST_CPR's prefix is never drawn).
_RUN = secrets.randbelow(9_000) + 1_000
_NEXT = itertools.count(1)


def new_cpr() -> str:
    """A made-up CPR-shaped number not used before in this test run."""
    return f"{_RUN:04d}{next(_NEXT):06d}"


def referral_body(roster: Roster, **payload: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "event_id": f"ref-{uuid.uuid4().hex}",
        "type": "referral_created",
        "occurred_at": now.isoformat(),
        "payload": {
            "programme": "peer-guide-sind",
            "citizen": {"cpr": new_cpr(), "name": "Testa Borger", "phone": "+4512345678"},
            "municipality_code": roster.municipality_code,
            "ward_id": roster.ward_id,
            "organisation_id": roster.organisation_id,
            "goals": [{"area": "network", "text": "Spille fodbold igen"}],
            "consents": [
                {"scope": "peer_support", "method": "written"},
                {"scope": "share_with_municipality", "method": "written"},
            ],
            "admitted_at": (now - timedelta(days=2)).isoformat(),
        },
    }
    body["payload"].update(payload)
    return body


def event_body(
    episode_id: str, type_: str, payload: dict[str, Any] | None = None, at: datetime | None = None
) -> dict[str, Any]:
    return {
        "event_id": f"{type_}-{uuid.uuid4().hex}",
        "type": type_,
        "occurred_at": (at or datetime.now(UTC)).isoformat(),
        "episode_id": episode_id,
        "payload": payload or {},
    }
