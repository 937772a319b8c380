"""Why a form was refused, in Danish and English: the reasons the API and the episode give
(in English, for integrators) as the pages show them in the page's language.

`REASONS` holds each literal reason our own code raises (without its "field: " prefix) and
the fixed messages pydantic gives for our forms; `PATTERNS` the parametrised ones, whose
named groups are put into the text again (a phase, a status, a role or a task kind shown by
its label). `say` renders a reason, a "field: reason" message or an "invalid input: ..."
summary; what is not in the catalog is shown as it is."""

from __future__ import annotations

import re

from api.web import labels
from api.web.citizen_sign_in_texts import CITIZEN_SIGN_IN_REASONS
from api.web.course_texts import COURSE_REASONS
from api.web.group_texts import GROUP_REASONS
from api.web.my_bridge_texts import MY_BRIDGE_REASONS
from api.web.relative_texts import RELATIVE_REASONS
from api.web.roster_texts import ROSTER_REASONS
from api.web.supervision_texts import SUPERVISION_REASONS

# English reason (as produced) -> (Danish, English)
REASONS: dict[str, tuple[str, str]] = {
    "invalid input": ("ugyldige oplysninger", "invalid input"),
    # --- referrals: programme kinds and the ambulant path (api/intake.py) --------------------
    "the programme is a course; enrol the citizen in a term instead": (
        "programmet er et kursus; tilmeld borgeren et hold i stedet",
        "the programme is a course; enrol the citizen in a term instead",
    ),
    "the programme is a group offer; add the citizen to a group instead": (
        "programmet er et gruppetilbud; meld borgeren ind i en gruppe i stedet",
        "the programme is a group offer; add the citizen to a group instead",
    ),
    "an ambulant referral has no admission": (
        "en ambulant henvisning har ingen indlæggelse",
        "an ambulant referral has no admission",
    ),
    "Input should be 'admitted' or 'ambulant'": (
        "Vælg indlæggelse eller ambulant",
        "Choose admitted or ambulant",
    ),
    # --- the episode and its tasks (workflows/) ---------------------------------------------
    "no such task in this episode": (
        "opgaven findes ikke i dette forløb",
        "no such task in this episode",
    ),
    # --- the roster tasks page (api/web/roster_tasks.py) -------------------------------------
    "no such roster task of your organisation": (
        "organisationen har ingen sådan opgave om peer-medarbejderne",
        "no such roster task of your organisation",
    ),
    "the roster task is already done": (
        "opgaven er allerede udført",
        "the roster task is already done",
    ),
    "this task is assigned to another peer": (
        "opgaven er givet til en anden peer-medarbejder",
        "this task is assigned to another peer",
    ),
    "only the offered peer can accept or decline an offer": (
        "kun den peer-medarbejder, der har fået tilbuddet, kan tage imod det eller afslå det",
        "only the offered peer can accept or decline an offer",
    ),
    "an offer is accepted or declined, not completed": (
        "et tilbud tages imod eller afslås; det afsluttes ikke",
        "an offer is accepted or declined, not completed",
    ),
    "not an offer of this caseworker's service": (
        "ikke en indsats, som denne sagsbehandlers forvaltning tilbyder",
        "not an offer of this caseworker's service",
    ),
    "no peer has taken the episode yet; match it instead": (
        "ingen peer-medarbejder har taget forløbet endnu; match det i stedet",
        "no peer has taken the episode yet; match it instead",
    ),
    "this peer already has the episode": (
        "denne peer-medarbejder har allerede forløbet",
        "this peer already has the episode",
    ),
    "another hand-over of this episode is under way": (
        "forløbet er allerede ved at blive overdraget",
        "another hand-over of this episode is under way",
    ),
    "the peer cannot be assigned": (
        "peer-medarbejderen kan ikke få forløbet",
        "the peer cannot be assigned",
    ),
    "the peer cannot take the episode": (
        "peer-medarbejderen kan ikke overtage forløbet",
        "the peer cannot take the episode",
    ),
    "the episode ended meanwhile": (
        "forløbet er afsluttet i mellemtiden",
        "the episode ended meanwhile",
    ),
    "the episode has ended": ("forløbet er afsluttet", "the episode has ended"),
    "a goal is reviewed twice": ("et mål er vurderet to gange", "a goal is reviewed twice"),
    "no such goal in this episode": (
        "målet findes ikke i dette forløb",
        "no such goal in this episode",
    ),
    # --- peer matching (activities/matching.py, via the episode) ----------------------------
    "no trained peer with capacity for programme/municipality": (
        "ingen uddannet peer-medarbejder har plads til programmet i kommunen",
        "no trained peer with capacity for programme/municipality",
    ),
    "peer has no free capacity": (
        "peer-medarbejderen har ikke plads til flere forløb",
        "peer has no free capacity",
    ),
    "not an active peer on the roster": (
        "ikke en aktiv peer-medarbejder på listen",
        "not an active peer on the roster",
    ),
    "the programme is not carried by the peer's employment form or organisation": (
        "programmet varetages ikke af peer-medarbejderens ansættelsesform eller organisation",
        "the programme is not carried by the peer's employment form or organisation",
    ),
    "the peer's training for the programme is missing or has lapsed": (
        "peer-medarbejderens uddannelse til programmet mangler eller er udløbet",
        "the peer's training for the programme is missing or has lapsed",
    ),
    "the peer is away or not available": (
        "peer-medarbejderen er fraværende eller ikke til rådighed",
        "the peer is away or not available",
    ),
    "the peer's organisation is not in the episode's partnership": (
        "peer-medarbejderens organisation er ikke med i forløbets partnerskab",
        "the peer's organisation is not in the episode's partnership",
    ),
    "the peer is not available for this programme and municipality": (
        "peer-medarbejderen er ikke til rådighed for dette program og denne kommune",
        "the peer is not available for this programme and municipality",
    ),
    # --- the API (api/) ---------------------------------------------------------------------
    "log in or send 'Authorization: Bearer <token>'": (
        "log ind, eller send 'Authorization: Bearer <token>'",
        "log in or send 'Authorization: Bearer <token>'",
    ),
    "expected 'Bearer <token>'": ("forventede 'Bearer <token>'", "expected 'Bearer <token>'"),
    "the token is unknown, expired or revoked": (
        "nøglen er ukendt, udløbet eller tilbagekaldt",
        "the token is unknown, expired or revoked",
    ),
    "no such episode": ("forløbet findes ikke", "no such episode"),
    "no such episode for you": (
        "forløbet findes ikke, eller det er ikke dit",
        "no such episode for you",
    ),
    "no such open manual match for you": (
        "der er ingen åben manuel matchning her, som du kan tage dig af",
        "no such open manual match for you",
    ),
    "the episode has not closed yet; its closing summary is made when it closes": (
        "forløbet er ikke afsluttet endnu; afslutningsresuméet laves, når det afsluttes",
        "the episode has not closed yet; its closing summary is made when it closes",
    ),
    "the episode holds no contact data to correct": (
        "forløbet har ingen kontaktoplysninger at rette",
        "the episode holds no contact data to correct",
    ),
    "a JSON object is required": ("et JSON-objekt er påkrævet", "a JSON object is required"),
    "must be a JSON object": ("skal være et JSON-objekt", "must be a JSON object"),
    "lies in the future": ("ligger i fremtiden", "lies in the future"),
    "must be the caller (who recorded the consent); leave it out to use the caller": (
        "skal være den, der sender (som registrerede samtykket); udelad feltet for at bruge "
        "afsenderen",
        "must be the caller (who recorded the consent); leave it out to use the caller",
    ),
    "only a coordinator may hand an episode to another peer": (
        "kun en koordinator kan overdrage et forløb til en anden peer-medarbejder",
        "only a coordinator may hand an episode to another peer",
    ),
    "the workflow service is unavailable; try again shortly": (
        "forløbstjenesten svarer ikke; prøv igen om lidt",
        "the workflow service is unavailable; try again shortly",
    ),
    "unavailable; try again shortly": (
        "svarer ikke; prøv igen om lidt",
        "unavailable; try again shortly",
    ),
    "the database is unavailable; try again shortly": (
        "databasen svarer ikke; prøv igen om lidt",
        "the database is unavailable; try again shortly",
    ),
    "no such resource": ("findes ikke", "no such resource"),
    "a field name is not storable UTF-8 text": (
        "et feltnavn er ikke UTF-8-tekst, der kan gemmes",
        "a field name is not storable UTF-8 text",
    ),
    "not UTF-8 text": ("ikke UTF-8-tekst", "not UTF-8 text"),
    "not UTF-8 text (JSON is sent as UTF-8)": (
        "ikke UTF-8-tekst (JSON sendes som UTF-8)",
        "not UTF-8 text (JSON is sent as UTF-8)",
    ),
    "the file name is not storable UTF-8 text": (
        "filnavnet er ikke UTF-8-tekst, der kan gemmes",
        "the file name is not storable UTF-8 text",
    ),
    "contains a NUL character (\\u0000), which text may not hold": (
        "indeholder et NUL-tegn (\\u0000), som tekst ikke må indeholde",
        "contains a NUL character (\\u0000), which text may not hold",
    ),
    "contains an unpaired surrogate, which is not valid Unicode": (
        "indeholder et uparret surrogattegn, som ikke er gyldig Unicode",
        "contains an unpaired surrogate, which is not valid Unicode",
    ),
    "must be application/json (or a JSON type such as application/fhir+json)": (
        "skal være application/json (eller en JSON-type som application/fhir+json)",
        "must be application/json (or a JSON type such as application/fhir+json)",
    ),
    "a change signed in by the session cookie must be sent as application/json or carry "
    "this session's CSRF token in the X-CSRF-Token header": (
        "en ændring, der er logget ind med sessionscookien, skal sendes som application/json "
        "eller have sessionens CSRF-nøgle i headeren X-CSRF-Token",
        "a change signed in by the session cookie must be sent as application/json or carry "
        "this session's CSRF token in the X-CSRF-Token header",
    ),
    "you may refer only from your own ward": (
        "du kan kun henvise fra din egen afdeling",
        "you may refer only from your own ward",
    ),
    "no such event": ("hændelsen findes ikke", "no such event"),
    "the date has passed; choose today or later": (
        "datoen er passeret; vælg i dag eller senere",
        "the date has passed; choose today or later",
    ),
    "no such notification for you": (
        "beskeden findes ikke, eller den er ikke til dig",
        "no such notification for you",
    ),
    "use accept, decline or complete": (
        "brug tag imod, afslå eller afslut",
        "use accept, decline or complete",
    ),
    "is not an open episode of this citizen in this programme": (
        "er ikke et åbent forløb for denne borger i dette program",
        "is not an open episode of this citizen in this programme",
    ),
    "the citizen already has an open episode in this programme; a second one is not "
    "started (end the open episode first)": (
        "borgeren har allerede et åbent forløb i dette program; et forløb nummer to startes "
        "ikke (afslut det åbne forløb først)",
        "the citizen already has an open episode in this programme; a second one is not "
        "started (end the open episode first)",
    ),
    "no such task for you": (
        "opgaven findes ikke, eller den er ikke din",
        "no such task for you",
    ),
    # --- MedCom Acknowledgements for what we sent (api/medcom/acknowledgement_in.py) -------
    "the Acknowledgement was refused": (
        "kvitteringen blev afvist",
        "the Acknowledgement was refused",
    ),
    "storage unavailable; send the Acknowledgement again": (
        "lageret svarer ikke; send kvitteringen igen",
        "storage unavailable; send the Acknowledgement again",
    ),
    "the delivery could not be told now; send the Acknowledgement again": (
        "forsendelsen kunne ikke få besked nu; send kvitteringen igen",
        "the delivery could not be told now; send the Acknowledgement again",
    ),
    "the Acknowledgement is too large": (
        "kvitteringen er for stor",
        "the Acknowledgement is too large",
    ),
    "not a JSON document": ("ikke et JSON-dokument", "not a JSON document"),
    # --- the pages' own checks (api/web/) ---------------------------------------------------
    "log in first": ("log ind først", "log in first"),
    "the form is stale or did not come from this site": (
        "formularen er udløbet eller kom ikke fra denne side",
        "the form is stale or did not come from this site",
    ),
    "choose one of the steps": ("vælg et af trinene", "choose one of the steps"),
    "required: say why the episode should close": (
        "skal udfyldes: skriv, hvorfor forløbet skal afsluttes",
        "required: say why the episode should close",
    ),
    "tick the box to confirm that the episode should close": (
        "sæt flueben for at bekræfte, at forløbet skal afsluttes",
        "tick the box to confirm that the episode should close",
    ),
    "not a date and time": ("ikke en dato og et tidspunkt", "not a date and time"),
    "choose at least one language": ("vælg mindst ét sprog", "choose at least one language"),
    "required: write a number": ("skal udfyldes: skriv et tal", "required: write a number"),
    "choose the progress on this goal": (
        "vælg, hvor langt borgeren er nået med målet",
        "choose the progress on this goal",
    ),
    "no such form": ("formularen findes ikke", "no such form"),
    # --- what the schemas' own validators say -----------------------------------------------
    "CPR must be 10 digits": ("CPR-nummeret skal være 10 cifre", "CPR must be 10 digits"),
    "the citizen's consent to peer_support is required": (
        "borgerens samtykke til peer-støtte er påkrævet",
        "the citizen's consent to peer_support is required",
    ),
    # --- pydantic's fixed messages ----------------------------------------------------------
    "Field required": ("Feltet skal udfyldes", "Field required"),
    "String should have at least 1 character": (
        "Feltet skal udfyldes",
        "String should have at least 1 character",
    ),
    "String should have at most 1 character": (
        "Skriv højst ét tegn",
        "String should have at most 1 character",
    ),
    "Input should be a valid string": ("Skriv en tekst", "Input should be a valid string"),
    "Input should be a valid integer": ("Skriv et helt tal", "Input should be a valid integer"),
    "Input should be a valid integer, unable to parse string as an integer": (
        "Skriv et helt tal",
        "Input should be a valid integer, unable to parse string as an integer",
    ),
    "Input should be a valid integer, got a number with a fractional part": (
        "Skriv et helt tal uden decimaler",
        "Input should be a valid integer, got a number with a fractional part",
    ),
    "Unable to parse input string as an integer, exceeded maximum size": (
        "Tallet er for stort",
        "Unable to parse input string as an integer, exceeded maximum size",
    ),
    "Input should be a valid number": ("Skriv et tal", "Input should be a valid number"),
    "Input should be a valid number, unable to parse string as a number": (
        "Skriv et tal",
        "Input should be a valid number, unable to parse string as a number",
    ),
    "Input should be a finite number": (
        "Skriv et endeligt tal",
        "Input should be a finite number",
    ),
    "Input should be a valid boolean": ("Vælg ja eller nej", "Input should be a valid boolean"),
    "Input should be a valid boolean, unable to interpret input": (
        "Vælg ja eller nej",
        "Input should be a valid boolean, unable to interpret input",
    ),
    "Input should be a valid date": ("Skriv en gyldig dato", "Input should be a valid date"),
    "Input should be a valid time": (
        "Skriv et gyldigt tidspunkt",
        "Input should be a valid time",
    ),
    "Input should be a valid datetime": (
        "Skriv en gyldig dato og et gyldigt tidspunkt",
        "Input should be a valid datetime",
    ),
    "Input should have timezone info": (
        "Tidspunktet skal have en tidszone",
        "Input should have timezone info",
    ),
    "Input should not have timezone info": (
        "Tidspunktet må ikke have en tidszone",
        "Input should not have timezone info",
    ),
    "Datetimes provided to dates should have zero time - e.g. be exact dates": (
        "Skriv kun en dato, uden klokkeslæt",
        "Datetimes provided to dates should have zero time - e.g. be exact dates",
    ),
    "Input should be a valid list": ("Skal være en liste", "Input should be a valid list"),
    "Input should be a valid tuple": ("Skal være en liste", "Input should be a valid tuple"),
    "Input should be a valid dictionary": (
        "Skal være et objekt",
        "Input should be a valid dictionary",
    ),
    "Input should be a valid dictionary or object to extract fields from": (
        "Skal være et objekt med felter",
        "Input should be a valid dictionary or object to extract fields from",
    ),
    "Extra inputs are not permitted": (
        "Feltet kendes ikke og må ikke sendes",
        "Extra inputs are not permitted",
    ),
    "Input should be None": ("Feltet skal være tomt", "Input should be None"),
    # --- the roster pages (api/web/roster.py, schemas/roster.py) ---------------------------
    **ROSTER_REASONS,
    # --- the supervision pages (api/web/supervision.py) -----------------------------------
    **SUPERVISION_REASONS,
    # --- the peer group pages (api/web/groups.py) -----------------------------------------
    **GROUP_REASONS,
    # --- the course pages (api/web/courses.py) ----------------------------------------------
    **COURSE_REASONS,
    # --- the citizen's sign-in (api/web/citizen_sign_in.py, api/citizen_links.py) ------------
    **CITIZEN_SIGN_IN_REASONS,
    **MY_BRIDGE_REASONS,
    # --- the relatives on the episode page (api/web/episode_relatives.py) -------------------
    **RELATIVE_REASONS,
}

