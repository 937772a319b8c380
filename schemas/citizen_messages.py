"""Messages to the citizen and their relatives: whom an outbox row addresses, and the citizen's
own say over them (reminders off, a preferred channel, quiet hours), held as data.

The citizen and their relatives are no users. An outbox row to them carries a recipient key,
never an address: 'citizen:<episode id>' (the contact the episode recorded) or
'relative:<relative id>' (a relative on the episode); db/outbox reads the address at
delivery time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, field_validator

from schemas.base import Frozen

CITIZEN_PREFIX = "citizen:"
RELATIVE_PREFIX = "relative:"
COPENHAGEN = "Europe/Copenhagen"


def citizen_user_id(episode_id: str) -> str:
    """The outbox's user_id for the citizen of an episode."""
    return f"{CITIZEN_PREFIX}{episode_id}"


def relative_user_id(relative_id: str) -> str:
    """The outbox's user_id for a relative on an episode."""
    return f"{RELATIVE_PREFIX}{relative_id}"


class PreferredChannel(StrEnum):
    """How the citizen wants to be written to. No preference stored: by every channel their
    contact data has (e-mail, and SMS where the SMS gateway is on)."""

    SMS = "sms"
    EMAIL = "email"
    # Neither: nothing by SMS or e-mail at all (they read My bridge themselves).
    NONE = "none"


class QuietHours(Frozen):
    """The hours no message goes out, from `starts` until `ends` local time in `zone` (over
    midnight when `starts` is later than `ends`; none when they are equal). The default is
    the project's: 21:00 to 08:00 in Copenhagen."""

    starts: time = time(21, 0)
    ends: time = time(8, 0)
    zone: str = COPENHAGEN

    @field_validator("starts", "ends")
    @classmethod
    def _whole_minutes(cls, value: time) -> time:
        if value.tzinfo is not None or value.second or value.microsecond:
            raise ValueError("give a local time in whole minutes, such as 21:00")
        return value

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone such as Europe/Copenhagen is needed") from None
        return value

    def window(self, at: datetime) -> tuple[datetime, datetime] | None:
        """The quiet hours `at` falls in, as (start, end) in UTC; None outside them."""
        if self.starts == self.ends:
            return None
        zone = ZoneInfo(self.zone)
        moment = at.astimezone(UTC)
        today = moment.astimezone(zone).date()
        for day in (today - timedelta(days=1), today):
            start = _local(day, self.starts, zone)
            end_day = day if self.starts < self.ends else day + timedelta(days=1)
            end = _local(end_day, self.ends, zone)
            if start <= moment < end:
                return start, end
        return None

    def covers(self, at: datetime) -> bool:
        return self.window(at) is not None

    def deferred(self, at: datetime) -> datetime:
        """`at`, or the end of the quiet hours it falls in (what delivery waits for)."""
        found = self.window(at)
        return at if found is None else found[1]

    def brought_forward(self, at: datetime) -> datetime:
        """`at`, or a minute before the quiet hours it falls in began (a reminder planned
        for the night goes out the evening before instead)."""
        found = self.window(at)
        return at if found is None else found[0] - timedelta(minutes=1)


def _local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


DEFAULT_QUIET_HOURS = QuietHours()
# Starts and ends alike: no quiet hours at all.
NO_QUIET_HOURS = QuietHours(starts=time(0, 0), ends=time(0, 0))


def configured_quiet_hours(span: str) -> QuietHours:
    """The quiet hours a setting names ('21:00-08:00' in Copenhagen, or 'none')."""
    if span == "none":
        return NO_QUIET_HOURS
    starts, _, ends = span.partition("-")
    return QuietHours(starts=time.fromisoformat(starts), ends=time.fromisoformat(ends))


class MessagePreferences(Frozen):
    """What one citizen chose (the defaults until they choose)."""

    citizen_id: str
    reminders_opted_out: bool = False
    opted_out_at: AwareDatetime | None = None
    preferred_channel: PreferredChannel | None = None
    quiet_hours: QuietHours = DEFAULT_QUIET_HOURS
