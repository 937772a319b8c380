"""The Danish CPR number: one type for every input that accepts one, and a CPR-like detector."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

CPR_PATTERN = r"^[0-9]{10}$"
_CPR = re.compile(CPR_PATTERN)

CPR_LIKE = re.compile(r"(?<![0-9])[0-9]{6}-?[0-9]{4}(?![0-9])")
"""Text shaped like a CPR number (hyphen or not): for texts that must never carry one, such as
error messages. Not a validator: it also matches numbers that are no CPR."""


def is_cpr(value: object) -> bool:
    """10 digits, no hyphen: the form every CPR number is stored and compared in."""
    return isinstance(value, str) and _CPR.fullmatch(value) is not None


def _ten_digits(value: str) -> str:
    if not is_cpr(value):
        # A custom error, so pydantic's own message (which quotes the pattern) is not shown
        # and the value itself never appears in the text.
        raise PydanticCustomError("cpr", "CPR must be 10 digits")
    return value


Cpr = Annotated[
    str,
    AfterValidator(_ten_digits),
    Field(
        repr=False,
        description="CPR number: 10 digits, no hyphen. Personal data.",
        json_schema_extra={"pattern": CPR_PATTERN},
    ),
]
"""A CPR number as accepted at a boundary. Personal data: hidden from repr, and never in a
log line, an error message, a workflow id or a search attribute."""