# The reasons inside pydantic's date and time messages ("..., input is too short").
DETAILS: dict[str, tuple[str, str]] = {
    "input is too short": ("for kort", "input is too short"),
    "input is too long": ("for lang", "input is too long"),
    "invalid character in year": ("ugyldigt tegn i året", "invalid character in year"),
    "invalid character in month": ("ugyldigt tegn i måneden", "invalid character in month"),
    "invalid character in day": ("ugyldigt tegn i dagen", "invalid character in day"),
    "invalid character in hour": ("ugyldigt tegn i timen", "invalid character in hour"),
    "invalid character in minute": (
        "ugyldigt tegn i minuttet",
        "invalid character in minute",
    ),
    "invalid character in second": (
        "ugyldigt tegn i sekundet",
        "invalid character in second",
    ),
    "invalid date separator, expected `-`": (
        "forkert skilletegn i datoen, brug -",
        "invalid date separator, expected `-`",
    ),
    "invalid time separator, expected `:`": (
        "forkert skilletegn i tidspunktet, brug :",
        "invalid time separator, expected `:`",
    ),
    "month value is outside expected range of 1-12": (
        "måneden skal være 1-12",
        "month value is outside expected range of 1-12",
    ),
    "day value is outside expected range": (
        "dagen findes ikke i måneden",
        "day value is outside expected range",
    ),
    "hour value is outside expected range of 0-23": (
        "timen skal være 0-23",
        "hour value is outside expected range of 0-23",
    ),
    "minute value is outside expected range of 0-59": (
        "minuttet skal være 0-59",
        "minute value is outside expected range of 0-59",
    ),
    "second value is outside expected range of 0-59": (
        "sekundet skal være 0-59",
        "second value is outside expected range of 0-59",
    ),
    "unexpected extra characters at the end of the input": (
        "der er ekstra tegn til sidst",
        "unexpected extra characters at the end of the input",
    ),
    "invalid datetime separator, expected `T`, `t`, `_` or space": (
        "forkert skilletegn mellem dato og tid",
        "invalid datetime separator, expected `T`, `t`, `_` or space",
    ),
    "invalid timezone sign": ("ugyldigt fortegn i tidszonen", "invalid timezone sign"),
    "timezone offset must be less than 24 hours": (
        "tidszonens forskydning skal være under 24 timer",
        "timezone offset must be less than 24 hours",
    ),
}

