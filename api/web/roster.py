"""The coordinator's roster pages: their organisation's peers (filtered by status and
programme) with load, absences and standing per programme; adding and editing a peer, their
absences and training records; deactivating a peer once nobody's episode rests with them.

A refused form comes back with each field's reason next to it and nothing changed; a peer of
another organisation is not found (404)."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from starlette.datastructures import FormData

from api.dependencies import Pool
from api.errors import ApiError, FieldError, field_errors, reasons_by_field
from api.principal import Principal
from api.web.form_checks import refused
from api.web.guard import PageRoute, PostedForm, field, page_user
from api.web.rendering import render
from db import pages
from db import roster as store
from db.pool import DatabasePool
from schemas.people import Role
from schemas.roster import Absence, AbsenceKind, Employment, TrainingRecord

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Coordinator = Annotated[Principal, Depends(page_user(Role.COORDINATOR))]

ROSTER = "/coordinator/roster"
MAX_CAPACITY = 50
SHOW = ("active", "deactivated", "all")
# ISO 639-1: every two-letter language code.
_ISO_639_1_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho
    hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv
    kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr
    nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq
    sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh
    yi yo za zh zu"""
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}")
PHONE = re.compile(r"\+?[0-9 ]{8,16}")
# A model-level reason that names its field first ("ends_on: the absence ends ...").
_FIELD_FIRST = re.compile(r"(?P<field>[a-z_]+): (?P<reason>.+)", re.S)
NO_PEER = "peer_id: no such peer for you"


