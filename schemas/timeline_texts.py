"""The episode timeline's lines in Danish and English: one catalog for the workflows (which
store the English line as `summary` for operators) and the pages (which show the reader's
language). Here, on the lowest floor, so both may import it.

A line is a key and params (codes, numbers, names from reference data; never personal data).
A param is shown through the value group its name says (PARAM_GROUPS: a task kind, a phase,
a reason); the pages take those groups from their own catalog (labels.VALUES) and from
TIMELINE_VALUES here. A param `name_da` is the Danish form of `name` (a programme's name).
A placeholder may say `:cap` (first letter upper case) or `:low` (first letter lower case,
unless the value is an abbreviation such as "IPS")."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping

from schemas.episode import Phase
from schemas.tasks import TaskStatus

# key -> (Danish, English), str.format placeholders; both name the same params.
TIMELINE_TEXTS: dict[str, tuple[str, str]] = {
    # Tasks
    "timeline.task_new": ("Ny opgave: {task}", "New task: {task}"),
    "timeline.task_closed": ("{task:cap}: {reason}", "{task:cap}: {reason}"),
    "timeline.decision": ("{task:cap}: {status:low}", "{task:cap}: {status:low}"),
    "timeline.overdue": ("Overskredet: {task}", "Overdue: {task}"),
    "timeline.reminder": (
        "{task:cap} har frist nu: påmindelse sendt",
        "{task:cap} is due: reminder sent",
    ),
    "timeline.escalated": (
        "{task:cap} ikke gjort i tide: eskaleret til {to:low} (niveau {level})",
        "{task:cap} not done in time: escalated to the {to:low} (level {level})",
    ),
    "timeline.first_contact_escalated": (
        "Første kontakt ikke bekræftet i tide: eskaleret",
        "First contact not confirmed in time: escalated",
    ),
    "timeline.first_contact_moved": (
        "Fristen for første kontakt er flyttet",
        "First contact deadline moved",
    ),
    "timeline.first_contact_to_peer": (
        "Første kontakt overdraget til peer-medarbejderen",
        "First contact handed to the peer",
    ),
    "timeline.discharged_without_peer": (
        "Udskrevet uden peer-medarbejder: koordinatoren har første kontakt; matching haster",
        "Discharged without a peer: the coordinator holds the first contact; matching is urgent",
    ),
    # The episode
    "timeline.referred": ("Henvist til {programme}", "Referred to {programme}"),
    "timeline.referral_repeated": (
        "Gentaget henvisning ignoreret",
        "Repeated referral ignored",
    ),
    "timeline.phase": ("Fase: {phase:low}", "Phase: {phase:low}"),
    "timeline.peer_assigned": ("Peer-medarbejder tildelt", "Peer assigned"),
    "timeline.handed_over": (
        "Overdraget til en anden peer-medarbejder",
        "Handed over to another peer",
    ),
    "timeline.no_peer_fits": (
        "Ingen uddannet peer-medarbejder med ledig kapacitet passer",
        "No trained peer with free capacity fits",
    ),
    "timeline.milestone": ("Milepæl: {milestone:low}", "Milestone: {milestone:low}"),
    "timeline.review_continues": (
        "Revurdering: forløbet fortsætter en periode mere",
        "Review: the episode goes on for another period",
    ),
    "timeline.close_requested": ("Afslutning anmodet", "Closing requested"),
    "timeline.ends": ("Forløbet slutter: {reason}", "Episode ends: {reason}"),
    "timeline.goal_set": ("Mål sat", "Goal set"),
    "timeline.goal_reworded": ("Mål omformuleret", "Goal reworded"),
    "timeline.goal_dropped": ("Mål opgivet", "Goal dropped"),
    "timeline.goals_set": ("Mål sat: {count}", "Goals set: {count}"),
    "timeline.goals_reached": ("Mål nået: {count}", "Goals reached: {count}"),
    "timeline.goal_not_applied": (
        "Ændring af mål ikke gennemført: {reason}",
        "Goal change not applied: {reason}",
    ),
    "timeline.contact": ("Kontakt registreret ({channel:low})", "Contact logged ({channel:low})"),
    # Hospital facts
    "timeline.discharge_planned": ("Udskrivning planlagt", "Discharge planned"),
    "timeline.hospital_fact": ("{fact:cap} ({setting:low})", "{fact:cap} ({setting:low})"),
    "timeline.ambulant_start": (
        "Ambulant forløb uden indlæggelse: første kontakt og opfølgning regnes fra nu",
        "Ambulant episode, no admission: first contact and follow-up run from now",
    ),
    "timeline.discharged_again": (
        "Udskrevet igen: opfølgningen fortsætter",
        "Discharged again: follow-up resumes",
    ),
    "timeline.fact_cancelled": (
        "Annulleret, sendt ved en fejl: {fact:low}",
        "{fact} cancelled: sent in error",
    ),
    "timeline.fact_time_corrected": (
        "Tidspunkt rettet: {fact:low}",
        "{fact} time corrected",
    ),
    # Risk and consent
    "timeline.risk_raised": ("Risiko markeret som forhøjet", "Risk marked elevated"),
    "timeline.risk_lowered": ("Risiko ikke længere forhøjet", "Risk no longer elevated"),
    "timeline.risk_raised_earlier": (
        "Risiko markeret som forhøjet (tidligere end den risiko, der gælder)",
        "Risk marked elevated (earlier than the risk that stands)",
    ),
    "timeline.risk_lowered_earlier": (
        "Risiko ikke længere forhøjet (tidligere end den risiko, der gælder)",
        "Risk no longer elevated (earlier than the risk that stands)",
    ),
    "timeline.consent_given": ("Samtykke givet: {scope:low}", "Consent given: {scope:low}"),
    "timeline.consent_given_earlier": (
        "Samtykke givet: {scope:low} (tidligere end det samtykke, der gælder)",
        "Consent given: {scope:low} (earlier than the consent that stands)",
    ),
    "timeline.consent_withdrawn": (
        "Samtykke trukket tilbage: {scope:low}",
        "Consent withdrawn: {scope:low}",
    ),
    "timeline.consent_withdrawn_earlier": (
        "Samtykke trukket tilbage: {scope:low} (tidligere end det samtykke, der gælder)",
        "Consent withdrawn: {scope:low} (earlier than the consent that stands)",
    ),
    # Operations
    "timeline.commit_refused": (
        "En ændring kunne ikke gemmes som sendt: {stored}",
        "A change could not be stored as sent: {stored}",
    ),
    "timeline.delivery_failed": (
        "En besked kunne ikke leveres",
        "A notification could not be delivered",
    ),
    # Somatic stays (a ward outside psychiatry)
    "timeline.admitted_somatic": (
        "Indlagt på en somatisk afdeling ({setting:low}); det psykiatriske forløb fortsætter",
        "Admitted to a somatic ward ({setting:low}); the psychiatric course goes on",
    ),
    "timeline.admitted_somatic_pauses": (
        "Indlagt på en somatisk afdeling ({setting:low}); programmet holder pause i"
        " opfølgningen under indlæggelsen",
        "Admitted to a somatic ward ({setting:low}); the programme pauses the follow-up"
        " during the stay",
    ),
    "timeline.discharged_somatic": (
        "Udskrevet fra en somatisk afdeling ({setting:low})",
        "Discharged from a somatic ward ({setting:low})",
    ),
}

_STATUS_DA = {
    TaskStatus.OPEN: "åben",
    TaskStatus.ACCEPTED: "accepteret",
    TaskStatus.DECLINED: "afslået",
    TaskStatus.EXPIRED: "udløbet",
    TaskStatus.COMPLETED: "udført",
    TaskStatus.CANCELLED: "annulleret",
}
_PHASE_DA = {
    Phase.CLOSED: "forløbet er afsluttet",
    Phase.WITHDRAWN: "samtykket er trukket tilbage",
    Phase.CANCELLED: "forløbet er annulleret",
    Phase.DECEASED: "borgeren er død",
}
_TABLES_DA = {
    "episodes": "forløbet",
    "episode_goals": "målene",
    "tasks": "opgaverne",
    "timeline": "tidslinjen",
    "audit_log": "auditloggen",
    "events_received": "de modtagne hændelser",
    "outbox": "beskederne",
}

# group -> code -> (Danish, English), for the value groups the page catalog lacks. A code not
# here is shown as it is (underscores as spaces).
TIMELINE_VALUES: dict[str, dict[str, tuple[str, str]]] = {
    # Why the system closed a task or ended the episode (the workflows' fixed vocabulary).
    "reason": {
        "not done in time": ("ikke gjort i tide", "not done in time"),
        "consent withdrawn": ("samtykke trukket tilbage", "consent withdrawn"),
        "discharge cancelled": ("udskrivningen er annulleret", "discharge cancelled"),
        "offer not answered in time": (
            "tilbuddet blev ikke besvaret i tide",
            "offer not answered in time",
        ),
        "citizen discharged before it": (
            "borgeren blev udskrevet før",
            "citizen discharged before it",
        ),
        "follow-up missed": ("opfølgningen blev ikke gennemført", "follow-up missed"),
        "in-ward contact missed": (
            "kontakten på afdelingen blev ikke gennemført",
            "in-ward contact missed",
        ),
        "episode closing": ("forløbet afsluttes", "episode closing"),
        "debrief not done": ("debriefingen blev ikke gennemført", "debrief not done"),
        "deceased": ("borgeren er død", "deceased"),
        "referral cancelled": ("henvisningen er annulleret", "referral cancelled"),
        "no such goal in this episode": (
            "målet findes ikke i dette forløb",
            "no such goal in this episode",
        ),
        "the goal is already reached": ("målet er allerede nået", "the goal is already reached"),
        "the goal is already dropped": (
            "målet er allerede opgivet",
            "the goal is already dropped",
        ),
        "the citizen already has 20 active goals": (
            "borgeren har allerede 20 aktive mål",
            "the citizen already has 20 active goals",
        ),
        "consent to peer support withdrawn": (
            "samtykket til peer-støtte er trukket tilbage",
            "consent to peer support withdrawn",
        ),
        **{
            f"episode {phase.value}": (da, f"episode {phase.value}")
            for phase, da in _PHASE_DA.items()
        },
        **{
            f"the escalated task is {status.value}": (
                f"den eskalerede opgave er {da}",
                f"the escalated task is {status.value}",
            )
            for status, da in _STATUS_DA.items()
        },
    },
    "fact": {
        "admitted": ("Indlagt", "Admitted"),
        "discharged": ("Udskrevet", "Discharged"),
        "leave_started": ("Orlov begyndt", "Leave started"),
        "leave_ended": ("Orlov afsluttet", "Leave ended"),
    },
    "setting": {
        "inpatient": ("Sengeafsnit", "Inpatient"),
        "emergency": ("Akutmodtagelse", "Emergency"),
    },
    "audience": {
        "coordinator": ("Koordinatoren", "Coordinator"),
        "ward": ("Afdelingen", "Ward"),
        "partnership": ("Partnerskabets koordinatorer", "Partnership's coordinators"),
    },
    "milestone": {
        "municipal_service": ("Kommunal indsats", "Municipal service"),
        "job_step": ("Skridt mod job", "Job step"),
        "education_step": ("Skridt mod uddannelse", "Education step"),
        "network_activity": ("Netværksaktivitet", "Network activity"),
        "course_enrolment": ("Tilmeldt kursus", "Course enrolment"),
        "course_attendance": ("Deltaget i kursus", "Course attendance"),
    },
    # How much of a refused change was stored.
    "stored": {
        "without characters it cannot store": (
            "gemt uden de tegn, der ikke kan gemmes",
            "without characters it cannot store",
        ),
        "not stored": ("intet gemt", "not stored"),
        **{
            f"without its {table} rows": (f"gemt uden {da}", f"without its {table} rows")
            for table, da in _TABLES_DA.items()
        },
    },
}

# param name -> the value group it is shown through (groups of labels.VALUES or above).
PARAM_GROUPS: dict[str, str] = {
    "task": "task",
    "status": "status",
    "phase": "phase",
    "scope": "scope",
    "channel": "channel",
    "reason": "reason",
    "fact": "fact",
    "setting": "setting",
    "to": "audience",
    "milestone": "milestone",
    "stored": "stored",
}

SPECS = ("", "cap", "low")


class _Formatter(string.Formatter):
    def format_field(self, value: object, format_spec: str) -> str:
        text = str(value)
        if not text or format_spec == "":
            return text
        if format_spec == "cap":
            return text[0].upper() + text[1:]
        if format_spec == "low":
            abbreviation = len(text) > 1 and text[1].isupper()
            return text if abbreviation else text[0].lower() + text[1:]
        raise ValueError(f"unknown timeline format spec {format_spec!r}")


_FORMATTER = _Formatter()


def placeholders(template: str) -> set[tuple[str, str]]:
    """The (name, spec) of every placeholder in a template."""
    return {
        (name, spec or "") for _, name, spec, _ in _FORMATTER.parse(template) if name is not None
    }


def line(key: str, params: Mapping[str, str], lang: str, shown: Callable[[str, str], str]) -> str:
    """The line for `key` in `lang` ("da" or "en"); `shown(name, value)` gives a param's
    text in that language. An unknown key raises KeyError."""
    da, en = TIMELINE_TEXTS[key]
    template = en if lang == "en" else da
    values = {
        name: shown(name, params.get(f"{name}_da", value) if lang == "da" else value)
        for name, value in params.items()
        if not name.endswith("_da")
    }
    return _FORMATTER.format(template, **values)


def plain(name: str, value: str) -> str:
    """A param as the stored English line shows it: its code, underscores as spaces."""
    del name
    return value.replace("_", " ")


def english(key: str, params: Mapping[str, str]) -> str:
    """The English line stored as the entry's summary (for operators; the pages use the key)."""
    return line(key, params, "en", plain)


