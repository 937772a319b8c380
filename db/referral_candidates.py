"""Admissions without a referral: HospitalNotifications admitting a citizen who has no episode
(kept in medcom_messages as 'waiting'), from a psychiatric ward, not cancelled, not dismissed.

The coordinators of the ward's organisation see that they happened (ward, when; no identity:
there is no consent yet). The ward's own staff treat the patient and see who it is (the CPR
number the hospital sent: a citizen without an episode has no name with us); each identity
shown leaves a 'read.citizen' audit line in the same statement. A referral started for the
citizen assigns the waiting messages to its episode (db.medcom.assign_waiting), which takes
them off both lists; ward staff may also dismiss one as not relevant, with a reason kept in
referral_candidate_dismissals (who, when, why)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen

_ORGANISATION_CANDIDATES = """
SELECT candidate_id, ward_id, ward_name, activity, received_at, admitted_at
FROM referral_candidates WHERE organisation_id = $1
ORDER BY admitted_at, candidate_id LIMIT 200
"""

# The ward's list with who it is; each identity shown is audited in the same statement.
_WARD_CANDIDATES = """
WITH listed AS (
    SELECT rc.candidate_id, rc.ward_id, rc.ward_name, rc.activity, rc.received_at,
           rc.admitted_at, rc.citizen_id, c.cpr
    FROM referral_candidates rc JOIN citizens c ON c.citizen_id = rc.citizen_id
    WHERE rc.ward_id = $1
    ORDER BY rc.admitted_at, rc.candidate_id
    LIMIT 200
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, detail)
    SELECT $2 || candidate_id, now(), $3, $4, 'read.citizen',
           jsonb_build_object('place', 'referral_candidates', 'citizen_id', citizen_id)
    FROM listed WHERE cpr IS NOT NULL
    ON CONFLICT (audit_id) DO NOTHING
)
SELECT * FROM listed ORDER BY admitted_at, candidate_id
"""


class ReferralCandidate(Frozen):
    """An admission without a referral, as the coordinators see it: no identity."""

    candidate_id: str
    ward_id: str
    ward_name: str
    activity: str
    admitted_at: datetime
    received_at: datetime


class WardReferralCandidate(ReferralCandidate):
    """As the ward's staff see it: who it is (`cpr` is personal data, never in a repr;
    None once the citizen is erased)."""

    citizen_id: str
    cpr: str | None = Field(repr=False)


async def organisation_candidates(
    conn: PooledConnection, organisation_id: str | None
) -> list[ReferralCandidate]:
    """The admissions without a referral on the wards of the organisation, oldest first."""
    if organisation_id is None:
        return []
    rows = await conn.fetch(_ORGANISATION_CANDIDATES, organisation_id)
    return [ReferralCandidate.model_validate(dict(r)) for r in rows]


async def ward_candidates(
    conn: PooledConnection, ward_id: str | None, *, actor_role: str, actor_id: str
) -> list[WardReferralCandidate]:
    """The ward's admissions without a referral with who it is, oldest first; who read
    which identities is audited."""
    if ward_id is None:
        return []
    rows = await conn.fetch(
        _WARD_CANDIDATES,
        ward_id,
        f"candidates-{uuid.uuid4().hex}-",
        actor_role,
        actor_id,
    )
    return [WardReferralCandidate.model_validate(dict(r)) for r in rows]


def ward_candidate(
    candidates: list[WardReferralCandidate], candidate_id: str
) -> WardReferralCandidate | None:
    return next((c for c in candidates if c.candidate_id == candidate_id), None)


# The ward's waiting admission (listed or dismissed before), dismissed once: the dismissal and
# its audit line (ids only, never the reason) in one statement; the count says whether the
# admission is the ward's.
_DISMISS = """
WITH found AS (
    SELECT m.bundle_id, m.message_header_id, m.citizen_id, w.ward_id
    FROM medcom_messages m JOIN wards w ON w.sor_code = m.sender_sor
    WHERE w.ward_id = $2 AND m.status = 'waiting'
      AND m.activity IN ('admit-inpatient', 'admit-emergency')
      AND substr(encode(sha256(convert_to(m.bundle_id || '|' || m.message_header_id, 'UTF8')),
                 'hex'), 1, 24) = $1
), dismissed AS (
    INSERT INTO referral_candidate_dismissals (bundle_id, message_header_id, citizen_id,
        ward_id, dismissed_by_role, dismissed_by, reason)
    SELECT bundle_id, message_header_id, citizen_id, ward_id, $3, $4, $5 FROM found
    ON CONFLICT DO NOTHING
    RETURNING citizen_id, ward_id
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, detail)
    SELECT $6, now(), $3, $4, 'referral_candidate.dismissed',
           jsonb_build_object('candidate_id', $1::text, 'ward_id', ward_id,
                              'citizen_id', citizen_id)
    FROM dismissed
)
SELECT count(*) FROM found
"""


async def dismiss(
    conn: PooledConnection,
    candidate_id: str,
    ward_id: str | None,
    *,
    actor_role: str,
    actor_id: str,
    reason: str,
) -> bool:
    """Take the ward's admission off both lists as not relevant (who, when, why kept; a
    second dismissal changes nothing). False: no such waiting admission on this ward."""
    if ward_id is None:
        return False
    found: int = await conn.fetchval(
        _DISMISS,
        candidate_id,
        ward_id,
        actor_role,
        actor_id,
        reason,
        f"dismissed-{uuid.uuid4().hex}",
    )
    return found > 0
