"""Admissions without a referral on the ward's and the coordinator's pages: how long each has
waited, in words; overdue after 2 working days (no wait is unbounded); the ward's "not
relevant" form and where its refusal goes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.errors import ApiError, invalid
from api.web import labels
from api.web.rendering import LOCAL_TIME
from db.referral_candidates import ReferralCandidate
from workflows.working_days import add_working_days

# The ward has this many working days to refer or dismiss an admission without a referral.
CONSIDER_WITHIN_WORKING_DAYS = 2
REASON_MIN, REASON_MAX = 3, 500


@dataclass(frozen=True)
class Waiting:
    """An admission without a referral as a list shows it."""

    candidate: ReferralCandidate
    ago: str
    overdue: bool


def waiting(candidates: Sequence[ReferralCandidate], now: datetime, lang: str) -> list[Waiting]:
    return [
        Waiting(
            candidate=c,
            ago=ago_words(c.admitted_at, now, lang),
            overdue=overdue_from(c.admitted_at) < now,
        )
        for c in candidates
    ]


def overdue_from(admitted_at: datetime) -> datetime:
    """2 working days (Danish, holidays excluded) after the admission, in local time."""
    local = admitted_at.astimezone(LOCAL_TIME)
    return add_working_days(local, CONSIDER_WITHIN_WORKING_DAYS)


def ago_words(moment: datetime, now: datetime, lang: str) -> str:
    """'3 days ago', '5 hours ago', 'less than an hour ago' (in the page's language)."""
    hours = int((now - moment).total_seconds() // 3600)
    if hours < 1:
        return labels.text("candidates.ago.now", lang)
    if hours < 48:
        key = "candidates.ago.hour" if hours == 1 else "candidates.ago.hours"
        return labels.text(key, lang).format(count=hours)
    return labels.text("candidates.ago.days", lang).format(count=hours // 24)


class DismissIn(BaseModel):
    """Why the admission needs no referral (3-500 characters)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    reason: str = Field(min_length=REASON_MIN, max_length=REASON_MAX)


def dismissal(reason: str) -> DismissIn:
    """The form's reason, checked; refused (422, naming `reason`) when too short or long."""
    try:
        return DismissIn(reason=reason)
    except ValidationError as err:
        raise invalid(err) from None


NO_SUCH_ADMISSION = ApiError(404, "candidate_id: no such resource")
