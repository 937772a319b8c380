"""Page texts and refusal reasons of the supervision pages, Danish and English (merged into
labels.TEXTS and reason_texts.REASONS)."""

from __future__ import annotations

# key -> (Danish, English)
SUPERVISION_TEXTS: dict[str, tuple[str, str]] = {
    "supervision.title": ("Supervision", "Supervision"),
    "supervision.nav": ("Supervision", "Supervision"),
    "supervision.back": ("Tilbage til supervision", "Back to supervision"),
    "supervision.supervised": ("Grupper, du superviserer", "Groups you supervise"),
    "supervision.supervised.intro": (
        "Registrér efter hver session, hvem der kom. Er det ikke sket to dage efter, får"
        " koordinatoren en opgave.",
        "After each session, record who came. If that has not happened two days later, the"
        " coordinator is given a task.",
    ),
    "supervision.supervised.none": (
        "Du superviserer ingen aktive grupper.",
        "You supervise no active groups.",
    ),
    "supervision.sessions": ("Sessioner", "Sessions"),
    "supervision.sessions.none": (
        "Ingen sessioner de seneste 12 eller kommende 8 uger.",
        "No sessions in the last 12 or the coming 8 weeks.",
    ),
    "supervision.session.title": ("Fremmøde", "Attendance"),
    "supervision.session.when": ("Tidspunkt", "When"),
    "supervision.session.kind": ("Slags", "Kind"),
    "supervision.session.attendance": ("Fremmøde", "Attendance"),
    "supervision.session.ahead": ("Kommende", "Coming up"),
    "supervision.session.recorded": ("Registreret (ret)", "Recorded (change)"),
    "supervision.session.record": ("Registrér fremmøde", "Record attendance"),
    "supervision.session.not_begun": (
        "Sessionen er ikke begyndt endnu. Registrér fremmødet bagefter.",
        "The session has not begun yet. Record the attendance afterwards.",
    ),
    "supervision.kind.regular": ("Fast supervision", "Regular supervision"),
    "supervision.kind.extra": ("Ekstra supervision (debriefing)", "Extra supervision (debrief)"),
    "supervision.cancelled": ("aflyst", "cancelled"),
    "supervision.attendance.intro": (
        "Angiv for hvert medlem, om de kom.",
        "Say for each member whether they came.",
    ),
    "supervision.attendance.present": ("Kom", "Came"),
    "supervision.attendance.absent": ("Kom ikke", "Did not come"),
    "supervision.attendance.submit": ("Gem fremmødet", "Save the attendance"),
    "supervision.attendance.nobody": (
        "Gruppen har ingen medlemmer at registrere.",
        "The group has no members to record.",
    ),
    "supervision.groups": ("Organisationens supervisionsgrupper", "Your organisation's groups"),
    "supervision.groups.none": (
        "Organisationen har ingen supervisionsgrupper endnu.",
        "Your organisation has no supervision groups yet.",
    ),
    "supervision.group": ("Gruppe", "Group"),
    "supervision.group.title": ("Supervisionsgruppe", "Supervision group"),
    "supervision.deactivated": ("deaktiveret", "deactivated"),
    "supervision.no_peers": (
        "Organisationen har ingen aktive peer-medarbejdere.",
        "Your organisation has no active peer guides.",
    ),
    "supervision.schedule": (
        "{weekday} kl. {time}, hver {weeks}. uge, {minutes} minutter",
        "{weekday}s at {time}, every {weeks} weeks, {minutes} minutes",
    ),
    "supervision.weekday.1": ("Mandag", "Monday"),
    "supervision.weekday.2": ("Tirsdag", "Tuesday"),
    "supervision.weekday.3": ("Onsdag", "Wednesday"),
    "supervision.weekday.4": ("Torsdag", "Thursday"),
    "supervision.weekday.5": ("Fredag", "Friday"),
    "supervision.weekday.6": ("Lørdag", "Saturday"),
    "supervision.weekday.7": ("Søndag", "Sunday"),
    "supervision.create": ("Opret en supervisionsgruppe", "Create a supervision group"),
    "supervision.create.submit": ("Opret gruppen", "Create the group"),
    "supervision.edit": ("Ret gruppen", "Edit the group"),
    "supervision.edit.submit": ("Gem ændringerne", "Save the changes"),
    "supervision.deactivate": ("Deaktivér gruppen", "Deactivate the group"),
    "supervision.deactivate.hint": (
        "Gruppen holder op med at mødes; kommende sessioner aflyses.",
        "The group stops meeting; its coming sessions are cancelled.",
    ),
    "supervision.deactivate.submit": ("Deaktivér gruppen", "Deactivate the group"),
    "supervision.field.name": ("Gruppens navn", "Group name"),
    "supervision.field.supervisor": ("Supervisor", "Supervisor"),
    "supervision.field.choose": ("Vælg …", "Choose …"),
    "supervision.field.schedule": ("Mødeplan", "Schedule"),
    "supervision.field.weekday": ("Ugedag", "Weekday"),
    "supervision.field.time": ("Klokkeslæt (TT:MM)", "Time (HH:MM)"),
    "supervision.field.every_weeks": ("Hver n. uge (1-12)", "Every n weeks (1-12)"),
    "supervision.field.duration": ("Varighed i minutter (15-480)", "Length in minutes (15-480)"),
    "supervision.field.members": ("Medlemmer", "Members"),
    "supervision.next": ("Din næste supervision", "Your next supervision"),
    "supervision.next.at": ("{group}: {when}", "{group}: {when}"),
    "supervision.next.none": ("Ingen supervision planlagt.", "No supervision planned."),
    "notice.group_created": ("Gruppen er oprettet.", "The group has been created."),
    "notice.group_changed": ("Ændringerne er gemt.", "The changes have been saved."),
    "notice.group_deactivated": ("Gruppen er deaktiveret.", "The group has been deactivated."),
    "notice.attendance_recorded": ("Fremmødet er gemt.", "The attendance has been saved."),
}

