"""Histogram buckets: hours from discharge to first contact, and change in hope score and in
network size (from the first contact's measurement to the closing one)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from api.reports.counted import Counted
from api.reports.model import Bucket
from api.reports.suppression import Tally, protect

# (key, highest value included); each bucket starts just above the one before it.
CONTACT_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("h0_24", 24),
    ("h24_48", 48),
    ("h48_72", 72),
    ("h72_120", 120),
    ("h120_", None),
)
HOPE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("hope_down_3", -3),
    ("hope_down_1", -1),
    ("hope_same", 0),
    ("hope_up_1", 2),
    ("hope_up_3", None),
)
# Network size is a number of people; its change is bucketed like hope's.
NETWORK_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("network_down_3", -3),
    ("network_down_1", -1),
    ("network_same", 0),
    ("network_up_1", 2),
    ("network_up_3", None),
)
NO_CONTACT = "no_contact"


def _buckets(
    rows: Sequence[Counted],
    value_of: str,
    edges: tuple[tuple[str, float | None], ...],
) -> list[tuple[str, Tally]]:
    """The episodes with the value by bucket (the values' column `value_of` of the rows), in
    the rows' order: rows in citizen order give every bucket its citizens in order."""
    highs = [high for _, high in edges if high is not None]
    inside: list[list[str]] = [[] for _ in edges]
    for r in rows:
        value = getattr(r, value_of)
        if value is not None:
            # The first bucket whose highest value is at or above it (the last has none).
            inside[bisect_left(highs, value)].append(r.citizen)
    return [
        (key, Tally(value=float(len(found)), citizens=frozenset(found), ordered=found))
        for (key, _), found in zip(edges, inside, strict=True)
    ]


def _finish(named: list[tuple[str, Tally]]) -> tuple[Bucket, ...]:
    cells = protect([t for _, t in named])
    return tuple(Bucket(key=k, cell=c) for (k, _), c in zip(named, cells, strict=True))


def contact_buckets(rows: Sequence[Counted]) -> tuple[Bucket, ...]:
    """Contacts by hours after discharge, and discharged citizens past 72 h with none."""
    named = _buckets(rows, "contact_hours", CONTACT_BUCKETS)
    missing = [r.citizen for r in rows if r.no_contact]
    named.append(
        (
            NO_CONTACT,
            Tally(value=float(len(missing)), citizens=frozenset(missing), ordered=missing),
        )
    )
    return _finish(named)


def hope_buckets(rows: Sequence[Counted]) -> tuple[Bucket, ...]:
    return _finish(_buckets(rows, "hope_change", HOPE_BUCKETS))


def network_buckets(rows: Sequence[Counted]) -> tuple[Bucket, ...]:
    return _finish(_buckets(rows, "network_change", NETWORK_BUCKETS))
