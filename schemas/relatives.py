"""A relative on an episode: a contact the citizen shares plain-language notices with, only
while the episode holds the `share_with_relative` consent. Their name and contact data are
personal data: PostgreSQL only (episode_relatives), never in a workflow, a log or an outbox
row."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from schemas.base import Frozen
from schemas.people import OPAQUE_ID

# The same shapes as a course participant's (schemas/courses) and the pages' (form_checks).
EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$"
PHONE = r"^\+?[0-9 ]{8,20}$"
NAME_MAX = 200
RELATION_MAX = 100
# A relative's id: this prefix and random hex (the form carries it, so a form sent twice
# records the relative once).
RELATIVE_ID_PREFIX = "rel-"


class NewRelative(Frozen):
    relative_id: str = Field(pattern=OPAQUE_ID)
    episode_id: str = Field(pattern=OPAQUE_ID)
    name: str = Field(min_length=1, max_length=NAME_MAX)
    phone: str | None = Field(default=None, pattern=PHONE)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL)
    relation: str | None = Field(default=None, max_length=RELATION_MAX)

    @model_validator(mode="after")
    def _reachable(self) -> NewRelative:
        if not self.phone and not self.email:
            raise ValueError("a phone number or an e-mail address is needed")
        return self


class Relative(Frozen):
    """A current relative, as the episode page shows them to staff who may see contacts."""

    relative_id: str
    episode_id: str
    name: str = Field(repr=False)
    phone: str | None = Field(repr=False)
    email: str | None = Field(repr=False)
    relation: str | None
    recorded_by_role: str
    recorded_at: datetime


class Added(StrEnum):
    """What adding a relative came to."""

    ADDED = "added"
    ALREADY = "already"  # the same form again: recorded once
    NO_CONSENT = "no_consent"  # the episode lacks share_with_relative (or does not exist)