# Refusal reasons of api/web/supervision.py (the part after "field: ").
SUPERVISION_REASONS: dict[str, tuple[str, str]] = {
    "no such supervision group of your organisation": (
        "supervisionsgruppen findes ikke i din organisation",
        "no such supervision group of your organisation",
    ),
    "no such session of a group you supervise": (
        "sessionen findes ikke i en gruppe, du superviserer",
        "no such session of a group you supervise",
    ),
    "a coordinator without an organisation keeps no supervision groups": (
        "en koordinator uden organisation har ingen supervisionsgrupper",
        "a coordinator without an organisation keeps no supervision groups",
    ),
    "write a name of 1 to 120 characters": (
        "skriv et navn på 1 til 120 tegn",
        "write a name of 1 to 120 characters",
    ),
    "choose the supervisor from the list": (
        "vælg supervisoren på listen",
        "choose the supervisor from the list",
    ),
    "choose a weekday from the list": (
        "vælg en ugedag på listen",
        "choose a weekday from the list",
    ),
    "write the time as hours and minutes, such as 14:00": (
        "skriv klokkeslættet som timer og minutter, fx 14:00",
        "write the time as hours and minutes, such as 14:00",
    ),
    "write a whole number of weeks from 1 to 12": (
        "skriv et helt antal uger fra 1 til 12",
        "write a whole number of weeks from 1 to 12",
    ),
    "write a whole number of minutes from 15 to 480": (
        "skriv et helt antal minutter fra 15 til 480",
        "write a whole number of minutes from 15 to 480",
    ),
    "choose the members from the list of your peer guides": (
        "vælg medlemmerne blandt organisationens peer-medarbejdere",
        "choose the members from the list of your peer guides",
    ),
    "the group is deactivated": ("gruppen er deaktiveret", "the group is deactivated"),
    "the session was cancelled": ("sessionen blev aflyst", "the session was cancelled"),
    "the session has not begun; record who came after it": (
        "sessionen er ikke begyndt; registrér fremmødet bagefter",
        "the session has not begun; record who came after it",
    ),
    "say for every member whether they came": (
        "angiv for hvert medlem, om de kom",
        "say for every member whether they came",
    ),
}
