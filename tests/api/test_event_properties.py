"""Properties of POST /api/events, for every event type it takes: a valid event is accepted
(202) and applied by its episode; a broken one (a field missing, of the wrong type, out of
range, unstorable text, extra junk, an unknown type) is refused with a 422 that names the
field and the reason, and nothing is recorded and the episode does not change."""

from __future__ import annotations

import json
import string
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.auth import SESSION_COOKIE
from api.event_input import EVENT_TYPES
from api.intake import EVENT_ROLES
from command.synthetic.roster import BRIDGE_PROGRAMMES, Roster, make_roster
from db.access import create_session
from db.pool import DatabasePool
from schemas.consent import ConsentMethod, ConsentScope
from schemas.events import CareSetting, ContactChannel, GoalArea
from schemas.people import Role
from schemas.programme import MilestoneKind
from tests.api.test_events_api import wait_for_task
from tests.conftest import eventually

# One clock for the module: strategies must draw the same way every time they run.
NOW = datetime.now(UTC)
# Events that end the episode (consent_withdrawn too, for peer support): each valid one
# gets an episode of its own.
ENDING = ("deceased", "referral_cancelled", "consent_withdrawn")
BASE = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def examples(count: int) -> settings:
    return settings(BASE, max_examples=count)


# --- valid events ---------------------------------------------------------------------------

ID_CHARS = string.ascii_letters + string.digits + "._:@/-"


