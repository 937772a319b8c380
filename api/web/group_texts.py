"""Page texts and refusal reasons of the peer group pages, Danish and English (merged into
labels.TEXTS and reason_texts.REASONS). The schedule's words and the reasons the supervision
pages share (weekday, time, weeks, minutes, a deactivated group, attendance) are theirs."""

from __future__ import annotations

# key -> (Danish, English)
GROUP_TEXTS: dict[str, tuple[str, str]] = {
    "groups.title": ("Grupper", "Groups"),
    "groups.nav": ("Grupper", "Groups"),
    "groups.back": ("Tilbage til grupper", "Back to groups"),
    "groups.facilitated": ("Grupper, du leder", "Groups you facilitate"),
    "groups.facilitated.intro": (
        "Registrér efter hver session, hvem der kom. Er det ikke sket to dage efter, får"
        " koordinatorerne en opgave. Udebliver et medlem flere gange i træk, får du en opgave"
        " om at følge op.",
        "After each session, record who came. If that has not happened two days later, the"
        " coordinators are given a task. A member absent several times in a row becomes a"
        " task for you to follow up.",
    ),
    "groups.facilitated.none": (
        "Du leder ingen aktive grupper.",
        "You facilitate no active groups.",
    ),
    "groups.sessions": ("Sessioner", "Sessions"),
    "groups.sessions.none": (
        "Ingen sessioner de seneste 12 eller kommende 8 uger.",
        "No sessions in the last 12 or the coming 8 weeks.",
    ),
    "groups.session.title": ("Fremmøde i gruppen", "Group attendance"),
    "groups.session.when": ("Tidspunkt", "When"),
    "groups.session.attendance": ("Fremmøde", "Attendance"),
    "groups.session.ahead": ("Kommende", "Coming up"),
    "groups.session.recorded": ("Registreret (ret)", "Recorded (change)"),
    "groups.session.record": ("Registrér fremmøde", "Record attendance"),
    "groups.session.not_begun": (
        "Sessionen er ikke begyndt endnu. Registrér fremmødet bagefter.",
        "The session has not begun yet. Record the attendance afterwards.",
    ),
    "groups.session.cancelled": ("aflyst", "cancelled"),
    "groups.attendance.intro": (
        "Angiv for hvert medlem (forløbsnummer), om de kom.",
        "Say for each member (episode number) whether they came.",
    ),
    "groups.attendance.member": ("Forløb {episode}", "Episode {episode}"),
    "groups.attendance.present": ("Kom", "Came"),
    "groups.attendance.absent": ("Kom ikke", "Did not come"),
    "groups.attendance.submit": ("Gem fremmødet", "Save the attendance"),
    "groups.attendance.nobody": (
        "Gruppen har ingen medlemmer at registrere.",
        "The group has no members to record.",
    ),
    "groups.tasks": ("Opgaver", "Tasks"),
    "groups.tasks.none": ("Ingen åbne opgaver.", "No open tasks."),
    "groups.task.member_absent": (
        "{member} er udeblevet flere gange i træk: følg op",
        "{member} has been absent several times in a row: follow up",
    ),
    "groups.task.attendance_unrecorded": (
        "Fremmødet er ikke registreret for en session",
        "Nobody recorded the attendance of a session",
    ),
    "groups.task.due": ("senest {when}", "by {when}"),
    "groups.task.done": ("Markér som klaret", "Mark as done"),
    "groups.mine": ("Organisationens grupper", "Your organisation's groups"),
    "groups.mine.none": (
        "Organisationen har ingen grupper endnu.",
        "Your organisation has no groups yet.",
    ),
    "groups.group": ("Gruppe", "Group"),
    "groups.group.title": ("Gruppe", "Group"),
    "groups.deactivated": ("deaktiveret", "deactivated"),
    "groups.seats_taken": ("{taken} af {seats} pladser", "{taken} of {seats} seats"),
    "groups.members": ("Medlemmer", "Members"),
    "groups.members.none": ("Gruppen har ingen medlemmer.", "The group has no members."),
    "groups.member.episode": ("Forløb", "Episode"),
    "groups.member.joined": ("Med siden", "Member since"),
    "groups.member.remove": ("Fjern fra gruppen", "Remove from the group"),
    "groups.join": ("Tilføj en borger til en gruppe", "Add a citizen to a group"),
    "groups.join.intro": (
        "Borgeren skal have et forløb, du har adgang til.",
        "The citizen needs an episode you have access to.",
    ),
    "groups.join.none": (
        "Der er ingen aktive grupper, du kan tilføje borgere til.",
        "There are no active groups you may add citizens to.",
    ),
    "groups.join.submit": ("Tilføj borgeren", "Add the citizen"),
    "groups.memberships": ("Borgere i grupper", "Citizens in groups"),
    "groups.create": ("Opret en gruppe", "Create a group"),
    "groups.create.submit": ("Opret gruppen", "Create the group"),
    "groups.edit": ("Ret gruppen", "Edit the group"),
    "groups.edit.submit": ("Gem ændringerne", "Save the changes"),
    "groups.deactivate": ("Deaktivér gruppen", "Deactivate the group"),
    "groups.deactivate.hint": (
        "Gruppen holder op med at mødes; kommende sessioner aflyses.",
        "The group stops meeting; its coming sessions are cancelled.",
    ),
    "groups.deactivate.submit": ("Deaktivér gruppen", "Deactivate the group"),
    "groups.field.name": ("Gruppens navn", "Group name"),
    "groups.field.programme": ("Program", "Programme"),
    "groups.field.facilitator": ("Gruppeleder (peer)", "Facilitating peer"),
    "groups.field.co_facilitators": ("Medledere", "Co-facilitators"),
    "groups.field.municipality": ("Kommune (valgfri)", "Municipality (optional)"),
    "groups.field.no_municipality": ("Ingen bestemt kommune", "No particular municipality"),
    "groups.field.choose": ("Vælg …", "Choose …"),
    "groups.field.place": ("Sted", "Place"),
    "groups.field.seats": ("Pladser (1-100)", "Seats (1-100)"),
    "groups.field.absent_in_a_row": (
        "Opfølgning efter udeblivelser i træk (2-10)",
        "Follow up after absences in a row (2-10)",
    ),
    "groups.field.group": ("Gruppe", "Group"),
    "groups.field.episode": ("Forløbsnummer", "Episode number"),
    "groups.field.schedule": ("Mødeplan", "Schedule"),
    "groups.participant": ("Tilføj en person uden login", "Add someone without an account"),
    "groups.participant.intro": (
        "En pårørende, en medarbejder, en studerende eller en borger uden forløb. Navn og"
        " kontaktoplysninger gemmes kun med personens samtykke.",
        "A relative, a member of staff, a student or a citizen without an episode. Their name"
        " and contact details are kept only with their consent.",
    ),
    "groups.participant.name": ("Navn", "Name"),
    "groups.participant.kind": ("Personen er", "The person is"),
    "groups.participant.kind.citizen": ("Borger", "Citizen"),
    "groups.participant.kind.relative": ("Pårørende", "Relative"),
    "groups.participant.kind.staff": ("Medarbejder", "Staff"),
    "groups.participant.kind.student": ("Studerende", "Student"),
    "groups.participant.email": ("E-mail", "E-mail"),
    "groups.participant.phone": ("Telefon", "Phone"),
    "groups.participant.consent": (
        "Personen har givet samtykke til, at vi gemmer navn og kontaktoplysninger til gruppen",
        "The person agrees that we keep their name and contact details for the group",
    ),
    "groups.participant.submit": ("Tilføj personen", "Add the person"),
    "groups.no_peers": (
        "Organisationen har ingen aktive peer-medarbejdere.",
        "Your organisation has no active peer workers.",
    ),
    "notice.member_added": ("Borgeren er tilføjet gruppen.", "The citizen has been added."),
    "notice.member_removed": (
        "Borgeren er fjernet fra gruppen.",
        "The citizen has been removed from the group.",
    ),
    "notice.participant_added": ("Personen er tilføjet gruppen.", "The person has been added."),
    "notice.group_task_done": ("Opgaven er klaret.", "The task is done."),
}

