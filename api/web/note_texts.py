"""Texts of the notes on episode pages and task cards, in Danish and English (merged into the
page labels)."""

from __future__ import annotations

# key -> (Danish, English)
NOTE_TEXTS: dict[str, tuple[str, str]] = {
    "notes.title": ("Noter", "Notes"),
    "notes.none": ("Ingen noter endnu.", "No notes yet."),
    "notes.urgent": ("Haster", "Urgent"),
    "notes.urgent_concern": (
        "Haster: bekymring meldt. Kontakt borgeren nu.",
        "Urgent: concern flagged. Contact the citizen now.",
    ),
    "notes.kind.contact": ("Kontakt", "Contact"),
    "notes.kind.concern": ("Bekymring", "Concern"),
    "notes.kind.task": ("Note til opgave", "Task note"),
    "notes.kind.debrief": ("Debriefing", "Debrief"),
    "notes.reach": ("Sådan når du borgeren", "How to reach the citizen"),
    "notes.name": ("Navn", "Name"),
    "notes.phone": ("Telefon", "Phone"),
    "notes.email": ("E-mail", "E-mail"),
}
