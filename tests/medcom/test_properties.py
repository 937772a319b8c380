"""Property: whatever arrives, parsing raises nothing but MedcomError, and never shows the CPR;
what it accepts is FHIR (fhir.resources' R4B models, see test_fhir_oracle.py)."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.medcom import MedcomError, parse_hospital_notification, to_episode_events
from api.medcom.parse import as_mapping
from schemas.people import SYSTEM
from tests.medcom.bundles import cpr_of, example_files, short_name
from tests.medcom.test_fhir_oracle import assert_fhir

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "Bundle",
            "message",
            "MessageHeader",
            "Patient",
            "Encounter",
            "Provenance",
            "Organization",
            "2022-12-07T12:00:00+02:00",
            "2022-12-07T12:00:00",
            "urn:oid:1.2.208.176.1.2",
            "admit-inpatient",
            "IMP",
        ]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["resourceType", "id", "type", "entry", "resource", "timestamp"])
            | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(raw: object, secret: str | None = None) -> None:
    error: MedcomError | None = None
    try:
        n = parse_hospital_notification(raw)
    except MedcomError as caught:
        error = caught
    if error is None:
        # Whatever parses also maps: to_episode_events never fails on a parsed notification
        # (a revise/cancel given the event of its earlier message, as the intake finds it).
        target = None if n.earlier_message_header_id is None else "medcom:earlier"
        assert to_episode_events(
            n, actor=SYSTEM, event_id=f"medcom:{n.message_header_id}", target_event_id=target
        )
        assert_fhir(dict(as_mapping(raw)))
        return
    assert error.field.startswith("Bundle")
    if secret is not None:
        assert secret not in str(error)
        assert all(secret not in r for r in error.reasons)


@SETTINGS
@given(json_values)
def test_arbitrary_json_values(raw: object) -> None:
    check(raw)


@SETTINGS
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_arbitrary_text_and_bytes(raw: str | bytes) -> None:
    check(raw)


@SETTINGS
@given(
    st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    st.sampled_from(["Bundle"]),
    st.sampled_from(["message", "collection"]),
    st.lists(json_values, max_size=4),
)
def test_bundle_shaped_garbage(extra: dict[str, Any], rt: str, kind: str, entry: list[Any]) -> None:
    check({**extra, "resourceType": rt, "type": kind, "entry": entry})


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON tree, except into the narrative (`text`), which nobody reads."""
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            if key != "text":
                found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*prefix, i))
    return found


EXAMPLES = [json.loads(p.read_text(encoding="utf-8")) for p in example_files()]
EXAMPLE_IDS = [short_name(p) for p in example_files()]


@SETTINGS
@given(st.data())
def test_mutated_examples(data: st.DataObject) -> None:
    index = data.draw(st.sampled_from(range(len(EXAMPLES))), label="example")
    bundle = copy.deepcopy(EXAMPLES[index])
    secret = cpr_of(bundle)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = [p for p in _paths(bundle) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = bundle
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans(), label="delete"):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(json_values, label="value")
    check(bundle, secret)
