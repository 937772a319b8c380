"""The citizen's say over the messages they get: reminders off, a preferred channel, quiet
hours. Read by delivery (db/outbox's claim reads the same row) and by the citizen's own pages;
each change is audited (ids only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from db.audit import Named, write_audit
from db.connection import PooledConnection
from schemas.citizen_messages import (
    DEFAULT_QUIET_HOURS,
    MessagePreferences,
    PreferredChannel,
    QuietHours,
)

_READ = """
SELECT citizen_id, reminders_opted_out, opted_out_at, preferred_channel,
       quiet_from, quiet_until, time_zone
FROM citizen_message_preferences WHERE citizen_id = $1
"""

_CITIZEN_OF_EPISODE = """
SELECT citizen_id FROM episode_contacts WHERE episode_id = $1
UNION
SELECT citizen_id FROM episodes WHERE episode_id = $1
LIMIT 1
"""

# A first choice writes the defaults for the rest; a later one changes only its own columns
# (two choices made at once do not undo each other). $1 citizen, $2 opted out, $3 channel,
# $4-$6 quiet hours from, until, zone.
_OPT_OUT = """
INSERT INTO citizen_message_preferences
    (citizen_id, reminders_opted_out, opted_out_at, preferred_channel,
     quiet_from, quiet_until, time_zone)
VALUES ($1, $2, CASE WHEN $2 THEN now() END, $3, $4, $5, $6)
ON CONFLICT (citizen_id) DO UPDATE SET
    reminders_opted_out = EXCLUDED.reminders_opted_out,
    opted_out_at = CASE
        WHEN NOT EXCLUDED.reminders_opted_out THEN NULL
        WHEN citizen_message_preferences.reminders_opted_out
            THEN citizen_message_preferences.opted_out_at
        ELSE now() END,
    updated_at = now()
"""
_CHANNEL = """
INSERT INTO citizen_message_preferences
    (citizen_id, reminders_opted_out, opted_out_at, preferred_channel,
     quiet_from, quiet_until, time_zone)
VALUES ($1, $2, CASE WHEN $2 THEN now() END, $3, $4, $5, $6)
ON CONFLICT (citizen_id) DO UPDATE SET
    preferred_channel = EXCLUDED.preferred_channel, updated_at = now()
"""
_QUIET = """
INSERT INTO citizen_message_preferences
    (citizen_id, reminders_opted_out, opted_out_at, preferred_channel,
     quiet_from, quiet_until, time_zone)
VALUES ($1, $2, CASE WHEN $2 THEN now() END, $3, $4, $5, $6)
ON CONFLICT (citizen_id) DO UPDATE SET
    quiet_from = EXCLUDED.quiet_from, quiet_until = EXCLUDED.quiet_until,
    time_zone = EXCLUDED.time_zone, updated_at = now()
"""

_AUDIT_PREFIX = "prefs"


def _preferences(citizen_id: str, row: Any) -> MessagePreferences:
    if row is None:
        return MessagePreferences(citizen_id=citizen_id)
    return MessagePreferences(
        citizen_id=citizen_id,
        reminders_opted_out=row["reminders_opted_out"],
        opted_out_at=row["opted_out_at"],
        preferred_channel=row["preferred_channel"],
        quiet_hours=QuietHours(
            starts=row["quiet_from"], ends=row["quiet_until"], zone=row["time_zone"]
        ),
    )


async def preferences(conn: PooledConnection, citizen_id: str) -> MessagePreferences:
    """The citizen's choices, or the defaults when they made none."""
    return _preferences(citizen_id, await conn.fetchrow(_READ, citizen_id))


async def for_episode(conn: PooledConnection, episode_id: str) -> MessagePreferences | None:
    """The choices of the citizen of an episode; None when the episode is unknown here."""
    citizen_id = await conn.fetchval(_CITIZEN_OF_EPISODE, episode_id)
    return None if citizen_id is None else await preferences(conn, citizen_id)


async def _write(
    conn: PooledConnection,
    sql: str,
    citizen_id: str,
    who: Named,
    action: str,
    detail: Mapping[str, object],
    *,
    opted_out: bool = False,
    channel: PreferredChannel | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
) -> MessagePreferences:
    async with conn.transaction():
        await conn.execute(
            sql,
            citizen_id,
            opted_out,
            channel.value if channel is not None else None,
            quiet.starts,
            quiet.ends,
            quiet.zone,
        )
        await write_audit(conn, _AUDIT_PREFIX, who, action, {"citizen_id": citizen_id, **detail})
        return await preferences(conn, citizen_id)


async def set_reminders_opted_out(
    conn: PooledConnection, citizen_id: str, opted_out: bool, who: Named
) -> MessagePreferences:
    """Reminders off (True) or on again (False); opted_out_at keeps when they were first
    turned off."""
    action = "citizen.reminders_off" if opted_out else "citizen.reminders_on"
    return await _write(conn, _OPT_OUT, citizen_id, who, action, {}, opted_out=opted_out)


async def set_preferred_channel(
    conn: PooledConnection, citizen_id: str, channel: PreferredChannel | None, who: Named
) -> MessagePreferences:
    """SMS only, e-mail only, neither (NONE), or no preference (None: every channel)."""
    detail = {"channel": channel.value if channel is not None else "any"}
    return await _write(
        conn, _CHANNEL, citizen_id, who, "citizen.channel_chosen", detail, channel=channel
    )


async def set_quiet_hours(
    conn: PooledConnection, citizen_id: str, quiet: QuietHours, who: Named
) -> MessagePreferences:
    detail = {"starts": quiet.starts.isoformat("minutes"), "ends": quiet.ends.isoformat("minutes")}
    return await _write(
        conn, _QUIET, citizen_id, who, "citizen.quiet_hours_set", detail, quiet=quiet
    )