_P = re.compile

# Parametrised reasons: their named groups go into both texts (see `_value` for how).
PATTERNS: list[tuple[re.Pattern[str], tuple[str, str]]] = [
    (
        _P(r"the episode has ended \((?P<phase>\w+)\)"),
        ("forløbet er afsluttet ({phase})", "the episode has ended ({phase})"),
    ),
    (
        _P(r"the task is already (?P<status>\w+)"),
        ("opgaven er allerede {status}", "the task is already {status}"),
    ),
    (
        _P(r"the goal is already (?P<goal_status>\w+)"),
        ("målet er allerede {goal_status}", "the goal is already {goal_status}"),
    ),
    (
        _P(r"a (?P<role>\w+) cannot decide a task for (?P<role_2>\w+)"),
        (
            "rollen {role} kan ikke afgøre en opgave, der hører til {role_2}",
            "a {role} cannot decide a task for {role_2}",
        ),
    ),
    (
        _P(r"a (?P<task>\w+) task is completed with a (?P<task_2>\w+) result"),
        (
            "opgaven »{task}« afsluttes med et resultat af typen »{task_2}«",
            "a {task} task is completed with a {task_2} result",
        ),
    ),
    (
        _P(r"a (?P<task>\w+) task takes no (?P<task_2>\w+) result"),
        (
            "opgaven »{task}« tager ikke et resultat af typen »{task_2}«",
            "a {task} task takes no {task_2} result",
        ),
    ),
    (
        _P(r"a (?P<task>\w+) task can only be completed"),
        ("opgaven »{task}« kan kun afsluttes", "a {task} task can only be completed"),
    ),
    (
        _P(r"(?P<goal>\S+) is not an active goal of this episode"),
        (
            "{goal} er ikke et aktivt mål i dette forløb",
            "{goal} is not an active goal of this episode",
        ),
    ),
    (
        _P(r"goal (?P<goal>\S+) has no review"),
        ("mål {goal} mangler en vurdering", "goal {goal} has no review"),
    ),
    (
        _P(r"the citizen already has (?P<count>\d+) active goals"),
        (
            "borgeren har allerede {count} aktive mål",
            "the citizen already has {count} active goals",
        ),
    ),
    (
        _P(r"role (?P<role>\w+) may not do this \(needs (?P<roles>[\w, ]+)\)"),
        (
            "rollen {role} må ikke gøre dette (det kræver: {roles})",
            "role {role} may not do this (needs {roles})",
        ),
    ),
    (
        _P(r"role (?P<role>\w+) may not correct contact data"),
        (
            "rollen {role} må ikke rette kontaktoplysninger",
            "role {role} may not correct contact data",
        ),
    ),
    (
        _P(r"role (?P<role>\w+) may not report (?P<event>[\w.]+) events"),
        (
            "rollen {role} må ikke melde hændelser af typen {event}",
            "role {role} may not report {event} events",
        ),
    ),
    (
        _P(r"role (?P<role>\w+) may not read outcome reports"),
        (
            "rollen {role} må ikke læse resultatrapporter",
            "role {role} may not read outcome reports",
        ),
    ),
    (
        _P(r"role (?P<role>\w+) may not open this page"),
        (
            "rollen {role} må ikke åbne denne side",
            "role {role} may not open this page",
        ),
    ),
    (
        _P(r"unknown event type \(known: (?P<known>.+)\)"),
        ("ukendt hændelsestype (kendte: {known})", "unknown event type (known: {known})"),
    ),
    (
        _P(r"required for (?P<event>[\w.]+) events"),
        (
            "påkrævet for hændelser af typen {event}",
            "required for {event} events",
        ),
    ),
    (
        _P(r"must lie between (?P<first>\d+) and (?P<last>\d+)"),
        ("skal ligge mellem {first} og {last}", "must lie between {first} and {last}"),
    ),
    (_P(r"lies before (?P<year>\d+)"), ("ligger før {year}", "lies before {year}")),
    (
        _P(r"nested deeper than (?P<levels>\d+) levels"),
        ("indlejret dybere end {levels} niveauer", "nested deeper than {levels} levels"),
    ),
    (
        _P(r"larger than (?P<size>\d+) bytes"),
        ("større end {size} byte", "larger than {size} bytes"),
    ),
    (
        _P(r"no active programme with code (?P<code>.+)"),
        ("intet aktivt program har koden {code}", "no active programme with code {code}"),
    ),
    (
        _P(
            r"the meeting must be held by (?P<date>\S+) "
            r"\(five working days after the coordination plan\)"
        ),
        (
            "mødet skal holdes senest {date} (fem arbejdsdage efter koordinationsplanen)",
            "the meeting must be held by {date} (five working days after the coordination plan)",
        ),
    ),
    (
        _P(
            r"the citizen already has an open episode \((?P<episode>[^)]+)\) in this programme;"
            r" a second one is not started; to replace it, send "
            r"payload\.transfer_from_episode_id (?P<other>\S+)"
        ),
        (
            "borgeren har allerede et åbent forløb ({episode}) i dette program; et forløb "
            "nummer to startes ikke; send payload.transfer_from_episode_id {other} for at "
            "erstatte det",
            "the citizen already has an open episode ({episode}) in this programme; a second "
            "one is not started; to replace it, send payload.transfer_from_episode_id {other}",
        ),
    ),
    (_P(r"there are (?P<pages>\d+) pages"), ("der er {pages} sider", "there are {pages} pages")),
    (
        _P(r"must be a whole number from 1 to (?P<last>\d+)"),
        ("skal være et helt tal fra 1 til {last}", "must be a whole number from 1 to {last}"),
    ),
    # --- pydantic ---------------------------------------------------------------------------
    (
        _P(r"String should have at most (?P<n>\d+) characters?"),
        ("Teksten må højst have {n} tegn", "String should have at most {n} characters"),
    ),
    (
        _P(r"String should have at least (?P<n>\d+) characters?"),
        ("Teksten skal have mindst {n} tegn", "String should have at least {n} characters"),
    ),
    (
        _P(r"String should match pattern '(?P<pattern>.*)'"),
        (
            "Teksten har ikke den rette form ({pattern})",
            "String should match pattern '{pattern}'",
        ),
    ),
    (
        _P(r"Input should be greater than or equal to (?P<n>\S+)"),
        ("Værdien skal være mindst {n}", "Input should be greater than or equal to {n}"),
    ),
    (
        _P(r"Input should be greater than (?P<n>\S+)"),
        ("Værdien skal være større end {n}", "Input should be greater than {n}"),
    ),
    (
        _P(r"Input should be less than or equal to (?P<n>\S+)"),
        ("Værdien må højst være {n}", "Input should be less than or equal to {n}"),
    ),
    (
        _P(r"Input should be less than (?P<n>\S+)"),
        ("Værdien skal være mindre end {n}", "Input should be less than {n}"),
    ),
    (
        _P(r"Input should be (?P<choices>'[^']*'(?:, '[^']*')*(?: or '[^']*')?)"),
        ("Vælg en af: {choices}", "Input should be one of: {choices}"),
    ),
    (
        _P(r"\w+ should have at most (?P<n>\d+) items? after validation, not (?P<given>\d+)"),
        (
            "Der må højst være {n} (ikke {given})",
            "There should be at most {n} (not {given})",
        ),
    ),
    (
        _P(r"\w+ should have at least (?P<n>\d+) items? after validation, not (?P<given>\d+)"),
        (
            "Der skal være mindst {n} (ikke {given})",
            "There should be at least {n} (not {given})",
        ),
    ),
    (
        _P(r"Input should be a valid date in the format YYYY-MM-DD, (?P<detail>.+)"),
        (
            "Skriv en gyldig dato som ÅÅÅÅ-MM-DD ({detail})",
            "Input should be a valid date in the format YYYY-MM-DD ({detail})",
        ),
    ),
    (
        _P(r"Input should be a valid date or datetime, (?P<detail>.+)"),
        ("Skriv en gyldig dato ({detail})", "Input should be a valid date ({detail})"),
    ),
    (
        _P(r"Input should be a valid datetime(?: or date)?, (?P<detail>.+)"),
        (
            "Skriv en gyldig dato og et gyldigt tidspunkt ({detail})",
            "Input should be a valid date and time ({detail})",
        ),
    ),
    (
        _P(r"Input should be in a valid time format, (?P<detail>.+)"),
        (
            "Skriv et gyldigt tidspunkt som TT:MM ({detail})",
            "Input should be a valid time as HH:MM ({detail})",
        ),
    ),
    (_P(r"Value error, (?P<reason>.+)", re.S), ("{reason}", "{reason}")),
    (_P(r"Assertion failed, (?P<reason>.+)", re.S), ("{reason}", "{reason}")),
    (
        _P(r"value is not a valid (?P<what>.+)"),
        ("værdien er ikke gyldig ({what})", "value is not a valid {what}"),
    ),
]

