"""fhir.resources as oracle: every Bundle the parser accepts is FHIR; what FHIR refuses, so do we.

The package ships FHIR R4B (4.3.0), R5 and STU3 models but not R4; R4B is R4 with a few resource
types added and leaves the types a HospitalNotification uses as they were, so it is the oracle.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fhir.resources.R4B as r4b
import pytest
from fhir.resources.R4B.bundle import Bundle as R4BBundle
from fhir.resources.R4B.resource import Resource as R4BResource
from pydantic import BaseModel, ValidationError

from api.medcom import parse_hospital_notification
from schemas.fhir_elements import ELEMENTS, RESOURCE_TYPES
from tests.medcom.bundles import (
    current_provenance,
    example,
    example_files,
    resource,
    resources,
    short_name,
)
from tests.medcom.test_failures import fails

# Each type read here, and where fhir.resources keeps its R4B model.
R4B_MODELS = {
    "Bundle": ("bundle", "Bundle"),
    "Bundle.entry": ("bundle", "BundleEntry"),
    "MessageHeader": ("messageheader", "MessageHeader"),
    "MessageHeader.destination": ("messageheader", "MessageHeaderDestination"),
    "MessageHeader.source": ("messageheader", "MessageHeaderSource"),
    "Patient": ("patient", "Patient"),
    "Encounter": ("encounter", "Encounter"),
    "Provenance": ("provenance", "Provenance"),
    "Provenance.agent": ("provenance", "ProvenanceAgent"),
    "Provenance.entity": ("provenance", "ProvenanceEntity"),
    "Organization": ("organization", "Organization"),
    "Coding": ("coding", "Coding"),
    "CodeableConcept": ("codeableconcept", "CodeableConcept"),
    "Identifier": ("identifier", "Identifier"),
    "Reference": ("reference", "Reference"),
    "Period": ("period", "Period"),
    "Extension": ("extension", "Extension"),
    "Meta": ("meta", "Meta"),
    "HumanName": ("humanname", "HumanName"),
}
# Resource types R4B added to R4; a MedCom message (FHIR R4) cannot hold them.
ADDED_IN_R4B = {
    "AdministrableProductDefinition",
    "Citation",
    "ClinicalUseDefinition",
    "EvidenceReport",
    "Ingredient",
    "ManufacturedItemDefinition",
    "MedicinalProductDefinition",
    "NutritionProduct",
    "PackagedProductDefinition",
    "RegulatedAuthorization",
    "SubscriptionStatus",
    "SubscriptionTopic",
    "SubstanceDefinition",
}


def assert_fhir(bundle: dict[str, Any]) -> None:
    """The oracle's verdict, with the places it objects to (never the values) on failure."""
    try:
        R4BBundle.model_validate(bundle)
    except ValidationError as err:
        where = [".".join(str(p) for p in e["loc"]) for e in err.errors(include_input=False)]
        pytest.fail(f"the parser accepted a Bundle that is not FHIR R4B: {where}")
    except KeyError:  # how fhir.resources refuses an unknown resourceType
        pytest.fail("the parser accepted a Bundle with a resource type FHIR R4B does not have")


def r4b_element_names(module: str, name: str) -> set[str]:
    model: type[BaseModel] = getattr(importlib.import_module(f"fhir.resources.R4B.{module}"), name)
    # `fhir_comments` is the package's own addition, not a FHIR element.
    return {f.alias or n for n, f in model.model_fields.items() if n != "fhir_comments"}


def r4b_resource_types() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(r4b.__path__):
        module = importlib.import_module(f"fhir.resources.R4B.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, R4BResource)
                and value.__module__ == module.__name__
                and value.__name__.lower() == info.name
            ):
                found.add(value.__name__)
    return found - {"Resource", "DomainResource"}  # abstract: never a resourceType


@pytest.mark.parametrize("fhir_type", sorted(R4B_MODELS))
def test_the_elements_allowed_are_those_fhir_defines(fhir_type: str) -> None:
    assert ELEMENTS[fhir_type] == r4b_element_names(*R4B_MODELS[fhir_type])


def test_every_type_read_is_compared_with_the_oracle() -> None:
    assert set(ELEMENTS) == set(R4B_MODELS)


def test_the_resource_types_are_fhirs() -> None:
    known = r4b_resource_types()
    assert known >= RESOURCE_TYPES
    assert known - RESOURCE_TYPES == ADDED_IN_R4B


