"""Page texts for the closing summary page, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
SUMMARY_TEXTS: dict[str, tuple[str, str]] = {
    "summary.title": ("Afslutningsoversigt", "Closing summary"),
    "summary.open": ("Afslutningsoversigt", "Closing summary"),
    "summary.scope.caseworker": (
        "Du ser det, borgerens samtykke dækker for {service}: forløbets datoer og "
        "opfølgninger, målene og milepælene på dit område, de indsatser, I har startet, "
        "forandringen i håb og netværk og peer-medarbejderens afsluttende ord.",
        "You see what the citizen's consent covers for {service}: the episode's dates and "
        "follow-ups, the goals and milestones in your area, the services you started, the "
        "change in hope and network and the peer guide's closing words.",
    ),
    "summary.scope.coordinator": (
        "Hele oversigten: alle områders mål og milepæle og alle startede indsatser.",
        "The whole summary: the goals and milestones of every area and every service started.",
    ),
    "summary.print_hint": (
        "Oversigten kan udskrives med browserens udskriftsfunktion (Ctrl+P).",
        "The summary can be printed with the browser's print function (Ctrl+P).",
    ),
    "summary.still_closing": (
        "Forløbet er ved at blive afsluttet; oversigten kan stadig ændre sig.",
        "The episode is still closing; the summary may still change.",
    ),
    # The facts.
    "summary.facts": ("Forløbet", "The episode"),
    "summary.citizen": ("Borger", "Citizen"),
    "summary.cpr": ("CPR-nummer", "CPR number"),
    "summary.referred": ("Henvist", "Referred"),
    "summary.discharged": ("Udskrevet", "Discharged"),
    "summary.closed": ("Afsluttet", "Closed"),
    "summary.not_yet": ("Endnu ikke", "Not yet"),
    "summary.follow_ups": ("Opfølgninger udført / planlagt", "Follow-ups done / planned"),
    # The change.
    "summary.change": ("Forandring fra start til slut", "Change from start to end"),
    "summary.measure": ("Måling", "Measure"),
    "summary.start": ("Ved start", "At the start"),
    "summary.end": ("Ved afslutning", "At the end"),
    "summary.hope": ("Håb (1-10)", "Hope (1-10)"),
    "summary.network": ("Netværk (antal personer)", "Network (people)"),
    "summary.not_measured": ("Ikke målt", "Not measured"),
    "summary.job_or_education": (
        "Job eller uddannelse ved afslutning",
        "Job or education at closing",
    ),
    # Goals.
    "summary.goals.caseworker": ("Borgerens mål på dit område", "The citizen's goals in your area"),
    "summary.goals.coordinator": ("Borgerens mål", "The citizen's goals"),
    "summary.goal": ("Mål med borgerens egne ord", "Goal in the citizen's own words"),
    "summary.area": ("Område", "Area"),
    "summary.goal_status": ("Status", "Status"),
    "summary.no_goals": ("Ingen mål på dette område.", "No goals in this area."),
    "summary.goal_status.active": ("Arbejdes der stadig med", "Still being worked on"),
    "summary.goal_status.reached": ("Nået", "Reached"),
    "summary.goal_status.dropped": ("Opgivet", "Dropped"),
    "summary.area.municipal_services": ("Kommunale tilbud", "Municipal services"),
    "summary.area.job": ("Job", "Job"),
    "summary.area.education": ("Uddannelse", "Education"),
    "summary.area.network": ("Netværk", "Network"),
    "summary.area.other": ("Andet", "Other"),
    # Milestones.
    "summary.milestones": ("Milepæle", "Milestones"),
    "summary.milestone": ("Milepæl", "Milestone"),
    "summary.detail": ("Tilbud eller skridt", "Offer or step"),
    "summary.reached_at": ("Nået", "Reached"),
    "summary.no_milestones": ("Ingen milepæle.", "No milestones."),
    "summary.milestone.municipal_service": ("Kommunalt tilbud", "Municipal service"),
    "summary.milestone.job_step": ("Skridt mod job", "Step towards a job"),
    "summary.milestone.education_step": ("Skridt mod uddannelse", "Step towards education"),
    "summary.milestone.network_activity": ("Netværksaktivitet", "Network activity"),
    "summary.milestone.course_enrolment": ("Tilmeldt kursus", "Enrolled in a course"),
    "summary.milestone.course_attendance": ("Deltaget i kursus", "Attended a course"),
    # Services started.
    "summary.services": ("Indsatser startet", "Services started"),
    "summary.offer": ("Tilbud", "Offer"),
    "summary.by_service": ("Bekræftet af", "Confirmed by"),
    "summary.started_at": ("Startet", "Started"),
    "summary.no_services": ("Ingen indsatser bekræftet startet.", "No service confirmed started."),
    "summary.service.social_services": ("Socialforvaltningen", "Social services"),
    "summary.service.jobcenter": ("Jobcenteret", "The job centre"),
    "summary.service.education": ("Uddannelsesvejledningen", "Education guidance"),
    # The closing note.
    "summary.closing_note": (
        "Peer-medarbejderens afsluttende ord",
        "The peer guide's closing words",
    ),
    "summary.no_closing_note": ("Ingen afsluttende ord.", "No closing words."),
    # Where the caseworker's list links it.
    "summary.link": ("Afslutningsoversigt", "Closing summary"),
}
