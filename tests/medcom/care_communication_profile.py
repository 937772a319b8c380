"""A checker of MedCom's CareCommunication structure (IG 5.0.x), for tests.

`problems(bundle)` lists every way a CareCommunication Bundle (FHIR JSON, as a dict) departs
from what /work/shared/medcom/carecommunication/SENDING.md describes: the profiles, narratives,
code systems, the references (each must resolve inside the bundle, against the referring entry's
fullUrl base, except a Provenance's links to earlier messages' MessageHeaders), exactly one
primary destination, time stamps with seconds and a UTC offset, the current Provenance and the
payload segments it adds, and the new/reply/forward rules of section 8.

Each problem reads `<check>: <where>: <what>`; `skip` names checks not to run, for the
deviations MedCom's own examples have (SENDING.md section 10, see `MEDCOM_DEVIATIONS`). The
messages carry element paths, codes and ids, never a CPR or a name.

Built on purpose without the project's own MedCom code, so it checks that code independently.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
REPLACEMENT_ID_SYSTEMS = ("urn:oid:1.2.208.176.1.6.1.1", "urn:oid:1.2.208.176.1.6.1.3")
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"
GLN_SYSTEM = "https://www.gs1.org/gln"
SOR_ENDPOINT = "https://sor2.sum.dsdn.dk/#id="
_TERMINOLOGY = "http://medcomfhir.dk/ig/terminology/CodeSystem/"
EVENT_SYSTEM = _TERMINOLOGY + "medcom-messaging-eventCodes"
ACTIVITY_SYSTEM = _TERMINOLOGY + "medcom-messaging-activityCodes"
CATEGORY_SYSTEM = _TERMINOLOGY + "medcom-careCommunication-categoryCodes"
DESTINATION_USE_SYSTEM = _TERMINOLOGY + "medcom-messaging-destinationUse"
ROLE_SYSTEM = _TERMINOLOGY + "medcom-core-PractitionerRolesSKSadministrativ"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DESTINATION_USE_URL = (
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-destinationUseExtension"
)
_CORE_SD = "http://medcomfhir.dk/ig/core/StructureDefinition/"
_CC_SD = "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/"
DATETIME_EXT = _CORE_SD + "medcom-core-datetime-extension"
IDENTIFIER_EXT = _CORE_SD + "medcom-core-identifier-extension"
PRACTITIONER_EXT = _CORE_SD + "medcom-core-practitioner-extension"
CONTACT_EXT = _CORE_SD + "medcom-core-contact-extension"
SENDER_EXT = _CORE_SD + "medcom-core-sender-extension"
MESSAGE_DEFINITION = (
    "http://medcomfhir.dk/ig/messagedefinitions/MessageDefinition/"
    "MedComCareCommunicationMessageDefinition|5."
)
PROFILES = {
    "Bundle": _CC_SD + "medcom-careCommunication-message",
    "MessageHeader": _CC_SD + "medcom-careCommunication-messageHeader",
    "Communication": _CC_SD + "medcom-careCommunication-communication",
    "Provenance": _CC_SD + "medcom-careCommunication-provenance",
    "Patient": _CORE_SD + "medcom-core-patient",
    "Organization": "http://medcomfhir.dk/ig/messaging/StructureDefinition/"
    "medcom-messaging-organization",
    "PractitionerRole": _CORE_SD + "medcom-core-practitionerrole",
    "Practitioner": _CORE_SD + "medcom-core-practitioner",
    "CareTeam": _CORE_SD + "medcom-core-careteam",
    "Encounter": _CORE_SD + "medcom-core-encounter",
}
CATEGORIES = frozenset(
    [
        "alcohol-and-drug-treatment",
        "assistive-devices",
        "carecoordination",
        "decease",
        "discharge",
        "examination-results",
        "healthcare",
        "home-care-assessment",
        "medicine",
        "nursing",
        "outpatient",
        "psychiatry-social-disability",
        "regarding-referral",
        "telemedicine",
        "training",
        "acute-ambulant",
        "extended-care-responsibility",
        "other",
    ]
)
ACTIVITIES = ("new-message", "reply-message", "forward-message")
ATTACHMENT_TYPES = frozenset(
    ["application/pdf", "image/gif", "image/jpeg", "image/png", "image/tiff", "image/bmp"]
)
MEDCOM_DEVIATIONS: dict[str, frozenset[str]] = {
    # SENDING.md section 10: the public forward example names another organisation's SOR as
    # source.endpoint; the public message 5 carries a history segment no Provenance lists.
    "Bundle-c0426e3e-978f-46e8-a366-a30f27854b0a.json": frozenset({"source-endpoint"}),
    "Bundle-d11968f5-4bdf-4b50-b146-a8e1cc890fc3.json": frozenset({"segment-listed"}),
}
OUR_RULES = frozenset({"narrative-cpr"})
"""Checks that are our rules, not MedCom's: MedCom's example narratives show the CPR."""
"""Checks to skip for MedCom's example files (by file name): their documented deviations."""

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_URN_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_FULL_URL = re.compile(r"(?P<base>https?://\S+/)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[^/\s]+)")
_RELATIVE = re.compile(r"(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})")
_SOR = re.compile(r"[0-9]{6,18}")
_GLN = re.compile(r"[0-9]{13}")
_CPR = re.compile(r"[0-9]{10}")
_PHONE = re.compile(r"(\+45|0045)?[0-9]{8}")
_XHTML_DIV = '<div xmlns="http://www.w3.org/1999/xhtml"'


