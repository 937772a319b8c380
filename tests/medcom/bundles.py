"""The shared MedCom example bundles, loaded as fresh copies to mutate in tests."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

# MedCom's published example messages, unmodified (see examples/README.md for the source).
MEDCOM_DIR = Path(__file__).resolve().parent / "examples"
HN_DIR = MEDCOM_DIR / "hospitalnotification"
CARE_DIR = MEDCOM_DIR / "carecommunication"


def example_files() -> list[Path]:
    """Every HospitalNotification example (IG 3.0.2 and legacy 2.0.0), sorted."""
    return sorted(HN_DIR.glob("*.json")) + sorted((HN_DIR / "legacy-v2.0.0").glob("*.json"))


def short_name(path: Path) -> str:
    """`Bundle-a5e5b880-….json` -> `a5e5b880` (bundle ids, never personal data)."""
    return path.stem.removeprefix("Bundle-").split("-")[0]


@cache
def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def example(prefix: str) -> dict[str, Any]:
    """A deep copy of the example whose bundle id starts with `prefix`."""
    matches = [p for p in example_files() if short_name(p).startswith(prefix)]
    assert len(matches) == 1, f"one MedCom example {prefix!r} under {HN_DIR}: {matches}"
    return copy.deepcopy(_load(matches[0]))


def resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"].get("resourceType") == resource_type
    ]


def resource(bundle: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (found,) = resources(bundle, resource_type)
    return found


def header_id(bundle: dict[str, Any]) -> str:
    value: str = resource(bundle, "MessageHeader")["id"]
    return value


def current_provenance(bundle: dict[str, Any]) -> dict[str, Any]:
    mine = f"MessageHeader/{header_id(bundle)}"
    (found,) = [p for p in resources(bundle, "Provenance") if p["target"][0]["reference"] == mine]
    return found


def cpr_of(bundle: dict[str, Any]) -> str:
    """The example's CPR, read from the data so that no test file spells one out."""
    patient = resource(bundle, "Patient")
    value: str = next(
        i["value"] for i in patient["identifier"] if i["system"] == "urn:oid:1.2.208.176.1.2"
    )
    return value


def drop(bundle: dict[str, Any], resource_type: str) -> None:
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"].get("resourceType") != resource_type
    ]
