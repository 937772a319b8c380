"""Page texts for the coordinator pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
COORDINATOR_TEXTS: dict[str, tuple[str, str]] = {
    # The episode list.
    "coordinator.episodes": ("Forløb i din organisation", "Your organisation's episodes"),
    "coordinator.citizen": ("Borger", "Citizen"),
    "coordinator.no_name": ("(navn slettet)", "(name erased)"),
    "coordinator.no_peer": ("Ingen endnu", "None yet"),
    # Handing an episode over to another peer.
    "coordinator.hand.title": ("Giv et forløb videre", "Hand an episode over"),
    "coordinator.hand.help": (
        "Ved sygdom, eller når matchet ikke fungerer. Den nye peer-medarbejder overtager de "
        "åbne opgaver; begge får besked, og begrundelsen gemmes i loggen.",
        "When the peer guide is ill, or the match does not work. The new peer guide takes "
        "over the open tasks; both are told, and the reason is kept in the audit log.",
    ),
    "coordinator.hand.episode": ("{citizen}, nu hos {peer}", "{citizen}, now with {peer}"),
    "coordinator.hand.to": ("Giv videre til", "Hand over to"),
    "coordinator.hand.choose": ("Vælg en peer-medarbejder", "Choose a peer guide"),
    "coordinator.hand.free": ("{free} af {capacity} pladser ledige", "{free} of {capacity} free"),
    "coordinator.hand.full": ("fuld", "full"),
    "coordinator.hand.reason": ("Begrundelse (3-500 tegn)", "Reason (3-500 characters)"),
    "coordinator.hand.submit": ("Giv forløbet videre", "Hand the episode over"),
    "coordinator.hand.nobody": (
        "Ingen anden peer-medarbejder i partnerskabet kan tage dette forløb (program og kommune).",
        "No other peer guide of the partnership serves this episode's programme and municipality.",
    ),
    "coordinator.hand.none": (
        "Ingen aktive forløb med en peer-medarbejder.",
        "No active episodes with a peer guide.",
    ),
    "coordinator.hand.peer_refused": (
        "Vælg en anden peer-medarbejder",
        "Choose another peer guide",
    ),
    "coordinator.hand.reason_refused": (
        "Skriv en begrundelse på 3 til 500 tegn",
        "Write a reason of 3 to 500 characters",
    ),
    "notice.handed_over": (
        "Forløbet er givet videre. Begge peer-medarbejdere får besked.",
        "The episode has been handed over. Both peer guides are told.",
    ),
    # Overdue work by who holds it.
    "coordinator.overdue": ("Forfaldent arbejde pr. person", "Overdue work by person"),
    "coordinator.overdue.none": ("Intet forfaldent arbejde.", "No overdue work."),
    "coordinator.overdue.summary": (
        "{count} forfaldne opgaver · ældste frist {oldest}",
        "{count} overdue tasks · oldest due {oldest}",
    ),
    "coordinator.overdue.summary_one": (
        "1 forfalden opgave · frist {oldest}",
        "1 overdue task · due {oldest}",
    ),
    "coordinator.holder.peer": ("{name} (peer-medarbejder)", "{name} (peer guide)"),
    "coordinator.holder.ward": ("{name} (afdeling)", "{name} (ward)"),
    "coordinator.holder.caseworker": ("{name}, {service}", "{name}, {service}"),
    "coordinator.holder.municipality": ("{name} (kommunen)", "{name} (municipality)"),
    "coordinator.holder.coordinator": ("Koordinatorteamet, {name}", "Coordinator team, {name}"),
    "coordinator.holder.partnership": (
        "Partnerskabets koordinatorer, via {name}",
        "The partnership's coordinators, through {name}",
    ),
    "coordinator.holder.service.social_services": ("socialforvaltningen", "social services"),
    "coordinator.holder.service.jobcenter": ("jobcenteret", "the job centre"),
    "coordinator.holder.service.education": (
        "uddannelsesvejledningen",
        "education guidance",
    ),
}
