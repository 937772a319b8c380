"""The facts ward staff record on an episode's ward page: a later consent or its withdrawal,
risk up or down, a cancelled referral, a readmission, leave and a death. Each form says when
it happened (date and time, local), which becomes the event's occurred_at."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from starlette.datastructures import FormData

from api.errors import ApiError, FieldError
from api.web import labels
from api.web.guard import field
from api.web.rendering import LOCAL_TIME
from api.web.when_words import moment_words
from schemas.consent import ConsentMethod, ConsentScope
from schemas.events import CareSetting

# A time typed this long ago or less means now (a minute's field: the current one and the last).
JUST_NOW = timedelta(minutes=2)
# The forms, in the order the page shows them; each posts the event type of its name.
FACTS = (
    "consent_granted",
    "consent_withdrawn",
    "risk_changed",
    "admitted",
    "leave_started",
    "leave_ended",
    "referral_cancelled",
    "deceased",
)
# The form's own fields besides when it happened (all text; checkboxes 'on' or '').
_FIELDS: dict[str, tuple[str, ...]] = {
    "consent_granted": ("scope", "method"),
    "consent_withdrawn": ("scope",),
    "risk_changed": ("elevated",),
    "admitted": ("setting",),
    "leave_started": (),
    "leave_ended": (),
    "referral_cancelled": ("reason", "confirm"),
    "deceased": ("confirm",),
}
# Facts that end the episode for good ask "are you sure" with a required checkbox.
CONFIRMED = frozenset(name for name, fields in _FIELDS.items() if "confirm" in fields)
SCOPES = tuple(ConsentScope)
METHODS = tuple(ConsentMethod)
SETTINGS = tuple(CareSetting)
REASON_MAX = 500


def blank(name: str, now: datetime) -> dict[str, str]:
    """A fresh form: happened now (to the minute, local time)."""
    here = now.astimezone(LOCAL_TIME)
    values = dict.fromkeys(_FIELDS[name], "")
    values.update(
        event_id=f"web-{name}-{uuid.uuid4().hex}",
        occurred_on=here.date().isoformat(),
        occurred_time=here.strftime("%H:%M"),
    )
    return values


def from_form(name: str, form: FormData) -> dict[str, str]:
    """What the user sent, to report and, when refused, to show again."""
    keys = ("event_id", "occurred_on", "occurred_time", *_FIELDS[name])
    return {key: field(form, key) for key in keys}


def _refusal(errors: list[FieldError], lang: str) -> ApiError:
    return ApiError(422, labels.text("ward.refused", lang), errors)


def occurred_at(
    values: dict[str, str], referred_at: datetime, now: datetime, lang: str
) -> tuple[datetime | None, list[FieldError]]:
    """When it happened, from the local date and time typed: not in the future, not before
    the referral. The current minute means now, and so does the minute just gone (the form
    was opened, with the time filled in, before the minute turned: that time must not put the
    fact before one recorded in between, e.g. a risk lowered after it was raised); the
    referral's own minute means no earlier than the referral. A fact recorded at once thus
    orders after what came before it."""

    def fault(key: str, **kwargs: str) -> tuple[None, list[FieldError]]:
        reason = labels.text(key, lang).format(**kwargs)
        return None, [FieldError(field="occurred_at", reason=reason)]

    try:
        day = date.fromisoformat(values["occurred_on"])
        clock = time.fromisoformat(values["occurred_time"])
    except ValueError:
        return fault("ward.when.missing")
    typed = datetime.combine(day, clock.replace(second=0, microsecond=0), tzinfo=LOCAL_TIME)
    minute = timedelta(minutes=1)
    if typed > now:
        return fault("ward.when.future")
    if typed + minute <= referred_at:
        return fault("ward.when.before_referral", referral=moment_words(referred_at, lang))
    if typed + JUST_NOW > now:
        typed = now
    return max(typed, referred_at), []


def payload(
    name: str, values: dict[str, str], occurred: datetime | None, lang: str
) -> tuple[dict[str, Any], list[FieldError]]:
    """The event's payload as POST /api/events takes it, and what this page refuses itself
    (the intake checks the rest: scope, method, setting)."""
    errors: list[FieldError] = []
    if name in CONFIRMED and values["confirm"] != "on":
        errors.append(FieldError(field="confirm", reason=labels.text("ward.confirm_needed", lang)))
    match name:
        case "consent_granted":
            found = {"scope": values["scope"], "method": values["method"]}
            return {**found, "recorded_at": occurred}, errors
        case "consent_withdrawn":
            return {"scope": values["scope"]}, errors
        case "risk_changed":
            if values["elevated"] not in ("yes", "no"):
                reason = labels.text("ward.risk_choose", lang)
                errors.append(FieldError(field="payload.elevated", reason=reason))
            return {"elevated": values["elevated"] == "yes"}, errors
        case "admitted":
            return {"setting": values["setting"]}, errors
        case "referral_cancelled":
            reason = values["reason"]
            if not reason:
                why = labels.text("ward.reason_needed", lang)
                errors.append(FieldError(field="payload.reason", reason=why))
            return {"reason": reason}, errors
    return {}, errors


def checked(
    name: str, values: dict[str, str], referred_at: datetime, now: datetime, lang: str
) -> tuple[datetime, dict[str, Any]]:
    """When it happened and the payload, or one refusal naming every field at fault."""
    occurred, errors = occurred_at(values, referred_at, now, lang)
    body, more = payload(name, values, occurred, lang)
    errors += more
    if errors or occurred is None:
        raise _refusal(errors, lang)
    return occurred, body


def form_key(error: FieldError) -> str:
    """The form field an error belongs to: 'payload.scope' -> 'scope'."""
    return error.field.removeprefix("payload.").split(".")[0]


def errors_by_field(problem: ApiError | None) -> dict[str, list[str]]:
    """Field errors by form field; a refusal naming its field only in its message (a 409 or
    422 from the episode, 'payload.scope: ...') is placed by that name too."""
    if problem is None:
        return {}
    found: dict[str, list[str]] = {}
    for error in problem.errors:
        found.setdefault(form_key(error), []).append(error.reason)
    if not found and ": " in problem.message:
        where, reason = problem.message.split(": ", 1)
        if where.startswith("payload.") or where == "occurred_at":
            found[form_key(FieldError(field=where, reason=reason))] = [reason]
    return found
