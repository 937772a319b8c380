"""Page texts for the pages of a long list (older and newer), Danish and English (merged into
labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
PAGING_TEXTS: dict[str, tuple[str, str]] = {
    "paging.nav": ("Sider i listen", "Pages of the list"),
    "paging.older": ("Ældre forløb", "Older episodes"),
    "paging.newer": ("Nyere forløb", "Newer episodes"),
    "paging.first": ("Nyeste forløb", "Newest episodes"),
    "paging.count": (
        "Viser {shown} af {total} forløb, nyeste henvisning først.",
        "Showing {shown} of {total} episodes, newest referral first.",
    ),
    "paging.count_more": (
        "Viser {shown} af mere end {total} forløb, nyeste henvisning først.",
        "Showing {shown} of more than {total} episodes, newest referral first.",
    ),
    "paging.tasks_nav": ("Sider med opgaver", "Pages of tasks"),
    "paging.later": ("Opgaver med senere frist", "Tasks due later"),
    "paging.sooner": ("Opgaver med tidligere frist", "Tasks due sooner"),
    "paging.soonest": ("Første opgaver", "First tasks"),
    "paging.tasks_count": (
        "Viser {shown} af {total} åbne opgaver, tidligste frist først.",
        "Showing {shown} of {total} open tasks, soonest due first.",
    ),
    "paging.bad_cursor": (
        "{field}: ikke en side i listen. Start igen fra listens første side.",
        "{field}: not a page of this list. Start again from the list's first page.",
    ),
}
