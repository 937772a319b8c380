"""Page texts for the peer pages, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
PEER_TEXTS: dict[str, tuple[str, str]] = {}
