"""Page texts in Danish and English, keyed by a short name; enum values by group."""

from __future__ import annotations

from api.reports.texts import REPORT_TEXTS
from api.web.caseworker_texts import CASEWORKER_TEXTS
from api.web.citizen_sign_in_texts import CITIZEN_SIGN_IN_TEXTS
from api.web.coordinator_texts import COORDINATOR_TEXTS
from api.web.course_texts import COURSE_TEXTS
from api.web.group_texts import GROUP_TEXTS
from api.web.inbox_texts import INBOX_TEXTS
from api.web.medcom_reply_texts import MEDCOM_REPLY_TEXTS
from api.web.medcom_texts import MEDCOM_TEXTS
from api.web.my_bridge_texts import MY_BRIDGE_TEXTS
from api.web.my_data_texts import MY_DATA_TEXTS
from api.web.note_texts import NOTE_TEXTS
from api.web.paging_texts import PAGING_TEXTS
from api.web.peer_texts import PEER_TEXTS
from api.web.relative_texts import RELATIVE_TEXTS
from api.web.roster_task_texts import ROSTER_TASK_TEXTS
from api.web.roster_texts import ROSTER_TEXTS
from api.web.sso_texts import SSO_TEXTS
from api.web.summary_texts import SUMMARY_TEXTS
from api.web.supervision_texts import SUPERVISION_TEXTS
from api.web.timeline_texts import TIMELINE_TEXTS
from api.web.ward_texts import WARD_TEXTS

LANGUAGES = ("da", "en")

