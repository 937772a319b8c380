"""What the episode reads before it times a notice to the citizen or a relative: the citizen's
quiet hours and opt-out (db/citizen_preferences), and the quiet hours delivery keeps for a
relative. Ids in, no personal data out."""

from __future__ import annotations

from temporalio import activity

from db import citizen_preferences
from db.pool import DatabasePool
from schemas.citizen_messages import DEFAULT_QUIET_HOURS, PreferredChannel, QuietHours
from schemas.citizen_notices import NoticeChoices


class CitizenNoticeChoices:
    """`quiet_hours`: the default ones, as the Notifier keeps them (a relative's, and the
    citizen's until they choose their own)."""

    def __init__(self, pool: DatabasePool, quiet_hours: QuietHours = DEFAULT_QUIET_HOURS) -> None:
        self._pool = pool
        self._quiet_hours = quiet_hours

    @activity.defn
    async def citizen_notice_choices(self, episode_id: str) -> NoticeChoices:
        async with self._pool.acquire() as conn:
            chosen = await citizen_preferences.for_episode(conn, episode_id)
        if chosen is None:
            return NoticeChoices(
                citizen_quiet_hours=self._quiet_hours, relative_quiet_hours=self._quiet_hours
            )
        # Their own quiet hours once they chose others than the default (delivery reads the
        # same row); a citizen who wants no messages at all gets no reminders either.
        own = chosen.quiet_hours != DEFAULT_QUIET_HOURS
        return NoticeChoices(
            citizen_quiet_hours=chosen.quiet_hours if own else self._quiet_hours,
            relative_quiet_hours=self._quiet_hours,
            reminders_opted_out=(
                chosen.reminders_opted_out or chosen.preferred_channel == PreferredChannel.NONE
            ),
        )
