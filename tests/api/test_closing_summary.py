"""The closing summary: when an episode closes, each service the citizen consented to sharing
with is notified (CLOSING_SUMMARY, linking /episodes/{id}/summary) and its caseworker reads
exactly their slice from GET /api/episodes/{id}/closing-summary: the programme, the dates, the
follow-ups, the goals of their area with their status, the milestones of their area, the
services they started, hope and network from start to end, the job or education (jobcenter
and education guidance only) and the peer's closing note. Never admissions, concerns, notes,
contact data, risk or another area's goals and milestones. The coordinators of the episode's
organisation read the whole summary; everyone else, and everyone before closing, a 404."""

from __future__ import annotations

import json
from datetime import timedelta
from email.message import Message
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.messages import link
from api.app import create_app
from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from schemas.notifications import Template
from tests.api.bodies import event_body, new_cpr, referral_body
from tests.api.conftest import Caller
from tests.api.steps import complete, matched, post
from tests.api.test_events_api import wait_for_task
from tests.conftest import SmtpServer, eventually
from workflows.episode import EpisodeWorkflow


@pytest.fixture(scope="module")
def api_app(
    db_pool: DatabasePool, own_env: WorkflowEnvironment, own_queue: str, own_worker: Worker
) -> FastAPI:
    """The episodes here skip a week to their follow-up: on a server of their own, so the
    shared one's clock stays with the wall clock for the tests after this module."""
    return create_app(Settings(task_queue=own_queue), pool=db_pool, temporal=own_env.client)


NAME = "Summa Borger"
PHONE = "+4587654321"
EMAIL = "summa@example.org"
# The referral's goals (g1..g4), in the citizen's words.
GOALS = {
    "municipal_services": "Hjælp til at finde en bolig",
    "job": "Arbejde i en butik",
    "education": "Tage 9. klasse færdig",
    "network": "Spille fodbold igen",
}
# Set at the first contact (g5).
LATER_JOB_GOAL = "Tage et truckcertifikat"
CONTACT_NOTE = "Vi drak kaffe på biblioteket"
CONCERN_NOTE = "Har ikke sovet i tre nætter"
CLOSING_NOTE = "Hun har fundet sin egen vej og ved, hvem hun kan ringe til."
REPORTED = {
    "municipal_service": "activity_offer",
    "job_step": "ips",
    "education_step": "education_guidance",
    "network_activity": "football_club",
}
# Each service: its goal area, milestone kind and the offer it confirms started.
SLICES = {
    "social_services": ("municipal_services", "municipal_service", "housing_support"),
    "jobcenter": ("job", "job_step", "resource_course"),
    "education": ("education", "education_step", "special_educational_support"),
}
SUMMARY_KEYS = {
    "episode_id",
    "audience",
    "service",
    "areas",
    "programme",
    "programme_name",
    "programme_name_da",
    "phase",
    "citizen",
    "referred_at",
    "discharged_at",
    "closed_at",
    "follow_ups_done",
    "follow_ups_planned",
    "milestones",
    "services_started",
    "goals",
    "hope",
    "network",
    "job_or_education",
    "closing_note",
}
ALL_CONSENTS = [
    {"scope": "peer_support", "method": "written"},
    {"scope": "share_with_municipality", "method": "written"},
    {"scope": "share_with_jobcenter", "method": "verbal"},
    {"scope": "share_with_education", "method": "written"},
]


async def summary_of(client: httpx.AsyncClient, episode_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/episodes/{episode_id}/closing-summary")
    assert response.status_code == 200, response.text
    seen: dict[str, Any] = response.json()
    return seen


async def goal_ids(pool: DatabasePool, episode_id: str) -> dict[str, str]:
    """text -> goal id."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT goal_id, text FROM episode_goals WHERE episode_id = $1", episode_id
        )
    return {r["text"]: r["goal_id"] for r in rows}


async def closing_summary_rows(pool: DatabasePool, episode_id: str) -> set[tuple[str, str, str]]:
    """(recipient role, service, user) of every CLOSING_SUMMARY outbox row."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT recipient_role, coalesce(recipient_service, '') AS service, user_id"
            " FROM outbox WHERE episode_id = $1 AND template = 'closing_summary'",
            episode_id,
        )
    return {(r["recipient_role"], r["service"], r["user_id"]) for r in rows}