def gln_ok(value: object) -> bool:
    if not isinstance(value, str) or not _GLN.fullmatch(value):
        return False
    digits = [int(d) for d in value]
    weighted = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - weighted % 10) % 10 == digits[12]


def datetime_ok(value: object) -> bool:
    """A dateTime with seconds and a UTC offset."""
    return isinstance(value, str) and _DATETIME.fullmatch(value) is not None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _extension(element: Mapping[str, Any], url: str) -> list[Mapping[str, Any]]:
    return [_map(e) for e in _list(element.get("extension")) if _map(e).get("url") == url]


def _references(value: object, path: str) -> Iterator[tuple[str, str]]:
    """(path, reference) of every Reference.reference inside `value`."""
    if isinstance(value, Mapping):
        ref = value.get("reference")
        if isinstance(ref, str):
            yield path, ref
        for key, item in value.items():
            if key != "reference":
                yield from _references(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _references(item, f"{path}[{i}]")


class _Checker:
    def __init__(self, bundle: Mapping[str, Any], skip: Collection[str]) -> None:
        self.bundle = bundle
        self.skip = skip
        self.found: list[str] = []
        self.entries = [_map(e) for e in _list(bundle.get("entry"))]
        self.by_url: dict[str, Mapping[str, Any]] = {}
        self.url_of: dict[int, str] = {}
        for entry in self.entries:
            url, res = entry.get("fullUrl"), _map(entry.get("resource"))
            if isinstance(url, str):
                self.by_url.setdefault(url, res)
                self.url_of[id(res)] = url

    def problem(self, check: str, where: str, what: str) -> None:
        if check not in self.skip:
            self.found.append(f"{check}: {where}: {what}")

    def of_type(self, resource_type: str) -> list[Mapping[str, Any]]:
        return [
            _map(e.get("resource"))
            for e in self.entries
            if _map(e.get("resource")).get("resourceType") == resource_type
        ]

    def resolve(self, holder: Mapping[str, Any], ref: object) -> Mapping[str, Any] | None:
        """The entry a reference made in `holder` points to, resolved as FHIR resolves it."""
        reference = _map(ref).get("reference") if isinstance(ref, Mapping) else ref
        if not isinstance(reference, str):
            return None
        if reference in self.by_url:  # an absolute reference or a urn:uuid
            return self.by_url[reference]
        base_match = _FULL_URL.fullmatch(self.url_of.get(id(holder), ""))
        if base_match and _RELATIVE.fullmatch(reference):
            return self.by_url.get(base_match.group("base") + reference)
        return None

    def points_to(
        self, holder: Mapping[str, Any], ref: object, types: Sequence[str], where: str
    ) -> Mapping[str, Any] | None:
        target = self.resolve(holder, ref)
        if target is None:
            self.problem("reference", where, f"must point to a {' or '.join(types)} in the bundle")
            return None
        if target.get("resourceType") not in types:
            self.problem("reference", where, f"points to a {target.get('resourceType')}")
            return None
        return target

    # --- the checks ----------------------------------------------------------------------

    def run(self) -> list[str]:
        self.envelope()
        resources = [_map(e.get("resource")) for e in self.entries]
        for i, res in enumerate(resources):
            self.common(res, f"Bundle.entry[{i}]")
        self.all_references()
        header = self.one("MessageHeader")
        communication = self.one("Communication")
        self.one("Patient")
        if len(self.of_type("Organization")) < 2:
            self.problem("count", "Bundle", "needs at least 2 Organizations")
        if len(self.of_type("Encounter")) > 1:
            self.problem("count", "Bundle", "has more than one Encounter")
        for org in self.of_type("Organization"):
            self.organization(org)
        for patient in self.of_type("Patient"):
            self.patient(patient)
        for role in self.of_type("PractitionerRole"):
            self.practitioner_role(role)
        for practitioner in self.of_type("Practitioner"):
            name = _map(_list(practitioner.get("name"))[:1] and practitioner["name"][0])
            if not name.get("family"):
                self.problem("practitioner", "Practitioner.name", "needs a family name")
        for team in self.of_type("CareTeam"):
            if not team.get("name"):
                self.problem("careteam", "CareTeam.name", "is required")
            self.points_to(team, team.get("managingOrganization"), ["Organization"], "CareTeam.org")
        for encounter in self.of_type("Encounter"):
            self.encounter(encounter, header)
        for provenance in self.of_type("Provenance"):
            self.provenance(provenance)
        if header is not None:
            self.message_header(header)
        if communication is not None and header is not None:
            self.communication(communication, header)
            self.current_provenance(header, communication)
        return self.found

    def one(self, resource_type: str) -> Mapping[str, Any] | None:
        found = self.of_type(resource_type)
        if len(found) != 1:
            self.problem("count", "Bundle", f"needs exactly 1 {resource_type}, has {len(found)}")
        return found[0] if len(found) == 1 else None

    def envelope(self) -> None:
        b = self.bundle
        if b.get("resourceType") != "Bundle" or b.get("type") != "message":
            self.problem("bundle", "Bundle", "must be a Bundle of type message")
        if not isinstance(b.get("id"), str) or not _ID.fullmatch(b["id"]):
            self.problem("bundle", "Bundle.id", "must be a FHIR id")
        self.profile(b, "Bundle", "Bundle")
        if not datetime_ok(b.get("timestamp")):
            self.problem("time", "Bundle.timestamp", "needs seconds and a UTC offset")
        if not self.entries:
            self.problem("bundle", "Bundle.entry", "is empty")
            return
        first = _map(self.entries[0].get("resource")).get("resourceType")
        if first != "MessageHeader":
            self.problem("bundle", "Bundle.entry[0]", "must be the MessageHeader")
        urls = [e.get("fullUrl") for e in self.entries]
        if len(set(map(str, urls))) != len(urls):
            self.problem("fullurl", "Bundle.entry.fullUrl", "must be unique")

    def profile(self, res: Mapping[str, Any], resource_type: str, where: str) -> None:
        want = PROFILES[resource_type]
        have = [p for p in _list(_map(res.get("meta")).get("profile")) if isinstance(p, str)]
        if not any(p == want or p.startswith(want + "|") for p in have):
            self.problem("profile", f"{where}.meta.profile", f"must name {want}")

    def common(self, res: Mapping[str, Any], where: str) -> None:
        resource_type = res.get("resourceType")
        if resource_type not in PROFILES or resource_type == "Bundle":
            self.problem("resource", where, f"a {resource_type} has no place in the message")
            return
        where = f"{where}({resource_type})"
        res_id = res.get("id")
        if not isinstance(res_id, str) or not _ID.fullmatch(res_id):
            self.problem("id", f"{where}.id", "must be a FHIR id")
        url = self.url_of.get(id(res), "")
        match = _FULL_URL.fullmatch(url)
        absolute = match and match.group("type") == resource_type and match.group("id") == res_id
        if not absolute and url != f"urn:uuid:{res_id}":
            self.problem("fullurl", f"{where}.fullUrl", "must be <base>/<Type>/<id> or urn:uuid")
        self.profile(res, resource_type, where)
        text = _map(res.get("text"))
        statuses = (
            ("generated", "extensions") if resource_type == "Communication" else ("generated",)
        )
        if text.get("status") not in statuses:
            self.problem("narrative", f"{where}.text.status", f"must be {' or '.join(statuses)}")
        div = text.get("div")
        if not isinstance(div, str) or not div.startswith(_XHTML_DIV) or "</div>" not in div:
            self.problem("narrative", f"{where}.text.div", "must be an xhtml div")
        if isinstance(div, str):
            for cpr in self.cprs():
                if cpr in div:
                    self.problem("narrative-cpr", f"{where}.text.div", "must not hold the CPR")

    def cprs(self) -> list[str]:
        return [
            i["value"]
            for p in self.of_type("Patient")
            for i in map(_map, _list(p.get("identifier")))
            if i.get("system") == CPR_SYSTEM and isinstance(i.get("value"), str)
        ]

    def all_references(self) -> None:
        current_header_ids = {h.get("id") for h in self.of_type("MessageHeader")}
        for i, entry in enumerate(self.entries):
            res = _map(entry.get("resource"))
            for path, reference in _references(res, f"Bundle.entry[{i}]"):
                if self.resolve(res, reference) is not None:
                    continue
                earlier = (
                    res.get("resourceType") == "Provenance"
                    and (".target[" in path or ".entity[" in path)
                    and reference.startswith("MessageHeader/")
                    and reference.removeprefix("MessageHeader/") not in current_header_ids
                )
                if not earlier:
                    self.problem("reference", path, "does not resolve inside the bundle")

    def organization(self, org: Mapping[str, Any]) -> None:
        ids = [_map(i) for i in _list(org.get("identifier"))]
        sor = [i.get("value") for i in ids if i.get("system") == SOR_SYSTEM]
        gln = [i.get("value") for i in ids if i.get("system") == GLN_SYSTEM]
        if len(sor) != 1 or not isinstance(sor[0], str) or not _SOR.fullmatch(sor[0]):
            self.problem("organization", "Organization.identifier", "needs one SOR code")
        if len(gln) != 1 or not gln_ok(gln[0]):
            self.problem("organization-gln", "Organization.identifier", "needs one valid EAN/GLN")

    def sor_of(self, org: Mapping[str, Any] | None) -> str | None:
        for i in map(_map, _list(_map(org).get("identifier"))):
            if i.get("system") == SOR_SYSTEM and isinstance(i.get("value"), str):
                return str(i["value"])
        return None

    def patient(self, patient: Mapping[str, Any]) -> None:
        ids = [_map(i) for i in _list(patient.get("identifier"))]
        if not ids:
            self.problem("patient", "Patient.identifier", "needs a CPR or a replacement id")
        for i in ids:
            system, value = i.get("system"), i.get("value")
            if system == CPR_SYSTEM:
                if not isinstance(value, str) or not _CPR.fullmatch(value):
                    self.problem("patient", "Patient.identifier", "CPR must be 10 digits")
            elif not (isinstance(system, str) and system.startswith(REPLACEMENT_ID_SYSTEMS)):
                self.problem("patient", "Patient.identifier.system", "is no CPR/eCPR system")
        names = [_map(n) for n in _list(patient.get("name"))]
        if not any(n.get("use") == "official" and n.get("family") for n in names):
            self.problem("patient", "Patient.name", "needs an official name with a family")

    def practitioner_role(self, role: Mapping[str, Any]) -> None:
        self.points_to(
            role, role.get("practitioner"), ["Practitioner"], "PractitionerRole.practitioner"
        )
        codes = [_map(c) for c in _list(role.get("code"))]
        if not codes:
            self.problem("practitionerrole", "PractitionerRole.code", "is required")
        for code in codes:
            codings = [_map(c) for c in _list(code.get("coding"))]
            if bool(codings) == bool(code.get("text")):
                self.problem(
                    "practitionerrole", "PractitionerRole.code", "needs either coding or text"
                )
            if any(c.get("system") != ROLE_SYSTEM or not c.get("code") for c in codings):
                self.problem("practitionerrole", "PractitionerRole.code.coding", "wrong system")

    def encounter(self, encounter: Mapping[str, Any], header: Mapping[str, Any] | None) -> None:
        if not encounter.get("status"):
            self.problem("encounter", "Encounter.status", "is required")
        cls = _map(encounter.get("class"))
        if cls.get("system") != ACT_CODE_SYSTEM or cls.get("code") != "IMP":
            self.problem("encounter", "Encounter.class", "must be v3-ActCode#IMP")
        self.points_to(encounter, encounter.get("subject"), ["Patient"], "Encounter.subject")
        episodes = [_map(_map(e).get("identifier")) for e in _list(encounter.get("episodeOfCare"))]
        if not episodes:
            self.problem("encounter", "Encounter.episodeOfCare", "needs an identifier")
        for ident in episodes:
            system, value = ident.get("system"), ident.get("value")
            if not (isinstance(system, str) and system.startswith(SOR_ENDPOINT)):
                self.problem("encounter", "Encounter.episodeOfCare.identifier", "needs a system")
            if not (isinstance(value, str) and value.startswith("urn:uuid:")):
                self.problem(
                    "encounter", "Encounter.episodeOfCare.identifier", "value must be a urn:uuid"
                )

    def provenance(self, prov: Mapping[str, Any]) -> None:
        targets = _list(prov.get("target"))
        ref = _map(targets[0]).get("reference") if len(targets) == 1 else None
        if not (isinstance(ref, str) and ref.startswith("MessageHeader/")):
            self.problem("provenance", "Provenance.target", "must be one MessageHeader reference")
        for name in ("occurredDateTime", "recorded"):
            if not datetime_ok(prov.get(name)):
                self.problem("time", f"Provenance.{name}", "needs seconds and a UTC offset")
        codings = [_map(c) for c in _list(_map(prov.get("activity")).get("coding"))]
        if not any(
            c.get("system") == ACTIVITY_SYSTEM and c.get("code") in ACTIVITIES for c in codings
        ):
            self.problem("provenance", "Provenance.activity", "must be a message activity code")
        agents = [_map(a) for a in _list(prov.get("agent"))]
        if not agents:
            self.problem("provenance", "Provenance.agent", "is required")
        else:
            self.points_to(prov, agents[0].get("who"), ["Organization"], "Provenance.agent.who")
        for entity in map(_map, _list(prov.get("entity"))):
            role, what = entity.get("role"), _map(entity.get("what"))
            if role == "source":
                if not _map(what.get("identifier")).get("value"):
                    self.problem("provenance", "Provenance.entity", "source needs an identifier")
            elif role == "revision":
                ref = what.get("reference")
                ident = _map(what.get("identifier")).get("value")
                if not (isinstance(ref, str) and ref.startswith("MessageHeader/")) and not ident:
                    self.problem(
                        "provenance", "Provenance.entity", "revision needs a MessageHeader"
                    )
            else:
                self.problem("provenance", "Provenance.entity.role", "must be source or revision")

    def message_header(self, header: Mapping[str, Any]) -> None:
        event = _map(header.get("eventCoding"))
        if event.get("system") != EVENT_SYSTEM or event.get("code") != "care-communication-message":
            self.problem(
                "header", "MessageHeader.eventCoding", "must be care-communication-message"
            )
        definition = header.get("definition")
        if not (isinstance(definition, str) and definition.startswith(MESSAGE_DEFINITION)):
            self.problem("header", "MessageHeader.definition", "must be the 5.x definition")
        sender = self.points_to(
            header, header.get("sender"), ["Organization"], "MessageHeader.sender"
        )
        endpoint = _map(header.get("source")).get("endpoint")
        if sender is not None and endpoint != SOR_ENDPOINT + str(self.sor_of(sender)):
            self.problem(
                "source-endpoint", "MessageHeader.source.endpoint", "must be the sender's SOR"
            )
        destinations = [_map(d) for d in _list(header.get("destination"))]
        if len(destinations) != 1:
            self.problem("destination", "MessageHeader.destination", "must be exactly one")
        for d in destinations:
            uses = [_map(e.get("valueCoding")) for e in _extension(d, DESTINATION_USE_URL)]
            if uses != [{"system": DESTINATION_USE_SYSTEM, "code": "primary"}]:
                self.problem("destination", "MessageHeader.destination", "must be primary")
            receiver = self.points_to(
                header, d.get("receiver"), ["Organization"], "MessageHeader.destination.receiver"
            )
            if receiver is not None and d.get("endpoint") != SOR_ENDPOINT + str(
                self.sor_of(receiver)
            ):
                self.problem(
                    "destination", "MessageHeader.destination.endpoint", "must be its SOR URL"
                )
        focus = _list(header.get("focus"))
        if len(focus) != 1:
            self.problem("header", "MessageHeader.focus", "must be exactly one")
        else:
            self.points_to(header, focus[0], ["Communication"], "MessageHeader.focus")

    def receiver(self, header: Mapping[str, Any]) -> Mapping[str, Any] | None:
        first = _list(header.get("destination"))[:1]
        return self.resolve(header, _map(first[0]).get("receiver")) if first else None

    def communication(self, com: Mapping[str, Any], header: Mapping[str, Any]) -> None:
        if com.get("status") != "unknown":
            self.problem("communication", "Communication.status", "must be unknown")
        identifiers = [_map(i) for i in _list(com.get("identifier"))]
        if (
            len(identifiers) != 1
            or "system" in identifiers[0]
            or not _URN_UUID.fullmatch(str(identifiers[0].get("value")))
        ):
            self.problem(
                "communication", "Communication.identifier", "must be one urn:uuid, no system"
            )
        categories = _list(com.get("category"))
        codings = _list(_map(categories[0]).get("coding")) if len(categories) == 1 else []
        code = _map(codings[0]).get("code") if len(codings) == 1 else None
        if (
            len(codings) != 1
            or _map(codings[0]).get("system") != CATEGORY_SYSTEM
            or code not in CATEGORIES
        ):
            self.problem("communication", "Communication.category", "must be one category code")
        if "priority" in com and (
            code != "regarding-referral" or com["priority"] not in ("asap", "routine")
        ):
            self.problem("communication", "Communication.priority", "only asap/routine, referral")
        topic = com.get("topic")
        if topic is not None and not _map(topic).get("text"):
            self.problem("communication", "Communication.topic", "needs text")
        if code == "other" and not _map(topic).get("text"):
            self.problem("communication", "Communication.topic", "is required with 'other'")
        self.points_to(com, com.get("subject"), ["Patient"], "Communication.subject")
        has_encounter = bool(self.of_type("Encounter"))
        if has_encounter != ("encounter" in com):
            self.problem("communication", "Communication.encounter", "iff there is an Encounter")
        elif has_encounter:
            self.points_to(com, com.get("encounter"), ["Encounter"], "Communication.encounter")
        receiver = self.receiver(header)
        sender = self.resolve(header, header.get("sender"))
        recipients = _list(com.get("recipient"))
        if len(recipients) > 1:
            self.problem("communication", "Communication.recipient", "at most one")
        for r in recipients:
            target = self.points_to(
                com, r, ["PractitionerRole", "CareTeam"], "Communication.recipient"
            )
            org_ref = _map(target).get("organization") or _map(target).get("managingOrganization")
            if target is not None and self.resolve(target, org_ref) is not receiver:
                self.problem("communication", "Communication.recipient", "not of the receiver")
        for ext in _extension(com, SENDER_EXT):
            target = self.points_to(
                com,
                ext.get("valueReference"),
                ["PractitionerRole", "CareTeam"],
                "Communication.extension(sender)",
            )
            org_ref = _map(target).get("organization") or _map(target).get("managingOrganization")
            if org_ref and self.resolve(_map(target), org_ref) is not sender:
                self.problem("communication", "Communication.extension(sender)", "not of sender")
        payload = [_map(p) for p in _list(com.get("payload"))]
        if not any(isinstance(p.get("contentString"), str) for p in payload):
            self.problem("payload", "Communication.payload", "needs a text segment")
        for i, segment in enumerate(payload):
            self.segment(com, segment, f"Communication.payload[{i}]")

    def segment(self, com: Mapping[str, Any], segment: Mapping[str, Any], where: str) -> None:
        times = _extension(segment, DATETIME_EXT)
        if len(times) != 1 or not datetime_ok(times[0].get("valueDateTime")):
            self.problem("time", f"{where}(datetime)", "needs one, with seconds and offset")
        idents = _extension(segment, IDENTIFIER_EXT)
        ident = _map(idents[0].get("valueIdentifier")) if len(idents) == 1 else {}
        if not _URN_UUID.fullmatch(str(ident.get("value"))):
            self.problem("payload", f"{where}(identifier)", "needs one urn:uuid")
        self.points_to(com, ident.get("assigner"), ["Organization"], f"{where}(assigner)")
        for ext in _extension(segment, PRACTITIONER_EXT):
            self.points_to(
                com, ext.get("valueReference"), ["PractitionerRole"], f"{where}(practitioner)"
            )
        for ext in _extension(segment, CONTACT_EXT):
            contact = _map(ext.get("valueContactPoint"))
            if contact.get("system") != "phone" or not _PHONE.fullmatch(str(contact.get("value"))):
                self.problem("payload", f"{where}(contact)", "must be a Danish phone number")
        text, attachment = segment.get("contentString"), segment.get("contentAttachment")
        if (text is None) == (attachment is None):
            self.problem("payload", where, "needs contentString or contentAttachment")
        if text is not None and (not isinstance(text, str) or not text.strip()):
            self.problem("payload", f"{where}.contentString", "must be text")
        if attachment is not None:
            att = _map(attachment)
            if not att.get("title"):
                self.problem("payload", f"{where}.contentAttachment.title", "is required")
            if "url" not in att and att.get("contentType") not in ATTACHMENT_TYPES:
                self.problem("payload", f"{where}.contentAttachment", "type not allowed")
            if "creation" in att and not datetime_ok(att["creation"]):
                self.problem("time", f"{where}.contentAttachment.creation", "seconds and offset")

    def current_provenance(self, header: Mapping[str, Any], com: Mapping[str, Any]) -> None:
        provenances = self.of_type("Provenance")
        mine = f"MessageHeader/{header.get('id')}"
        current = [
            p
            for p in provenances
            if [_map(t).get("reference") for t in _list(p.get("target"))] == [mine]
        ]
        if len(current) != 1:
            self.problem("current-provenance", "Provenance", "exactly one must target the header")
            return
        prov = current[0]
        activity = next(
            (
                _map(c).get("code")
                for c in _list(_map(prov.get("activity")).get("coding"))
                if _map(c).get("system") == ACTIVITY_SYSTEM
            ),
            None,
        )
        agents = _list(prov.get("agent"))
        sender = self.resolve(header, header.get("sender"))
        if not agents or self.resolve(prov, _map(_map(agents[0]).get("who"))) is not sender:
            self.problem("current-agent", "Provenance.agent.who", "must be the sender")
        if prov.get("occurredDateTime") != self.bundle.get("timestamp"):
            self.problem("current-time", "Provenance.occurredDateTime", "≠ Bundle.timestamp")
        entities = [_map(e) for e in _list(prov.get("entity"))]
        revisions = [e for e in entities if e.get("role") == "revision"]
        if activity == "new-message":
            if revisions or len(provenances) != 1:
                self.problem("new-message", "Provenance", "a new message has 1, no revision")
        elif len(revisions) != 1 or len(provenances) < 2:
            self.problem("reply-forward", "Provenance", "needs a revision and the history")
        added = {
            _map(_map(e.get("what")).get("identifier")).get("value")
            for e in entities
            if e.get("role") == "source"
        }
        if not added:
            self.problem("current-provenance", "Provenance.entity", "adds no segment")
        listed = {
            _map(_map(e.get("what")).get("identifier")).get("value")
            for p in provenances
            for e in map(_map, _list(p.get("entity")))
            if e.get("role") == "source"
        }
        segments: dict[object, Mapping[str, Any]] = {}
        for segment in map(_map, _list(com.get("payload"))):
            idents = _extension(segment, IDENTIFIER_EXT)
            if idents:
                segments[_map(idents[0].get("valueIdentifier")).get("value")] = segment
        for value in added:
            if value not in segments:
                self.problem("current-provenance", "Provenance.entity", "names no segment")
                continue
            segment = segments[value]
            ident = _map(_extension(segment, IDENTIFIER_EXT)[0].get("valueIdentifier"))
            if self.resolve(com, ident.get("assigner")) is not sender:
                self.problem("payload", "Communication.payload(assigner)", "new: the sender")
            att = segment.get("contentAttachment")
            if att is not None and not ("data" in _map(att) or "url" in _map(att)):
                self.problem("payload", "Communication.payload", "new attachment needs data/url")
        if any(v not in listed for v in segments):
            self.problem("segment-listed", "Communication.payload", "a segment no Provenance adds")


def problems(bundle: Mapping[str, Any], *, skip: Collection[str] = ()) -> list[str]:
    """Every departure of `bundle` from MedCom's CareCommunication structure (empty: none).

    `skip`: names of checks (the part before the first colon) not to run."""
    return _Checker(bundle, skip).run()