# MedCom CareCommunications to the municipality (issue 16): the lines, what each message is
# about, and why one was not sent or not delivered.
TIMELINE_TEXTS.update(
    {
        "timeline.care_communication_acknowledged": (
            "Kommunen har modtaget beskeden om {message:low}",
            "The municipality has received the {message:low} message",
        ),
        "timeline.care_communication_failed": (
            "Beskeden om {message:low} kunne ikke leveres til kommunen: {reason}",
            "The {message:low} message could not be delivered to the municipality: {reason}",
        ),
        "timeline.care_communication_not_sent": (
            "Beskeden om {message:low} er ikke sendt til kommunen: {reason}",
            "The {message:low} message was not sent to the municipality: {reason}",
        ),
    }
)
TIMELINE_VALUES["care_communication"] = {
    "discharge": ("Udskrivning", "Discharge"),
    "network_meeting": ("Netværksmøde", "Network meeting"),
    "closing_summary": ("Afslutning af forløbet", "Closing summary"),
}
TIMELINE_VALUES["reason"].update(
    {
        "rejected by the municipality": ("afvist af kommunen", "rejected by the municipality"),
        "no acknowledgement": ("ingen kvittering fra kommunen", "no acknowledgement"),
        "refused by the transport": (
            "kunne ikke afleveres til MedCom-netværket",
            "could not be handed to the MedCom network",
        ),
        "no transport": ("MedCom-afsendelse er ikke slået til", "sending by MedCom is off"),
        "no consent to share": (
            "borgeren har ikke givet samtykke til deling med kommunen",
            "no consent to share",
        ),
        "no receiver": ("kommunens SOR-kode kendes ikke", "the municipality's SOR code is unknown"),
        "no sender": ("afdelingens SOR-kode kendes ikke", "the ward's SOR code is unknown"),
        "citizen not identified": (
            "borgerens CPR-nummer eller navn mangler",
            "the citizen's CPR number or name is missing",
        ),
        "no meeting booked": ("intet netværksmøde er booket", "no meeting booked"),
        "message cannot be built": ("beskeden kan ikke dannes", "message cannot be built"),
        "not sent": ("ikke sendt", "not sent"),
    }
)
PARAM_GROUPS["message"] = "care_communication"