async def summary_reads(pool: DatabasePool, episode_id: str, user: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE episode_id = $1 AND actor_id = $2"
            " AND action = 'read.closing_summary'",
            episode_id,
            user,
        )
    return count


async def refer(as_user: Caller, roster: Roster, **payload: Any) -> str:
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    episode_id = await matched(ward, peer, referral_body(roster, **payload))
    return episode_id


async def close_out(
    as_user: Caller,
    roster: Roster,
    env: WorkflowEnvironment,
    episode_id: str,
    *,
    job: str,
    note: str,
) -> None:
    """Closing asked for, the questionnaire with the closing note, the debrief: closed."""
    peer = await as_user(roster.peers[0])
    coordinator = await as_user(roster.coordinator)
    await post(coordinator, event_body(episode_id, "close_requested", {"reason": "done"}))
    questionnaire = await wait_for_task(peer, "outcome_questionnaire")
    answers = {
        "kind": "outcome",
        "hope_score_end": 7,
        "network_size_end": 5,
        "job_or_education": job,
        "closing_note": note,
    }
    await complete(peer, questionnaire["task_id"], result=answers)
    debrief = await wait_for_task(peer, "debrief")
    await complete(peer, debrief["task_id"])
    handle = env.client.get_workflow_handle_for(EpisodeWorkflow.run, episode_id)
    assert (await handle.result()).final_phase == "closed"


def assert_no_secrets(text: str) -> None:
    for hidden in (PHONE, EMAIL, CONTACT_NOTE, CONCERN_NOTE):
        assert hidden not in text, "never contact data, notes or concerns"
    for never in ("risk", "admission", "readmissions", "consents", "notes", "timeline"):
        assert never not in text, f"nothing about {never}"