def texts(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Any Unicode text PostgreSQL can hold (no NUL, no unpaired surrogate)."""
    alphabet = st.characters(codec="utf-8", exclude_characters="\x00")
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def event_ids() -> st.SearchStrategy[str]:
    # A fresh prefix per draw: every example is a new event, never a duplicate.
    return st.text(ID_CHARS, max_size=40).map(lambda tail: f"{uuid.uuid4().hex}{tail}")


def instants() -> st.SearchStrategy[str]:
    """Times in the last two days, with any UTC offset, as callers write them."""
    now = NOW.replace(tzinfo=None)
    offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
    return st.tuples(
        st.datetimes(now - timedelta(days=2), now - timedelta(days=1), timezones=offsets),
        st.booleans(),
    ).map(lambda t: t[0].isoformat().replace("+00:00", "Z" if t[1] else "+00:00"))


def opaque_ids() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,30}", fullmatch=True)


def enum(kind: type[Any], *leave_out: str) -> st.SearchStrategy[str]:
    return st.sampled_from([m.value for m in kind if m.value not in leave_out])


def payload(
    required: dict[str, st.SearchStrategy[Any]] | None = None, **optional: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(required or {}, optional=optional)


def referral_payloads(roster: Roster) -> st.SearchStrategy[dict[str, Any]]:
    consent = payload({"scope": enum(ConsentScope), "method": enum(ConsentMethod)})
    citizen = payload(
        # A CPR number of its own per draw: a refused referral must leave none behind.
        {"cpr": st.builds(cpr), "name": texts(200, min_size=1)},
        phone=st.from_regex(r"\+?[0-9 ]{8,16}", fullmatch=True),
        email=st.from_regex(r"[a-z0-9._-]{1,20}@[a-z0-9-]{1,20}\.[a-z]{2,6}", fullmatch=True),
    )
    return payload(
        {
            "programme": st.sampled_from(BRIDGE_PROGRAMMES),
            "citizen": citizen,
            "municipality_code": st.just(roster.municipality_code),
            "ward_id": st.just(roster.ward_id),
            "organisation_id": st.just(roster.organisation_id),
            "consents": st.lists(consent, max_size=3).map(
                lambda more: [{"scope": "peer_support", "method": "written"}, *more]
            ),
        },
        risk_elevated=st.booleans(),
        languages=st.lists(st.sampled_from(["da", "en", "ar", "so", "uk", "fa-AF"]), max_size=3),
        goals=st.lists(payload({"area": enum(GoalArea), "text": texts(500, 1)}), max_size=3),
        admitted_at=instants(),
    )


def payloads(event_type: str, roster: Roster) -> st.SearchStrategy[dict[str, Any]]:
    """Valid payloads of one event type."""
    today = NOW.date()
    reason = payload(reason=texts(500))
    setting = payload(setting=enum(CareSetting))
    target = {"target_event_id": event_ids()}
    return {
        "referral_created": referral_payloads(roster),
        "admitted": setting,
        "discharged": setting,
        "leave_started": st.just({}),
        "leave_ended": st.just({}),
        "deceased": st.just({}),
        "discharge_planned": payload(
            {"planned_for": st.dates(today, today + timedelta(days=60)).map(date.isoformat)}
        ),
        "consent_granted": payload(
            {
                "scope": enum(ConsentScope),
                # Who recorded it is the caller (left out; naming anyone else is refused).
                "recorded_at": instants(),
                "method": enum(ConsentMethod),
            }
        ),
        # Withdrawing peer support ends the episode; ENDING tests that one on its own.
        "consent_withdrawn": payload({"scope": enum(ConsentScope, "peer_support")}),
        "referral_cancelled": reason,
        "close_requested": reason,
        "risk_changed": payload({"elevated": st.booleans()}),
        "milestone_reached": payload({"kind": enum(MilestoneKind)}, detail=texts(80)),
        "contact_logged": payload(channel=enum(ContactChannel), note=texts(2000)),
        "concern_flagged": payload(urgent=st.booleans(), note=texts(2000)),
        "hospital_event_revised": payload({**target, "occurred_at": instants()}),
        "hospital_event_cancelled": payload(target),
        # A change to a goal the episode does not have is applied as "not applied" (a line
        # on the timeline); the page's update answers 409 instead.
        "goal_added": payload({"area": enum(GoalArea), "text": texts(500, 1)}),
        "goal_changed": payload(
            {
                "goal_id": st.from_regex(r"g[0-9]{1,4}", fullmatch=True),
                "area": enum(GoalArea),
                "text": texts(500, 1),
            }
        ),
        "goal_dropped": payload(
            {"goal_id": st.from_regex(r"g[0-9]{1,4}", fullmatch=True)}, reason=texts(500)
        ),
    }[event_type]


def events(
    event_type: str, roster: Roster, episode_id: str, body: st.SearchStrategy[dict[str, Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    envelope: dict[str, st.SearchStrategy[Any]] = {
        "event_id": event_ids(),
        "type": st.just(event_type),
        "occurred_at": instants(),
        "payload": body,
    }
    if event_type != "referral_created":
        envelope["episode_id"] = st.just(episode_id)
    return st.fixed_dictionaries(envelope)


# --- broken events --------------------------------------------------------------------------

NAIVE = (NOW - timedelta(days=1)).replace(tzinfo=None).isoformat()
FUTURE = (NOW + timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Spec:
    """What one field refuses: values of a type it never takes, and well-typed values
    outside its range."""

    wrong: tuple[Any, ...]
    outside: tuple[Any, ...] = ()
    required: bool = False


def text(max_length: int, *, min_length: int = 0, required: bool = False) -> Spec:
    short = ("",) if min_length else ()
    return Spec(
        wrong=(1, 2.5, True, [], {"a": 1}, None),
        outside=("x" * (max_length + 1), *short, "a\x00b", "a\ud800b"),
        required=required,
    )


def code(*bad: str, required: bool = False, optional: bool = False) -> Spec:
    return Spec(
        wrong=(1, True, [], {}, *(() if optional else (None,))), outside=bad, required=required
    )


def choice(*, required: bool = False) -> Spec:
    return Spec(wrong=(7, True, [], None), outside=("no-such-value",), required=required)


def instant(*, required: bool = False, optional: bool = False) -> Spec:
    return Spec(
        wrong=(True, "yesterday", [], {}, *(() if optional else (None,))),
        outside=(NAIVE, FUTURE, "1899-12-31T23:00:00+00:00", "2026-02-30T10:00:00+00:00"),
        required=required,
    )


FLAG = Spec(wrong=("maybe", 2, 1.5, [], {}, None))
DAY = Spec(wrong=(True, "soon", [], {}, None), outside=("1899-12-31", "2100-01-01", "2026-02-30"))
EVENT_REF = code("", "-x", "has space", "x" * 201, required=True)
GOAL_REF = code("", "g", "1", "G1", "g12345", "g1 ", required=True)
# Optional: left out, the caller is who recorded it; anyone else named is refused.
ACTOR = Spec(
    wrong=("ward", 1, [], None),
    outside=(
        {"role": "nobody", "id": "a"},
        {"role": "ward", "id": "has space"},
        {"role": "ward"},
        {"role": "ward", "id": "somebody-else"},
    ),
)
ENVELOPE = {
    "event_id": code("", "-x", "has space", "x" * 201, required=True),
    "type": Spec(wrong=(1, None, [], {}), outside=("", "x" * 41), required=True),
    "occurred_at": instant(required=True),
    "payload": Spec(wrong=("x", 1, [], True, None)),
}
EPISODE_ID = Spec(wrong=(1, [], {}, None), outside=("episode-", "x", "episode-short"))
PEER_SUPPORT = {"scope": "peer_support", "method": "written"}
REFERRAL = {
    "programme": code("", "Has Caps", "x", "a" * 41, "with space", required=True),
    "citizen": Spec(wrong=("x", 1, [], None), required=True),
    "citizen.cpr": code("12", "12345678901", "abcdefghij", "010190-1234", required=True),
    "citizen.name": text(200, min_length=1, required=True),
    "citizen.phone": code("12", "call me", optional=True),
    "citizen.email": code("nobody", "a@b", optional=True),
    "municipality_code": code("12", "12345", "abc", required=True),
    "ward_id": code("", "has space", "-x", required=True),
    "organisation_id": code("", "has space", "-x", required=True),
    "risk_elevated": FLAG,
    "languages": Spec(wrong=("da", 1, None), outside=(["Danish"], [""], ["da"] * 21)),
    "goals": Spec(
        wrong=("x", 1, None),
        outside=(
            [{"area": "job", "text": ""}],
            [{"area": "job", "text": "x" * 501}],
            [{"area": "nowhere", "text": "x"}],
            [{"area": "job", "text": "x"}] * 21,
        ),
    ),
    "consents": Spec(
        wrong=("x", 1, None),
        outside=(
            [],
            [{"scope": "share_with_municipality", "method": "written"}],
            [{"scope": "peer_support", "method": "carrier pigeon"}],
            [{**PEER_SUPPORT, "recorded_at": FUTURE}],
            [{**PEER_SUPPORT, "recorded_at": NAIVE}],
        ),
        required=True,
    ),
    "admitted_at": instant(optional=True),
}
PAYLOAD_FIELDS: dict[str, dict[str, Spec]] = {
    "referral_created": REFERRAL,
    "admitted": {"setting": choice()},
    "discharged": {"setting": choice()},
    "leave_started": {},
    "leave_ended": {},
    "deceased": {},
    "discharge_planned": {"planned_for": Spec(DAY.wrong, DAY.outside, required=True)},
    "consent_granted": {
        "scope": choice(required=True),
        "recorded_by": ACTOR,
        "recorded_at": instant(required=True),
        "method": choice(required=True),
    },
    "consent_withdrawn": {"scope": choice(required=True)},
    "referral_cancelled": {"reason": text(500)},
    "close_requested": {"reason": text(500)},
    "risk_changed": {"elevated": Spec(FLAG.wrong, required=True)},
    "milestone_reached": {"kind": choice(required=True), "detail": text(80)},
    "contact_logged": {"channel": choice(), "note": text(2000)},
    "concern_flagged": {"urgent": FLAG, "note": text(2000)},
    "hospital_event_revised": {"target_event_id": EVENT_REF, "occurred_at": instant(required=True)},
    "hospital_event_cancelled": {"target_event_id": EVENT_REF},
    "goal_added": {"area": choice(required=True), "text": text(500, min_length=1, required=True)},
    "goal_changed": {
        "goal_id": GOAL_REF,
        "area": choice(required=True),
        "text": text(500, min_length=1, required=True),
    },
    "goal_dropped": {"goal_id": GOAL_REF, "reason": text(500)},
}
DROP = object()


def faults(event_type: str) -> list[tuple[str, Any]]:
    """Every single-field fault for one event type: (dotted field, value or DROP)."""
    fields = {**ENVELOPE, **{f"payload.{k}": v for k, v in PAYLOAD_FIELDS[event_type].items()}}
    if event_type != "referral_created":
        fields["episode_id"] = EPISODE_ID
    found: list[tuple[str, Any]] = []
    for name, spec in fields.items():
        found += [(name, value) for value in (*spec.wrong, *spec.outside)]
        if spec.required:
            found.append((name, DROP))
    return found


def broken(
    event_type: str, roster: Roster, episode_id: str
) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """A valid event with one fault, and the field the refusal must name."""
    junk = st.text(string.ascii_lowercase, min_size=1, max_size=8).map(lambda k: f"junk_{k}")
    fault = st.sampled_from(faults(event_type)) | st.tuples(
        st.sampled_from(["", "payload."]).flatmap(lambda at: junk.map(lambda k: at + k)),
        st.sampled_from(["x", 1, None, {"a": []}]),
    )
    valid = events(event_type, roster, episode_id, payloads(event_type, roster))
    return st.tuples(valid, fault).map(lambda pair: (with_fault(pair[0], *pair[1]), pair[1][0]))


def with_fault(body: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """A copy of the body with `field` set to `value` (or removed)."""
    copy: dict[str, Any] = {**body, "payload": dict(body["payload"])}
    *parents, last = field.split(".")
    holder = copy
    for part in parents:
        inner = holder.get(part)
        holder[part] = dict(inner) if isinstance(inner, dict) else {}
        holder = holder[part]
    if value is DROP:
        holder.pop(last, None)
    else:
        holder[last] = value
    return copy


# --- the system under test ------------------------------------------------------------------


@dataclass
class World:
    roster: Roster
    ward: httpx.AsyncClient
    peer: httpx.AsyncClient
    quiet_episode: str  # only ever gets refused events
    busy_episode: str  # takes the valid ones
    fresh_roster: Roster  # for episodes of their own: referrals and ending events
    fresh_ward: httpx.AsyncClient

    def caller(self, event_type: str) -> httpx.AsyncClient:
        """Someone allowed to report this type (ward staff where they may, else the peer)."""
        allowed = EVENT_ROLES[event_type]
        if Role.WARD in allowed:
            return self.ward
        assert Role.PEER in allowed, f"no test caller may report {event_type}"
        return self.peer


async def logged_in(app: FastAPI, pool: DatabasePool, user_id: str) -> httpx.AsyncClient:
    async with pool.acquire() as conn:
        secret, _ = await create_session(conn, user_id, timedelta(hours=1))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        cookies={SESSION_COOKIE: secret},
    )


async def refer(ward: httpx.AsyncClient, roster: Roster) -> str:
    body = await ward.post("/api/events", json=referral(roster))
    assert body.status_code == 202, body.text
    episode_id: str = body.json()["episode_id"]
    return episode_id


def referral(roster: Roster) -> dict[str, Any]:
    return {
        "event_id": f"ref-{uuid.uuid4().hex}",
        "type": "referral_created",
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": {
            "programme": "peer-guide-sind",
            "citizen": {"cpr": cpr(), "name": "Prop Erty"},
            "municipality_code": roster.municipality_code,
            "ward_id": roster.ward_id,
            "organisation_id": roster.organisation_id,
            "consents": [PEER_SUPPORT],
        },
    }


def cpr() -> str:
    """A fresh made-up CPR-shaped number (still treated as personal data)."""
    return f"{uuid.uuid4().int % 10**10:010d}"


@pytest.fixture(scope="module")
async def world(api_app: FastAPI, db_pool: DatabasePool) -> AsyncIterator[World]:
    roster = await make_roster(db_pool, peers=1, capacity=3)
    fresh_roster = await make_roster(db_pool, peers=0)
    ward = await logged_in(api_app, db_pool, roster.ward_nurse)
    peer = await logged_in(api_app, db_pool, roster.peers[0])
    fresh_ward = await logged_in(api_app, db_pool, fresh_roster.ward_nurse)
    episodes = [await refer(ward, roster) for _ in range(2)]
    accepted: set[str] = set()
    while accepted != set(episodes):
        offer = await wait_for_task(peer, "peer_offer")
        answer = await peer.post(f"/api/tasks/{offer['task_id']}/accept", json={})
        assert answer.status_code == 200, answer.text
        accepted.add(offer["episode_id"])
    yield World(roster, ward, peer, episodes[0], episodes[1], fresh_roster, fresh_ward)
    for client in (ward, peer, fresh_ward):
        await client.aclose()


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    """POST /api/events with the body as JSON, escaping what UTF-8 cannot carry (as a
    sender's JSON library would), so unpaired surrogates reach the server."""
    return await client.post(
        "/api/events",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )


async def status_of(pool: DatabasePool, event_id: str) -> str | None:
    async with pool.acquire() as conn:
        status: str | None = await conn.fetchval(
            "SELECT status FROM events_received WHERE event_id = $1", event_id
        )
    return status


async def applied(pool: DatabasePool, event_id: str) -> None:
    async def done() -> bool:
        return await status_of(pool, event_id) == "applied"

    await eventually(done)


async def snapshot(
    pool: DatabasePool, episode_id: str, event_id: object = None, cpr: str | None = None
) -> dict[str, Any]:
    """In one query: the episode's read model and how much is recorded about it, and whether
    an event with this id or a citizen with this CPR number is stored."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT to_jsonb(e) AS episode,"
            " (SELECT count(*) FROM timeline WHERE episode_id = $1) AS timeline,"
            " (SELECT count(*) FROM tasks WHERE episode_id = $1) AS tasks,"
            " (SELECT count(*) FROM audit_log WHERE episode_id = $1) AS audit,"
            " (SELECT count(*) FROM events_received WHERE episode_id = $1) AS events,"
            " (SELECT count(*) FROM events_received WHERE event_id = $2) AS this_event,"
            " (SELECT count(*) FROM citizens WHERE cpr = $3) AS this_citizen"
            " FROM episodes e WHERE e.episode_id = $1",
            episode_id,
            event_id if isinstance(event_id, str) else None,
            cpr,
        )
    assert row is not None
    return dict(row)


# --- the properties -------------------------------------------------------------------------


def test_every_event_type_has_valid_and_broken_examples() -> None:
    assert set(PAYLOAD_FIELDS) == EVENT_TYPES
    assert set(EVENT_ROLES) == EVENT_TYPES
    for event_type in EVENT_TYPES:
        assert faults(event_type), event_type


STAYING = sorted(EVENT_TYPES - {"referral_created", "deceased", "referral_cancelled"})


@pytest.mark.parametrize("event_type", STAYING)
@examples(10)
@given(data=st.data())
async def test_a_valid_event_is_accepted_and_applied(
    event_type: str, data: st.DataObject, world: World, db_pool: DatabasePool
) -> None:
    body = data.draw(
        events(event_type, world.roster, world.busy_episode, payloads(event_type, world.roster))
    )
    answer = await world.caller(event_type).post("/api/events", json=body)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {
        "event_id": body["event_id"],
        "episode_id": world.busy_episode,
        "outcome": "accepted",
    }
    await applied(db_pool, body["event_id"])


@examples(8)
@given(data=st.data())
async def test_a_valid_referral_starts_an_episode(
    data: st.DataObject, world: World, db_pool: DatabasePool
) -> None:
    roster = world.fresh_roster
    body = data.draw(events("referral_created", roster, "", referral_payloads(roster)))
    answer = await world.fresh_ward.post("/api/events", json=body)
    assert answer.status_code == 202, answer.text
    assert answer.json()["outcome"] == "accepted"
    assert body["payload"]["citizen"]["cpr"] not in answer.text
    await applied(db_pool, body["event_id"])


ENDED_BY = {
    "deceased": (st.just({}), "deceased"),
    "referral_cancelled": (payload(reason=texts(500)), "cancelled"),
    "consent_withdrawn": (st.just({"scope": "peer_support"}), "withdrawn"),
}


@pytest.mark.parametrize("event_type", ENDING)
@examples(3)
@given(data=st.data())
async def test_an_ending_event_is_accepted_and_ends_its_episode(
    event_type: str, data: st.DataObject, world: World, db_pool: DatabasePool
) -> None:
    referral_body = referral(world.fresh_roster)
    answer = await world.fresh_ward.post("/api/events", json=referral_body)
    assert answer.status_code == 202, answer.text
    episode_id = answer.json()["episode_id"]
    body_strategy, phase = ENDED_BY[event_type]
    body = data.draw(events(event_type, world.fresh_roster, episode_id, body_strategy))
    answer = await world.fresh_ward.post("/api/events", json=body)
    assert answer.status_code == 202, answer.text
    await applied(db_pool, body["event_id"])

    async def phase_now() -> str:
        episode = json.loads((await snapshot(db_pool, episode_id))["episode"])
        return str(episode["phase"])

    before_the_referral = datetime.fromisoformat(body["occurred_at"]) < datetime.fromisoformat(
        referral_body["occurred_at"]
    )
    if event_type == "consent_withdrawn" and before_the_referral:
        # The referral's consent came after this withdrawal: the consent stands (facts count
        # by when they happened, not when they arrived).
        assert await phase_now() != phase
        return

    async def ended() -> bool:
        return await phase_now() == phase

    await eventually(ended)


def assert_refused_naming(answer: httpx.Response, field: str) -> None:
    assert answer.status_code == 422, (field, answer.status_code, answer.text)
    refusal = answer.json()
    assert isinstance(refusal["detail"], str)
    named = [
        e for e in refusal["errors"] if e["field"] == field or e["field"].startswith(f"{field}.")
    ]
    assert named, (field, refusal)
    assert all(e["reason"] for e in named), refusal
    assert field in refusal["detail"], refusal


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
@examples(25)
@given(data=st.data())
async def test_a_broken_event_is_refused_naming_the_field_and_changes_nothing(
    event_type: str, data: st.DataObject, world: World, db_pool: DatabasePool
) -> None:
    body, field = data.draw(broken(event_type, world.roster, world.quiet_episode))
    before = await snapshot(db_pool, world.quiet_episode, body.get("event_id"), cpr_in(body))
    assert before["this_event"] == 0

    answer = await post(world.caller(event_type), body)

    assert_refused_naming(answer, field)
    after = await snapshot(db_pool, world.quiet_episode, body.get("event_id"), cpr_in(body))
    assert after == before, "nothing recorded, the episode did not change, no citizen stored"
    assert cpr_in(body) is None or cpr_in(body) not in answer.text, "no CPR in a refusal"


def cpr_in(body: dict[str, Any]) -> str | None:
    """The CPR number a (possibly broken) referral carries, if it carries a whole one."""
    citizen = body.get("payload")
    citizen = citizen.get("citizen") if isinstance(citizen, dict) else None
    cpr = citizen.get("cpr") if isinstance(citizen, dict) else None
    return cpr if isinstance(cpr, str) and len(cpr) == 10 else None


@examples(40)
@given(
    event_type=st.text(min_size=1, max_size=40).filter(lambda t: t not in EVENT_TYPES),
    data=st.data(),
)
async def test_an_unknown_event_type_is_refused_naming_the_type(
    event_type: str, data: st.DataObject, world: World, db_pool: DatabasePool
) -> None:
    body = data.draw(events("risk_changed", world.roster, world.quiet_episode, st.just({})))
    before = await snapshot(db_pool, world.quiet_episode, body["event_id"])
    answer = await post(world.ward, {**body, "type": event_type})
    assert_refused_naming(answer, "type")
    assert await snapshot(db_pool, world.quiet_episode, body["event_id"]) == before
    assert before["this_event"] == 0
