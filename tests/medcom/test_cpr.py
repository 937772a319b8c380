"""The one Cpr type: what it accepts and refuses, and that a refusal never shows the number."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from api.errors import field_errors
from api.event_input import CitizenIn
from schemas.cpr import CPR_LIKE, Cpr
from schemas.medcom import HospitalNotification

MADE_UP = "0101901234"  # CPR-shaped, made up; still treated as personal data


class Holder(BaseModel):
    cpr: Cpr


def test_ten_digits_are_a_cpr() -> None:
    assert Holder(cpr=MADE_UP).cpr == MADE_UP


@pytest.mark.parametrize(
    "value",
    [
        "",
        MADE_UP[:9],
        MADE_UP + "5",
        f"{MADE_UP[:6]}-{MADE_UP[6:]}",
        f" {MADE_UP}",
        f"{MADE_UP}\n",
        MADE_UP[:6] + "abcd",
        "٠١٠١٩٠١٢٣٤",  # Arabic-Indic digits: digits to Python, not to a CPR
    ],
    ids=["empty", "nine", "eleven", "hyphen", "space", "newline", "letters", "other-digits"],
)
def test_anything_else_is_refused_without_showing_it(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Holder(cpr=value)
    (error,) = caught.value.errors(include_input=False)
    assert error["loc"] == ("cpr",)
    assert error["msg"] == "CPR must be 10 digits"
    if value:
        assert value not in error["msg"]


def test_a_number_is_not_a_string_of_digits() -> None:
    with pytest.raises(ValidationError) as caught:
        Holder.model_validate({"cpr": int(MADE_UP)})
    assert caught.value.errors()[0]["type"] == "string_type"


def test_repr_hides_the_cpr() -> None:
    assert MADE_UP not in repr(Holder(cpr=MADE_UP))


def test_the_schema_says_ten_digits() -> None:
    schema: dict[str, Any] = Holder.model_json_schema()["properties"]["cpr"]
    assert schema["pattern"] == "^[0-9]{10}$"
    assert "10 digits" in schema["description"]


def test_the_referral_and_the_notification_use_it() -> None:
    """One type: the API's citizen and MedCom's notification refuse alike."""
    for model in (CitizenIn, HospitalNotification):
        assert model.model_fields["cpr"].metadata == Holder.model_fields["cpr"].metadata
    with pytest.raises(ValidationError) as caught:
        CitizenIn(cpr="12", name="X")
    reasons = {e.field: e.reason for e in field_errors(caught.value, prefix="payload.citizen")}
    assert reasons == {"payload.citizen.cpr": "CPR must be 10 digits"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"id {MADE_UP} here", True),
        (f"id {MADE_UP[:6]}-{MADE_UP[6:]} here", True),
        (f"order 9{MADE_UP}", False),  # eleven digits: a longer number, not a CPR
        ("phone 12345678", False),
    ],
)
def test_cpr_like_text_is_detected(text: str, found: bool) -> None:
    assert (CPR_LIKE.search(text) is not None) is found
