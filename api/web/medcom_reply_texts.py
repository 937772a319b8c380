"""Texts of the municipality's replies on the episode page, in Danish and English (merged into
the page labels): the timeline line and the MedCom CareCommunication categories it names."""

from __future__ import annotations

from collections.abc import Mapping

# key -> (Danish, English); a line's {category} is the category's label, lower case.
REPLY_LINES: dict[str, tuple[str, str]] = {
    "reply.line": ("Kommunen har svaret", "The municipality replied"),
    "reply.line_about": (
        "Kommunen har svaret ({category})",
        "The municipality replied ({category})",
    ),
}

MEDCOM_REPLY_TEXTS: dict[str, tuple[str, str]] = {
    **REPLY_LINES,
    "reply.topic": ("Emne", "Topic"),
    "reply.attachments": (
        "Vedhæftede filer (vises ikke her)",
        "Attached files (not shown here)",
    ),
}

# medcom-careCommunication-categoryCodes (CodeSystem v1.9.0) -> (Danish, English)
CATEGORIES: dict[str, tuple[str, str]] = {
    "alcohol-and-drug-treatment": ("Alkohol- og stofbehandling", "Alcohol and drug treatment"),
    "assistive-devices": ("Hjælpemidler", "Assistive devices"),
    "carecoordination": ("Koordinering af forløb", "Care coordination"),
    "decease": ("Dødsfald", "Decease"),
    "discharge": ("Udskrivning", "Discharge"),
    "examination-results": ("Undersøgelsesresultater", "Examination results"),
    "healthcare": ("Sundhedsfagligt", "Health care"),
    "home-care-assessment": ("Visitation til hjemmepleje", "Home care assessment"),
    "medicine": ("Medicin", "Medicine"),
    "nursing": ("Sygepleje", "Nursing"),
    "outpatient": ("Ambulant forløb", "Outpatient"),
    "psychiatry-social-disability": (
        "Psykiatri, socialområdet og handicap",
        "Psychiatry, social services and disability",
    ),
    "regarding-referral": ("Vedrørende henvisning", "Regarding referral"),
    "telemedicine": ("Telemedicin", "Telemedicine"),
    "training": ("Træning", "Training"),
    "acute-ambulant": ("Akut ambulant", "Acute ambulant"),
    "extended-care-responsibility": (
        "Udvidet behandlingsansvar",
        "Extended care responsibility",
    ),
    "other": ("Andet", "Other"),
}


def category_text(code: str, lang: str) -> str:
    """A category's label in `lang`, lower case (a code not in the system, as it is)."""
    pair = CATEGORIES.get(code)
    if pair is None:
        return code
    label = pair[1] if lang == "en" else pair[0]
    return label[0].lower() + label[1:]


def reply_line(key: str, params: Mapping[str, str], lang: str) -> str:
    """The timeline line of a reply in `lang`; an unknown key raises KeyError."""
    da, en = REPLY_LINES[key]
    template = en if lang == "en" else da
    if "category" not in params:
        return template
    return template.format(category=category_text(params["category"], lang))
