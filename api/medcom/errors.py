"""A MedCom message refused for good: the error that names the FHIR path, never a value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemas.cpr import CPR_LIKE


def redact(text: str) -> str:
    """Defence in depth: anything shaped like a CPR never leaves in an error text."""
    return CPR_LIKE.sub("<redacted>", text)


class MedcomError(ValueError):
    """A message that will never be accepted: names the FHIR path and the reason, never a value.

    `field` is a FHIR path such as `Bundle.entry[Patient].identifier`; `reason` says what is
    wrong. Neither ever contains a CPR number, a name or other input values."""

    def __init__(self, field: str, reason: str, *, more: Sequence[tuple[str, str]] = ()) -> None:
        self.field = redact(field)
        self.reason = redact(reason)
        self.more = tuple((redact(f), redact(r)) for f, r in more)
        super().__init__(f"{self.field}: {self.reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.reason), {"more": self.more})

    @property
    def reasons(self) -> list[str]:
        """Every problem found, first the one this error is named after."""
        return [str(self), *(f"{f}: {r}" for f, r in self.more)]
