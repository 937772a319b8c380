"""A caseworker sees their service's slice of an episode and nothing else: the programme, the
phase, the planned and actual discharge, the peer guide's name, the citizen's name and CPR
number, the goals and milestones of their area and their own service's tasks. Never the
phone, admissions, concerns, notes, risk, consents, other services' goals or milestones, or
the timeline. Without consent, or once it is withdrawn, the episode is not theirs (404)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from tests.api.bodies import event_body, new_cpr, referral_body
from tests.api.conftest import Caller
from tests.api.steps import matched, post
from tests.api.test_events_api import wait_for_task
from tests.conftest import eventually

NAME = "Testa Borger"
PHONE = "+4512345678"
EMAIL = "testa@example.org"
GOALS = {
    "municipal_services": "Hjælp til at finde en bolig",
    "job": "Arbejde i en butik",
    "education": "Tage 9. klasse færdig",
    "network": "Spille fodbold igen",
}
PLANNED = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
CONTACT_NOTE = "Vi gik en tur ved søen"
CONCERN_NOTE = "Sover dårligt, taler om at give op"
# Milestones reported as events: (kind, detail).
REPORTED = {
    "municipal_service": "activity_offer",
    "job_step": "ips",
    "education_step": "education_guidance",
    "network_activity": "football_club",
}
# Each service: the goal area and milestone kind that are its work, and the offer it confirms.
SLICES = {
    "social_services": ("municipal_services", "municipal_service", "housing_support"),
    "jobcenter": ("job", "job_step", "resource_course"),
    "education": ("education", "education_step", None),
}
# Exactly what a caseworker's view carries.
VIEW_KEYS = {
    "view",
    "episode_id",
    "service",
    "programme",
    "programme_name",
    "programme_name_da",
    "phase",
    "planned_discharge_on",
    "discharged_at",
    "peer_name",
    "citizen",
    "goals",
    "milestones",
    "tasks",
}
# What the whole episode carries and a caseworker's view never does.
NEVER = {
    "notes",
    "timeline",
    "consents",
    "risk_elevated",
    "readmissions",
    "first_contact_at",
    "follow_ups_done",
    "follow_ups_planned",
    "overdue_tasks",
    "next_due_at",
    "next_due_kind",
    "ward_id",
    "organisation_id",
    "municipality_code",
    "peer_id",
    "referred_at",
}


async def view_of(client: httpx.AsyncClient, episode_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/episodes/{episode_id}")
    assert response.status_code == 200, response.text
    seen: dict[str, Any] = response.json()
    return seen


async def full_episode(as_user: Caller, roster: Roster, cpr: str) -> tuple[str, dict[str, str]]:
    """An episode with everything a caseworker must not see: admissions (the referral's and a
    readmission), an elevated risk, a contact note, an urgent concern, goals and milestones
    of every area; a planned discharge gave social services and the jobcenter a
    confirm_service task each, and each confirmed an offer of its own. Returns the episode
    and each service's confirm task."""
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    body = referral_body(
        roster,
        citizen={"cpr": cpr, "name": NAME, "phone": PHONE, "email": EMAIL},
        goals=[{"area": area, "text": text} for area, text in GOALS.items()],
        consents=[
            {"scope": "peer_support", "method": "written"},
            {"scope": "share_with_municipality", "method": "written"},
            {"scope": "share_with_jobcenter", "method": "verbal"},
        ],
    )
    episode_id = await matched(ward, peer, body)

    await post(ward, event_body(episode_id, "risk_changed", {"elevated": True}))
    await post(ward, event_body(episode_id, "discharge_planned", {"planned_for": PLANNED}))
    await post(ward, event_body(episode_id, "discharged"))
    await post(ward, event_body(episode_id, "admitted", {"setting": "inpatient"}))
    await post(peer, event_body(episode_id, "contact_logged", {"note": CONTACT_NOTE}))
    await post(
        peer, event_body(episode_id, "concern_flagged", {"urgent": True, "note": CONCERN_NOTE})
    )
    for kind, detail in REPORTED.items():
        await post(
            peer, event_body(episode_id, "milestone_reached", {"kind": kind, "detail": detail})
        )

    tasks: dict[str, str] = {}
    for service, (_, _, confirmed) in SLICES.items():
        if confirmed is None:
            continue
        caseworker = await as_user(roster.caseworkers[service])
        task = await wait_for_task(caseworker, "confirm_service")
        done = await caseworker.post(
            f"/api/tasks/{task['task_id']}/complete",
            json={"result": {"kind": "service_confirmed", "service": confirmed}},
        )
        assert done.status_code == 200, done.text
        tasks[service] = task["task_id"]
    return episode_id, tasks


