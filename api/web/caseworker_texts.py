"""Page texts for the caseworker pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
CASEWORKER_TEXTS: dict[str, tuple[str, str]] = {
    # The caseworker's list.
    "caseworker.episodes": (
        "Borgere, der har givet samtykke til deling med dig",
        "Citizens who consented to sharing with you",
    ),
    "caseworker.citizen": ("Borger", "Citizen"),
    "caseworker.discharge": ("Udskrivning", "Discharge"),
    "caseworker.planned": ("planlagt {date}", "planned {date}"),
    "caseworker.due_for_you": ("Det skal du gøre", "Due for you"),
    "caseworker.due_by": ("{task}, senest {when}", "{task}, by {when}"),
    "caseworker.nothing_due": ("Intet lige nu", "Nothing now"),
    "caseworker.no_episodes": (
        "Ingen borgere har givet samtykke til deling med din indsats endnu.",
        "No citizen has consented to sharing with your service yet.",
    ),
    # The confirm_service card.
    "caseworker.choose_offer": ("Vælg et tilbud", "Choose an offer"),
    "caseworker.offer_refused": (
        "Vælg et af de tilbud, din indsats giver.",
        "Choose one of the offers your service gives.",
    ),
    # The caseworker's slice of an episode.
    "caseworker.episode_title": ("Borgerens forløb", "The citizen's episode"),
    "caseworker.scope": (
        "Du ser det, borgerens samtykke dækker for {service}: program, fase, udskrivning, "
        "peer-medarbejderen, målene og milepælene på dit område og din indsats' opgaver.",
        "You see what the citizen's consent covers for {service}: programme, phase, "
        "discharge, the peer guide, the goals and milestones in your area and your "
        "service's tasks.",
    ),
    "caseworker.cpr": ("CPR-nummer", "CPR number"),
    "caseworker.planned_discharge": ("Planlagt udskrivning", "Planned discharge"),
    "caseworker.discharged": ("Udskrevet", "Discharged"),
    "caseworker.peer": ("Peer-medarbejder", "Peer guide"),
    "caseworker.goals": ("Borgerens mål på dit område", "The citizen's goals in your area"),
    "caseworker.goal.active": ("i gang", "active"),
    "caseworker.goal.reached": ("nået", "reached"),
    "caseworker.goal.dropped": ("droppet", "dropped"),
    "caseworker.no_goals": ("Ingen mål på dit område.", "No goals in your area."),
    "caseworker.milestones": ("Milepæle på dit område", "Milestones in your area"),
    "caseworker.no_milestones": ("Ingen milepæle endnu.", "No milestones yet."),
    "caseworker.milestone": ("Milepæl", "Milestone"),
    "caseworker.reached_at": ("Nået", "Reached"),
    "caseworker.tasks": ("Din indsats' opgaver", "Your service's tasks"),
    "caseworker.offer": ("Tilbud", "Offer"),
    "caseworker.not_yet": ("Endnu ikke", "Not yet"),
    # What each service is called, and the kinds of milestone in each service's area.
    "caseworker.service.social_services": ("socialforvaltningen", "social services"),
    "caseworker.service.jobcenter": ("jobcenteret", "the job centre"),
    "caseworker.service.education": ("uddannelsesvejledningen", "education guidance"),
    "caseworker.milestone.municipal_service": (
        "Kommunalt tilbud startet",
        "Municipal service started",
    ),
    "caseworker.milestone.job_step": ("Skridt mod job", "Step towards a job"),
    "caseworker.milestone.education_step": (
        "Skridt mod uddannelse",
        "Step towards education",
    ),
}
