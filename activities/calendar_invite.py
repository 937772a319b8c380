"""The network meeting as an iCalendar invitation (RFC 5545/5546, METHOD:REQUEST), built with
the `icalendar` library: what a NETWORK_MEETING notification's e-mail carries as `invite.ics`.

The invitation names the meeting, its time in Europe/Copenhagen (with a VTIMEZONE), the place
ward staff typed and the link to the episode; never the citizen. Its UID comes from the
notification id, so sending the same notification again updates the reader's calendar entry
instead of adding a second one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import structlog
from icalendar import Calendar, Event, vCalAddress
from pydantic import Field, ValidationError, field_validator

from schemas.base import Frozen
from schemas.notifications import Notification, Template

log = structlog.get_logger(__name__)

LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
SUMMARY = "Netværksmøde / Network meeting (hverdagsbro)"
PRODID = "-//hverdagsbro//network meeting//DA"
FILENAME = "invite.ics"
DEFAULT_DURATION_MINUTES = 60
MAX_PLACE = 500
_HH_MM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


class Meeting(Frozen):
    """A NETWORK_MEETING notification's params, checked. Booked in Copenhagen time."""

    meeting_on: date
    starts_at: time | None = None
    place: str = Field(default="", max_length=MAX_PLACE)
    duration_minutes: int = Field(default=DEFAULT_DURATION_MINUTES, gt=0, le=24 * 60)

    @field_validator("meeting_on", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        if isinstance(value, str):
            return date.fromisoformat(value)  # a ValueError becomes the field's error
        return value

    @field_validator("starts_at", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> object:
        if value == "":
            return None
        if isinstance(value, str) and _HH_MM.fullmatch(value) is None:
            raise ValueError("must be HH:MM")
        return value

    @field_validator("duration_minutes", mode="before")
    @classmethod
    def _default_when_blank(cls, value: object) -> object:
        return DEFAULT_DURATION_MINUTES if value == "" else value

    @field_validator("place")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())

    @property
    def all_day(self) -> bool:
        return self.starts_at is None

    def start(self) -> date | datetime:
        """The day (all-day) or the local start time."""
        if self.starts_at is None:
            return self.meeting_on
        return datetime.combine(self.meeting_on, self.starts_at, tzinfo=LOCAL_TIME)

    def end(self) -> date | datetime:
        """The next day (DTEND of an all-day event is exclusive) or the start plus the
        duration, counted in real minutes (through UTC, so right across a DST change)."""
        start = self.start()
        if not isinstance(start, datetime):
            return start + timedelta(days=1)
        later = start.astimezone(UTC) + timedelta(minutes=self.duration_minutes)
        return later.astimezone(LOCAL_TIME)


def meeting_of(params: Mapping[str, str]) -> Meeting:
    """The meeting the params describe (other params are no concern here); raises pydantic's
    ValidationError if they do not describe one."""
    return Meeting.model_validate({k: v for k, v in params.items() if k in Meeting.model_fields})


def meeting_for(n: Notification) -> Meeting | None:
    """The meeting of a NETWORK_MEETING notification, or None (any other template, or params
    that do not describe one: then the e-mail goes without the invitation, and the log says
    which params were wrong, never their values)."""
    if n.template != Template.NETWORK_MEETING:
        return None
    try:
        return meeting_of(n.params)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "params" for e in exc.errors()})
        log.warning(
            "network meeting invitation left out: params invalid",
            notification_id=n.notification_id,
            episode_id=n.episode_id,
            invalid=fields,
        )
        return None


def invitation_uid(notification_id: str, domain: str) -> str:
    """The same for every send of one notification; reveals nothing of the episode."""
    digest = hashlib.sha256(f"network-meeting/{notification_id}".encode()).hexdigest()[:32]
    return f"{digest}@{domain}"


def invitation(
    meeting: Meeting,
    *,
    notification_id: str,
    url: str,
    organizer: str,
    attendee: str | None = None,
    stamp: datetime,
    sequence: int = 0,
) -> bytes:
    """The .ics text (METHOD:REQUEST, one VEVENT). `organizer` is the sender's address (a
    display name is dropped); `attendee` is the reader's own address, which RFC 5546 wants
    in a REQUEST; `stamp` (DTSTAMP) is when the notification was made, so a resend of the
    same notification is byte for byte the same invitation."""
    organizer_address = parseaddr(organizer)[1] or organizer
    domain = organizer_address.rpartition("@")[2] or "hverdagsbro"
    uid = invitation_uid(notification_id, domain)
    attendees: list[vCalAddress] = []
    if attendee:
        person = vCalAddress(f"mailto:{attendee}")
        person.params["ROLE"] = "REQ-PARTICIPANT"
        person.params["PARTSTAT"] = "NEEDS-ACTION"
        person.params["RSVP"] = "FALSE"
        attendees.append(person)
    event = Event.new(
        uid=uid,
        summary=SUMMARY,
        start=meeting.start(),
        end=meeting.end(),
        location=meeting.place or None,
        description=url,
        url=url,
        organizer=vCalAddress(f"mailto:{organizer_address}"),
        attendees=attendees or None,
        sequence=sequence,
        stamp=stamp.astimezone(UTC),
    )
    calendar = Calendar.new(prodid=PRODID, method="REQUEST", uid=uid, subcomponents=[event])
    # A VTIMEZONE for Europe/Copenhagen covering a year either side of the meeting (short,
    # and every client then reads the local time the ward booked, summer or winter).
    calendar.add_missing_timezones(
        first_date=meeting.meeting_on - timedelta(days=366),
        last_date=meeting.meeting_on + timedelta(days=366),
    )
    ics: bytes = calendar.to_ical()
    return ics