# Refusal reasons of api/web/groups.py (the part after "field: ").
GROUP_REASONS: dict[str, tuple[str, str]] = {
    "no such peer group you may keep": (
        "gruppen findes ikke blandt dem, du har ansvar for",
        "no such peer group you may keep",
    ),
    "no such session of a group you facilitate": (
        "sessionen findes ikke i en gruppe, du leder",
        "no such session of a group you facilitate",
    ),
    "no such member you may remove": (
        "medlemmet findes ikke blandt dem, du må fjerne",
        "no such member you may remove",
    ),
    "no such open task of yours": (
        "opgaven findes ikke blandt dine åbne opgaver",
        "no such open task of yours",
    ),
    "a coordinator without an organisation keeps no peer groups": (
        "en koordinator uden organisation har ingen grupper",
        "a coordinator without an organisation keeps no peer groups",
    ),
    "choose the programme from the list": (
        "vælg programmet på listen",
        "choose the programme from the list",
    ),
    "choose the facilitating peer from the list": (
        "vælg gruppelederen på listen",
        "choose the facilitating peer from the list",
    ),
    "choose co-facilitators from the list, not the facilitator": (
        "vælg medledere på listen, ikke gruppelederen",
        "choose co-facilitators from the list, not the facilitator",
    ),
    "choose the municipality from the list": (
        "vælg kommunen på listen",
        "choose the municipality from the list",
    ),
    "write the place in at most 200 characters": (
        "skriv stedet med højst 200 tegn",
        "write the place in at most 200 characters",
    ),
    "write a whole number of seats from 1 to 100": (
        "skriv et helt antal pladser fra 1 til 100",
        "write a whole number of seats from 1 to 100",
    ),
    "write a whole number of sessions from 2 to 10": (
        "skriv et helt antal sessioner fra 2 til 10",
        "write a whole number of sessions from 2 to 10",
    ),
    "choose the group from the list": ("vælg gruppen på listen", "choose the group from the list"),
    "write the number of an episode you may see": (
        "skriv nummeret på et forløb, du har adgang til",
        "write the number of an episode you may see",
    ),
    "the group has no free seat": ("gruppen har ingen ledig plads", "the group has no free seat"),
    "the citizen is in the group already": (
        "borgeren er allerede med i gruppen",
        "the citizen is in the group already",
    ),
    "a group keeps its programme; create a new group": (
        "en gruppe beholder sit program; opret en ny gruppe",
        "a group keeps its programme; create a new group",
    ),
    "write the person's name, 1 to 200 characters": (
        "skriv personens navn med 1 til 200 tegn",
        "write the person's name, 1 to 200 characters",
    ),
    "choose from the list who the person is": (
        "vælg på listen, hvem personen er",
        "choose from the list who the person is",
    ),
    "write an e-mail address such as navn@example.dk": (
        "skriv en e-mailadresse som navn@example.dk",
        "write an e-mail address such as navn@example.dk",
    ),
    "write a phone number of 8 to 20 digits": (
        "skriv et telefonnummer med 8 til 20 cifre",
        "write a phone number of 8 to 20 digits",
    ),
    "tick the box when the person agrees": (
        "sæt kryds, når personen har givet samtykke",
        "tick the box when the person agrees",
    ),
    "the citizen has left the group already": (
        "borgeren har allerede forladt gruppen",
        "the citizen has left the group already",
    ),
}
