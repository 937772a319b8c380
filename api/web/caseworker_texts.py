"""Page texts for the caseworker pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
CASEWORKER_TEXTS: dict[str, tuple[str, str]] = {}
