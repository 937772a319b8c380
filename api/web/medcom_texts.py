"""Texts of the operator page's list of received MedCom messages needing a look, in Danish
and English (merged into the page labels); one reason text per `medcom_attention.reason`."""

from __future__ import annotations

# key -> (Danish, English)
MEDCOM_TEXTS: dict[str, tuple[str, str]] = {
    "medcom.look": ("MedCom-beskeder, der skal ses på", "MedCom messages needing a look"),
    "medcom.look_help": (
        "Modtagne sygehusadviser, der ikke kunne bruges som de er. Afsenderen har fået "
        "kvittering (ok). Der vises kun id'er og koder, aldrig borgeren.",
        "Hospital notifications received that could not be used as they are. The sender was "
        "acknowledged (ok). Only ids and codes are shown, never the citizen.",
    ),
    "medcom.received": ("Modtaget", "Received"),
    "medcom.sender": ("Afsender (SOR-kode)", "Sender (SOR code)"),
    "medcom.activity": ("Aktivitetskode", "Activity code"),
    "medcom.header": ("MessageHeader-id", "MessageHeader id"),
    "medcom.reason": ("Årsag", "Reason"),
    "medcom.look_none": ("Ingen beskeder at se på.", "No messages need a look."),
    "medcom.reason.collision": (
        "Sendt igen med samme Bundle-id og MessageHeader-id, men med et andet indhold end "
        "første gang. Den er gemt, men ikke brugt.",
        "Sent again with the same Bundle id and MessageHeader id, but saying something else "
        "than the first time. It is kept, not used.",
    ),
    "medcom.reason.header_reused_in_stay": (
        "Bruger et MessageHeader-id, som allerede er brugt for en anden besked om samme "
        "ophold. Den er gemt, men ikke brugt.",
        "Uses a MessageHeader id already used for another message about the same stay. It is "
        "kept, not used.",
    ),
    "medcom.reason.target_not_found": (
        "Henviser til en besked, vi ikke har for dette ophold. Rettelsen venter på den.",
        "Refers to a message we do not have for this stay. The correction waits for it.",
    ),
}