def assert_slice(
    seen: dict[str, Any],
    service: str,
    *,
    episode_id: str,
    cpr: str,
    peer_name: str,
    own_tasks: set[str],
    confirmed: str | None,
) -> None:
    """Exactly the service's slice: every field present with its value, everything else
    absent, and no text of another slice anywhere in the answer."""
    area, kind, _ = SLICES[service]
    assert set(seen) == VIEW_KEYS, f"{service}: exactly the view's fields"
    assert not NEVER & set(seen), service
    assert seen["view"] == "caseworker" and seen["service"] == service
    assert seen["episode_id"] == episode_id
    assert seen["programme"] == "peer-guide-sind"
    assert seen["programme_name"] and seen["programme_name_da"], "the programme by name"
    assert seen["phase"] == "readmitted"
    assert seen["planned_discharge_on"] == PLANNED
    assert seen["discharged_at"] is not None
    assert seen["peer_name"] == peer_name
    assert seen["citizen"] == {"name": NAME, "cpr": cpr}, "name and CPR, never how to reach"
    assert seen["goals"] == [{"area": area, "text": GOALS[area], "status": "active"}], (
        "only the service's area"
    )
    expected = [REPORTED[kind]] + ([confirmed] if confirmed else [])
    assert sorted(m["detail"] for m in seen["milestones"]) == sorted(expected)
    assert {m["kind"] for m in seen["milestones"]} == {kind}
    assert {t["task_id"] for t in seen["tasks"]} == own_tasks, "only its own service's tasks"
    for task in seen["tasks"]:
        assert set(task) == {
            "task_id",
            "kind",
            "status",
            "due_at",
            "overdue",
            "decided_at",
            "offer",
        }
        assert task["kind"] == "confirm_service"
        assert task["offer"] == confirmed
    text = json.dumps(seen, ensure_ascii=False)
    for hidden in (PHONE, EMAIL, CONTACT_NOTE, CONCERN_NOTE):
        assert hidden not in text, f"{service} must not see it"
    for other, goal in GOALS.items():
        if other != area:
            assert goal not in text, f"{service} must not see the {other} goal"
    for other, detail in REPORTED.items():
        if other != kind:
            assert detail not in text, f"{service} must not see the {other} milestone"
    for other, (_, _, offer) in SLICES.items():
        if other != service and offer:
            assert offer not in text, f"{service} must not see {other}'s confirmation"


async def citizen_reads(pool: DatabasePool, episode_id: str, user: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE episode_id = $1 AND actor_id = $2"
            " AND action = 'read.citizen'",
            episode_id,
            user,
        )
    return count


async def test_each_caseworker_sees_exactly_its_services_slice(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    cpr = new_cpr()
    episode_id, tasks = await full_episode(as_user, roster, cpr)
    async with db_pool.acquire() as conn:
        peer_name = await conn.fetchval(
            "SELECT display_name FROM users WHERE user_id = $1", roster.peers[0]
        )
    clients = {s: await as_user(roster.caseworkers[s]) for s in SLICES}

    # The whole episode (the peer's view) has what the caseworkers must not see.
    whole = await view_of(await as_user(roster.peers[0]), episode_id)
    assert whole["citizen"]["phone"] == PHONE and whole["notes"] and whole["risk_elevated"]

    for service in ("social_services", "jobcenter"):
        before = await citizen_reads(db_pool, episode_id, roster.caseworkers[service])
        seen = await view_of(clients[service], episode_id)
        assert_slice(
            seen,
            service,
            episode_id=episode_id,
            cpr=cpr,
            peer_name=peer_name,
            own_tasks={tasks[service]},
            confirmed=SLICES[service][2],
        )
        after = await citizen_reads(db_pool, episode_id, roster.caseworkers[service])
        assert after == before + 1, "reading the name and CPR number is audited"

    # No consent for education guidance: not theirs to see.
    education = clients["education"]
    assert (await education.get(f"/api/episodes/{episode_id}")).status_code == 404
    assert await citizen_reads(db_pool, episode_id, roster.caseworkers["education"]) == 0

    # The citizen consents later: education guidance sees its slice, at once.
    ward = await as_user(roster.ward_nurse)
    grant = {
        "scope": "share_with_education",
        "recorded_at": datetime.now(UTC).isoformat(),
        "method": "verbal",
    }
    await post(ward, event_body(episode_id, "consent_granted", grant))
    seen = await view_of(education, episode_id)
    own = {t["task_id"] for t in seen["tasks"]}
    assert not own & set(tasks.values()), "never another service's task"
    assert_slice(
        seen,
        "education",
        episode_id=episode_id,
        cpr=cpr,
        peer_name=peer_name,
        own_tasks=own,
        confirmed=None,
    )


async def test_a_withdrawn_consent_hides_the_episode_at_once(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    ward = await as_user(roster.ward_nurse)
    body = referral_body(
        roster,
        consents=[
            {"scope": "peer_support", "method": "written"},
            {"scope": "share_with_municipality", "method": "written"},
            {"scope": "share_with_jobcenter", "method": "written"},
        ],
    )
    response = await ward.post("/api/events", json=body)
    assert response.status_code == 202, response.text
    episode_id = response.json()["episode_id"]
    social = await as_user(roster.caseworkers["social_services"])
    jobcenter = await as_user(roster.caseworkers["jobcenter"])

    async def shared() -> bool:
        answer = await jobcenter.get(f"/api/episodes/{episode_id}")
        return answer.status_code == 200

    await eventually(shared)
    assert (await social.get(f"/api/episodes/{episode_id}")).status_code == 200
    listed = await jobcenter.get("/caseworker")
    assert f"/episodes/{episode_id}" in listed.text

    # The citizen withdraws the jobcenter's share: gone from the API, the page and the list.
    withdrawal = event_body(episode_id, "consent_withdrawn", {"scope": "share_with_jobcenter"})
    await post(ward, withdrawal)
    answer = await jobcenter.get(f"/api/episodes/{episode_id}")
    assert answer.status_code == 404, answer.text
    assert NAME not in answer.text
    page = await jobcenter.get(f"/episodes/{episode_id}")
    assert page.status_code == 404 and NAME not in page.text
    listed = await jobcenter.get("/caseworker")
    assert listed.status_code == 200 and f"/episodes/{episode_id}" not in listed.text
    # The other consent stands.
    assert (await social.get(f"/api/episodes/{episode_id}")).status_code == 200
