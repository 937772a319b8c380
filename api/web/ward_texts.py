"""Page texts for the ward pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
WARD_TEXTS: dict[str, tuple[str, str]] = {}
