"""What a message to the citizen or a relative says, in plain Danish and English: one short
line each, the SMS within one text message (160 GSM characters with a link of a public URL of
up to 30 characters), and how to stop the messages at the end. Never the citizen's own data:
the params hold times, a course title and ids; the peer's first name (a relative's notice) is
read at delivery."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import NamedTuple

from schemas.notifications import CITIZEN_TEMPLATES, Template
from schemas.supervision import LOCAL_TIME

# A course title is cut to this in an SMS (the e-mail has it whole), so that every SMS fits
# one text message with a public URL of up to 30 characters.
SMS_TITLE_MAX = 22

_DA_DAYS = ("man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn.")
_EN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


class Notice(NamedTuple):
    body: str
    sms: str


def _moment(params: Mapping[str, str], name: str) -> datetime | None:
    """An aware ISO time in the params, in Copenhagen time; None when missing or not one."""
    try:
        found = datetime.fromisoformat(params[name])
    except (KeyError, ValueError):
        return None
    return None if found.tzinfo is None else found.astimezone(LOCAL_TIME)


def _day(params: Mapping[str, str], name: str) -> date | None:
    """An ISO date, or the Copenhagen date of an aware ISO time."""
    raw = params.get(name, "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        moment = _moment(params, name)
        return None if moment is None else moment.date()


def _day_da(day: date) -> str:
    return f"{_DA_DAYS[day.weekday()]} {day.day}/{day.month}"


def _day_en(day: date) -> str:
    return f"{_EN_DAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]}"


def _when_da(moment: datetime) -> str:
    return f"{_day_da(moment.date())} kl. {moment:%H.%M}"


def _when_en(moment: datetime) -> str:
    return f"{_day_en(moment.date())} {moment:%H:%M}"


def _title(params: Mapping[str, str], danish: bool, limit: int | None) -> str:
    title = (params.get("title_da") or params.get("title", "")) if danish else ""
    title = title or params.get("title") or params.get("title_da", "")
    title = " ".join(title.split())
    if limit is not None and len(title) > limit:
        return title[: limit - 3].rstrip() + "..."
    return title


def lines(template: Template, params: Mapping[str, str], *, sms: bool = False) -> tuple[str, str]:
    """(Danish, English): what the message says, in one sentence each."""
    match template:
        case Template.CITIZEN_MEETING_REMINDER:
            when = _moment(params, "when")
            if when is None:
                return (
                    "Husk dit næste møde med din peer.",
                    "Reminder: your next meeting with your peer.",
                )
            return (
                f"Husk dit møde med din peer {_when_da(when)}.",
                f"Reminder: meeting with your peer {_when_en(when)}.",
            )
        case Template.CITIZEN_SESSION_REMINDER:
            # The SMS names the course once, cut short (the e-mail in both languages, whole).
            when = _moment(params, "when")
            title_da = _title(params, True, SMS_TITLE_MAX if sms else None)
            title_en = "" if sms else _title(params, False, None)
            da = "Husk kursusgangen" + (f" {title_da}" if title_da else "")
            en = "Reminder: course session" + (f" {title_en}" if title_en else "")
            if when is not None:
                da, en = f"{da} {_when_da(when)}", f"{en} {_when_en(when)}"
            return f"{da}.", f"{en}."
        case Template.CITIZEN_AFTER_DISCHARGE:
            by = _day(params, "by")
            if by is None:
                return "Din peer kontakter dig snart.", "Your peer will contact you soon."
            return (
                f"Din peer kontakter dig senest {_day_da(by)}.",
                f"Your peer will contact you by {_day_en(by)}.",
            )
        case Template.RELATIVE_DISCHARGE_DATE:
            on = _day(params, "date")
            if on is None:
                return (
                    "Din pårørende skal snart udskrives.",
                    "Your relative will be discharged soon.",
                )
            return (
                f"Din pårørende udskrives efter planen {_day_da(on)}.",
                f"Your relative is to be discharged on {_day_en(on)}.",
            )
        case Template.RELATIVE_PEER_ASSIGNED:
            name = params.get("peer_name", "")
            if not name:
                return (
                    "Din pårørende har fået en peer-medarbejder.",
                    "Your relative now has a peer worker.",
                )
            return (
                f"Din pårørende har fået en peer-medarbejder: {name}.",
                f"Your relative now has a peer worker: {name}.",
            )
    raise ValueError(f"{template.value} is no notice to a citizen or relative")


def notice(template: Template, params: Mapping[str, str], url: str) -> Notice:
    """The e-mail's body and the SMS. The citizen's end with the link to My bridge (`url`:
    see more, or turn reminders off); a relative's say to tell the staff (no login)."""
    da, en = lines(template, params)
    sms_da, sms_en = lines(template, params, sms=True)
    if template in CITIZEN_TEMPLATES:
        return Notice(
            body=(
                f"{da}\nSe din plan eller slå påmindelser fra: {url}\n\n"
                f"{en}\nSee your plan or turn reminders off: {url}\n"
            ),
            sms=f"{sms_da} / {sms_en} Stop: {url}",
        )
    return Notice(
        body=(
            f"{da}\nDu får beskeden, fordi din pårørende har givet lov til det. "
            "Vil du ikke have flere beskeder, så sig det til personalet.\n\n"
            f"{en}\nYou get this message because your relative agreed to it. "
            "To stop these messages, tell the staff.\n"
        ),
        sms=f"{sms_da} / {sms_en} Stop: sig det til personalet/tell the staff",
    )
