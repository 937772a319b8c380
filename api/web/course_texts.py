"""Page texts and refusal reasons of the course pages and the public enrolment page, Danish
and English (merged into labels.TEXTS and reason_texts.REASONS)."""

from __future__ import annotations

# key -> (Danish, English)
COURSE_TEXTS: dict[str, tuple[str, str]] = {
    "courses.nav": ("Kurser", "Courses"),
    "courses.title": ("Kurser", "Courses"),
    "courses.catalogue": ("Organisationens kurser", "Your organisation's courses"),
    "courses.catalogue.none": (
        "Organisationen har ingen kurser endnu.",
        "Your organisation has no courses yet.",
    ),
    "courses.terms": ("Hold", "Terms"),
    "courses.terms.none": ("Ingen hold endnu.", "No terms yet."),
    "courses.create": ("Opret et kursus", "Create a course"),
    "courses.create.submit": ("Opret kurset", "Create the course"),
    "courses.field.programme": ("Program", "Programme"),
    "courses.field.choose": ("Vælg …", "Choose …"),
    "courses.field.title": ("Titel (engelsk)", "Title (English)"),
    "courses.field.title_da": ("Titel (dansk)", "Title (Danish)"),
    "courses.field.description": ("Beskrivelse", "Description"),
    "courses.field.kinds": ("Hvem kan deltage", "Who may take part"),
    "courses.field.sessions_to_complete": (
        "Gange, man skal deltage for at gennemføre",
        "Sessions to attend to complete",
    ),
    "courses.kind.citizen": ("Borger", "Citizen"),
    "courses.kind.relative": ("Pårørende", "Relative"),
    "courses.kind.staff": ("Medarbejder", "Staff"),
    "courses.kind.student": ("Studerende", "Student"),
    "courses.course.title": ("Kursus", "Course"),
    "courses.edit": ("Ret kurset", "Change the course"),
    "courses.edit.submit": ("Gem ændringerne", "Save the changes"),
    "notice.course_changed": ("Kurset er ændret.", "The course has been changed."),
    "courses.back": ("Tilbage til kurser", "Back to courses"),
    "courses.term.create": ("Opret et hold", "Create a term"),
    "courses.term.create.submit": ("Opret holdet", "Create the term"),
    "courses.field.place": ("Sted", "Place"),
    "courses.field.seats": ("Pladser", "Seats"),
    "courses.field.sessions": (
        "Gange, én pr. linje (dato start-slut, fx 2027-02-03 17:00-19:00)",
        "Sessions, one a line (date start-end, such as 2027-02-03 17:00-19:00)",
    ),
    "courses.field.teachers": ("Underviser(e) (peer-medarbejdere)", "Teaching peers"),
    "courses.no_peers": (
        "Organisationen har ingen peer-medarbejdere.",
        "Your organisation has no peers.",
    ),
    "courses.term.title": ("Hold", "Term"),
    "courses.term.starts": ("Starter", "Starts"),
    "courses.term.status": ("Status", "Status"),
    "courses.term.seats_taken": ("Optagne pladser", "Seats taken"),
    "courses.term.seats_of": ("{taken} af {seats}", "{taken} of {seats}"),
    "courses.term.waiting": ("Venteliste", "Waiting list"),
    "courses.term.public_link": ("Offentlig tilmelding", "Public enrolment"),
    "courses.term.teachers": ("Undervisere", "Teaching peers"),
    "courses.term.sessions": ("Gange", "Sessions"),
    "courses.term.enrolled": ("Tilmeldte", "Enrolled"),
    "courses.term.enrolled.none": ("Ingen er tilmeldt.", "Nobody is enrolled."),
    "courses.term.waiting.none": ("Ingen på ventelisten.", "Nobody is waiting."),
    "courses.term.position": ("Nr.", "No."),
    "courses.term.name": ("Navn", "Name"),
    "courses.term.kind": ("Deltager", "Participant"),
    "courses.term.reach": ("Kontakt", "Contact"),
    "courses.term.open": ("Åbn holdet for tilmelding", "Open the term for enrolment"),
    "courses.term.cancel": ("Aflys holdet", "Cancel the term"),
    "courses.session.cancel": ("Aflys", "Cancel"),
    "courses.session.when": ("Tidspunkt", "When"),
    "courses.status.planned": ("Planlagt", "Planned"),
    "courses.status.open": ("Åben for tilmelding", "Open for enrolment"),
    "courses.status.closed": ("Afsluttet", "Over"),
    "courses.status.cancelled": ("Aflyst", "Cancelled"),
    "courses.status.held": ("Holdt", "Held"),
    "courses.status.enrolled": ("Tilmeldt", "Enrolled"),
    "courses.status.completed": ("Gennemført", "Completed"),
    "courses.teaching.nav": ("Mine hold", "My courses"),
    "courses.teaching.title": ("Hold, du underviser", "Terms you teach"),
    "courses.teaching.none": ("Du underviser ingen hold.", "You teach no terms."),
    "courses.teaching.ahead": ("Kommende", "Coming up"),
    "courses.teaching.record": ("Registrér fremmøde", "Record attendance"),
    "courses.teaching.recorded": ("Registreret (ret)", "Recorded (change)"),
    "courses.attendance.title": ("Fremmøde", "Attendance"),
    "courses.attendance.back": ("Tilbage til mine hold", "Back to my courses"),
    "courses.attendance.intro": (
        "Sig for hver deltager, om de kom.",
        "Say for every participant whether they came.",
    ),
    "courses.attendance.present": ("Kom", "Came"),
    "courses.attendance.absent": ("Kom ikke", "Did not come"),
    "courses.attendance.submit": ("Gem fremmødet", "Save the attendance"),
    "courses.attendance.nobody": ("Ingen er tilmeldt holdet.", "Nobody is enrolled in the term."),
    "courses.attendance.not_begun": (
        "Gangen er ikke begyndt endnu. Registrér fremmødet bagefter.",
        "The session has not begun yet. Record the attendance afterwards.",
    ),
    "courses.enrol.from_episode": ("Tilmeld borgeren et kursus", "Enrol the citizen in a course"),
    "courses.enrol.nav": ("Tilmeld kursus", "Enrol in a course"),
    "courses.enrol.title": ("Tilmeld til et kursus", "Enrol someone in a course"),
    "courses.enrol.intro": (
        "Tilmeld en borger fra et forløb, du har adgang til, eller en pårørende. Personen skal"
        " have givet samtykke.",
        "Enrol a citizen from an episode you may see, or a relative. The person must have"
        " given their consent.",
    ),
    "courses.enrol.term": ("Hold", "Term"),
    "courses.enrol.episode": (
        "Forløbsnummer (kun for en borger)",
        "Episode number (for a citizen only)",
    ),
    "courses.enrol.consent": (
        "Personen har givet samtykke til det, der står ovenfor",
        "The person has consented to what is written above",
    ),
    "courses.enrol.submit": ("Tilmeld", "Enrol"),
    "courses.enrol.none": ("Ingen hold er åbne for tilmelding.", "No term is open for enrolment."),
    "enrol.title": ("Tilmelding", "Enrolment"),
    "enrol.when": ("Hvornår", "When"),
    "enrol.where": ("Hvor", "Where"),
    "enrol.seats_left": ("Ledige pladser: {count}", "Seats left: {count}"),
    "enrol.full": (
        "Holdet er fuldt. Tilmelder du dig, kommer du på ventelisten.",
        "The term is full. If you enrol, you join the waiting list.",
    ),
    "enrol.form": ("Tilmeld dig", "Enrol"),
    "enrol.name": ("Navn", "Name"),
    "enrol.email": ("E-mail", "E-mail"),
    "enrol.phone": ("Telefon", "Phone"),
    "enrol.contact_hint": (
        "Skriv din e-mail eller dit telefonnummer (mindst én af dem), så vi kan minde dig om"
        " hver gang.",
        "Write your e-mail or your phone number (at least one) so we can remind you of each"
        " session.",
    ),
    "enrol.kind": ("Jeg deltager som", "I take part as"),
    "enrol.consent_title": ("Samtykke", "Consent"),
    "enrol.consent_text": (
        "Vi gemmer dit navn, din e-mail og dit telefonnummer, og om du kommer til hver gang."
        " Kun kursets undervisere og koordinatorer ser det, og vi bruger det kun til at minde"
        " dig om holdets gange og fortælle dig om aflysninger. Du kan til enhver tid trække"
        " samtykket tilbage ved at kontakte kursets koordinator; så sletter vi oplysningerne.",
        "We store your name, your e-mail and your phone number, and whether you come to each"
        " session. Only the course's teachers and coordinators see it, and we use it only to"
        " remind you of the term's sessions and tell you of cancellations. You may withdraw"
        " your consent at any time by contacting the course's coordinator; we then delete the"
        " details.",
    ),
    "enrol.consent": (
        "Jeg giver samtykke til det, der står ovenfor",
        "I consent to what is written above",
    ),
    "enrol.submit": ("Tilmeld mig", "Enrol me"),
    "enrol.seat": (
        "Du har en plads på holdet. Vi minder dig om hver gang.",
        "You have a seat. We will remind you of each session.",
    ),
    "enrol.waiting": (
        "Du er nummer {position} på ventelisten. Vi giver dig besked, hvis du får en plads.",
        "You are number {position} on the waiting list. We will tell you if you get a seat.",
    ),
    "notice.course_created": ("Kurset er oprettet.", "The course has been created."),
    "notice.term_created": ("Holdet er oprettet.", "The term has been created."),
    "notice.term_opened": ("Holdet er åbent for tilmelding.", "The term is open for enrolment."),
    "notice.term_cancelled": ("Holdet er aflyst.", "The term has been cancelled."),
    "notice.session_cancelled": (
        "Gangen er aflyst, og de tilmeldte får besked.",
        "The session has been cancelled, and everyone enrolled is told.",
    ),
    "notice.course_attendance_recorded": ("Fremmødet er gemt.", "The attendance has been saved."),
    "notice.course_seat": ("Personen har fået en plads.", "The person has a seat."),
    "notice.course_waiting": (
        "Holdet er fuldt; personen er på ventelisten.",
        "The term is full; the person is on the waiting list.",
    ),
    "field.programme": ("Program", "Programme"),
    "field.title": ("Titel (engelsk)", "Title (English)"),
    "field.title_da": ("Titel (dansk)", "Title (Danish)"),
    "field.participant_kinds": ("Hvem kan deltage", "Who may take part"),
    "field.sessions_to_complete": ("Gange for at gennemføre", "Sessions to complete"),
    "field.place": ("Sted", "Place"),
    "field.seats": ("Pladser", "Seats"),
    "field.sessions": ("Gange", "Sessions"),
    "field.teachers": ("Undervisere", "Teaching peers"),
    "field.consent": ("Samtykke", "Consent"),
    "field.term_id": ("Hold", "Term"),
}