# key -> (Danish, English)
TEXTS: dict[str, tuple[str, str]] = {
    "app": ("Hverdagsbro", "Hverdagsbro"),
    "skip": ("Spring til indhold", "Skip to content"),
    "language": ("Sprog", "Language"),
    "logout": ("Log ud", "Log out"),
    "logged_in_as": ("Logget ind som", "Logged in as"),
    "login.title": ("Log ind", "Log in"),
    "login.user_id": ("Bruger-id", "User id"),
    "login.password": ("Adgangskode", "Password"),
    "login.submit": ("Log ind", "Log in"),
    "login.wrong": ("Forkert bruger-id eller adgangskode.", "Wrong user id or password."),
    "login.locked": (
        "For mange mislykkede forsøg. Vent {minutes} minutter, og prøv igen.",
        "Too many failed attempts. Wait {minutes} minutes and try again.",
    ),
    "login.locked_minute": (
        "For mange mislykkede forsøg. Vent 1 minut, og prøv igen.",
        "Too many failed attempts. Wait 1 minute and try again.",
    ),
    "login.stale": (
        "Formularen er udløbet. Prøv igen.",
        "The form has expired. Please try again.",
    ),
    "problem": ("Der er et problem", "There is a problem"),
    "error.401": ("Log ind for at fortsætte", "Log in to continue"),
    "error.403": ("Du har ikke adgang til denne side", "You do not have access to this page"),
    "error.403.text": (
        "Siden eller handlingen hører ikke til din rolle, eller formularen var udløbet. "
        "Gå tilbage til din forside og prøv igen.",
        "The page or action is not part of your role, or the form had expired. "
        "Go back to your home page and try again.",
    ),
    "error.404": ("Siden findes ikke", "Page not found"),
    "error.404.text": (
        "Vi kan ikke finde det, du leder efter, eller det er ikke dit at se.",
        "We cannot find what you are looking for, or it is not yours to see.",
    ),
    "error.other": ("Det lykkedes ikke", "That did not work"),
    "boundary.unstorable": (
        "Feltet »{field}« indeholder tegn, der ikke kan gemmes (for eksempel et usynligt "
        "kontroltegn). Gå tilbage, fjern dem, og send formularen igen. Intet er gemt.",
        "The field “{field}” contains characters that cannot be saved (for example an "
        "invisible control character). Go back, remove them and send the form again. "
        "Nothing has been saved.",
    ),
    "boundary.too_large": (
        "Det sendte er for stort til at blive modtaget. Intet er gemt.",
        "What was sent is too large to be received. Nothing has been saved.",
    ),
    "back_home": ("Til forsiden", "Back to your home page"),
    "notice.referred": ("Henvisningen er modtaget.", "The referral has been received."),
    "notice.saved": ("Gemt.", "Saved."),
    "notice.decided": ("Din beslutning er registreret.", "Your decision has been recorded."),
    "notice.contact": ("Kontakten er registreret.", "The contact has been logged."),
    "notice.concern": ("Bekymringen er sendt.", "The concern has been flagged."),
    "notice.duplicate": (
        "Formularen var allerede sendt; intet er registreret to gange.",
        "The form had already been sent; nothing was recorded twice.",
    ),
    "open_episode": ("Åbn forløb", "Open episode"),
    "episode": ("Forløb", "Episode"),
    "episodes": ("Forløb", "Episodes"),
    "programme": ("Program", "Programme"),
    "phase": ("Fase", "Phase"),
    "referred_at": ("Henvist", "Referred"),
    "discharged_at": ("Udskrevet", "Discharged"),
    "first_contact_at": ("Første kontakt", "First contact"),
    "next_due": ("Næste frist", "Next due"),
    "overdue": ("Overskredet", "Overdue"),
    "overdue_count": ("Overskredne opgaver", "Overdue tasks"),
    "actions": ("Handlinger", "Actions"),
    "none": ("Ingen", "None"),
    "yes": ("Ja", "Yes"),
    "no": ("Nej", "No"),
    "note": ("Note", "Note"),
    "note.optional": ("Kort note (valgfri)", "Short note (optional)"),
    "tasks": ("Opgaver", "Tasks"),
    "open_tasks": ("Dine åbne opgaver", "Your open tasks"),
    "task": ("Opgave", "Task"),
    "due": ("Frist", "Due"),
    "status": ("Status", "Status"),
    "assignee": ("Ansvarlig", "Assignee"),
    "no_tasks": ("Ingen åbne opgaver.", "No open tasks."),
    "no_episodes": ("Ingen forløb.", "No episodes."),
    "complete": ("Afslut opgave", "Complete task"),
    "accept": ("Tag imod", "Accept"),
    "decline": ("Afslå", "Decline"),
    "ward.title": ("Afdeling", "Ward"),
    "ward.refer": ("Henvis en patient", "Refer a patient"),
    "ward.episodes": ("Afdelingens forløb", "The ward's episodes"),
    "ward.plan": ("Planlæg udskrivning", "Plan discharge"),
    "ward.planned_for": ("Planlagt udskrivningsdato", "Planned discharge date"),
    "ward.confirm": ("Bekræft udskrivning nu", "Confirm discharge now"),
    "citizen": ("Borger", "Citizen"),
    "cpr": ("CPR-nummer (10 cifre)", "CPR number (10 digits)"),
    "name": ("Navn", "Name"),
    "phone": ("Telefon (valgfri)", "Phone (optional)"),
    "municipality": ("Kommune", "Municipality"),
    "organisation": ("Koordinerende organisation", "Coordinating organisation"),
    "goals": ("Mål med borgerens egne ord", "Goals in the citizen's own words"),
    "goals.hint": (
        "Skriv kun de mål, borgeren selv har sat. Lad felter stå tomme.",
        "Write only the goals the citizen has set. Leave the others empty.",
    ),
    "consents": ("Samtykke", "Consent"),
    "consents.hint": (
        "Samtykke til peer-støtte er påkrævet. Registreres af dig, nu.",
        "Consent to peer support is required. Recorded by you, now.",
    ),
    "consent.given": ("Givet", "Given"),
    "consent.method": ("Hvordan", "How"),
    "risk": (
        "Forhøjet risiko (første kontakt inden for 48 timer)",
        "Elevated risk (first contact within 48 hours)",
    ),
    "admitted_at": ("Indlagt (dato og tid, valgfri)", "Admitted at (date and time, optional)"),
    "risk_admission": ("Risiko og indlæggelse", "Risk and admission"),
    "pathway": ("Henvist fra", "Referred from"),
    "pathway.hint": (
        "Ambulant: borgeren er ikke indlagt (distriktspsykiatri, kommunale tilbud); lad"
        " indlæggelsestidspunktet stå tomt.",
        "Ambulant: the citizen is not admitted (district psychiatry, a municipal offer);"
        " leave the admission time empty.",
    ),
    "pathway.admitted": ("Indlæggelse på et afsnit", "An admission to a ward"),
    "pathway.ambulant": (
        "Ambulant, uden indlæggelse (distriktspsykiatri, et kommunalt tilbud)",
        "Ambulant, no admission (district psychiatry, a municipal offer)",
    ),
    "pathway.ambulant.short": ("Ambulant (ingen indlæggelse)", "Ambulant (no admission)"),
    "refer.submit": ("Send henvisning", "Send referral"),
    "peer.title": ("Peer-medarbejder", "Peer guide"),
    "peer.inbox": ("Tilbud og opgaver", "Offers and tasks"),
    "peer.episodes": ("Dine forløb", "Your episodes"),
    "peer.contact": ("Registrér kontakt", "Log a contact"),
    "peer.concern": ("Meld en bekymring", "Flag a concern"),
    "channel": ("Kontaktform", "Channel"),
    "urgent": ("Haster", "Urgent"),
    "offer.of": ("Tilbud om forløb", "Offer of an episode"),
    "caseworker.title": ("Sagsbehandler", "Caseworker"),
    "caseworker.referrals": ("Henvisninger til din kommune", "Referrals to your municipality"),
    "service": ("Indsats", "Service"),
    "service.confirm": ("Bekræft at indsatsen er startet", "Confirm service started"),
    "coordinator.title": ("Peer-koordinator", "Peer coordinator"),
    "coordinator.attention": (
        "Ikke matchede og eskalerede forløb",
        "Unmatched and escalated episodes",
    ),
    "coordinator.why": ("Hvorfor", "Why"),
    "coordinator.match": ("Match manuelt", "Match manually"),
    "coordinator.peer": ("Peer-medarbejder", "Peer guide"),
    "coordinator.load": ("Peer-medarbejdernes belastning", "Peer load"),
    "capacity": ("Kapacitet", "Capacity"),
    "active_load": ("Aktive forløb", "Active load"),
    "full": ("fuld", "full"),
    "trained": ("Uddannet", "Trained"),
    "employment": ("Ansættelse", "Employment"),
    "available": ("Tilgængelig", "Available"),
    "operator.title": ("Drift", "Operations"),
    "operator.temporal": (
        "Workflows overvåges, genstartes og afsluttes i Temporal UI:",
        "Workflows are watched, retried and terminated in the Temporal UI:",
    ),
    "operator.counts": ("Forløb pr. fase", "Episodes by phase"),
    "operator.refused": (
        "Forløb hvis gemning blev afvist",
        "Episodes whose changes the database refused",
    ),
    "operator.refused_help": (
        "PostgreSQL afviste en ændring for godt. Forløbet kører videre uden den del; "
        "koordinatoren har fået en opgave. Se historikken i Temporal UI.",
        "PostgreSQL refused a change for good. The episode goes on without that part; the "
        "coordinator has a task. See the history in the Temporal UI.",
    ),
    "operator.refused_none": ("Ingen afviste ændringer.", "No refused changes."),
    "operator.since": ("Siden", "Since"),
    "operator.overdue": ("Forfalden", "Overdue"),
    "count": ("Antal", "Count"),
    "episode.title": ("Forløb", "Episode"),
    "episode.facts": ("Overblik", "Overview"),
    "episode.timeline": ("Tidslinje", "Timeline"),
    "episode.what": ("Hvad skete", "What happened"),
    "episode.who": ("Hvem", "Who"),
    "episode.when": ("Hvornår", "When"),
    "episode.peer": ("Peer-medarbejder", "Peer guide"),
    "episode.follow_ups": ("Opfølgninger udført / planlagt", "Follow-ups done / planned"),
    "episode.readmissions": ("Genindlæggelser", "Readmissions"),
    "meeting_on": ("Dato for netværksmøde", "Network meeting date"),
    "review.continue": ("Fortsæt forløbet en periode mere", "Continue for another period"),
    "outcome": ("Afsluttende spørgeskema", "Outcome questionnaire"),
    "hope_score_start": ("Håb ved start (1-10)", "Hope at start (1-10)"),
    "hope_score_end": ("Håb nu (1-10)", "Hope now (1-10)"),
    "network_size_start": ("Netværk ved start (antal personer)", "Network at start (people)"),
    "network_size_end": ("Netværk nu (antal personer)", "Network now (people)"),
    "job_or_education": ("Job eller uddannelse", "Job or education"),
    "field.event_id": ("Formular", "Form"),
    **REPORT_TEXTS,
    **NOTE_TEXTS,
    **INBOX_TEXTS,
    **WARD_TEXTS,
    **PAGING_TEXTS,
    **CASEWORKER_TEXTS,
    **PEER_TEXTS,
    **COORDINATOR_TEXTS,
    **ROSTER_TASK_TEXTS,
    **ROSTER_TEXTS,
    **SUPERVISION_TEXTS,
    **GROUP_TEXTS,
    **COURSE_TEXTS,
    **TIMELINE_TEXTS,
    **SUMMARY_TEXTS,
    **MEDCOM_REPLY_TEXTS,
    **MEDCOM_TEXTS,
    **CITIZEN_SIGN_IN_TEXTS,
    **SSO_TEXTS,
    **MY_BRIDGE_TEXTS,
    **MY_DATA_TEXTS,
    **RELATIVE_TEXTS,
}