# A named group -> the labels.VALUES group its value is shown by.
_VALUE_GROUPS = {
    "phase": "phase",
    "status": "status",
    "role": "role",
    "role_2": "role",
    "roles": "role",
    "task": "task",
    "task_2": "task",
}
# "field: reason"; a field is a dotted name (result.reviews.1.progress, Content-Type).
_FIELD_REASON = re.compile(r"(?P<field>[A-Za-z_][\w.\-]*): (?P<reason>.+)", re.S)
_INVALID_INPUT = re.compile(r"invalid input: (?P<summary>.+)", re.S)
# "a: x; b: y" -> "a: x", "b: y" (a reason may hold "; " itself, a field name no space).
_SUMMARY_SPLIT = re.compile(r"; (?=[A-Za-z_][\w.\-]*: )")
_CHOICE = re.compile(r"'([^']*)'")


def say(text: str, lang: str) -> str:
    """The reason (or refusal message) in the page's language; unknown text as it is."""
    said = _say(text, lang)
    return text if said is None else said


def known(text: str) -> bool:
    """Whether the catalog has this reason (or a pattern matches it)."""
    return _say(text, "da") is not None and _say(text, "en") is not None


def field_label(name: str, lang: str) -> str | None:
    """The field's name as the pages label it (`field.<name>` in the catalog), if they do."""
    key = f"field.{name}"
    return labels.text(key, lang) if key in labels.TEXTS else None


