"""Page texts for the summary pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
SUMMARY_TEXTS: dict[str, tuple[str, str]] = {}