@pytest.mark.timeout(120)
async def test_each_consented_service_reads_exactly_its_slice_of_the_closing_summary(
    as_user: Caller, db_pool: DatabasePool, own_env: WorkflowEnvironment
) -> None:
    roster = await make_roster(db_pool, peers=1)
    cpr = new_cpr()
    episode_id = await refer(
        as_user,
        roster,
        citizen={"cpr": cpr, "name": NAME, "phone": PHONE, "email": EMAIL},
        goals=[{"area": area, "text": text} for area, text in GOALS.items()],
        consents=ALL_CONSENTS,
    )
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    coordinator = await as_user(roster.coordinator)
    caseworkers = {s: await as_user(roster.caseworkers[s]) for s in SLICES}
    planned = (await own_env.get_current_time()).date() + timedelta(days=1)
    await post(ward, event_body(episode_id, "risk_changed", {"elevated": True}))
    await post(ward, event_body(episode_id, "discharge_planned", {"planned_for": str(planned)}))
    await post(ward, event_body(episode_id, "discharged"))
    await post(
        peer, event_body(episode_id, "concern_flagged", {"urgent": True, "note": CONCERN_NOTE})
    )
    for kind, detail in REPORTED.items():
        await post(
            peer, event_body(episode_id, "milestone_reached", {"kind": kind, "detail": detail})
        )
    for service, (_, _, offer) in SLICES.items():
        task = await wait_for_task(caseworkers[service], "confirm_service")
        await complete(
            caseworkers[service],
            task["task_id"],
            result={"kind": "service_confirmed", "service": offer},
        )
    contact = await wait_for_task(peer, "first_contact")
    first = {
        "kind": "first_contact",
        "hope_score": 3,
        "network_size": 2,
        "goals": [{"area": "job", "text": LATER_JOB_GOAL}],
    }
    await complete(peer, contact["task_id"], result=first)
    ids = await goal_ids(db_pool, episode_id)
    await post(
        peer,
        event_body(episode_id, "goal_dropped", {"goal_id": ids[GOALS["job"]], "reason": "nyt"}),
    )

    # Before closing there is no summary: a clear 404 for those who may see it, and the
    # plain 404 for everyone else.
    early = await caseworkers["social_services"].get(f"/api/episodes/{episode_id}/closing-summary")
    assert early.status_code == 404 and "not closed yet" in early.json()["detail"]
    assert NAME not in early.text

    # The first follow-up: the housing goal is reached, the others go on.
    async with db_pool.acquire() as conn:
        discharged_at = await conn.fetchval(
            "SELECT discharged_at FROM episodes WHERE episode_id = $1", episode_id
        )
    wait = discharged_at + timedelta(days=7, hours=1) - await own_env.get_current_time()
    if wait > timedelta(0):
        await own_env.sleep(wait)
    follow_up = await wait_for_task(peer, "follow_up")
    active = [ids[GOALS["municipal_services"]], ids[GOALS["education"]], ids[GOALS["network"]]]
    active.append(ids[LATER_JOB_GOAL])
    reviews = [
        {
            "goal_id": goal,
            "progress": "much" if goal == ids[GOALS["municipal_services"]] else "some",
            "reached": goal == ids[GOALS["municipal_services"]],
        }
        for goal in active
    ]
    await complete(
        peer, follow_up["task_id"], result={"kind": "follow_up_review", "reviews": reviews}
    )
    # (A logged contact counts as the first contact or the follow-up due: logged last.)
    await post(peer, event_body(episode_id, "contact_logged", {"note": CONTACT_NOTE}))
    assert not await closing_summary_rows(db_pool, episode_id), "nothing to sum up yet"

    await close_out(as_user, roster, own_env, episode_id, job="in_process", note=CLOSING_NOTE)

    # Each consented service was told, and nobody else.
    assert {
        (role, service) for role, service, _ in await closing_summary_rows(db_pool, episode_id)
    } == {("caseworker", s) for s in SLICES}
    assert {user for _, _, user in await closing_summary_rows(db_pool, episode_id)} == {
        roster.caseworkers[s] for s in SLICES
    }

    statuses = {
        "municipal_services": [(GOALS["municipal_services"], "reached")],
        "job": [(GOALS["job"], "dropped"), (LATER_JOB_GOAL, "active")],
        "education": [(GOALS["education"], "active")],
    }
    for service, (area, kind, offer) in SLICES.items():
        user = roster.caseworkers[service]
        before = await summary_reads(db_pool, episode_id, user)
        seen = await summary_of(caseworkers[service], episode_id)
        assert await summary_reads(db_pool, episode_id, user) == before + 1, "the read is audited"
        assert set(seen) == SUMMARY_KEYS
        assert seen["audience"] == "caseworker" and seen["service"] == service
        assert seen["areas"] == [area]
        assert seen["phase"] == "closed" and seen["closed_at"] and seen["discharged_at"]
        assert seen["referred_at"] and seen["programme"] == "peer-guide-sind"
        assert seen["programme_name"] and seen["programme_name_da"]
        assert seen["citizen"] == {"name": NAME, "cpr": cpr}
        assert seen["follow_ups_done"] >= 1 and seen["follow_ups_planned"] > 1
        assert [(g["text"], g["status"]) for g in seen["goals"]] == statuses[area]
        assert {m["kind"] for m in seen["milestones"]} == {kind}
        assert sorted(m["detail"] for m in seen["milestones"]) == sorted([REPORTED[kind], offer])
        assert [(s["service"], s["offer"]) for s in seen["services_started"]] == [(service, offer)]
        assert seen["hope"] == {"start": 3, "end": 7}
        assert seen["network"] == {"start": 2, "end": 5}
        assert seen["job_or_education"] == (None if service == "social_services" else "in_process")
        assert seen["closing_note"] == CLOSING_NOTE
        text = json.dumps(seen, ensure_ascii=False)
        assert_no_secrets(text)
        for other_area, goal in GOALS.items():
            if other_area != area:
                assert goal not in text, f"{service} must not see the {other_area} goal"
        if area != "job":
            assert LATER_JOB_GOAL not in text
        for other_kind, detail in REPORTED.items():
            if other_kind != kind:
                assert detail not in text, f"{service} must not see the {other_kind} milestone"
        for other, (_, _, other_offer) in SLICES.items():
            if other != service:
                assert other_offer not in text, f"{service} must not see {other}'s service"

    # The coordinator of the episode's organisation reads the whole summary.
    whole = await summary_of(coordinator, episode_id)
    assert whole["audience"] == "coordinator" and whole["service"] is None
    assert {g["text"]: g["status"] for g in whole["goals"]} == {
        GOALS["municipal_services"]: "reached",
        GOALS["job"]: "dropped",
        GOALS["education"]: "active",
        GOALS["network"]: "active",
        LATER_JOB_GOAL: "active",
    }
    assert sorted(m["detail"] for m in whole["milestones"]) == sorted(
        [*REPORTED.values(), *(offer for _, _, offer in SLICES.values())]
    )
    assert {s["offer"] for s in whole["services_started"]} == {o for _, _, o in SLICES.values()}
    assert whole["job_or_education"] == "in_process" and whole["closing_note"] == CLOSING_NOTE
    assert_no_secrets(json.dumps(whole, ensure_ascii=False))
    assert await summary_reads(db_pool, episode_id, roster.coordinator) == 1

    # The peer, the ward and another municipality's caseworker: no summary.
    stranger = await make_roster(db_pool, peers=1)
    for user in (roster.peers[0], roster.ward_nurse, stranger.caseworkers["social_services"]):
        answer = await (await as_user(user)).get(f"/api/episodes/{episode_id}/closing-summary")
        assert answer.status_code == 404, answer.text
        assert NAME not in answer.text and CLOSING_NOTE not in answer.text
        assert await summary_reads(db_pool, episode_id, user) == 0
    other_coordinator = await as_user(stranger.coordinator)
    answer = await other_coordinator.get(f"/api/episodes/{episode_id}/closing-summary")
    assert answer.status_code == 404


