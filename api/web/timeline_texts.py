"""Page texts for the timeline pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
TIMELINE_TEXTS: dict[str, tuple[str, str]] = {}
