"""FHIR R4 element names (JSON keys) of the types read here, and the names of all resource types.

Data, checked against fhir.resources' R4B models by tests/medcom/test_fhir_oracle.py: FHIR allows no
other element, so a Bundle with one is not FHIR and is refused.
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


ELEMENTS: dict[str, frozenset[str]] = {
    "Bundle": _names(
        "entry id identifier _implicitRules implicitRules _language language link meta signature "
        "_timestamp timestamp _total total _type type"
    ),
    "Bundle.entry": _names(
        "extension _fullUrl fullUrl id link modifierExtension request resource response search"
    ),
    "MessageHeader": _names(
        "author contained _definition definition destination enterer eventCoding _eventUri "
        "eventUri extension focus id _implicitRules implicitRules _language language meta "
        "modifierExtension reason response responsible sender source text"
    ),
    "MessageHeader.destination": _names(
        "_endpoint endpoint extension id modifierExtension _name name receiver target"
    ),
    "MessageHeader.source": _names(
        "contact _endpoint endpoint extension id modifierExtension _name name _software software "
        "_version version"
    ),
    "Patient": _names(
        "_active active address _birthDate birthDate communication contact contained "
        "_deceasedBoolean deceasedBoolean _deceasedDateTime deceasedDateTime extension _gender "
        "gender generalPractitioner id identifier _implicitRules implicitRules _language language "
        "link managingOrganization maritalStatus meta modifierExtension _multipleBirthBoolean "
        "multipleBirthBoolean _multipleBirthInteger multipleBirthInteger name photo telecom text"
    ),
    "Encounter": _names(
        "account appointment basedOn class classHistory contained diagnosis episodeOfCare "
        "extension hospitalization id identifier _implicitRules implicitRules _language language "
        "length location meta modifierExtension participant partOf period priority reasonCode "
        "reasonReference serviceProvider serviceType _status status statusHistory subject text "
        "type"
    ),
    "Provenance": _names(
        "activity agent contained entity extension id _implicitRules implicitRules _language "
        "language location meta modifierExtension _occurredDateTime occurredDateTime "
        "occurredPeriod _policy policy reason _recorded recorded signature target text"
    ),
    "Provenance.agent": _names("extension id modifierExtension onBehalfOf role type who"),
    "Provenance.entity": _names("agent extension id modifierExtension _role role what"),
    "Organization": _names(
        "_active active address _alias alias contact contained endpoint extension id identifier "
        "_implicitRules implicitRules _language language meta modifierExtension _name name partOf "
        "telecom text type"
    ),
    "Coding": _names(
        "_code code _display display extension id _system system _userSelected userSelected "
        "_version version"
    ),
    "CodeableConcept": _names("coding extension id _text text"),
    "Identifier": _names("assigner extension id period _system system type _use use _value value"),
    "Reference": _names("_display display extension id identifier _reference reference _type type"),
    "Period": _names("_end end extension id _start start"),
    "Extension": _names(
        "extension id url valueAddress valueAge valueAnnotation valueAttachment valueBase64Binary "
        "valueBoolean valueCanonical valueCode valueCodeableConcept valueCodeableReference "
        "valueCoding valueContactDetail valueContactPoint valueContributor valueCount "
        "valueDataRequirement valueDate valueDateTime valueDecimal valueDistance valueDosage "
        "valueDuration valueExpression valueHumanName valueId valueIdentifier valueInstant "
        "valueInteger valueMarkdown valueMoney valueOid valueParameterDefinition valuePeriod "
        "valuePositiveInt valueQuantity valueRange valueRatio valueRatioRange valueReference "
        "valueRelatedArtifact valueSampledData valueSignature valueString valueTime valueTiming "
        "valueTriggerDefinition valueUnsignedInt valueUri valueUrl valueUsageContext valueUuid"
    ),
    "Meta": _names(
        "extension id _lastUpdated lastUpdated _profile profile security _source source tag "
        "_versionId versionId"
    ),
    "HumanName": _names(
        "extension _family family _given given id period _prefix prefix _suffix suffix _text text "
        "_use use"
    ),
}

RESOURCE_TYPES = _names(
    "Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment "
    "AppointmentResponse AuditEvent Basic Binary BiologicallyDerivedProduct BodyStructure "
    "Bundle CapabilityStatement CarePlan CareTeam CatalogEntry ChargeItem "
    "ChargeItemDefinition Claim ClaimResponse ClinicalImpression CodeSystem Communication "
    "CommunicationRequest CompartmentDefinition Composition ConceptMap Condition Consent "
    "Contract Coverage CoverageEligibilityRequest CoverageEligibilityResponse DetectedIssue "
    "Device DeviceDefinition DeviceMetric DeviceRequest DeviceUseStatement DiagnosticReport "
    "DocumentManifest DocumentReference Encounter Endpoint EnrollmentRequest "
    "EnrollmentResponse EpisodeOfCare EventDefinition Evidence EvidenceVariable "
    "ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal GraphDefinition Group "
    "GuidanceResponse HealthcareService ImagingStudy Immunization ImmunizationEvaluation "
    "ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice Library Linkage "
    "List Location Measure MeasureReport Media Medication MedicationAdministration "
    "MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement "
    "MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionOrder "
    "Observation ObservationDefinition OperationDefinition OperationOutcome Organization "
    "OrganizationAffiliation Parameters Patient PaymentNotice PaymentReconciliation Person "
    "PlanDefinition Practitioner PractitionerRole Procedure Provenance Questionnaire "
    "QuestionnaireResponse RelatedPerson RequestGroup ResearchDefinition "
    "ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment Schedule "
    "SearchParameter ServiceRequest Slot Specimen SpecimenDefinition StructureDefinition "
    "StructureMap Subscription Substance SupplyDelivery SupplyRequest Task "
    "TerminologyCapabilities TestReport TestScript ValueSet VerificationResult "
    "VisionPrescription"
)
"""Every FHIR R4 resource type (those R4B added are left out: MedCom speaks R4)."""
