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
    "coordinator.hand.link": ("Giv videre", "Hand over"),
    "coordinator.hand.back": ("Tilbage til koordinatorsiden", "Back to the coordinator page"),
    "coordinator.hand.not_now": (
        "Forløbet kan ikke gives videre: det er afsluttet, eller det har ingen "
        "peer-medarbejder endnu.",
        "The episode cannot be handed over: it has ended, or it has no peer guide yet.",
    ),
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
    # A manual match on its own page (linked from the task's card).
    "coordinator.match.title": ("Match et forløb manuelt", "Match an episode by hand"),
    "coordinator.match.episode": (
        "{citizen}: ingen peer-medarbejder kunne tage forløbet",
        "{citizen}: no peer guide could take the episode",
    ),
    "coordinator.match.link": ("Vælg peer-medarbejder", "Choose the peer guide"),
    "coordinator.match.help": (
        "Partnerskabets peer-medarbejdere, der dækker forløbets program og kommune. Et manuelt "
        "match må gå ud over en peer-medarbejders kapacitet.",
        "The partnership's peer guides who serve the episode's programme and municipality. A "
        "manual match may go over a peer guide's capacity.",
    ),
    "coordinator.match.nobody": (
        "Ingen peer-medarbejder i partnerskabet dækker forløbets program og kommune.",
        "No peer guide of the partnership serves this episode's programme and municipality.",
    ),
    # Overdue work by who holds it.
    "coordinator.overdue": ("Forfaldent arbejde pr. person", "Overdue work by person"),
    "coordinator.overdue.none": ("Intet forfaldent arbejde.", "No overdue work."),
    "coordinator.overdue.count": (
        "Viser {shown} af {total} forfaldne opgaver, ældste frist først.",
        "Showing {shown} of {total} overdue tasks, oldest due first.",
    ),
    "coordinator.overdue.count_more": (
        "Viser {shown} af mere end {total} forfaldne opgaver, ældste frist først.",
        "Showing {shown} of more than {total} overdue tasks, oldest due first.",
    ),
    "coordinator.overdue.nav": ("Sider med forfaldent arbejde", "Pages of overdue work"),
    "coordinator.overdue.later": ("Flere forfaldne opgaver", "More overdue tasks"),
    "coordinator.overdue.oldest": ("Ældste forfaldne opgaver", "Oldest overdue tasks"),
    # The peers who need a look (the whole roster is on its own page).
    "coordinator.load.watch": (
        "Viser {shown} af {watched} peer-medarbejdere, der skal ses på: fulde eller over "
        "kapacitet, fraværende med borgere, én plads tilbage eller ingen borgere endnu. Alle "
        "{total} peer-medarbejdere står på siden Peer-medarbejdere.",
        "Showing {shown} of {watched} peer guides who need a look: full or over capacity, away "
        "with citizens, one place left, or none yet. All {total} peer guides are on the roster "
        "page.",
    ),
    "coordinator.load.none": (
        "Ingen af jeres {total} peer-medarbejdere skal ses på lige nu.",
        "None of your {total} peer guides needs a look just now.",
    ),
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
    # Partners' episodes the coordinator's own peers are assigned to (partnership sharing).
    "coordinator.supervised": (
        "Jeres peer-medarbejders forløb, ejet af {organisation}",
        "Your peer's, owned by {organisation}",
    ),
    "coordinator.episodes.partners": (
        "Forløb hos partnere, som en af jeres egne peer-medarbejdere er tilknyttet, står her "
        "også, når partnerskabets regler giver jer adgang til dem.",
        "Partners' episodes one of your own peer guides is assigned to are listed too, where "
        "the partnership's rules let you see them.",
    ),
    # The partnerships page (read-only).
    "partnerships.link": (
        "Se jeres partnerskaber og deres regler",
        "See your partnerships and their rules",
    ),
    "partnerships.title": ("Partnerskaber", "Partnerships"),
    "partnerships.intro": (
        "De partnerskaber, jeres organisation er med i, deres medlemmer og hvad de deler. "
        "Reglerne ændres af administratoren.",
        "The partnerships your organisation is a member of, their members and what they share. "
        "The administrator changes the rules.",
    ),
    "partnerships.none": (
        "Jeres organisation er ikke med i noget partnerskab.",
        "Your organisation is not a member of any partnership.",
    ),
    "partnerships.members": ("Medlemmer", "Members"),
    "partnerships.organisation": ("Organisation", "Organisation"),
    "partnerships.kind": ("Type", "Kind"),
    "partnerships.yours": ("(jeres organisation)", "(your organisation)"),
    "partnerships.rules": ("Regler for deling", "Sharing rules"),
    "partnerships.match_across": (
        "Peer-medarbejdere fra alle medlemmer kan tilbydes og matches til alle medlemmers forløb.",
        "Peer guides of every member may be offered and matched to every member's episodes.",
    ),
    "partnerships.match_within": (
        "Peer-medarbejdere tilbydes kun forløb i deres egen organisation.",
        "Peer guides are offered only their own organisation's episodes.",
    ),
    "partnerships.home_sees": (
        "Koordinatorer i organisationer af typen {kinds} ser og superviserer de forløb hos "
        "partnerne, som deres egne peer-medarbejdere er tilknyttet.",
        "Coordinators of organisations of the kind {kinds} see and supervise the partners' "
        "episodes their own peer guides are assigned to.",
    ),
    "partnerships.home_sees_none": (
        "Ingen koordinator ser partnernes forløb, fordi deres egne peer-medarbejdere er "
        "tilknyttet.",
        "No coordinator sees partners' episodes because their own peer guides are assigned.",
    ),
    "partnerships.you_see": (
        "Jeres organisation er af en af disse typer: I ser jeres peer-medarbejderes forløb hos "
        "partnerne.",
        "Your organisation is of one of these kinds: you see your peer guides' episodes at the "
        "partners.",
    ),
    "partnerships.and": ("eller", "or"),
    "partnerships.back": ("Tilbage til koordinatorsiden", "Back to the coordinator page"),
}
