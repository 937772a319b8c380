"""What a notification says: a short Danish + English text per template and a link, never
anything about the citizen."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from activities.calendar_invite import Meeting
from activities.plain_notices import notice
from schemas.notifications import (
    CITIZEN_TEMPLATES,
    COURSE_COORDINATOR_TEMPLATES,
    COURSE_PARTICIPANT_TEMPLATES,
    COURSE_STAFF_TEMPLATES,
    GROUP_TEMPLATES,
    RELATIVE_TEMPLATES,
    ROSTER_TEMPLATES,
    Template,
)
from schemas.supervision import LOCAL_TIME

# Where a coordinator sees and does the roster tasks (api/web/roster_tasks.py).
ROSTER_TASKS_PAGE = "/coordinator/roster-tasks"

# (Danish, English). The reader logs in to see who and what; the message itself stays blank.
TEXTS: dict[Template, tuple[str, str]] = {
    Template.NEW_TASK: (
        "Du har en ny opgave i hverdagsbro",
        "You have a new task in hverdagsbro",
    ),
    Template.OFFER: (
        "Du har fået tilbudt et forløb i hverdagsbro",
        "You have been offered an episode in hverdagsbro",
    ),
    Template.ASSIGNED: (
        "Et forløb i hverdagsbro er tildelt dig",
        "An episode in hverdagsbro has been assigned to you",
    ),
    Template.TASK_OVERDUE: (
        "En opgave i hverdagsbro er overskredet",
        "A task in hverdagsbro is overdue",
    ),
    Template.NOTIFICATION_FAILED: (
        "En besked fra hverdagsbro kunne ikke leveres",
        "A message from hverdagsbro could not be delivered",
    ),
    Template.ESCALATION: (
        "Et forløb i hverdagsbro kræver din opmærksomhed",
        "An episode in hverdagsbro needs your attention",
    ),
    Template.DISCHARGE_PLANNED: (
        "En udskrivning er planlagt i et forløb i hverdagsbro",
        "A discharge has been planned in an episode in hverdagsbro",
    ),
    Template.READMITTED: (
        "Et forløb i hverdagsbro er sat på pause",
        "An episode in hverdagsbro has been paused",
    ),
    Template.EMERGENCY_VISIT: (
        "Der er nyt i et forløb i hverdagsbro",
        "There is news in an episode in hverdagsbro",
    ),
    Template.DISCHARGED: (
        "En udskrivning er registreret i et forløb i hverdagsbro",
        "A discharge has been recorded in an episode in hverdagsbro",
    ),
    Template.EPISODE_ENDED: (
        "Et forløb i hverdagsbro er afsluttet",
        "An episode in hverdagsbro has ended",
    ),
    Template.CLOSING_SUMMARY: (
        "En afslutning er klar i hverdagsbro",
        "A closing summary is ready in hverdagsbro",
    ),
    Template.CONCERN: (
        "Der er meldt en bekymring i et forløb i hverdagsbro",
        "A concern has been raised in an episode in hverdagsbro",
    ),
    Template.DISCHARGED_WITHOUT_PEER: (
        "En borger i hverdagsbro er udskrevet uden en peer-medarbejder",
        "A citizen in hverdagsbro has been discharged without a peer guide",
    ),
    Template.DEBRIEF_DONE: (
        "En debriefing er udført i hverdagsbro",
        "A debrief has been done in hverdagsbro",
    ),
    Template.NETWORK_MEETING: (
        "Du er inviteret til et netværksmøde i hverdagsbro",
        "You are invited to a network meeting in hverdagsbro",
    ),
    Template.HANDED_OVER: (
        "Et forløb i hverdagsbro har skiftet peer-medarbejder",
        "An episode in hverdagsbro has a new peer guide",
    ),
    Template.ROSTER_TASK: (
        "Der er en ny opgave om peer-medarbejderne i hverdagsbro",
        "There is a new task about the peers in hverdagsbro",
    ),
    Template.ROSTER_TASK_OVERDUE: (
        "En opgave om peer-medarbejderne i hverdagsbro er overskredet",
        "A task about the peers in hverdagsbro is overdue",
    ),
    Template.ROSTER_TASK_ESCALATED: (
        "En opgave om peer-medarbejderne i hverdagsbro er ikke løst og er sendt til partnerskabet",
        "A task about the peers in hverdagsbro is not done and has gone to the partnership",
    ),
    Template.COURSE_SESSION_REMINDER: (
        "Påmindelse: Du er tilmeldt en kursusgang",
        "Reminder: You are signed up for a course session",
    ),
    Template.COURSE_SESSION_CANCELLED: (
        "En kursusgang er aflyst",
        "A course session has been cancelled",
    ),
    Template.COURSE_SEAT_OFFERED: (
        "Der er blevet plads til dig på et kursus",
        "A place on a course has opened up for you",
    ),
    Template.COURSE_COMPLETED: (
        "Tillykke! Du har gennemført et kursus",
        "Congratulations! You have completed a course",
    ),
    Template.COURSE_TERM_CANCELLED: (
        "Et kursus, du er tilmeldt, er aflyst",
        "A course you are signed up for has been cancelled",
    ),
    Template.COURSE_ATTENDANCE_DUE: (
        "Husk at registrere fremmøde for en kursusgang i hverdagsbro",
        "Please record attendance for a course session in hverdagsbro",
    ),
    Template.COURSE_ATTENDANCE_ESCALATED: (
        "Fremmøde for en kursusgang i hverdagsbro er ikke registreret",
        "Attendance for a course session in hverdagsbro has not been recorded",
    ),
    Template.COURSE_FOLLOW_UP: (
        "En deltager har været fraværende to kursusgange i træk i hverdagsbro",
        "A participant has missed two course sessions in a row in hverdagsbro",
    ),
    Template.COURSE_FOLLOW_UP_OVERDUE: (
        "En opfølgning på en kursusdeltager i hverdagsbro er overskredet",
        "A follow-up of a course participant in hverdagsbro is overdue",
    ),
    Template.COURSE_FOLLOW_UP_ESCALATED: (
        "En opfølgning på en kursusdeltager i hverdagsbro er ikke løst og er sendt videre",
        "A follow-up of a course participant in hverdagsbro is not done and has been passed on",
    ),
    Template.GROUP_TASK: (
        "Der er en ny opgave om en gruppe i hverdagsbro",
        "There is a new task about a group in hverdagsbro",
    ),
    Template.GROUP_TASK_OVERDUE: (
        "En opgave om en gruppe i hverdagsbro er overskredet",
        "A task about a group in hverdagsbro is overdue",
    ),
    Template.GROUP_TASK_ESCALATED: (
        "En opgave om en gruppe i hverdagsbro er ikke løst og er sendt videre",
        "A task about a group in hverdagsbro is not done and has been passed on",
    ),
    # To the citizen and their relatives: these are the e-mails' subjects; what the message
    # says is in activities/plain_notices.py.
    Template.CITIZEN_MEETING_REMINDER: (
        "Påmindelse om dit møde med din peer",
        "Reminder of your meeting with your peer",
    ),
    Template.CITIZEN_SESSION_REMINDER: (
        "Påmindelse om din kursusgang",
        "Reminder of your course session",
    ),
    Template.CITIZEN_AFTER_DISCHARGE: (
        "Din peer kontakter dig snart",
        "Your peer will contact you soon",
    ),
    Template.RELATIVE_DISCHARGE_DATE: (
        "Besked om planlagt udskrivning",
        "News of a planned discharge",
    ),
    Template.RELATIVE_PEER_ASSIGNED: (
        "Din pårørende har fået en peer-medarbejder",
        "Your relative now has a peer worker",
    ),
}

# Where coordinators see terms, seats and waiting lists (api/web/courses.py), and where a
# teaching peer records attendance and sees their follow-ups.
COURSES_PAGE = "/courses"
TEACHING_PAGE = "/courses/teaching"
# Where facilitators and coordinators see their peer groups and the groups' open tasks
# (api/web/groups.py).
GROUPS_PAGE = "/groups"
# Where the citizen sees their plan and turns reminders off (the My bridge page).
MY_BRIDGE_PAGE = "/my/bridge"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    sms: str


def link(
    public_url: str,
    episode_id: str | None,
    task_id: str | None,
    template: Template | None = None,
) -> str:
    """Where the reader logs in to see the details: the task if there is one; the closing
    summary for CLOSING_SUMMARY; for a notice about no episode, its family's page (the
    courses or teaching page, the groups page, the roster tasks page); for the citizen (and
    a relative, whose message does not show it) My bridge."""
    base = public_url.rstrip("/")
    if template in CITIZEN_TEMPLATES | RELATIVE_TEMPLATES:
        return f"{base}{MY_BRIDGE_PAGE}"
    if template in COURSE_STAFF_TEMPLATES:
        page = COURSES_PAGE if template in COURSE_COORDINATOR_TEMPLATES else TEACHING_PAGE
        return f"{base}{page}"
    if template in GROUP_TEMPLATES:
        return f"{base}{GROUPS_PAGE}"
    if template in ROSTER_TEMPLATES or episode_id is None:
        return f"{base}{ROSTER_TASKS_PAGE}"
    if template == Template.CLOSING_SUMMARY:
        return f"{base}/episodes/{episode_id}/summary"
    return f"{base}/tasks/{task_id}" if task_id else f"{base}/episodes/{episode_id}"


def render(
    template: Template,
    url: str,
    meeting: Meeting | None = None,
    params: Mapping[str, str] | None = None,
) -> Message:
    """The e-mail and the text. A NETWORK_MEETING with its (checked) meeting says when and
    where; without one it says only what the template says, like every other. A notice to a
    course participant (no login) names the course, and the session's time and place; one to
    the citizen or a relative says it in plain words (activities/plain_notices)."""
    danish, english = TEXTS[template]
    if template == Template.NETWORK_MEETING and meeting is not None:
        return _network_meeting(url, meeting)
    if template in COURSE_PARTICIPANT_TEMPLATES:
        return _course_notice(template, params or {})
    if template in CITIZEN_TEMPLATES | RELATIVE_TEMPLATES:
        body, sms = notice(template, params or {}, url)
        return Message(subject=f"{danish} / {english}", body=body, sms=sms)
    body = f"{danish}.\nLog ind for at se mere: {url}\n\n{english}.\nLog in to see more: {url}\n"
    return Message(subject=f"{danish} / {english}", body=body, sms=f"{danish} / {english}: {url}")


_DA_DAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_DA_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _day_da(day: date) -> str:
    return f"{_DA_DAYS[day.weekday()]} den {day.day}. {_DA_MONTHS[day.month - 1]} {day.year}"


def _day_en(day: date) -> str:
    return f"{_EN_DAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def _times(meeting: Meeting) -> tuple[str, str] | None:
    """("10.00", "11.00") style start and end in Copenhagen time, or None all day."""
    start, end = meeting.start(), meeting.end()
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def headline(meeting: Meeting) -> tuple[str, str]:
    """(Danish, English) in one short line each: the day and the time, no place (the SMS,
    and whatever else must stay short)."""
    day = meeting.meeting_on
    times = _times(meeting)
    if times is None:
        return (
            f"Netværksmøde {_DA_DAYS[day.weekday()]} {day:%d.%m.%Y} (hele dagen)",
            f"Network meeting {_day_en(day)} (all day)",
        )
    da_time = times[0].replace(":", ".")
    return (
        f"Netværksmøde {_DA_DAYS[day.weekday()]} {day:%d.%m.%Y} kl. {da_time}",
        f"Network meeting {_day_en(day)} at {times[0]}",
    )


def _network_meeting(url: str, meeting: Meeting) -> Message:
    danish, english = TEXTS[Template.NETWORK_MEETING]
    times = _times(meeting)
    if times is None:
        da_time, en_time = "hele dagen (intet klokkeslæt aftalt)", "all day (no time agreed)"
    else:
        start, end = times
        da_time = f"kl. {start.replace(':', '.')}-{end.replace(':', '.')} (dansk tid)"
        en_time = f"{start}-{end} (Danish time)"
    da_place = meeting.place or "ikke angivet"
    en_place = meeting.place or "not given"
    body = (
        f"{danish}.\n"
        f"Dato: {_day_da(meeting.meeting_on)}\n"
        f"Tid: {da_time}\n"
        f"Sted: {da_place}\n"
        "Mødet er vedhæftet som kalenderinvitation (invite.ics).\n"
        f"Log ind for at se mere: {url}\n"
        "\n"
        f"{english}.\n"
        f"Date: {_day_en(meeting.meeting_on)}\n"
        f"Time: {en_time}\n"
        f"Place: {en_place}\n"
        "The meeting is attached as a calendar invitation (invite.ics).\n"
        f"Log in to see more: {url}\n"
    )
    da_line, en_line = headline(meeting)
    return Message(subject=f"{danish} / {english}", body=body, sms=f"{da_line} / {en_line}: {url}")


# What a participant's notice adds after its headline (Danish, English).
_COURSE_CLOSING: dict[Template, tuple[str, str]] = {
    Template.COURSE_SESSION_REMINDER: (
        "Vi glæder os til at se dig.",
        "We look forward to seeing you.",
    ),
    Template.COURSE_SESSION_CANCELLED: (
        "Du behøver ikke gøre noget. Dine andre kursusgange er som planlagt.",
        "You do not need to do anything. Your other sessions are as planned.",
    ),
    Template.COURSE_SEAT_OFFERED: (
        "Du er nu tilmeldt. Kan du ikke komme alligevel, så giv kursusstedet besked.",
        "You are now signed up. If you cannot come after all, please tell the course venue.",
    ),
    Template.COURSE_COMPLETED: ("Tak fordi du var med.", "Thank you for taking part."),
    Template.COURSE_TERM_CANCELLED: (
        "Du behøver ikke gøre noget. Kursusstedet kontakter dig om et nyt hold.",
        "You do not need to do anything. The course venue will contact you about a new term.",
    ),
}


def _when(params: Mapping[str, str]) -> tuple[str, str] | None:
    """("mandag den 3. marts 2031 kl. 17.00-19.00", "Monday 3 March 2031, 17:00-19:00") in
    Copenhagen time, or None without a (valid) session time."""
    try:
        start = datetime.fromisoformat(params["starts_at"]).astimezone(LOCAL_TIME)
        end = datetime.fromisoformat(params["ends_at"]).astimezone(LOCAL_TIME)
    except (KeyError, ValueError):
        return None
    da = f"{_day_da(start.date())} kl. {start:%H.%M}-{end:%H.%M}"
    en = f"{_day_en(start.date())}, {start:%H:%M}-{end:%H:%M}"
    return da, en


def _course_notice(template: Template, params: Mapping[str, str]) -> Message:
    """Plain words for someone without a login: what, when, where; no link to log in."""
    danish, english = TEXTS[template]
    title_da = params.get("title_da") or params.get("title", "")
    title_en = params.get("title") or title_da
    when = _when(params)
    place = params.get("place", "")
    da_lines, en_lines = (
        [f"{danish}.", f"Kursus: {title_da}"],
        [f"{english}.", f"Course: {title_en}"],
    )
    if when is not None:
        da_lines.append(f"Tid: {when[0]}")
        en_lines.append(f"Time: {when[1]}")
    if place:
        da_lines.append(f"Sted: {place}")
        en_lines.append(f"Place: {place}")
    closing_da, closing_en = _COURSE_CLOSING[template]
    da_lines.append(closing_da)
    en_lines.append(closing_en)
    body = "\n".join(da_lines) + "\n\n" + "\n".join(en_lines) + "\n"
    sms_da = f"{danish}: {title_da}" + (f", {when[0]}" if when else "")
    sms_en = f"{english}: {title_en}" + (f", {when[1]}" if when else "")
    return Message(subject=f"{danish} / {english}", body=body, sms=f"{sms_da} / {sms_en}")


def delivery_key(notification_id: str, user_id: str) -> str:
    """The same for every attempt at one person's copy, so receivers can drop repeats."""
    return hashlib.sha256(f"{notification_id}/{user_id}".encode()).hexdigest()[:32]
