"""Page texts and refusal reasons of the coordinators' roster pages, Danish and English
(merged into labels.TEXTS and reason_texts.REASONS)."""

from __future__ import annotations

# key -> (Danish, English)
ROSTER_TEXTS: dict[str, tuple[str, str]] = {
    "roster.title": ("Peer-medarbejdere", "Peer roster"),
    "roster.nav": ("Peer-medarbejdere", "Peer roster"),
    "roster.link": (
        "Tilføj, ret og deaktivér peer-medarbejdere, fravær og uddannelse",
        "Add, edit and deactivate peer guides, absences and training",
    ),
    "roster.filter": ("Vis", "Show"),
    "roster.filter.status": ("Status", "Status"),
    "roster.filter.active": ("Aktive", "Active"),
    "roster.filter.deactivated": ("Deaktiverede", "Deactivated"),
    "roster.filter.all": ("Alle", "All"),
    "roster.filter.programme": ("Program", "Programme"),
    "roster.filter.any_programme": ("Alle programmer", "All programmes"),
    "roster.filter.submit": ("Vis", "Show"),
    "roster.none": ("Ingen peer-medarbejdere at vise.", "No peer guides to show."),
    "roster.peer": ("Peer-medarbejder", "Peer guide"),
    "roster.load": ("Forløb / kapacitet", "Episodes / capacity"),
    "roster.over_capacity": ("over kapacitet", "over capacity"),
    "roster.programmes": ("Programmer og status", "Programmes and standing"),
    "roster.municipalities": ("Kommuner", "Municipalities"),
    "roster.languages": ("Sprog", "Languages"),
    "roster.absence": ("Fravær", "Absence"),
    "roster.absence.now": (
        "Fraværende {starts} til {ends} ({kind})",
        "Away {starts} to {ends} ({kind})",
    ),
    "roster.absence.next": (
        "Næste: {starts} til {ends} ({kind})",
        "Next: {starts} to {ends} ({kind})",
    ),
    "roster.deactivated": ("deaktiveret", "deactivated"),
    # A programme's standing in words.
    "roster.standing.may_not_carry": (
        "må ikke varetage programmet (ansættelsesform eller organisation)",
        "may not carry it (employment form or organisation)",
    ),
    "roster.standing.untrained": ("ingen gyldig uddannelse", "not trained"),
    "roster.standing.lapsed": ("uddannelsen udløb {date}", "training lapsed {date}"),
    "roster.standing.lapsing": (
        "uddannet til {date} · udløber om {days} dage",
        "trained until {date} · lapses in {days} days",
    ),
    "roster.standing.trained": ("uddannet til {date}", "trained until {date}"),
    "roster.standing.absent": ("fraværende", "absent"),
    "roster.standing.title": ("Status pr. program i dag", "Standing per programme today"),
    "roster.standing.programme": ("Program", "Programme"),
    "roster.standing.may_carry": ("Må varetage", "May carry"),
    "roster.standing.trained_until": ("Uddannet til", "Trained until"),
    "roster.standing.absent_now": ("Fraværende", "Absent"),
    "roster.standing.offered": ("Får tilbud nu", "Offered now"),
    "roster.standing.none": (
        "Peer-medarbejderen er ikke tilknyttet noget aktivt program.",
        "The peer guide serves no active programme.",
    ),
    "roster.standing.lapsed_short": ("udløbet", "lapsed"),
    "roster.standing.lapsing_short": ("udløber om {days} dage", "lapses in {days} days"),
    # The peer's details form (add and edit).
    "roster.add": ("Tilføj en peer-medarbejder", "Add a peer guide"),
    "roster.add.submit": ("Tilføj peer-medarbejderen", "Add the peer guide"),
    "roster.add.hint": (
        "Peer-medarbejderen får en bruger med rollen peer-medarbejder i din organisation.",
        "The peer guide gets a user with the peer guide role in your organisation.",
    ),
    "roster.edit": ("Ret oplysninger", "Edit details"),
    "roster.edit.submit": ("Gem ændringerne", "Save the changes"),
    "roster.field.display_name": ("Navn", "Name"),
    "roster.field.email": ("E-mail", "E-mail"),
    "roster.field.phone": ("Telefon", "Phone"),
    "roster.field.contact_hint": (
        "Mindst én af e-mail og telefon, så peer-medarbejderen kan få tilbud.",
        "At least one of e-mail and phone, so the peer guide can be sent offers.",
    ),
    "roster.field.employment": ("Ansættelsesform", "Employment form"),
    "roster.field.capacity": (
        "Kapacitet (forløb ad gangen, 0-50)",
        "Capacity (episodes at a time, 0-50)",
    ),
    "roster.field.capacity_hint": (
        "Kapaciteten må godt sættes under det antal forløb, peer-medarbejderen har nu: "
        "forløbene beholdes, men der kommer ingen nye tilbud, før der er plads.",
        "Capacity may be set below the episodes the peer guide has now: they keep them, "
        "but get no new offers until there is room.",
    ),
    "roster.field.programmes": ("Programmer", "Programmes"),
    "roster.field.municipalities": ("Kommuner", "Municipalities"),
    "roster.field.municipalities_hint": (
        "Hold Ctrl (Cmd på Mac) nede for at vælge flere.",
        "Hold Ctrl (Cmd on a Mac) to choose several.",
    ),
    "roster.field.languages": ("Sprog (ISO 639-1-koder)", "Languages (ISO 639-1 codes)"),
    "roster.field.languages_hint": (
        "Tobogstavskoder adskilt af komma, for eksempel da, en, ar.",
        "Two-letter codes separated by commas, for example da, en, ar.",
    ),
    "roster.field.available": (
        "Tilgængelig for nye forløb",
        "Available for new episodes",
    ),
    # Absences.
    "roster.absences": ("Fravær", "Absences"),
    "roster.absences.none": ("Intet fravær i dag eller fremover.", "No absence now or to come."),
    "roster.absences.hint": (
        "En fraværende peer-medarbejder får ingen tilbud. Fravær, der ikke er begyndt, kan "
        "fjernes; begyndt fravær er historik.",
        "An absent peer guide is offered nothing. An absence that has not begun can be "
        "removed; one under way is history.",
    ),
    "roster.absence.starts_on": ("Første dag", "First day"),
    "roster.absence.ends_on": ("Sidste dag", "Last day"),
    "roster.absence.kind": ("Slags", "Kind"),
    "roster.absence.add": ("Registrér fravær", "Record an absence"),
    "roster.absence.remove": ("Fjern", "Remove"),
    "roster.absence.remove_label": (
        "Fjern fraværet {starts} til {ends}",
        "Remove the absence {starts} to {ends}",
    ),
    "roster.absence.under_way": ("i gang", "under way"),
    # Training.
    "roster.trainings": ("Uddannelse", "Training"),
    "roster.trainings.none": ("Ingen uddannelse registreret.", "No training recorded."),
    "roster.training.course": ("Kursus", "Course"),
    "roster.training.completed_on": ("Gennemført", "Completed on"),
    "roster.training.trained_by": (
        "Undervist af (underviser eller institution)",
        "Trained by (trainer or institution)",
    ),
    "roster.training.add": ("Registrér uddannelse", "Record training"),
    # Active or not.
    "roster.status": ("Aktiv eller deaktiveret", "Active or deactivated"),
    "roster.status.active": (
        "Peer-medarbejderen er aktiv.",
        "The peer guide is active.",
    ),
    "roster.status.inactive": (
        "Peer-medarbejderen er deaktiveret: kan ikke logge ind og får ingen tilbud. "
        "Historikken er bevaret.",
        "The peer guide is deactivated: cannot log in and is offered nothing. "
        "Their history is kept.",
    ),
    "roster.status.hint": (
        "En peer-medarbejder med åbne forløb kan først deaktiveres, når forløbene er givet videre.",
        "A peer guide with open episodes can be deactivated only once they are handed over.",
    ),
    "roster.deactivate": ("Deaktivér peer-medarbejderen", "Deactivate the peer guide"),
    "roster.reactivate": ("Genaktivér peer-medarbejderen", "Reactivate the peer guide"),
    "roster.open_episodes": (
        "Giv disse forløb videre først",
        "Hand these episodes over first",
    ),
    "roster.hand_over": ("Giv videre", "Hand over"),
    "roster.back": ("Tilbage til peer-medarbejderne", "Back to the peer roster"),
    "roster.facts.status": ("Status", "Status"),
    "roster.facts.active": ("Aktiv", "Active"),
    "roster.facts.inactive": ("Deaktiveret", "Deactivated"),
    "roster.facts.load": ("Forløb nu / kapacitet", "Episodes now / capacity"),
    "roster.facts.full": (
        "Fuld: får ingen nye tilbud, før der er plads.",
        "Full: no new offers until there is room.",
    ),
    # After a change.
    "notice.peer_added": ("Peer-medarbejderen er tilføjet.", "The peer guide has been added."),
    "notice.peer_changed": ("Ændringerne er gemt.", "The changes have been saved."),
    "notice.peer_deactivated": (
        "Peer-medarbejderen er deaktiveret.",
        "The peer guide has been deactivated.",
    ),
    "notice.peer_reactivated": (
        "Peer-medarbejderen er aktiv igen.",
        "The peer guide is active again.",
    ),
    "notice.absence_added": ("Fraværet er registreret.", "The absence has been recorded."),
    "notice.absence_removed": ("Fraværet er fjernet.", "The absence has been removed."),
    "notice.training_added": ("Uddannelsen er registreret.", "The training has been recorded."),
    # Fields as a refusal names them.
    "field.display_name": ("Navn", "Name"),
    "field.email": ("E-mail", "E-mail"),
    "field.capacity": ("Kapacitet", "Capacity"),
    "field.employment": ("Ansættelsesform", "Employment form"),
    "field.programmes": ("Programmer", "Programmes"),
    "field.municipalities": ("Kommuner", "Municipalities"),
    "field.starts_on": ("Første dag", "First day"),
    "field.ends_on": ("Sidste dag", "Last day"),
    "field.completed_on": ("Gennemført", "Completed on"),
    "field.trained_by": ("Undervist af", "Trained by"),
}

