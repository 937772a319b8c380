"""The citizen's say over their messages: defaults until they choose, each choice kept apart
from the others and audited, and quiet hours that hold over midnight and across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError

from db import citizen_preferences
from db.pool import DatabasePool
from schemas.citizen_messages import (
    DEFAULT_QUIET_HOURS,
    MessagePreferences,
    PreferredChannel,
    QuietHours,
)
from schemas.supervision import LOCAL_TIME
from tests.activities.citizens import citizen_episode


def cph(text: str) -> datetime:
    """A Copenhagen wall time 'YYYY-MM-DD HH:MM' as an aware UTC time."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TIME).astimezone(UTC)


def test_the_default_quiet_hours_are_the_night_in_copenhagen() -> None:
    quiet = DEFAULT_QUIET_HOURS
    assert not quiet.covers(cph("2031-03-04 20:59"))
    assert quiet.window(cph("2031-03-04 21:00")) == (
        cph("2031-03-04 21:00"),
        cph("2031-03-05 08:00"),
    )
    assert quiet.window(cph("2031-03-05 03:10")) == (
        cph("2031-03-04 21:00"),
        cph("2031-03-05 08:00"),
    )
    assert not quiet.covers(cph("2031-03-05 08:00"))
    assert quiet.deferred(cph("2031-03-05 03:10")) == cph("2031-03-05 08:00")
    assert quiet.deferred(cph("2031-03-05 12:00")) == cph("2031-03-05 12:00")
    assert quiet.brought_forward(cph("2031-03-05 07:30")) == cph("2031-03-04 20:59")
    assert quiet.brought_forward(cph("2031-03-05 09:30")) == cph("2031-03-05 09:30")


def test_quiet_hours_in_the_day_none_at_all_and_the_night_the_clocks_go_forward() -> None:
    lunch = QuietHours(starts=time(12, 0), ends=time(13, 0))
    assert lunch.covers(cph("2031-03-04 12:30"))
    assert not lunch.covers(cph("2031-03-04 13:30"))
    assert not QuietHours(starts=time(8, 0), ends=time(8, 0)).covers(cph("2031-03-04 08:00"))
    # Summer time starts on 30 March 2031 at 02:00: the night is an hour shorter.
    start, end = DEFAULT_QUIET_HOURS.window(cph("2031-03-30 03:30")) or (None, None)
    assert (start, end) == (cph("2031-03-29 21:00"), cph("2031-03-30 08:00"))
    assert end is not None and start is not None
    assert (end - start).total_seconds() == 10 * 3600


def test_quiet_hours_refuse_what_is_no_local_time_or_zone() -> None:
    with pytest.raises(ValidationError, match="zone"):
        QuietHours(zone="Europe/Nowhere")
    with pytest.raises(ValidationError, match="whole minutes"):
        QuietHours(starts=time(21, 0, 30))


async def test_a_citizen_without_choices_has_the_defaults(db_pool: DatabasePool) -> None:
    citizen = await citizen_episode(db_pool)
    async with db_pool.acquire() as conn:
        found = await citizen_preferences.preferences(conn, citizen.citizen_id)
        by_episode = await citizen_preferences.for_episode(conn, citizen.episode_id)
        unknown = await citizen_preferences.for_episode(conn, "episode-nobody")
    assert found == by_episode == MessagePreferences(citizen_id=citizen.citizen_id)
    assert found.quiet_hours == QuietHours(starts=time(21, 0), ends=time(8, 0))
    assert unknown is None


async def test_each_choice_keeps_the_others_and_is_audited(db_pool: DatabasePool) -> None:
    citizen = await citizen_episode(db_pool)
    late = QuietHours(starts=time(22, 30), ends=time(7, 0))
    async with db_pool.acquire() as conn:
        await citizen_preferences.set_quiet_hours(conn, citizen.citizen_id, late, citizen.me())
        await citizen_preferences.set_preferred_channel(
            conn, citizen.citizen_id, PreferredChannel.EMAIL, citizen.me()
        )
        off = await citizen_preferences.set_reminders_opted_out(
            conn, citizen.citizen_id, True, citizen.me()
        )
        again = await citizen_preferences.set_reminders_opted_out(
            conn, citizen.citizen_id, True, citizen.me()
        )
        back = await citizen_preferences.set_preferred_channel(
            conn, citizen.citizen_id, None, citizen.me()
        )
        audit = await conn.fetch(
            "SELECT actor_role, actor_id, action, detail::text FROM audit_log"
            " WHERE detail->>'citizen_id' = $1 ORDER BY audit_no",
            citizen.citizen_id,
        )
    assert off.quiet_hours == late and off.preferred_channel == PreferredChannel.EMAIL
    assert off.reminders_opted_out and again.opted_out_at == off.opted_out_at
    assert back.preferred_channel is None and back.reminders_opted_out
    assert [(r["actor_role"], r["actor_id"], r["action"]) for r in audit] == [
        ("citizen", citizen.citizen_id, "citizen.quiet_hours_set"),
        ("citizen", citizen.citizen_id, "citizen.channel_chosen"),
        ("citizen", citizen.citizen_id, "citizen.reminders_off"),
        ("citizen", citizen.citizen_id, "citizen.reminders_off"),
        ("citizen", citizen.citizen_id, "citizen.channel_chosen"),
    ]
    for row in audit:
        assert citizen.name not in row["detail"]
