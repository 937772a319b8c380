"""What the episode needs to know to time its notices to the citizen and their relatives."""

from __future__ import annotations

from schemas.base import Frozen
from schemas.citizen_messages import DEFAULT_QUIET_HOURS, QuietHours


class NoticeChoices(Frozen):
    """The citizen's quiet hours and whether they turned reminders off (or every message:
    their preferred channel 'none'), and the quiet hours delivery keeps for a relative."""

    citizen_quiet_hours: QuietHours = DEFAULT_QUIET_HOURS
    relative_quiet_hours: QuietHours = DEFAULT_QUIET_HOURS
    reminders_opted_out: bool = False
