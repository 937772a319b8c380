"""Page texts for the peer pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
PEER_TEXTS: dict[str, tuple[str, str]] = {
    # The offer card: what matters for deciding, never who the citizen is.
    "peer.offer.facts": ("Om tilbuddet", "About the offer"),
    "peer.offer.anonymous": (
        "Borgerens navn og kontaktoplysninger vises, når du har taget imod.",
        "You see the citizen's name and how to reach them once you accept.",
    ),
    "peer.offer.languages": ("Borgerens sprog", "The citizen's languages"),
    "peer.offer.discharge": ("Udskrivning", "Discharge"),
    "peer.offer.planned": ("Planlagt til {day}", "Planned for {day}"),
    "peer.offer.not_planned": ("Ikke planlagt endnu", "Not planned yet"),
    "peer.offer.discharged": ("Udskrevet {when}", "Discharged {when}"),
    "peer.offer.first_meeting": ("Første møde før udskrivning", "First meeting before discharge"),
    "peer.offer.meeting_by": (
        "Ja, på afdelingen inden udskrivningen den {day}",
        "Yes, on the ward before the discharge on {day}",
    ),
    "peer.offer.meeting_yes": (
        "Ja, på afdelingen inden udskrivningen (datoen er ikke planlagt endnu)",
        "Yes, on the ward before the discharge (the date is not planned yet)",
    ),
    "peer.offer.meeting_no": (
        "Nej: første kontakt senest {hours} timer efter udskrivningen",
        "No: first contact within {hours} hours of the discharge",
    ),
    # The first meeting or first contact: hope, network and the citizen's first goals.
    "peer.first.legend": ("Håb og netværk ved start", "Hope and network at the start"),
    "peer.hope": ("Håb (1-10)", "Hope (1-10)"),
    "peer.hope.hint": (
        "Borgerens egen vurdering: 1 = intet håb om, at det bliver bedre, 10 = fuldt håb. "
        "Spørg: »Hvor meget håb har du for din fremtid lige nu?«",
        "The citizen's own rating: 1 = no hope that things will get better, 10 = full hope. "
        "Ask: “How much hope do you have for your future right now?”",
    ),
    "peer.network": ("Netværk (antal personer)", "Network (number of people)"),
    "peer.network.hint": (
        "Hvor mange personer borgeren har jævnlig kontakt med og kan regne med: familie, "
        "venner, naboer, kolleger (0-100).",
        "How many people the citizen is in regular touch with and can count on: family, "
        "friends, neighbours, colleagues (0-100).",
    ),
    "peer.first.goals": (
        "Op til tre mål med borgerens egne ord (valgfrit)",
        "Up to three goals in the citizen's own words (optional)",
    ),
    "peer.goal.area_n": ("Område for mål {n}", "Area of goal {n}"),
    "peer.goal.text_n": ("Mål {n} med borgerens ord", "Goal {n} in the citizen's words"),
    # A follow-up: a short review of each active goal.
    "peer.review.legend": ("Gennemgang af målene", "Review of the goals"),
    "peer.review.hint": (
        "Gå hvert aktivt mål igennem sammen med borgeren.",
        "Go through each active goal with the citizen.",
    ),
    "peer.review.goal": ("Mål: {goal}", "Goal: {goal}"),
    "peer.review.progress": ("Fremskridt: {goal}", "Progress: {goal}"),
    "peer.review.choose": ("Vælg …", "Choose …"),
    "peer.review.relevant": ("Stadig relevant: {goal}", "Still relevant: {goal}"),
    "peer.review.reached": ("Nået: {goal}", "Reached: {goal}"),
    "peer.review.none": (
        "Borgeren har ingen aktive mål. Afslut opfølgningen med en note.",
        "The citizen has no active goals. Complete the follow-up with a note.",
    ),
    "peer.progress.none": ("Intet fremskridt", "No progress"),
    "peer.progress.some": ("Noget fremskridt", "Some progress"),
    "peer.progress.much": ("Meget fremskridt", "Much progress"),
    # The outcome questionnaire.
    "peer.outcome.start_hint": (
        "Der blev ikke målt ved første kontakt: spørg borgeren, hvordan det var ved start.",
        "Nothing was measured at the first contact: ask the citizen how it was at the start.",
    ),
    "peer.outcome.closing_note": (
        "Dine afsluttende ord (til opsummeringen, valgfrit)",
        "Your closing words (for the summary, optional)",
    ),
    # The peer's section of the episode page.
    "peer.section": ("Dit arbejde med borgeren", "Your work with the citizen"),
    "peer.goals.title": ("Borgerens mål", "The citizen's goals"),
    "peer.goals.area": ("Område", "Area"),
    "peer.goals.text": ("Mål med borgerens ord", "Goal in the citizen's words"),
    "peer.goals.status": ("Status", "Status"),
    "peer.goals.progress": ("Seneste fremskridt", "Last progress"),
    "peer.goals.none": ("Borgeren har ingen mål endnu.", "The citizen has no goals yet."),
    "peer.goals.add": ("Tilføj et mål", "Add a goal"),
    "peer.goals.new_area": ("Område for det nye mål", "Area of the new goal"),
    "peer.goals.new_text": ("Det nye mål med borgerens ord", "The new goal in the citizen's words"),
    "peer.goals.change": ("Ændr eller drop: {goal}", "Change or drop: {goal}"),
    "peer.goals.reword": ("Omformulér", "Reword"),
    "peer.goals.reword_area": ("Område: {goal}", "Area: {goal}"),
    "peer.goals.reword_text": ("Ny formulering: {goal}", "New wording: {goal}"),
    "peer.goals.save": ("Gem ændringen", "Save the change"),
    "peer.goals.drop": ("Drop målet", "Drop the goal"),
    "peer.goals.drop_reason": ("Hvorfor (valgfrit): {goal}", "Why (optional): {goal}"),
    "peer.goal_status.active": ("Aktivt", "Active"),
    "peer.goal_status.reached": ("Nået", "Reached"),
    "peer.goal_status.dropped": ("Droppet", "Dropped"),
    "peer.area.municipal_services": ("Kommunale tilbud", "Municipal services"),
    "peer.area.job": ("Job", "Job"),
    "peer.area.education": ("Uddannelse", "Education"),
    "peer.area.network": ("Netværk", "Network"),
    "peer.area.other": ("Andet", "Other"),
    # Job, education and network steps.
    "peer.step.title": ("Meld et skridt", "Report a step"),
    "peer.step.hint": (
        "Et skridt mod job, uddannelse eller netværk, som borgeren har taget.",
        "A step towards a job, education or a network that the citizen has taken.",
    ),
    "peer.step.what": ("Hvilket skridt", "Which step"),
    "peer.step.choose": ("Vælg et skridt …", "Choose a step …"),
    "peer.step.send": ("Meld skridtet", "Report the step"),
    "peer.step.kind.job_step": ("Job", "Job"),
    "peer.step.kind.education_step": ("Uddannelse", "Education"),
    "peer.step.kind.network_activity": ("Netværk", "Network"),
    "peer.step.application_sent": ("Ansøgning sendt", "Application sent"),
    "peer.step.interview": ("Til jobsamtale", "Job interview"),
    "peer.step.internship": ("Praktik startet", "Internship started"),
    "peer.step.job_started": ("Job startet", "Job started"),
    "peer.step.enrolled": ("Optaget på en uddannelse", "Enrolled in education"),
    "peer.step.course_started": ("Kursus eller uddannelse startet", "Course or education started"),
    "peer.step.exam_passed": ("Eksamen bestået", "Exam passed"),
    "peer.step.activity_joined": ("Deltog i en aktivitet", "Joined an activity"),
    "peer.step.new_contact": ("Fik en ny kontakt", "Made a new contact"),
    "peer.steps.done": ("Skridt indtil nu", "Steps so far"),
    # Asking to close the episode.
    "peer.close.title": ("Bed om at afslutte forløbet", "Ask to close the episode"),
    "peer.close.hint": (
        "Forløbet går videre til afslutning: det afsluttende spørgeskema og en debriefing.",
        "The episode moves on to closing: the outcome questionnaire and a debrief.",
    ),
    "peer.close.reason": ("Begrundelse", "Reason"),
    "peer.close.confirm": (
        "Jeg bekræfter, at forløbet skal afsluttes",
        "I confirm that the episode should be closed",
    ),
    "peer.close.send": ("Bed om afslutning", "Ask to close"),
    # The peer's own notes.
    "peer.notes.title": ("Dine egne noter i forløbet", "Your own notes in this episode"),
    "peer.notes.none": ("Du har ikke skrevet noter i forløbet.", "You have written no notes here."),
    # After a form.
    "notice.goal_added": ("Målet er tilføjet.", "The goal has been added."),
    "notice.goal_changed": ("Målet er ændret.", "The goal has been changed."),
    "notice.goal_dropped": ("Målet er droppet.", "The goal has been dropped."),
    "notice.step": ("Skridtet er registreret.", "The step has been recorded."),
    "notice.close_requested": (
        "Forløbet går nu til afslutning.",
        "The episode is now moving on to closing.",
    ),
}
