"""Page texts for the coordinator pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
COORDINATOR_TEXTS: dict[str, tuple[str, str]] = {}