@pytest.mark.parametrize("path", example_files(), ids=short_name)
def test_every_example_is_accepted_and_is_fhir(path: Path) -> None:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    parse_hospital_notification(bundle)
    assert_fhir(bundle)


# --- where the parser used to accept what FHIR refuses ---------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _organization(bundle: dict[str, Any]) -> dict[str, Any]:
    return resources(bundle, "Organization")[0]


TIGHTENED: list[tuple[str, Mutation, str, str]] = [
    (
        "an element FHIR does not define",
        lambda b: resource(b, "Patient").__setitem__("favouriteColour", "blue"),
        "Bundle.entry[Patient]",
        "has an element that FHIR R4 does not define for Patient",
    ),
    (
        "an element in a data type FHIR does not define",
        lambda b: resource(b, "Encounter")["class"].__setitem__("colour", "blue"),
        "Bundle.entry[Encounter].class",
        "does not define for Coding",
    ),
    (
        "an element in a Bundle entry FHIR does not define",
        lambda b: b["entry"][0].__setitem__("note", "x"),
        "Bundle.entry[0]",
        "does not define for Bundle.entry",
    ),
    (
        "a Provenance without its agent",
        lambda b: current_provenance(b).pop("agent"),
        "Bundle.entry[Provenance].agent",
        "required",
    ),
    (
        "a Provenance agent without who",
        lambda b: current_provenance(b)["agent"][0].pop("who"),
        "Bundle.entry[Provenance].agent[0].who",
        "required",
    ),
    (
        "a profile that is not a list of canonical URLs",
        lambda b: resource(b, "Patient")["meta"].__setitem__("profile", [7]),
        "Bundle.entry[Patient].meta.profile[0]",
        "valid string",
    ),
    (
        "an empty identifier value",
        lambda b: _organization(b)["identifier"][0].__setitem__("value", ""),
        "Bundle.entry[Organization].identifier[0].value",
        "must not be empty",
    ),
    (
        "a code with a trailing space",
        lambda b: current_provenance(b)["activity"]["coding"][0].__setitem__(
            "code", "admit-inpatient "
        ),
        "Bundle.entry[Provenance].activity.coding[0].code",
        "must be a code",
    ),
    (
        "a UTC offset beyond +14:00",
        lambda b: resource(b, "Encounter")["period"].__setitem__(
            "start", "2022-12-07T12:00:00+15:00"
        ),
        "Bundle.entry[Encounter].period.start",
        "outside -14:00 to +14:00",
    ),
    (
        "a resource type FHIR does not have",
        lambda b: b["entry"].append({"resource": {"resourceType": "Nonsense", "id": "x"}}),
        "Bundle.entry[6].resource.resourceType",
        "is not a FHIR R4 resource type",
    ),
    (
        "a Bundle entry that is a Bundle in name only",
        lambda b: b["entry"].append(
            {"resource": {**current_provenance(b), "resourceType": "Bundle"}}
        ),
        "Bundle.entry[Bundle]",
        "does not define for Bundle",
    ),
    (
        "an Organization name that is empty",
        lambda b: _organization(b).__setitem__("name", ""),
        "Bundle.entry[Organization].name",
        "must not be empty",
    ),
    (
        "a family name that is not a string",
        lambda b: resource(b, "Patient")["name"][0].__setitem__("family", ["x"]),
        "Bundle.entry[Patient].name[0].family",
        "valid string",
    ),
    (
        "an element id that is not a string",
        lambda b: resource(b, "Patient")["meta"].__setitem__("id", 5),
        "Bundle.entry[Patient].meta.id",
        "valid string",
    ),
    (
        "a message destination without its endpoint",
        lambda b: resource(b, "MessageHeader")["destination"][0].pop("endpoint"),
        "Bundle.entry[MessageHeader].destination[0].endpoint",
        "required",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [case[1:] for case in TIGHTENED],
    ids=[case[0] for case in TIGHTENED],
)
def test_what_fhir_refuses_is_refused(mutate: Mutation, field: str, reason: str) -> None:
    bundle = example("a5e5b880")
    mutate(bundle)
    with pytest.raises((ValidationError, KeyError)):  # KeyError: an unknown resourceType
        R4BBundle.model_validate(bundle)
    fails(bundle, field, reason)