def _say(text: str, lang: str) -> str | None:
    index = 1 if lang == "en" else 0
    pair = REASONS.get(text)
    if pair is not None:
        return pair[index]
    for pattern, texts in PATTERNS:
        found = pattern.fullmatch(text)
        if found is not None:
            values = {k: _value(k, v, lang) for k, v in found.groupdict().items()}
            return texts[index].format(**values)
    invalid = _INVALID_INPUT.fullmatch(text)
    if invalid is not None:
        parts = _SUMMARY_SPLIT.split(invalid["summary"])
        return f"{REASONS['invalid input'][index]}: " + "; ".join(say(p, lang) for p in parts)
    shaped = _FIELD_REASON.fullmatch(text)
    if shaped is not None:
        reason = _say(shaped["reason"], lang)
        if reason is not None:
            name = shaped["field"]
            return f"{field_label(name, lang) or name}: {reason}"
    return None


def _value(name: str, raw: str, lang: str) -> str:
    """A captured value as the text shows it: an enum value by its label, a nested reason
    in the page's language, a list of choices by their labels."""
    if name == "reason":
        return say(raw, lang)
    if name == "detail":
        pair = DETAILS.get(raw)
        return raw if pair is None else pair[1 if lang == "en" else 0]
    if name == "choices":
        return _choices(_CHOICE.findall(raw), lang)
    if name == "goal_status":
        key = f"peer.goal_status.{raw}"
        return _inline(labels.text(key, lang)) if key in labels.TEXTS else raw
    group = _VALUE_GROUPS.get(name)
    if group is None:
        return raw
    return ", ".join(_inline(labels.value(group, v.strip(), lang)) for v in raw.split(","))


def _choices(values: list[str], lang: str) -> str:
    """'verbal', 'written' or 'digital' -> verbal, written or digital (by the labels of the
    one value group that has them all; else as they are)."""
    group = next(
        (g for g, known in labels.VALUES.items() if values and all(v in known for v in values)),
        None,
    )
    shown = [_inline(labels.value(group, v, lang)) if group else v for v in values]
    if len(shown) < 2:
        return "".join(shown)
    last = " or " if lang == "en" else " eller "
    return ", ".join(shown[:-1]) + last + shown[-1]


def _inline(label: str) -> str:
    """A label inside a sentence: "Closed" -> "closed", "I forløb" -> "i forløb", but "IPS"
    stays "IPS"."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label
