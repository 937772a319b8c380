"""Page texts for the timeline pages, Danish and English (merged into labels.TEXTS).

The episode timeline's lines live in schemas/timeline_texts.py, where the workflows (which
write them) may import them too; they are merged here so every page text is in the catalog."""

from __future__ import annotations

from schemas.timeline_texts import TIMELINE_TEXTS as _LINES

# key -> (Danish, English)
TIMELINE_TEXTS: dict[str, tuple[str, str]] = {**_LINES}
