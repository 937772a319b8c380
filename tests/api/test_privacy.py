"""Privacy by design: a whole episode leaves no personal data in clear text in Temporal
(workflow ids, histories, search attributes, memo) or in any log line; nor do the messages to
the citizen and their relatives (logs, outbox rows, metrics)."""

from __future__ import annotations

import io
import json
import uuid

import httpx
from prometheus_client import generate_latest
from temporalio.testing import WorkflowEnvironment

from activities.notifications import EmailSender, Notifier, SmsSender
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from hverdagsbro.log_setup import configure_logging
from hverdagsbro.metrics import Metrics
from hverdagsbro.redaction import REDACTED
from schemas.notifications import Template
from schemas.people import Role
from tests.activities.citizens import NO_QUIET_HOURS, NOT_SHARED, citizen_episode
from tests.activities.conftest import running_sms_gateway
from tests.activities.test_citizen_messages import MEETING_AT
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller
from tests.api.test_events_api import wait_for_task
from tests.conftest import SmtpServer
from workflows.episode import EpisodeWorkflow


async def test_a_whole_episode_leaves_no_personal_data_in_temporal_or_logs(
    as_user: Caller, db_pool: DatabasePool, time_skipping_env: WorkflowEnvironment
) -> None:
    marker = uuid.uuid4().hex[:8]
    cpr = f"2{uuid.uuid4().int % 10**9:09d}"
    secrets = {
        "cpr": cpr,
        "name": f"Privata Borger{marker}",
        "phone": f"+45 2{uuid.uuid4().int % 10**7:07d}",
        "email": f"privat{marker}@example.org",
        "note": f"Hun fortalte om sin diagnose {marker}",
    }
    logs = io.StringIO()
    configure_logging("json", "INFO", stream=logs)
    try:
        roster = await make_roster(db_pool, peers=1)
        ward = await as_user(roster.ward_nurse)
        peer = await as_user(roster.peers[0])
        coordinator = await as_user(roster.coordinator)
        body = referral_body(roster)
        body["payload"]["citizen"] = {
            "cpr": cpr,
            "name": secrets["name"],
            "phone": secrets["phone"],
            "email": secrets["email"],
        }
        episode_id = (await ward.post("/api/events", json=body)).json()["episode_id"]
        offer = await wait_for_task(peer, "peer_offer")
        await peer.post(f"/api/tasks/{offer['task_id']}/accept", json={"note": secrets["note"]})
        await ward.post("/api/events", json=event_body(episode_id, "discharged"))
        await wait_for_task(peer, "first_contact")
        contact = event_body(episode_id, "contact_logged", {"note": secrets["note"]})
        assert (await peer.post("/api/events", json=contact)).status_code == 202
        close = event_body(episode_id, "close_requested", {"reason": "done"})
        assert (await coordinator.post("/api/events", json=close)).status_code == 202
        questionnaire = await wait_for_task(peer, "outcome_questionnaire")
        answers = {
            "kind": "outcome",
            "hope_score_start": 2,
            "hope_score_end": 6,
            "network_size_start": 1,
            "network_size_end": 3,
            "job_or_education": "none",
        }
        await peer.post(
            f"/api/tasks/{questionnaire['task_id']}/complete",
            json={"result": answers, "note": secrets["note"]},
        )
        debrief = await wait_for_task(peer, "debrief")
        await peer.post(f"/api/tasks/{debrief['task_id']}/complete", json={"note": secrets["note"]})
        handle = time_skipping_env.client.get_workflow_handle_for(EpisodeWorkflow.run, episode_id)
        outcome = await handle.result()
        assert outcome.final_phase == "closed"

        history = await handle.fetch_history()
        raw = b"".join(event.SerializeToString() for event in history.events)
        description = await handle.describe()
        visible = " ".join(
            [
                episode_id,
                str(description.typed_search_attributes),
                str(description.memo),
                str(await description.static_summary()),
                str(await description.static_details()),
            ]
        )
    finally:
        configure_logging("console", "INFO")
    logged = logs.getvalue()
    assert "episode started" in logged, "the log capture worked"
    for kind, value in secrets.items():
        assert value.encode() not in raw, f"{kind} in the workflow history"
        assert value not in visible, f"{kind} in ids, search attributes or memo"
        assert value not in logged, f"{kind} in a log line"
    ours = [
        line
        for line in logged.splitlines()
        if json.loads(line).get("logger") != "mail.log"  # the test's own SMTP server
    ]
    assert not [line for line in ours if REDACTED in line], "nothing needed the safety net"
    async with db_pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT name FROM episode_contacts WHERE episode_id = $1", episode_id
        )
    assert stored == secrets["name"], "personal data lives in PostgreSQL"