class PeerIn(BaseModel):
    """The peer's details form (add and edit); programmes and municipalities are checked
    against the known ones given as validation context."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    display_name: str = Field(min_length=1, max_length=120)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=20)
    employment: Employment
    capacity: int = Field(ge=0, le=MAX_CAPACITY)
    programmes: tuple[str, ...] = Field(default=(), max_length=50)
    municipalities: tuple[str, ...] = Field(default=(), max_length=200)
    languages: tuple[str, ...]
    available: bool

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not EMAIL.fullmatch(value):
            raise ValueError("write an e-mail address such as name@example.org")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not PHONE.fullmatch(value):
            raise ValueError("write a phone number: 8 to 16 digits, spaces and a leading + allowed")
        return value

    @field_validator("programmes", "municipalities")
    @classmethod
    def _known(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known = (info.context or {}).get(info.field_name, frozenset())
        if any(v not in known for v in value):
            raise ValueError(f"choose {info.field_name} from the list")
        return tuple(dict.fromkeys(value))

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: object) -> tuple[str, ...]:
        codes = [c.lower() for c in re.split(r"[\s,;]+", str(value)) if c]
        if not codes:
            raise ValueError("write at least one language code")
        if len(codes) > 20 or any(c not in ISO_639_1 for c in codes):
            raise ValueError("use two-letter ISO 639-1 language codes, such as da, en, ar")
        return tuple(dict.fromkeys(codes))

    @model_validator(mode="after")
    def _reachable(self) -> PeerIn:
        if not self.email and not self.phone:
            raise ValueError("email: give an e-mail address or a phone number")
        return self

    def details(self) -> store.PeerDetails:
        return store.PeerDetails(
            display_name=self.display_name,
            email=self.email or None,
            phone=self.phone or None,
            employment=self.employment.value,
            capacity=self.capacity,
            programmes=list(self.programmes),
            municipalities=list(self.municipalities),
            languages=list(self.languages),
            available=self.available,
        )


def _reasons(err: ValidationError) -> list[FieldError]:
    """Pydantic's errors by the form field they belong to (a list item's by its list; a
    model-level reason by the field it names first)."""
    found: list[FieldError] = []
    for error in field_errors(err):
        reason = error.reason.removeprefix("Value error, ")
        name = error.field.split(".")[0]
        shaped = _FIELD_FIRST.fullmatch(reason)
        if name == "body" and shaped is not None:
            name, reason = shaped["field"], shaped["reason"]
        found.append(FieldError(field=name, reason=reason))
    return found


def _who(principal: Principal) -> store.Who:
    if principal.organisation_id is None:
        raise ApiError(403, "a coordinator without an organisation keeps no roster")
    return store.Who(
        organisation_id=principal.organisation_id,
        role=principal.actor().role.value,
        actor_id=principal.id,
    )


def _texts(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def peer_values(form: FormData) -> dict[str, Any]:
    """The details form as typed (to validate, and to show again when refused)."""
    return {
        "display_name": field(form, "display_name"),
        "email": field(form, "email"),
        "phone": field(form, "phone"),
        "employment": field(form, "employment"),
        "capacity": field(form, "capacity"),
        "programmes": _texts(form, "programmes"),
        "municipalities": _texts(form, "municipalities"),
        "languages": field(form, "languages"),
        "available": field(form, "available") == "on",
    }


def values_of(peer: store.RosterPeer) -> dict[str, Any]:
    return {
        "display_name": peer.display_name,
        "email": peer.email or "",
        "phone": peer.phone or "",
        "employment": peer.employment,
        "capacity": str(peer.capacity),
        "programmes": peer.programmes,
        "municipalities": peer.municipalities,
        "languages": ", ".join(peer.languages),
        "available": peer.available,
    }


BLANK_PEER: dict[str, Any] = {
    "display_name": "",
    "email": "",
    "phone": "",
    "employment": Employment.VOLUNTEER.value,
    "capacity": "2",
    "programmes": [],
    "municipalities": [],
    "languages": "da",
    "available": True,
}


async def _choices(pool: DatabasePool) -> dict[str, Any]:
    async with pool.acquire() as conn:
        municipalities = await pages.municipalities(conn)
        return {
            "programmes": await pages.programmes(conn),
            "municipalities": municipalities,
            "municipality_names": {m.municipality_code: m.name for m in municipalities},
            "courses": await store.courses(conn),
        }


async def _validated(pool: DatabasePool, values: dict[str, Any]) -> store.PeerDetails:
    choices = await _choices(pool)
    known = {
        "programmes": frozenset(p.code for p in choices["programmes"]),
        "municipalities": frozenset(m.municipality_code for m in choices["municipalities"]),
    }
    try:
        return PeerIn.model_validate(values, context=known).details()
    except ValidationError as err:
        raise refused(_reasons(err)) from None


# --- the roster ------------------------------------------------------------------------------


async def roster_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    kept: dict[str, Any] | None = None,
) -> Response:
    who = _who(principal)
    show = request.query_params.get("show")
    show = show if show in SHOW else "active"
    choices = await _choices(pool)
    programme = request.query_params.get("programme", "")
    if programme not in {p.code for p in choices["programmes"]}:
        programme = ""
    active = {"active": True, "deactivated": False}.get(show)
    async with pool.acquire() as conn:
        peers = await store.peers(conn, who.organisation_id, active=active)
        standings = await store.standings(conn, who.organisation_id)
        absences = await store.absences(conn, who.organisation_id)
    if programme:
        peers = [p for p in peers if programme in p.programmes]
    standing: dict[str, list[store.Standing]] = {}
    for s in standings:
        standing.setdefault(s.peer_id, []).append(s)
    away: dict[str, store.Absence] = {}
    for a in absences:
        away.setdefault(a.peer_id, a)
    return render(
        request,
        "roster.html",
        {
            "title": "roster.title",
            "problem": problem,
            "peers": peers,
            "standing": standing,
            "away": away,
            "show": show,
            "programme": programme,
            "values": kept if kept is not None else BLANK_PEER,
            "errors": reasons_by_field(problem),
            "max_capacity": MAX_CAPACITY,
            **choices,
        },
        principal=principal,
        status=status,
        path=ROSTER,
    )


@router.get(ROSTER)
async def roster(request: Request, principal: Coordinator, pool: Pool) -> Response:
    return await roster_page(request, principal, pool)


@router.post(f"{ROSTER}/peers")
async def add_peer(
    request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    who = _who(principal)
    values = peer_values(form)
    try:
        details = await _validated(pool, values)
    except ApiError as err:
        return await roster_page(
            request, principal, pool, problem=err, status=err.status, kept=values
        )
    async with pool.acquire() as conn:
        peer_id = await store.add_peer(conn, who, details)
    return _done(peer_id, "peer_added")


# --- one peer --------------------------------------------------------------------------------


def _done(peer_id: str, notice: str, anchor: str = "") -> Response:
    """After a change: the peer's page (a reload does not send the form again)."""
    suffix = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"{ROSTER}/peers/{peer_id}?notice={notice}{suffix}", status_code=303)


