"""The ward's referral form: what it holds, how it becomes a referral payload, where errors go."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from api.errors import ApiError, FieldError
from api.web.guard import field
from api.web.rendering import LOCAL_TIME
from schemas.consent import ConsentMethod, ConsentScope
from schemas.events import GoalArea, Pathway

GOAL_AREAS = (GoalArea.MUNICIPAL_SERVICES, GoalArea.JOB, GoalArea.EDUCATION, GoalArea.NETWORK)
SCOPES = tuple(ConsentScope)
PATHWAYS = tuple(Pathway)
METHODS = tuple(ConsentMethod)
# The languages offered (names in the catalog as "language.<code>"); Danish is the default.
LANGUAGES = ("da", "en", "de", "pl", "uk", "ro", "ar", "so", "tr", "fa", "ur", "ti")

_TEXT_FIELDS = ("event_id", "programme", "municipality", "organisation", "cpr", "name", "phone")
_WHERE = (
    ("payload.programme", "programme"),
    ("payload.citizen.cpr", "cpr"),
    ("payload.citizen.name", "name"),
    ("payload.citizen.phone", "phone"),
    ("payload.municipality_code", "municipality"),
    ("payload.organisation_id", "organisation"),
    ("payload.admitted_at", "admitted_at"),
    ("payload.pathway", "pathway"),
    ("payload.consents", "consents"),
    ("payload.goals", "goals"),
    ("payload.languages", "languages"),
)


def blank(organisation_id: str | None) -> dict[str, Any]:
    """A fresh form; its event id makes a second click on Send a duplicate, not a referral."""
    values: dict[str, Any] = dict.fromkeys(_TEXT_FIELDS, "")
    values.update(
        event_id=f"web-ref-{uuid.uuid4().hex}",
        organisation=organisation_id or "",
        admitted_at="",
        pathway=PATHWAYS[0],
        risk=False,
        languages=["da"],
        goals=dict.fromkeys(GOAL_AREAS, ""),
        consents={scope: "" for scope in SCOPES},
    )
    return values


def from_form(form: FormData) -> dict[str, Any]:
    """What the user typed, to send on and, when refused, to show again."""
    values: dict[str, Any] = {name: field(form, name) for name in _TEXT_FIELDS}
    values.update(
        admitted_at=field(form, "admitted_at"),
        pathway=field(form, "pathway") or PATHWAYS[0],
        risk=field(form, "risk") == "on",
        languages=[code for code in LANGUAGES if code in form.getlist("languages")],
        goals={area: field(form, f"goal_{area}") for area in GOAL_AREAS},
        consents={
            scope: field(form, f"method_{scope}") if field(form, f"consent_{scope}") else ""
            for scope in SCOPES
        },
    )
    return values


def _admitted_at(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=LOCAL_TIME)
    except ValueError:
        raise ApiError(
            422,
            "invalid input: payload.admitted_at: not a date and time",
            [FieldError(field="payload.admitted_at", reason="not a date and time")],
        ) from None


def _languages(chosen: list[str]) -> list[str]:
    if not chosen:
        reason = "choose at least one language"
        raise ApiError(
            422,
            f"invalid input: payload.languages: {reason}",
            [FieldError(field="payload.languages", reason=reason)],
        )
    return chosen


def payload(values: dict[str, Any], ward_id: str | None, now: datetime) -> dict[str, Any]:
    """The referral as POST /api/events takes it; the ward is the user's own."""
    return {
        "programme": values["programme"],
        "citizen": {
            "cpr": values["cpr"].replace("-", "").replace(" ", ""),
            "name": values["name"],
            "phone": values["phone"] or None,
        },
        "municipality_code": values["municipality"],
        "ward_id": ward_id,
        "organisation_id": values["organisation"],
        "risk_elevated": values["risk"],
        "languages": _languages(values["languages"]),
        "goals": [{"area": a, "text": t} for a, t in values["goals"].items() if t],
        "consents": [
            {"scope": scope, "method": method, "recorded_at": now}
            for scope, method in values["consents"].items()
            if method
        ],
        "pathway": values["pathway"],
        "admitted_at": _admitted_at(values["admitted_at"]),
    }


def form_key(error: FieldError) -> str | None:
    """The form field an API error belongs to, or None for the summary only."""
    if "consents" in error.reason:
        return "consents"
    for prefix, key in _WHERE:
        if error.field == prefix or error.field.startswith(prefix + "."):
            return key
    return None


def errors_by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        key = form_key(error)
        if key is not None:
            found.setdefault(key, []).append(error.reason)
    return found