async def test_messages_to_the_citizen_and_relatives_leave_no_personal_data_behind(
    db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    """The channels of issue 19: a reminder to the citizen and notices to a relative (one
    naming the peer) go out by e-mail and SMS, and one is refused without the consent. Their
    addresses, names and the peer's surname reach the mail and the SMS only: not a log line,
    not an outbox row (params, user id, error), not a metric label, not the Delivery (the
    workflow's history)."""
    citizen = await citizen_episode(db_pool)
    relative = await citizen.relative()
    peer_id = f"peer-{citizen.episode_id}"
    await db_pool.execute(
        "INSERT INTO users (user_id, role, display_name, active)"
        " VALUES ($1, 'peer', 'Ingrid Privatsdatter', true)",
        peer_id,
    )
    notices = (
        citizen.notice(Template.CITIZEN_MEETING_REMINDER, Role.CITIZEN, when=MEETING_AT),
        citizen.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-05"),
        citizen.notice(Template.RELATIVE_PEER_ASSIGNED, Role.RELATIVE, peer_id=peer_id),
    )
    await citizen.commit(notifications=notices)
    refused = citizen.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-06")
    secrets = {
        "citizen name": citizen.name,
        "citizen e-mail": citizen.email or "",
        "citizen phone": citizen.phone or "",
        "relative name": relative.name,
        "relative e-mail": relative.email or "",
        "relative phone": relative.phone or "",
        "peer surname": "Privatsdatter",
    }
    logs = io.StringIO()
    metrics = Metrics()
    configure_logging("json", "INFO", stream=logs)
    try:
        async with running_sms_gateway() as gateway, httpx.AsyncClient() as http:
            notifier = Notifier(
                db_pool,
                EmailSender(smtp_server.host, smtp_server.port, "hb@kommune.test", timeout=5),
                SmsSender(gateway.url, http),
                "https://hverdagsbro.test",
                metrics,
                quiet_hours=NO_QUIET_HOURS,
            )
            deliveries = [await notifier.deliver_notification(n) for n in notices]
            await citizen.commit(consents=NOT_SHARED, notifications=(refused,))
            deliveries.append(await notifier.deliver_notification(refused))
    finally:
        configure_logging("console", "INFO")
    sent = [m["text"] for m in gateway.accepted()]
    assert len(sent) == 3 and any("Ingrid" in text for text in sent), "the messages went"
    logged = logs.getvalue()
    assert "delivery sent" in logged, "the log capture worked"
    rows = await db_pool.fetch(
        "SELECT user_id, params::text, coalesce(last_error, '') AS error FROM outbox"
        " WHERE episode_id = $1",
        citizen.episode_id,
    )
    stored = " ".join(f"{r['user_id']} {r['params']} {r['error']}" for r in rows)
    assert "no share_with_relative consent" in stored
    visible = {
        "a log line": logged,
        "the outbox": stored,
        "a metric": generate_latest(metrics.registry).decode(),
        "a Delivery": " ".join(d.model_dump_json() for d in deliveries),
    }
    for kind, value in secrets.items():
        for where, text in visible.items():
            assert value not in text, f"{kind} in {where}"