class StillCarrying(ApiError):
    """The peer cannot be deactivated: these episodes still rest with them."""

    def __init__(self, episodes: list[store.OpenEpisode]) -> None:
        super().__init__(409, "the peer still carries open episodes; hand them over first")
        self.episodes = episodes


async def peer_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    peer_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    form: str = "",
    kept: dict[str, Any] | None = None,
) -> Response:
    who = _who(principal)
    async with pool.acquire() as conn:
        peer = await store.peer(conn, who.organisation_id, peer_id)
        if peer is None:
            raise ApiError(404, NO_PEER)
        standings = await store.standings(conn, who.organisation_id, peer_id)
        absences = await store.absences(conn, who.organisation_id, peer_id)
        trainings = await store.trainings(conn, who.organisation_id, peer_id)
    refused = {form: reasons_by_field(problem)} if form else {}
    return render(
        request,
        "roster_peer.html",
        {
            "title": "roster.title",
            "problem": problem,
            "peer": peer,
            "standings": standings,
            "absences": absences,
            "trainings": trainings,
            "values": kept if form == "details" and kept is not None else values_of(peer),
            "absence_values": kept if form == "absence" and kept else {},
            "training_values": kept if form == "training" and kept else {},
            "errors": refused,
            "carrying": problem.episodes if isinstance(problem, StillCarrying) else [],
            "own_organisation": who.organisation_id,
            "absence_kinds": tuple(AbsenceKind),
            "today": date.today(),
            "max_capacity": MAX_CAPACITY,
            **await _choices(pool),
        },
        principal=principal,
        status=status,
        path=f"{ROSTER}/peers/{peer_id}",
    )


async def _refusable(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    peer_id: str,
    change: Awaitable[str],
    *,
    form: str,
    kept: dict[str, Any] | None = None,
) -> Response:
    """Make the change; a refusal the coordinator can fix shows the peer's page again with
    the reason next to the form's fields (404 and 403 go to the friendly pages)."""
    try:
        notice: str = await change
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        return await peer_page(
            request, principal, pool, peer_id, problem=err, status=err.status, form=form, kept=kept
        )
    return _done(peer_id, notice, form)


@router.get(ROSTER + "/peers/{peer_id}")
async def one_peer(peer_id: str, request: Request, principal: Coordinator, pool: Pool) -> Response:
    return await peer_page(request, principal, pool, peer_id)