# The reasons the roster pages (and the schemas they validate with) give -> (Danish, English)
ROSTER_REASONS: dict[str, tuple[str, str]] = {
    "no such peer for you": (
        "peer-medarbejderen findes ikke, eller hører ikke til din organisation",
        "no such peer for you",
    ),
    "no such absence for you": (
        "fraværet findes ikke, eller hører ikke til din organisation",
        "no such absence for you",
    ),
    "a coordinator without an organisation keeps no roster": (
        "en koordinator uden organisation har ingen peer-medarbejdere",
        "a coordinator without an organisation keeps no roster",
    ),
    "write an e-mail address such as name@example.org": (
        "skriv en e-mailadresse som navn@eksempel.dk",
        "write an e-mail address such as name@example.org",
    ),
    "write a phone number: 8 to 16 digits, spaces and a leading + allowed": (
        "skriv et telefonnummer: 8 til 16 cifre, mellemrum og + forrest er tilladt",
        "write a phone number: 8 to 16 digits, spaces and a leading + allowed",
    ),
    "give an e-mail address or a phone number": (
        "skriv en e-mailadresse eller et telefonnummer",
        "give an e-mail address or a phone number",
    ),
    "use two-letter ISO 639-1 language codes, such as da, en, ar": (
        "brug sprogkoder på to bogstaver efter ISO 639-1, for eksempel da, en, ar",
        "use two-letter ISO 639-1 language codes, such as da, en, ar",
    ),
    "write at least one language code": (
        "skriv mindst én sprogkode",
        "write at least one language code",
    ),
    "choose programmes from the list": (
        "vælg programmer fra listen",
        "choose programmes from the list",
    ),
    "choose municipalities from the list": (
        "vælg kommuner fra listen",
        "choose municipalities from the list",
    ),
    "choose a course from the list": ("vælg et kursus fra listen", "choose a course from the list"),
    "the absence has already ended": ("fraværet er allerede slut", "the absence has already ended"),
    "an absence starts at most two years ahead": (
        "fravær kan højst begynde to år frem",
        "an absence starts at most two years ahead",
    ),
    "the absence has begun or is over; only one that has not begun can be removed": (
        "fraværet er begyndt eller slut; kun fravær, der ikke er begyndt, kan fjernes",
        "the absence has begun or is over; only one that has not begun can be removed",
    ),
    "this course is already recorded on that date": (
        "kurset er allerede registreret på den dato",
        "this course is already recorded on that date",
    ),
    "the peer still carries open episodes; hand them over first": (
        "peer-medarbejderen har stadig åbne forløb; giv dem videre først",
        "the peer still carries open episodes; hand them over first",
    ),
    # schemas/roster.py's validators.
    "the absence ends before it starts": (
        "fraværet slutter, før det begynder",
        "the absence ends before it starts",
    ),
    "an absence is at most a year; deactivate the peer instead": (
        "fravær varer højst et år; deaktivér i stedet peer-medarbejderen",
        "an absence is at most a year; deactivate the peer instead",
    ),
    "a course cannot be completed in the future": (
        "et kursus kan ikke være gennemført i fremtiden",
        "a course cannot be completed in the future",
    ),
    "too long ago to be a real date": (
        "for længe siden til at være en rigtig dato",
        "too long ago to be a real date",
    ),
}