# group -> value -> (Danish, English); unknown values are shown as they are.
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "phase": {
        "referred": ("Henvist", "Referred"),
        "matching": ("Matches", "Matching"),
        "unmatched": ("Ikke matchet", "Unmatched"),
        "pre_discharge": ("Før udskrivning", "Before discharge"),
        "discharged": ("Udskrevet", "Discharged"),
        "follow_up": ("Opfølgning", "Follow-up"),
        "readmitted": ("Genindlagt", "Readmitted"),
        "closing": ("Afslutning", "Closing"),
        "closed": ("Afsluttet", "Closed"),
        "withdrawn": ("Samtykke trukket tilbage", "Consent withdrawn"),
        "cancelled": ("Annulleret", "Cancelled"),
        "deceased": ("Død", "Deceased"),
    },
    "task": {
        "peer_offer": ("Tilbud om forløb", "Offer of an episode"),
        "manual_match": ("Manuelt match", "Manual match"),
        "first_meeting": ("Første møde på afdelingen", "First meeting on the ward"),
        "in_ward_contact": (
            "Kontakt på afdelingen før udskrivning",
            "Contact on the ward before discharge",
        ),
        "discharge_agreement": ("Udskrivningsaftale", "Discharge agreement"),
        "coordination_plan": ("Koordinationsplan", "Coordination plan"),
        "network_meeting": ("Netværksmøde", "Network meeting"),
        "confirm_service": ("Bekræft indsats", "Confirm service"),
        "first_contact": ("Første kontakt efter udskrivning", "First contact after discharge"),
        "first_contact_escalation": ("Første kontakt mangler", "First contact missing"),
        "follow_up": ("Opfølgning", "Follow-up"),
        "programme_review": ("Revurdering", "Programme review"),
        "concern": ("Bekymring", "Concern"),
        "notification_failed": ("Besked kunne ikke sendes", "Notification failed"),
        "medcom_undelivered": (
            "MedCom-besked til kommunen ikke modtaget",
            "MedCom message to the municipality not received",
        ),
        "commit_failed": ("Ændring kunne ikke gemmes", "A change could not be stored"),
        "outcome_questionnaire": ("Afsluttende spørgeskema", "Outcome questionnaire"),
        "debrief": ("Debriefing", "Debrief"),
        "task_escalation": ("Eskalering: en opgave er ikke løst", "Escalation: a task not done"),
    },
    "status": {
        "open": ("Åben", "Open"),
        "accepted": ("Accepteret", "Accepted"),
        "declined": ("Afslået", "Declined"),
        "expired": ("Udløbet", "Expired"),
        "completed": ("Udført", "Completed"),
        "cancelled": ("Annulleret", "Cancelled"),
    },
    "role": {
        "ward": ("Afdeling", "Ward"),
        "peer": ("Peer-medarbejder", "Peer guide"),
        "coordinator": ("Koordinator", "Coordinator"),
        "caseworker": ("Sagsbehandler", "Caseworker"),
        "operator": ("Drift", "Operator"),
        "system": ("System", "System"),
        "citizen": ("Borgeren", "The citizen"),
        "relative": ("Pårørende", "Relative"),
    },
    "area": {
        "municipal_services": ("Kommunale tilbud", "Municipal services"),
        "job": ("Job", "Job"),
        "education": ("Uddannelse", "Education"),
        "network": ("Netværk", "Network"),
        "other": ("Andet", "Other"),
    },
    "scope": {
        "peer_support": ("Peer-støtte", "Peer support"),
        "share_with_municipality": ("Deling med kommunen", "Sharing with the municipality"),
        "share_with_jobcenter": ("Deling med jobcenteret", "Sharing with the job centre"),
        "share_with_education": (
            "Deling med uddannelsesvejledning",
            "Sharing with education guidance",
        ),
        "share_with_relative": ("Deling med pårørende", "Sharing with a relative"),
    },
    "method": {
        "verbal": ("Mundtligt", "Verbal"),
        "written": ("Skriftligt", "Written"),
        "digital": ("Digitalt", "Digital"),
    },
    "channel": {
        "meeting": ("Møde", "Meeting"),
        "phone": ("Telefon", "Phone"),
        "video": ("Video", "Video"),
        "message": ("Besked", "Message"),
    },
    "job": {
        "none": ("Intet", "None"),
        "in_process": ("I forløb", "In process"),
        "working": ("I arbejde", "Working"),
        "studying": ("Under uddannelse", "Studying"),
    },
    "service": {
        "housing_support": ("Bostøtte", "Housing support"),
        "contact_person": ("Kontaktperson", "Contact person"),
        "activity_offer": ("Aktivitetstilbud", "Activity offer"),
        "ips": ("IPS", "IPS"),
        "resource_course": ("Ressourceforløb", "Resource course"),
        "job_clarification": ("Jobafklaringsforløb", "Job clarification course"),
        "special_educational_support": ("SPS", "Special educational support"),
        "education_guidance": ("Uddannelsesvejledning", "Education guidance"),
    },
    "employment": {
        "employed": ("Ansat", "Employed"),
        "volunteer": ("Frivillig", "Volunteer"),
    },
    "absence_kind": {
        "holiday": ("Ferie", "Holiday"),
        "leave": ("Orlov", "Leave"),
        "other": ("Andet fravær", "Other absence"),
    },
    "organisation_kind": {
        "region": ("Region", "Region"),
        "municipality": ("Kommune", "Municipality"),
        "ngo": ("Frivillig organisation", "NGO"),
        "association": ("Patientforening", "Patient association"),
    },
}


def text(key: str, lang: str) -> str:
    """The text for `key`; an unknown key is a programming error and raises KeyError."""
    da, en = TEXTS[key]
    return en if lang == "en" else da


def value(group: str, raw: str | None, lang: str) -> str:
    if raw is None:
        return ""
    pair = VALUES[group].get(raw)
    if pair is None:
        return raw
    return pair[1] if lang == "en" else pair[0]
