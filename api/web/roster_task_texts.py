"""Texts of the coordinator's roster tasks page, in Danish and English (merged into the page
labels): each kind of task in words, the table, marking one done."""

from __future__ import annotations

# key -> (Danish, English)
ROSTER_TASK_TEXTS: dict[str, tuple[str, str]] = {
    "roster_tasks.title": ("Opgaver om peer-medarbejderne", "Roster tasks"),
    "roster_tasks.nav": ("Opgaver om peer-medarbejderne", "Roster tasks"),
    "roster_tasks.intro": (
        "Opgaver om organisationens peer-medarbejdere og supervision, ikke om et forløb. "
        "Hver opgave sendes til koordinatorerne, huskes når den forfalder og sendes til "
        "partnerskabets koordinatorer, hvis den stadig er åben tre dage efter.",
        "Tasks about your organisation's peers and supervision, not about an episode. Each "
        "is sent to the coordinators, reminded of when it falls due and sent to the "
        "partnership's coordinators if it is still open three days later.",
    ),
    "roster_tasks.caption": (
        "Åbne opgaver om peer-medarbejderne, først forfaldne først",
        "Open roster tasks, soonest due first",
    ),
    "roster_tasks.kind": ("Opgave", "Task"),
    "roster_tasks.peer": ("Peer-medarbejder", "Peer"),
    "roster_tasks.group": ("Supervisionsgruppe", "Supervision group"),
    "roster_tasks.due": ("Frist", "Due"),
    "roster_tasks.action": ("Handling", "Action"),
    "roster_tasks.escalated": (
        "sendt til partnerskabet",
        "sent to the partnership",
    ),
    "roster_tasks.none": ("Ingen", "None"),
    "roster_tasks.empty": (
        "Der er ingen åbne opgaver om peer-medarbejderne.",
        "There are no open roster tasks.",
    ),
    "roster_tasks.mark_done": ("Markér som udført", "Mark as done"),
    "roster_tasks.escalated_title": ("Eskaleret fra partnere", "Escalated from partners"),
    "roster_tasks.escalated_intro": (
        "Opgaver hos en partner i jeres partnerskab, som stadig er åbne tre dage efter "
        "fristen. Partnerens koordinatorer markerer dem som udført; tag kontakt til dem.",
        "Tasks of a partner in your partnership still open three days after they fell due. "
        "The partner's coordinators mark them done; get in touch with them.",
    ),
    "roster_tasks.escalated_caption": (
        "Partneres opgaver om peer-medarbejderne, som er eskaleret til jer",
        "Partners' roster tasks escalated to you",
    ),
    "roster_tasks.organisation": ("Organisation", "Organisation"),
    "roster_tasks.kind.training_lapsing": (
        "Uddannelsen udløber snart: {programme}",
        "Training about to lapse: {programme}",
    ),
    "roster_tasks.kind.supervision_missed": (
        "To supervisioner i træk er misset",
        "Two supervisions missed in a row",
    ),
    "roster_tasks.kind.attendance_unrecorded": (
        "Fremmøde til supervision er ikke registreret",
        "Supervision attendance not recorded",
    ),
    "roster_tasks.kind.extra_supervision": (
        "Tilbyd ekstra supervision eller debriefing",
        "Offer an extra supervision or debrief",
    ),
    "notice.roster_task_done": ("Opgaven er markeret som udført.", "The task is marked as done."),
}
