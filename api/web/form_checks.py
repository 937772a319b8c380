"""Checking a posted page form: a refusal that names every field's problem at once, the whole
numbers a form asks for within their bounds, and the e-mail and phone patterns a form takes.
The supervision, peer group, course and roster pages refuse the same way, so a refused form
reads alike everywhere."""

from __future__ import annotations

import re

from api.errors import ApiError, FieldError

# An e-mail address and a phone number as the participant forms take them (the peer group's
# and the course's); schemas/courses.NewParticipant holds them to the same patterns.
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}")
PHONE = re.compile(r"\+?[0-9 ]{8,20}")


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
