"""Page texts and refusal reasons of the relatives on the episode page, Danish and English
(merged into labels.TEXTS and reason_texts.REASONS)."""

from __future__ import annotations

# key -> (Danish, English)
RELATIVE_TEXTS: dict[str, tuple[str, str]] = {
    "relatives.title": ("Pårørende", "Relatives"),
    "relatives.intro": (
        "Pårørende, som borgeren deler med, får korte beskeder på sms eller e-mail om den "
        "planlagte udskrivning og om, hvem peer-medarbejderen er. Kun så længe borgerens "
        "samtykke »Deling med pårørende« gælder.",
        "Relatives the citizen shares with get short text or e-mail messages about the "
        "planned discharge and who the peer worker is. Only while the citizen's consent "
        "“Sharing with a relative” holds.",
    ),
    "relatives.none": ("Der er ingen pårørende på forløbet.", "The episode has no relatives."),
    "relatives.not_shared": (
        "Borgeren har ikke givet samtykke til »Deling med pårørende«. Pårørende får ingen "
        "beskeder, og der kan ikke tilføjes nye, før samtykket er registreret.",
        "The citizen has not given the consent “Sharing with a relative”. Relatives get no "
        "messages, and none can be added until the consent has been recorded.",
    ),
    "relatives.col.name": ("Navn", "Name"),
    "relatives.col.relation": ("Relation", "Relation"),
    "relatives.col.phone": ("Telefon", "Phone"),
    "relatives.col.email": ("E-mail", "E-mail"),
    "relatives.col.action": ("Handling", "Action"),
    "relatives.remove": ("Fjern", "Remove"),
    "relatives.remove.label": ("Fjern {name} som pårørende", "Remove {name} as a relative"),
    "relatives.add": ("Tilføj en pårørende", "Add a relative"),
    "relatives.field.name": ("Navn", "Name"),
    "relatives.field.relation": (
        "Relation til borgeren (valgfri, fx søster)",
        "Relation to the citizen (optional, e.g. sister)",
    ),
    "relatives.field.phone": ("Telefon", "Phone"),
    "relatives.field.email": ("E-mail", "E-mail"),
    "relatives.contact_hint": (
        "Skriv et telefonnummer, en e-mailadresse eller begge.",
        "Give a phone number, an e-mail address or both.",
    ),
    "relatives.submit": ("Tilføj den pårørende", "Add the relative"),
    "notice.relative_added": ("Den pårørende er tilføjet.", "The relative has been added."),
    "notice.relative_removed": ("Den pårørende er fjernet.", "The relative has been removed."),
    "field.relation": ("Relation", "Relation"),
    "field.share_with_relative": ("Deling med pårørende", "Sharing with a relative"),
    "field.relative_id": ("Pårørende", "Relative"),
}

# English reason (as produced) -> (Danish, English)
RELATIVE_REASONS: dict[str, tuple[str, str]] = {
    "the citizen has not given this consent; record it before adding a relative": (
        "borgeren har ikke givet dette samtykke; registrér det, før du tilføjer en pårørende",
        "the citizen has not given this consent; record it before adding a relative",
    ),
    "write a relation of at most 100 characters": (
        "skriv en relation på højst 100 tegn",
        "write a relation of at most 100 characters",
    ),
    "the form is incomplete; open the page again": (
        "formularen er ufuldstændig; åbn siden igen",
        "the form is incomplete; open the page again",
    ),
    "no such relative on this episode": (
        "forløbet har ingen sådan pårørende",
        "no such relative on this episode",
    ),
}
