"""One timeline line in the reader's language: its catalog key and params, each param shown
through its value group (labels.VALUES, else the timeline's own groups); a line written
before the keys is shown with its stored (English) summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from api.web import labels
from api.web.medcom_reply_texts import REPLY_LINES, reply_line
from schemas import timeline_texts


class Line(Protocol):
    @property
    def summary(self) -> str: ...

    @property
    def text_key(self) -> str | None: ...

    @property
    def params(self) -> Mapping[str, str]: ...


def param_text(name: str, value: str, lang: str) -> str:
    """A param's text: its group's label in `lang`; a value no group knows, as it is (a
    code with underscores as spaces)."""
    group = timeline_texts.PARAM_GROUPS.get(name)
    if group is not None:
        pair = labels.VALUES.get(group, {}).get(value) or timeline_texts.TIMELINE_VALUES.get(
            group, {}
        ).get(value)
        if pair is not None:
            return pair[1] if lang == "en" else pair[0]
    return value.replace("_", " ")


def line_text(entry: Line, lang: str) -> str:
    """The line in `lang`; the stored summary when it has no key, or one the catalog no
    longer has."""
    key = entry.text_key
    if key in REPLY_LINES:
        return reply_line(key, entry.params, lang)  # the municipality's reply (not a workflow's)
    if key is None or key not in timeline_texts.TIMELINE_TEXTS:
        return entry.summary
    try:
        return timeline_texts.line(
            key, entry.params, lang, lambda name, value: param_text(name, value, lang)
        )
    except (KeyError, IndexError, ValueError):
        return entry.summary  # params that no longer fit the text: the English line