# English reason (as produced) -> (Danish, English)
COURSE_REASONS: dict[str, tuple[str, str]] = {
    "no such course of your organisation": (
        "kurset findes ikke i din organisation",
        "no such course of your organisation",
    ),
    "no such course term of your organisation": (
        "holdet findes ikke i din organisation",
        "no such course term of your organisation",
    ),
    "no such session of a term you teach": (
        "gangen findes ikke på et hold, du underviser",
        "no such session of a term you teach",
    ),
    "no such session of this term": (
        "gangen findes ikke på dette hold",
        "no such session of this term",
    ),
    "no such course term takes enrolments": (
        "holdet findes ikke eller tager ikke imod tilmeldinger",
        "no such course term takes enrolments",
    ),
    "a coordinator without an organisation keeps no courses": (
        "en koordinator uden organisation har ingen kurser",
        "a coordinator without an organisation keeps no courses",
    ),
    "too many enrolments from here; wait a while and try again": (
        "for mange tilmeldinger herfra; vent lidt, og prøv igen",
        "too many enrolments from here; wait a while and try again",
    ),
    "choose a course programme from the list": (
        "vælg et kursusprogram på listen",
        "choose a course programme from the list",
    ),
    "write a title of 1 to 200 characters": (
        "skriv en titel på 1 til 200 tegn",
        "write a title of 1 to 200 characters",
    ),
    "write at most 4000 characters": ("skriv højst 4000 tegn", "write at most 4000 characters"),
    "choose at least one kind of participant": (
        "vælg mindst én slags deltager",
        "choose at least one kind of participant",
    ),
    "write a whole number of sessions from 1 to 100": (
        "skriv et helt antal gange fra 1 til 100",
        "write a whole number of sessions from 1 to 100",
    ),
    "the course is no longer offered": (
        "kurset udbydes ikke længere",
        "the course is no longer offered",
    ),
    "write a place of 1 to 200 characters": (
        "skriv et sted på 1 til 200 tegn",
        "write a place of 1 to 200 characters",
    ),
    "write a whole number of seats from 1 to 500": (
        "skriv et helt antal pladser fra 1 til 500",
        "write a whole number of seats from 1 to 500",
    ),
    "write one session a line, such as 2027-02-03 17:00-19:00": (
        "skriv én gang pr. linje, fx 2027-02-03 17:00-19:00",
        "write one session a line, such as 2027-02-03 17:00-19:00",
    ),
    "list the sessions in order, each at its own time": (
        "skriv gangene i rækkefølge, hver på sit eget tidspunkt",
        "list the sessions in order, each at its own time",
    ),
    "choose one to ten teaching peers from the list": (
        "vælg én til ti undervisere på listen",
        "choose one to ten teaching peers from the list",
    ),
    "only a planned term can be opened": (
        "kun et planlagt hold kan åbnes",
        "only a planned term can be opened",
    ),
    "the term is over or cancelled already": (
        "holdet er afsluttet eller allerede aflyst",
        "the term is over or cancelled already",
    ),
    "only a planned session can be cancelled": (
        "kun en planlagt gang kan aflyses",
        "only a planned session can be cancelled",
    ),
    "the session was cancelled": ("gangen blev aflyst", "the session was cancelled"),
    "the session has not begun; record who came after it": (
        "gangen er ikke begyndt; registrér fremmødet bagefter",
        "the session has not begun; record who came after it",
    ),
    "say for every participant whether they came": (
        "sig for hver deltager, om de kom",
        "say for every participant whether they came",
    ),
    "write a name of 1 to 200 characters": (
        "skriv et navn på 1 til 200 tegn",
        "write a name of 1 to 200 characters",
    ),
    "write an e-mail address such as navn@eksempel.dk": (
        "skriv en e-mailadresse som navn@eksempel.dk",
        "write an e-mail address such as navn@eksempel.dk",
    ),
    "write a phone number of 8 to 20 digits": (
        "skriv et telefonnummer på 8 til 20 cifre",
        "write a phone number of 8 to 20 digits",
    ),
    "an e-mail address or a phone number is needed": (
        "skriv en e-mailadresse eller et telefonnummer",
        "an e-mail address or a phone number is needed",
    ),
    "choose one of the kinds of participant this course takes": (
        "vælg en af de slags deltagere, kurset tager imod",
        "choose one of the kinds of participant this course takes",
    ),
    "only the citizen is enrolled from their episode": (
        "kun borgeren selv tilmeldes fra sit forløb",
        "only the citizen is enrolled from their episode",
    ),
    "tick the box to give your consent": (
        "sæt kryds for at give samtykke",
        "tick the box to give your consent",
    ),
    "the form is incomplete; open it again": (
        "formularen er ufuldstændig; åbn den igen",
        "the form is incomplete; open it again",
    ),
    "the term takes no enrolments": (
        "holdet tager ikke imod tilmeldinger",
        "the term takes no enrolments",
    ),
    "the enrolment was refused": ("tilmeldingen blev afvist", "the enrolment was refused"),
    "choose an open term from the list": (
        "vælg et åbent hold på listen",
        "choose an open term from the list",
    ),
}
