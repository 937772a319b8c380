"""Checking a posted page form: a refusal that names every field's problem at once, the whole
numbers a form asks for within their bounds, and the e-mail address and phone number a form
takes (their patterns, and the problems of a pair of them where one of the two is needed).
The supervision, peer group, course and roster pages refuse the same way, so a refused form
reads alike everywhere."""

from __future__ import annotations

import re

from api.errors import ApiError, FieldError

# An e-mail address and a phone number as the participant forms take them (the peer group's
# and the course's); schemas/courses.NewParticipant holds them to the same patterns.
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}")
PHONE = re.compile(r"\+?[0-9 ]{8,20}")


def contact_problems(email: str, phone: str, *, missing: str) -> list[FieldError]:
    """What is wrong with the e-mail address and phone number of a form's `email` and `phone`
    fields (each may be left empty, not both: that problem is named on the field `missing`)."""
    errors: list[FieldError] = []
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        errors.append(
            FieldError(field="email", reason="write an e-mail address such as navn@eksempel.dk")
        )
    if phone and not PHONE.fullmatch(phone):
        errors.append(FieldError(field="phone", reason="write a phone number of 8 to 20 digits"))
    if not email and not phone:
        errors.append(
            FieldError(field=missing, reason="an e-mail address or a phone number is needed")
        )
    return errors


def refused(errors: list[FieldError], status: int = 422) -> ApiError:
    """The refusal of a form: every field's reason, the first five in the message."""
    summary = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
    return ApiError(status, f"invalid input: {summary}", errors)


def refused_one(name: str, reason: str, status: int = 422) -> ApiError:
    """The refusal of a form for one field's reason."""
    return refused([FieldError(field=name, reason=reason)], status)


def whole(text: str, low: int, high: int) -> int | None:
    """The whole number written, if it is from low to high (at most four digits)."""
    if not text.isdigit() or len(text) > 4:
        return None
    number = int(text)
    return number if low <= number <= high else None