@router.post(ROSTER + "/peers/{peer_id}")
async def edit_peer(
    peer_id: str, request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    who = _who(principal)
    values = peer_values(form)

    async def change() -> str:
        details = await _validated(pool, values)
        async with pool.acquire() as conn:
            if not await store.change_peer(conn, who, peer_id, details):
                raise ApiError(404, NO_PEER)
        return "peer_changed"

    return await _refusable(
        request, principal, pool, peer_id, change(), form="details", kept=values
    )


@router.post(ROSTER + "/peers/{peer_id}/deactivate")
async def deactivate_peer(
    peer_id: str, request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    who = _who(principal)

    async def change() -> str:
        async with pool.acquire() as conn:
            carrying = await store.deactivate(conn, who, peer_id)
        if carrying is None:
            raise ApiError(404, NO_PEER)
        if carrying:
            raise StillCarrying(carrying)
        return "peer_deactivated"

    return await _refusable(request, principal, pool, peer_id, change(), form="status")


@router.post(ROSTER + "/peers/{peer_id}/reactivate")
async def reactivate_peer(
    peer_id: str, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    who = _who(principal)
    async with pool.acquire() as conn:
        if not await store.reactivate(conn, who, peer_id):
            raise ApiError(404, NO_PEER)
    return _done(peer_id, "peer_reactivated", "status")


def _absence(values: dict[str, Any], today: date) -> Absence:
    try:
        absence = Absence.model_validate(values)
    except ValidationError as err:
        raise refused(_reasons(err)) from None
    if absence.ends_on < today:
        raise refused([FieldError(field="ends_on", reason="the absence has already ended")])
    if absence.starts_on > today + timedelta(days=2 * 366):
        reason = "an absence starts at most two years ahead"
        raise refused([FieldError(field="starts_on", reason=reason)])
    return absence


@router.post(ROSTER + "/peers/{peer_id}/absences")
async def add_absence(
    peer_id: str, request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    who = _who(principal)
    values = {name: field(form, name) for name in ("starts_on", "ends_on", "kind")}

    async def change() -> str:
        absence = _absence(values, date.today())
        async with pool.acquire() as conn:
            added = await store.add_absence(
                conn, who, peer_id, absence.starts_on, absence.ends_on, absence.kind.value
            )
        if added is None:
            raise ApiError(404, NO_PEER)
        return "absence_added"

    return await _refusable(
        request, principal, pool, peer_id, change(), form="absence", kept=values
    )


@router.post(ROSTER + "/peers/{peer_id}/absences/{absence_id}/remove")
async def remove_absence(
    peer_id: str,
    absence_id: str,
    request: Request,
    principal: Coordinator,
    form: PostedForm,
    pool: Pool,
) -> Response:
    who = _who(principal)

    async def change() -> str:
        async with pool.acquire() as conn:
            removed = await store.remove_absence(conn, who, peer_id, absence_id)
        if removed is None:
            raise ApiError(404, "absence_id: no such absence for you")
        if not removed:
            reason = "the absence has begun or is over; only one that has not begun can be removed"
            raise refused([FieldError(field="absence_id", reason=reason)], status=409)
        return "absence_removed"

    return await _refusable(request, principal, pool, peer_id, change(), form="absence")


@router.post(ROSTER + "/peers/{peer_id}/trainings")
async def add_training(
    peer_id: str, request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    who = _who(principal)
    values = {name: field(form, name) for name in ("course", "completed_on", "trained_by")}

    async def change() -> str:
        known = {c.course for c in (await _choices(pool))["courses"]}
        errors: list[FieldError] = []
        if values["course"] not in known:
            errors.append(FieldError(field="course", reason="choose a course from the list"))
        record: TrainingRecord | None = None
        try:
            record = TrainingRecord.model_validate(values)
        except ValidationError as err:
            errors += [e for e in _reasons(err) if e.field != "course"]
        if errors or record is None:
            raise refused(errors)
        async with pool.acquire() as conn:
            try:
                added = await store.add_training(
                    conn,
                    who,
                    peer_id,
                    course=record.course,
                    completed_on=record.completed_on,
                    trained_by=record.trained_by,
                )
            except store.AlreadyRecorded:
                reason = "this course is already recorded on that date"
                raise refused([FieldError(field="completed_on", reason=reason)], 409) from None
        if added is None:
            raise ApiError(404, NO_PEER)
        return "training_added"

    return await _refusable(
        request, principal, pool, peer_id, change(), form="training", kept=values
    )
