"""Histogram buckets: hours from discharge to first contact, and change in hope score and in
network size (from the first contact's measurement to the closing one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from api.reports.facts import EpisodeFacts
from api.reports.measures import CONTACT_WITHIN_HOURS
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
    pairs: Sequence[tuple[EpisodeFacts, float]], edges: tuple[tuple[str, float | None], ...]
) -> list[tuple[str, Tally]]:
    found: list[tuple[str, Tally]] = []
    low: float | None = None
    for key, high in edges:
        inside = [f for f, v in pairs if (low is None or v > low) and (high is None or v <= high)]
        citizens = frozenset(f.citizen_id for f in inside)
        found.append((key, Tally(value=float(len(inside)), citizens=citizens)))
        low = high
    return found


def _finish(named: list[tuple[str, Tally]]) -> tuple[Bucket, ...]:
    cells = protect([t for _, t in named])
    return tuple(Bucket(key=k, cell=c) for (k, _), c in zip(named, cells, strict=True))


def contact_buckets(facts: Sequence[EpisodeFacts], as_of: datetime) -> tuple[Bucket, ...]:
    """Contacts by hours after discharge, and discharged citizens past 72 h with none."""
    contact = [(f, h) for f in facts if (h := f.hours_to_first_contact()) is not None]
    named = _buckets(contact, CONTACT_BUCKETS)
    missing = [
        f
        for f in facts
        if f.first_contact_at is None and f.contact_is_due(as_of, CONTACT_WITHIN_HOURS)
    ]
    named.append(
        (
            NO_CONTACT,
            Tally(value=float(len(missing)), citizens=frozenset(f.citizen_id for f in missing)),
        )
    )
    return _finish(named)


def hope_buckets(facts: Sequence[EpisodeFacts]) -> tuple[Bucket, ...]:
    pairs = [(f, float(c)) for f in facts if (c := f.hope_change()) is not None]
    return _finish(_buckets(pairs, HOPE_BUCKETS))


def network_buckets(facts: Sequence[EpisodeFacts]) -> tuple[Bucket, ...]:
    pairs = [(f, float(c)) for f in facts if (c := f.network_change()) is not None]
    return _finish(_buckets(pairs, NETWORK_BUCKETS))
