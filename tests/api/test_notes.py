"""Notes people can read: contact, concern and task notes reach the peer, the coordinator and
the ward while the citizen is admitted; nobody else (a caseworker's slice has none).
Every read is audited (how many, never the text); erasure leaves no note to read."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from command.synthetic.roster import Roster, make_roster
from db.erasure import erase
from db.pool import DatabasePool
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller, TokenCaller
from tests.api.test_events_api import until_applied, wait_for_task
from tests.conftest import SmtpServer, eventually

CONTACT_NOTE = "Vi gik en tur, hun sover bedre"
CONCERN_NOTE = "Taler om at give op, ring til hende i dag"
ACCEPT_NOTE = "Glæder mig til at møde dig"
DEBRIEF = "Det var hårdt; jeg vil gerne tale med nogen om det"


async def episode_with_notes(as_user: Caller, roster: Roster) -> tuple[str, str]:
    """A matched episode in which the peer wrote a decision note, logged a contact with a
    note and flagged an urgent concern with a note; returns (episode id, concern task id)."""
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    coordinator = await as_user(roster.coordinator)
    response = await ward.post("/api/events", json=referral_body(roster))
    assert response.status_code == 202, response.text
    episode_id = response.json()["episode_id"]
    offer = await wait_for_task(peer, "peer_offer")
    accepted = await peer.post(f"/api/tasks/{offer['task_id']}/accept", json={"note": ACCEPT_NOTE})
    assert accepted.status_code == 200, accepted.text
    for type_, payload in (
        ("contact_logged", {"channel": "meeting", "note": CONTACT_NOTE}),
        ("concern_flagged", {"urgent": True, "note": CONCERN_NOTE}),
    ):
        body = event_body(episode_id, type_, payload)
        assert (await peer.post("/api/events", json=body)).status_code == 202
        await until_applied(peer, body["event_id"])
    concern = await wait_for_task(coordinator, "concern")
    return episode_id, concern["task_id"]


async def notes_of(client: httpx.AsyncClient, episode_id: str) -> list[dict[str, Any]] | None:
    response = await client.get(f"/api/episodes/{episode_id}")
    assert response.status_code == 200, response.text
    notes: list[dict[str, Any]] | None = response.json()["notes"]
    return notes


async def notes_reads(pool: DatabasePool, episode_id: str) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT actor_role, actor_id, detail::text AS detail FROM audit_log"
            " WHERE episode_id = $1 AND action = 'read.notes' ORDER BY audit_no",
            episode_id,
        )
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]


async def test_the_peer_coordinator_and_admitted_ward_read_the_notes(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, concern_task = await episode_with_notes(as_user, roster)

    readers = {
        "peer": roster.peers[0],
        "coordinator": roster.coordinator,
        "ward": roster.ward_nurse,
    }
    for role, user in readers.items():
        notes = await notes_of(await as_user(user), episode_id)
        assert notes is not None, f"{role} reads the notes"
        assert [n["text"] for n in notes] == [CONCERN_NOTE, CONTACT_NOTE, ACCEPT_NOTE], role
        concern, contact, decision = notes
        assert concern["kind"] == "concern" and concern["urgent"] is True
        assert concern["task_id"] == concern_task, "the concern points at the task it raised"
        assert concern["author_role"] == "peer" and concern["author_id"] == roster.peers[0]
        assert contact["kind"] == "contact" and contact["urgent"] is False
        assert decision["kind"] == "task" and decision["author_id"] == roster.peers[0]
        assert [n["at"] for n in notes] == sorted((n["at"] for n in notes), reverse=True)

    reads = await notes_reads(db_pool, episode_id)
    assert [(r["actor_role"], r["actor_id"]) for r in reads] == [
        (role, user) for role, user in readers.items()
    ], "every read is audited: who and which episode"
    assert all(r["detail"] == {"notes": 3, "place": "episode"} for r in reads), "how many"
    assert not [r for r in reads if CONCERN_NOTE in json.dumps(r)], "never the text"

    # A consented caseworker sees their service's slice, which has no notes.
    caseworker = await as_user(roster.caseworkers["social_services"])
    slice_ = (await caseworker.get(f"/api/episodes/{episode_id}")).json()
    assert "notes" not in slice_ and CONCERN_NOTE not in json.dumps(slice_)
    # The citizen consented to sharing with the municipality only: the jobcenter sees nothing.
    jobcenter = await as_user(roster.caseworkers["jobcenter"])
    assert (await jobcenter.get(f"/api/episodes/{episode_id}")).status_code == 404
    other = await make_roster(db_pool, peers=1)
    other_ward = await as_user(other.ward_nurse)
    assert (await other_ward.get(f"/api/episodes/{episode_id}")).status_code == 404
    # Systems that may see the episode never get its notes: the section is absent.
    for system in (
        await as_token("integration", organisations=[roster.organisation_id]),
        await as_token("operator"),
    ):
        assert await notes_of(system, episode_id) is None
    assert len(await notes_reads(db_pool, episode_id)) == len(readers), "no read, no audit"


async def test_the_ward_reads_the_notes_only_while_the_citizen_is_admitted(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, _ = await episode_with_notes(as_user, roster)
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    assert await notes_of(ward, episode_id) is not None, "admitted: the ward reads them"

    discharged = event_body(episode_id, "discharged")
    assert (await ward.post("/api/events", json=discharged)).status_code == 202
    await until_applied(ward, discharged["event_id"])
    assert await notes_of(ward, episode_id) is None, "discharged: the section is absent"
    assert await notes_of(peer, episode_id) is not None, "the peer still reads them"

    readmitted = event_body(episode_id, "admitted")
    assert (await ward.post("/api/events", json=readmitted)).status_code == 202
    await until_applied(ward, readmitted["event_id"])

    async def ward_reads_again() -> bool:
        return await notes_of(ward, episode_id) is not None

    await eventually(ward_reads_again)


async def test_the_concern_e_mail_carries_only_a_link(
    as_user: Caller, db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, concern_task = await episode_with_notes(as_user, roster)
    address = f"{roster.coordinator}@example.org"

    def concern_mails() -> list[str]:
        texts = [
            bytes(m.get_payload(decode=True)).decode() for m in smtp_server.mailbox.to(address)
        ]
        return [text for text in texts if f"/tasks/{concern_task}" in text]

    async def told() -> bool:
        return bool(concern_mails())

    await eventually(told)
    for text in concern_mails():
        assert "concern" in text, "what happened, in the message's words"
        assert CONCERN_NOTE not in text and "Testa" not in text and "+45" not in text
    async with db_pool.acquire() as conn:
        params = await conn.fetch(
            "SELECT params::text FROM outbox WHERE episode_id = $1 AND task_id = $2",
            episode_id,
            concern_task,
        )
    assert params and not [p for (p,) in params if CONCERN_NOTE in p]


async def test_an_erased_citizen_leaves_no_notes_to_read(
    as_user: Caller, db_pool: DatabasePool, time_skipping_env: WorkflowEnvironment
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, _ = await episode_with_notes(as_user, roster)
    await time_skipping_env.client.get_workflow_handle(episode_id).terminate(reason="erasure")
    async with db_pool.acquire() as conn:
        citizen_id = await conn.fetchval(
            "SELECT citizen_id FROM episodes WHERE episode_id = $1", episode_id
        )
        await erase(
            conn,
            citizen_id=citizen_id,
            episode_ids=[episode_id],
            actor_role="operator",
            actor_id=f"dpo-{uuid.uuid4().hex[:6]}",
        )
    assert await notes_of(await as_user(roster.peers[0]), episode_id) == []
    coordinator = await as_user(roster.coordinator)
    assert await notes_of(coordinator, episode_id) == []
    page = (await coordinator.get("/coordinator")).text
    assert CONCERN_NOTE not in page


async def test_the_peers_debrief_note_after_a_death_reaches_the_coordinator(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, _ = await episode_with_notes(as_user, roster)
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    coordinator = await as_user(roster.coordinator)
    death = event_body(episode_id, "deceased")
    assert (await ward.post("/api/events", json=death)).status_code == 202
    debrief = await wait_for_task(peer, "debrief")
    done = await peer.post(f"/api/tasks/{debrief['task_id']}/complete", json={"note": DEBRIEF})
    assert done.status_code == 200, done.text

    async def debriefed() -> bool:
        notes = await notes_of(coordinator, episode_id)
        return bool(notes and notes[0]["kind"] == "debrief")

    await eventually(debriefed)
    notes = await notes_of(coordinator, episode_id)
    assert notes is not None and notes[0]["text"] == DEBRIEF
    assert notes[0]["task_id"] == debrief["task_id"]
    assert notes[0]["author_id"] == roster.peers[0]
    # The coordinator's notification links the task; done, it leads to the episode's notes.
    page = await coordinator.get(f"/tasks/{debrief['task_id']}", follow_redirects=True)
    assert page.status_code == 200 and DEBRIEF in page.text
    assert await notes_of(ward, episode_id) is None, "no longer on the ward"


async def test_each_concern_task_points_at_its_own_concern(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, first_task = await episode_with_notes(as_user, roster)
    peer = await as_user(roster.peers[0])
    second = event_body(episode_id, "concern_flagged", {"note": "Mindre søvn igen"})
    assert (await peer.post("/api/events", json=second)).status_code == 202
    await until_applied(peer, second["event_id"])
    async with db_pool.acquire() as conn:
        tasks = await conn.fetch(
            "SELECT task_id FROM tasks WHERE episode_id = $1 AND kind = 'concern'"
            " ORDER BY created_at, length(task_id), task_id",
            episode_id,
        )
    assert len(tasks) == 2 and tasks[0]["task_id"] == first_task
    notes = await notes_of(peer, episode_id)
    assert notes is not None
    concerns = {n["text"]: (n["task_id"], n["urgent"]) for n in notes if n["kind"] == "concern"}
    assert concerns == {
        CONCERN_NOTE: (first_task, True),
        "Mindre søvn igen": (tasks[1]["task_id"], False),
    }