def text_of(mail: Message) -> str:
    """The plain text of a mail, whether or not it carries an attachment."""
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def test_the_closing_summary_notification_links_the_summary_page() -> None:
    base = "https://bro.example"
    assert link(base, "ep-1", None, Template.CLOSING_SUMMARY) == f"{base}/episodes/ep-1/summary"
    assert link(base, "ep-1", None, Template.EPISODE_ENDED) == f"{base}/episodes/ep-1"
    assert link(base, "ep-1", "t-1", Template.NEW_TASK) == f"{base}/tasks/t-1"


async def test_a_service_without_consent_is_neither_told_nor_shown_the_summary(
    as_user: Caller,
    db_pool: DatabasePool,
    own_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id = await refer(
        as_user,
        roster,
        goals=[{"area": "education", "text": GOALS["education"]}],
        consents=[
            {"scope": "peer_support", "method": "written"},
            {"scope": "share_with_education", "method": "written"},
        ],
    )
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    await post(ward, event_body(episode_id, "discharged"))
    contact = await wait_for_task(peer, "first_contact")
    await complete(
        peer,
        contact["task_id"],
        result={"kind": "first_contact", "hope_score": 4, "network_size": 1},
    )
    await post(
        peer,
        event_body(
            episode_id, "milestone_reached", {"kind": "education_step", "detail": "enrolled"}
        ),
    )
    await close_out(as_user, roster, own_env, episode_id, job="studying", note="")

    rows = await closing_summary_rows(db_pool, episode_id)
    assert rows == {("caseworker", "education", roster.caseworkers["education"])}
    # The e-mail links the summary page.
    async with db_pool.acquire() as conn:
        address = await conn.fetchval(
            "SELECT email FROM users WHERE user_id = $1", roster.caseworkers["education"]
        )
    assert address, "the caseworker has an e-mail address"
    summary_url = f"/episodes/{episode_id}/summary"

    async def mailed() -> bool:
        return any(summary_url in text_of(m) for m in smtp_server.mailbox.to(address))

    await eventually(mailed)

    education = await summary_of(await as_user(roster.caseworkers["education"]), episode_id)
    assert [(g["text"], g["status"]) for g in education["goals"]] == [
        (GOALS["education"], "active")
    ]
    assert [m["detail"] for m in education["milestones"]] == ["enrolled"]
    assert education["job_or_education"] == "studying"
    assert education["closing_note"] is None
    assert education["hope"] == {"start": 4, "end": 7}

    for service in ("social_services", "jobcenter"):
        client = await as_user(roster.caseworkers[service])
        answer = await client.get(f"/api/episodes/{episode_id}/closing-summary")
        assert answer.status_code == 404, answer.text
        assert answer.json()["detail"] == "episode_id: no such episode"
        assert await summary_reads(db_pool, episode_id, roster.caseworkers[service]) == 0
