"""Data-subject erasure in PostgreSQL: personal data removed, keys destroyed, audit kept.

Where a citizen's personal data can live, and what erasure does there (PERSONAL_DATA says it
once; the erasure test searches every text and jsonb column of every table, so a place
missing here shows up there):

PostgreSQL
- citizens.cpr: set NULL (the row stays, with erased_at, so ids in the audit log lead
  nowhere). name/phone/email are no longer written (migration 0006) and are set NULL too.
- episode_contacts (name, phone, e-mail as each episode recorded them): deleted.
- episode_goals (the citizen's goals in their own words) and goal_reviews: deleted.
- tasks.note (decision notes) and tasks.result (jsonb: service text, meeting date, outcome
  questionnaire): emptied; open tasks are cancelled.
- episodes: hope scores and network sizes (the two measurements) and job or education set
  NULL, open episodes withdrawn; the rest (ward, municipality, dates, phase) stays for the
  figures, tied only to the citizen_id.
- outbox.params (jsonb) and outbox.last_error: emptied for the episodes' notifications.
- events_received.body (jsonb: referral with CPR, name, contact data, notes, MedCom facts):
  emptied.
- Notes (db/notes.py reads them only from events_received.body and tasks.note): contact and
  concern notes go with the event bodies, task-decision and debrief notes with tasks.note;
  the audit of reading them ('read.notes') holds counts only.
- medcom_messages: ids, the activity code and times only (the bundle's body is in
  events_received); kept so a repeated message is still recognised.
- medcom_replies.topic/text (what the municipality wrote back to our CareCommunications):
  emptied; the ids, category code and times stay, so a repeated reply is still recognised.
- referral_candidate_dismissals.reason (why ward staff found an admission without a referral
  not relevant, in their words): emptied; who dismissed it and when stay.
- peer_group_members (that the citizen's episode is in a peer group, when they joined and
  left) with their attendance and follow-up tasks (cascade): deleted.
- course_participants of the citizen's episodes (name, e-mail, phone, consent) with their
  enrolments, attendance and follow-up tasks (cascade): deleted; the params and errors of the
  outbox rows addressed to them ('participant:<id>') are emptied.
- timeline.summary: texts from a fixed vocabulary written by the workflow ("Contact logged
  (phone)"), never input text; kept.
- audit_log (append-only): reason and detail hold ids and codes only, never input text;
  kept, including the erasure's own entry (citizen id and episode ids).
- citizen_sign_in_links and citizen_sessions (the citizen's one-time sign-in links and their
  sessions: digests and ids only, no address): deleted.
- episode_relatives (the citizen's relatives on their episodes: names, phone numbers,
  e-mail addresses, relation): deleted; the outbox rows to them ('relative:<id>') carry the
  episode id, so their params and errors are emptied with the episode's.
- citizen_message_preferences (reminders off, preferred channel, quiet hours): deleted.
- sessions, login_attempts, users, api_tokens: staff and systems, not citizens.
- payload_keys: the episodes' wrapped data keys are destroyed.
- erasures: the ledger of erased citizens, ids only (see below).

Temporal (command/erasure.py)
- payloads (inputs, results, signals, updates, state): encrypted with the episode's data key;
  destroying the key makes them unreadable, in every copy.
- failure messages and stack traces: encoded into an encrypted attribute (the data
  converter's failure converter), so they go with the key too.
- search attributes (phase, programme, municipality, discharge date, overdue count), the
  static summary/details and current details: no personal data and no citizen id; the
  execution is deleted anyway, which removes its history and visibility record.
- workflow ids: a hash of the referral's event id, not linkable to the person.

Backups
- A database backup taken before an erasure holds the citizen's data and wrapped keys. The
  erasure is written to the `erasures` table and appended to a ledger file kept outside the
  database; after any restore, `hverdagsbro erase --reapply` erases everyone in both again
  before the system is used. Backups expire with their retention period.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from db.connection import PooledConnection
from schemas.base import Frozen

TERMINAL = ["closed", "withdrawn", "cancelled", "deceased"]

# place -> what erasure does there (the module docstring says why).
PERSONAL_DATA: dict[str, str] = {
    "citizens.cpr/name/phone/email": "set NULL, erased_at set",
    "episode_contacts": "deleted",
    "episode_goals": "deleted",
    "goal_reviews": "deleted",
    "tasks.note/result": "emptied; open tasks cancelled",
    "episodes.hope_score_start/end": "set NULL; open episode withdrawn",
    "episodes.network_size_start/end, job_or_education": "set NULL",
    "outbox.params/last_error": "emptied",
    "events_received.body": "emptied",
    "medcom_messages": "ids and activity codes only; kept",
    "medcom_replies.topic/text": "emptied; ids, category and times kept",
    "referral_candidate_dismissals.reason": "emptied; who and when kept",
    "peer_group_members/attendance/tasks": "deleted",
    "course_participants/enrolments/attendance/tasks": "deleted; their outbox rows emptied",
    "citizen_sign_in_links, citizen_sessions": "deleted",
    "episode_relatives": "deleted; their outbox rows emptied with the episode's",
    "citizen_message_preferences": "deleted",
    "timeline.summary": "fixed vocabulary only; kept",
    "audit_log.reason/detail": "ids and codes only; append-only, kept",
    "payload_keys": "destroyed (Temporal payloads and failure texts unreadable)",
    "temporal executions": "terminated and deleted (history, search attributes, memo)",
    "backups": "erasures ledger + ledger file; `erase --reapply` after a restore",
}


class Erasure(Frozen):
    """One ledger line: who was erased, when, by whom; ids only."""

    citizen_id: str
    episode_ids: tuple[str, ...]
    erased_at: datetime
    erased_by: str


async def episodes_of(conn: PooledConnection, citizen_id: str) -> list[str]:
    """Every episode of the citizen, started, only referred, or known from contact data."""
    rows = await conn.fetch(
        "SELECT episode_id FROM episodes WHERE citizen_id = $1 UNION"
        " SELECT episode_id FROM episode_contacts WHERE citizen_id = $1 UNION"
        " SELECT episode_id FROM events_received WHERE citizen_id = $1"
        " AND event_type = 'referral_created' AND episode_id IS NOT NULL",
        citizen_id,
    )
    return sorted(r["episode_id"] for r in rows)


async def erasures(conn: PooledConnection) -> list[Erasure]:
    """The ledger of this database, oldest first."""
    rows = await conn.fetch(
        "SELECT citizen_id, episode_ids, erased_at, erased_by FROM erasures ORDER BY erased_at"
    )
    return [
        Erasure.model_validate({**dict(r), "episode_ids": tuple(r["episode_ids"])}) for r in rows
    ]


async def erase(
    conn: PooledConnection,
    *,
    citizen_id: str,
    episode_ids: list[str],
    actor_role: str,
    actor_id: str,
    reason: str = "data-subject request",
) -> Erasure:
    """In one transaction: destroy the episodes' payload keys, remove the citizen's personal
    data everywhere PERSONAL_DATA names, end what is still open, free the peers' slots,
    record the erasure in the ledger and write the audit entry (ids only; kept). Running it
    again (a restore, `erase --reapply`) erases whatever came back and changes nothing else."""
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO payload_keys (workflow_id, destroyed_at)"
            " SELECT unnest($1::text[]), now()"
            " ON CONFLICT (workflow_id) DO UPDATE SET wrapped_key = NULL,"
            " master_key_id = NULL, destroyed_at = COALESCE(payload_keys.destroyed_at, now())",
            episode_ids,
        )
        await conn.execute(
            "UPDATE citizens SET cpr = NULL, name = NULL, phone = NULL, email = NULL,"
            " erased_at = COALESCE(erased_at, now()) WHERE citizen_id = $1",
            citizen_id,
        )
        await conn.execute(
            "DELETE FROM episode_contacts WHERE citizen_id = $1 OR episode_id = ANY($2)",
            citizen_id,
            episode_ids,
        )
        await conn.execute(
            "DELETE FROM citizen_sign_in_links WHERE citizen_id = $1 OR episode_id = ANY($2)",
            citizen_id,
            episode_ids,
        )
        await conn.execute("DELETE FROM citizen_sessions WHERE citizen_id = $1", citizen_id)
        await conn.execute("DELETE FROM episode_relatives WHERE episode_id = ANY($1)", episode_ids)
        await conn.execute(
            "DELETE FROM citizen_message_preferences WHERE citizen_id = $1", citizen_id
        )
        await conn.execute("DELETE FROM episode_goals WHERE episode_id = ANY($1)", episode_ids)
        await conn.execute("DELETE FROM goal_reviews WHERE episode_id = ANY($1)", episode_ids)
        await conn.execute(
            "UPDATE tasks SET note = '', result = NULL, status = CASE WHEN status = 'open'"
            " THEN 'cancelled' ELSE status END WHERE episode_id = ANY($1)",
            episode_ids,
        )
        await conn.execute(
            "UPDATE outbox SET params = '{}'::jsonb, last_error = NULL WHERE episode_id = ANY($1)",
            episode_ids,
        )
        await conn.execute(
            "UPDATE events_received SET body = '{}'::jsonb"
            " WHERE citizen_id = $1 OR episode_id = ANY($2)",
            citizen_id,
            episode_ids,
        )
        await conn.execute(
            "UPDATE medcom_replies SET topic = '', text = '' WHERE episode_id = ANY($1)",
            episode_ids,
        )
        await conn.execute(
            "UPDATE referral_candidate_dismissals SET reason = '' WHERE citizen_id = $1",
            citizen_id,
        )
        await conn.execute("DELETE FROM peer_group_members WHERE episode_id = ANY($1)", episode_ids)
        await conn.execute(
            "UPDATE outbox SET params = '{}'::jsonb, last_error = NULL WHERE user_id IN"
            " (SELECT 'participant:' || participant_id FROM course_participants"
            "  WHERE episode_id = ANY($1))",
            episode_ids,
        )
        await conn.execute(
            "DELETE FROM course_participants WHERE episode_id = ANY($1)", episode_ids
        )
        await conn.execute(
            "UPDATE episodes SET hope_score_start = NULL, hope_score_end = NULL,"
            " network_size_start = NULL, network_size_end = NULL, job_or_education = NULL"
            " WHERE episode_id = ANY($1)",
            episode_ids,
        )
        await conn.execute(
            "UPDATE episodes SET phase = 'withdrawn', end_reason = 'erased on request',"
            " closed_at = COALESCE(closed_at, now()) WHERE episode_id = ANY($1)"
            " AND NOT (phase = ANY($2))",
            episode_ids,
            TERMINAL,
        )
        await conn.execute(
            "WITH freed AS (UPDATE peer_reservations SET status = 'released',"
            " released_at = now() WHERE episode_id = ANY($1) AND status = 'held'"
            " RETURNING peer_id)"
            " UPDATE peers p SET active_load = GREATEST(p.active_load - f.n, 0)"
            " FROM (SELECT peer_id, count(*) AS n FROM freed GROUP BY peer_id) f"
            " WHERE p.peer_id = f.peer_id",
            episode_ids,
        )
        row = await conn.fetchrow(
            "INSERT INTO erasures (citizen_id, episode_ids, erased_by) VALUES ($1, $2, $3)"
            " ON CONFLICT (citizen_id) DO UPDATE SET episode_ids = ARRAY("
            "  SELECT DISTINCT e FROM unnest(erasures.episode_ids || EXCLUDED.episode_ids) e"
            "  ORDER BY e)"
            " RETURNING citizen_id, episode_ids, erased_at, erased_by",
            citizen_id,
            episode_ids,
            actor_id,
        )
        await conn.execute(
            "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, reason, detail)"
            " VALUES ($1, now(), $2, $3, 'citizen.erased', $4, $5::jsonb)",
            f"erase-{uuid.uuid4().hex}",
            actor_role,
            actor_id,
            reason,
            json.dumps({"citizen_id": citizen_id, "episodes": ",".join(episode_ids)}),
        )
    assert row is not None
    return Erasure.model_validate({**dict(row), "episode_ids": tuple(row["episode_ids"])})
