"""Page texts for the ward pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
WARD_TEXTS: dict[str, tuple[str, str]] = {
    # The referral form: the citizen's languages.
    "ward.languages": ("Borgerens sprog", "The citizen's languages"),
    "ward.languages.hint": (
        "Vælg mindst ét sprog, som borgeren gerne vil tale med sin peer-medarbejder på.",
        "Choose at least one language the citizen wants to speak with their peer guide.",
    ),
    "language.da": ("Dansk", "Danish"),
    "language.en": ("Engelsk", "English"),
    "language.de": ("Tysk", "German"),
    "language.pl": ("Polsk", "Polish"),
    "language.uk": ("Ukrainsk", "Ukrainian"),
    "language.ro": ("Rumænsk", "Romanian"),
    "language.ar": ("Arabisk", "Arabic"),
    "language.so": ("Somali", "Somali"),
    "language.tr": ("Tyrkisk", "Turkish"),
    "language.fa": ("Persisk (farsi)", "Persian (Farsi)"),
    "language.ur": ("Urdu", "Urdu"),
    "language.ti": ("Tigrinya", "Tigrinya"),
    # The ward's list of episodes.
    "ward.next": ("Næste", "Next"),
    "ward.due": ("{task} senest {when}", "{task} due {when}"),
    "ward.nothing_due": ("Intet forfalder", "Nothing due"),
    "ward.overdue_tasks": ("{count} overskredne opgaver", "{count} overdue tasks"),
    "ward.no_name": ("(navn slettet)", "(name erased)"),
    "ward.record": ("Registrér hændelser", "Record events"),
    # One episode's ward page.
    "ward.episode.title": ("Patient", "Patient"),
    "ward.back": ("Til afdelingens forside", "Back to the ward's page"),
    "ward.full_episode": ("Hele forløbet", "The whole episode"),
    "ward.ended": (
        "Forløbet er afsluttet; der kan ikke registreres mere.",
        "The episode has ended; nothing more can be recorded.",
    ),
    "ward.risk": ("Risiko", "Risk"),
    "ward.risk.elevated": ("Forhøjet risiko", "Elevated risk"),
    "ward.risk.normal": ("Ikke forhøjet", "Not elevated"),
    "ward.risk.new": ("Risikoen er nu", "The risk is now"),
    "ward.risk.raise": (
        "Forhøjet (første kontakt inden for 48 timer)",
        "Elevated (first contact within 48 hours)",
    ),
    "ward.risk.lower": ("Ikke forhøjet", "Not elevated"),
    "ward.risk.submit": ("Registrér risiko", "Record the risk"),
    "ward.when": ("Hvornår skete det", "When it happened"),
    "ward.when.hint": (
        "Ikke i fremtiden og ikke før henvisningen ({referral}).",
        "Not in the future and not before the referral ({referral}).",
    ),
    "ward.when.date": ("Dato", "Date"),
    "ward.when.time": ("Klokkeslæt", "Time"),
    "ward.choose": ("Vælg …", "Choose …"),
    "ward.scope": ("Samtykke til", "Consent to"),
    "ward.consent_granted": ("Samtykke givet", "Consent given"),
    "ward.consent_granted.submit": ("Registrér samtykke", "Record the consent"),
    "ward.consent_withdrawn": ("Samtykke trukket tilbage", "Consent withdrawn"),
    "ward.consent_withdrawn.hint": (
        "Trækkes samtykket til peer-støtte tilbage, afsluttes forløbet.",
        "If consent to peer support is withdrawn, the episode ends.",
    ),
    "ward.consent_withdrawn.submit": ("Registrér tilbagetrækning", "Record the withdrawal"),
    "ward.hospital": ("Indlæggelse, orlov", "Admission and leave"),
    "ward.hospital.hint": (
        "Registrér her, når afdelingen ikke sender det via MedCom.",
        "Record these here where the ward does not send them through MedCom.",
    ),
    "ward.admitted": ("Genindlagt", "Readmitted"),
    "ward.setting": ("Hvor", "Where"),
    "ward.setting.inpatient": ("Indlagt på afdeling", "Inpatient ward"),
    "ward.setting.emergency": ("Akut ambulant besøg", "Emergency visit"),
    "ward.admitted.submit": ("Registrér genindlæggelse", "Record the readmission"),
    "ward.leave_started": ("Orlov begyndt", "Leave started"),
    "ward.leave_started.submit": ("Registrér orlov", "Record the leave"),
    "ward.leave_ended": ("Orlov slut", "Leave ended"),
    "ward.leave_ended.submit": ("Registrér at orloven er slut", "Record the end of the leave"),
    "ward.end": ("Afslut forløbet", "End the episode"),
    "ward.referral_cancelled": ("Annullér henvisningen", "Cancel the referral"),
    "ward.reason": ("Begrundelse", "Reason"),
    "ward.referral_cancelled.confirm": (
        "Ja, annullér henvisningen. Forløbet afsluttes og kan ikke genåbnes.",
        "Yes, cancel the referral. The episode ends and cannot be reopened.",
    ),
    "ward.referral_cancelled.submit": ("Annullér henvisningen", "Cancel the referral"),
    "ward.deceased": ("Dødsfald", "Death"),
    "ward.deceased.confirm": (
        "Ja, borgeren er død. Forløbet afsluttes.",
        "Yes, the citizen has died. The episode ends.",
    ),
    "ward.deceased.submit": ("Registrér dødsfald", "Record the death"),
    # Why a form was refused (the field is named next to it).
    "ward.refused": ("Formularen blev ikke sendt.", "The form was not sent."),
    "ward.when.missing": (
        "angiv dato og klokkeslæt for, hvornår det skete",
        "give the date and time it happened",
    ),
    "ward.when.future": ("tidspunktet ligger i fremtiden", "the time lies in the future"),
    "ward.when.before_referral": (
        "tidspunktet ligger før henvisningen ({referral})",
        "the time lies before the referral ({referral})",
    ),
    "ward.confirm_needed": (
        "sæt flueben for at bekræfte",
        "tick the box to confirm",
    ),
    "ward.reason_needed": ("skriv en begrundelse", "write a reason"),
    "ward.risk_choose": ("vælg forhøjet eller ikke forhøjet", "choose elevated or not elevated"),
    # After a fact is recorded.
    "notice.ward.consent_granted": ("Samtykket er registreret.", "The consent has been recorded."),
    "notice.ward.consent_withdrawn": (
        "Tilbagetrækningen er registreret.",
        "The withdrawal has been recorded.",
    ),
    "notice.ward.risk_changed": ("Risikoen er registreret.", "The risk has been recorded."),
    "notice.ward.admitted": (
        "Genindlæggelsen er registreret.",
        "The readmission has been recorded.",
    ),
    "notice.ward.leave_started": ("Orloven er registreret.", "The leave has been recorded."),
    "notice.ward.leave_ended": (
        "Orlovens afslutning er registreret.",
        "The end of the leave has been recorded.",
    ),
    "notice.ward.referral_cancelled": (
        "Henvisningen er annulleret.",
        "The referral has been cancelled.",
    ),
    "notice.ward.deceased": ("Dødsfaldet er registreret.", "The death has been recorded."),
    # The network-meeting task card.
    "ward.meeting_by": ("Senest {day}", "By {day}"),
    "ward.meeting.time": ("Klokkeslæt (valgfrit)", "Time (optional)"),
    "ward.meeting.place": (
        "Sted (valgfrit, aldrig borgerens navn)",
        "Place (optional, never the citizen's name)",
    ),
    # Admissions without a referral (also on the coordinator's page).
    "candidates.title": (
        "Indlæggelser uden henvisning: overvej en henvisning",
        "Admissions without a referral: consider a referral",
    ),
    "candidates.hint.ward": (
        "Patienter indlagt på afdelingen, som ikke har et forløb. Henvis dem, eller marker "
        "indlæggelsen som ikke relevant med en begrundelse. Efter 2 arbejdsdage er den "
        "overskredet.",
        "Patients admitted to the ward who have no episode. Refer them, or mark the admission "
        "as not relevant with a reason. After 2 working days it is overdue.",
    ),
    "candidates.hint.coordinator": (
        "Indlæggelser på organisationens afdelinger af borgere uden et forløb. Borgeren vises "
        "ikke, for der er ikke givet samtykke endnu; afdelingen henviser eller afviser.",
        "Admissions to the organisation's wards of citizens without an episode. The citizen "
        "is not shown, as there is no consent yet; the ward refers or dismisses.",
    ),
    "candidates.none": (
        "Ingen indlæggelser venter på en henvisning.",
        "No admissions are waiting for a referral.",
    ),
    "candidates.citizen": ("Patient (CPR-nummer)", "Patient (CPR number)"),
    "candidates.erased": ("(slettet)", "(erased)"),
    "candidates.ward": ("Afdeling", "Ward"),
    "candidates.admitted": ("Indlagt", "Admitted"),
    "candidates.waiting": ("Venter", "Waiting"),
    "candidates.activity.admit-inpatient": ("Indlæggelse", "Inpatient admission"),
    "candidates.activity.admit-emergency": ("Akut ambulant besøg", "Emergency visit"),
    "candidates.ago.now": ("for under en time siden", "less than an hour ago"),
    "candidates.ago.hour": ("for 1 time siden", "1 hour ago"),
    "candidates.ago.hours": ("for {count} timer siden", "{count} hours ago"),
    "candidates.ago.days": ("for {count} dage siden", "{count} days ago"),
    "candidates.overdue": (
        "Overskredet: mere end 2 arbejdsdage",
        "Overdue: more than 2 working days",
    ),
    "candidates.refer": ("Henvis", "Refer"),
    "candidates.reason": (
        "Hvorfor ikke relevant (3-500 tegn)",
        "Why not relevant (3-500 characters)",
    ),
    "candidates.dismiss": ("Ikke relevant", "Not relevant"),
    "candidates.prefilled": (
        "Formularen har patientens CPR-nummer og indlæggelsestidspunkt fra hospitalets besked. "
        "Udfyld resten.",
        "The form holds the patient's CPR number and admission time from the hospital's "
        "message. Fill in the rest.",
    ),
    "notice.candidate_dismissed": (
        "Indlæggelsen er markeret som ikke relevant.",
        "The admission is marked as not relevant.",
    ),
}
