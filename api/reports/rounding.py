"""Random rounding of published counts to a multiple of five, keyed by who is counted.

Exact counts can be differenced: two periods one referral apart, or a total minus the groups
shown, would give away a number below the suppression threshold. Every count the report shows
is therefore a multiple of `BASE`, so any sum or difference of shown counts is one too and never
names 1 to 4 citizens. A count of 5q + r is rounded up with probability r/5 and down otherwise
(unbiased). The coin is a hash of the counted citizens' opaque ids and the count itself: the
same citizens always give the same figure (asking again averages nothing away), while adding
or removing one citizen draws a fresh coin. Citizen ids are random and never leave the report
code, so a reader of the report cannot foresee the coin.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

BASE = 5
_PERSON = b"hb-report-round"


def _coin(value: float, keys: Iterable[str]) -> float:
    """A number in [0, 1) fixed by the value and the (unordered) keys."""
    digest = hashlib.blake2b(person=_PERSON, digest_size=8)
    digest.update(f"{value:.0f}".encode())
    # The same bytes as one update per key (each after a zero byte), in one update: a year's
    # report counts tens of thousands of citizens, hundreds of times.
    # sorted(set(keys)), but ordered keys (with repeats side by side) sort in one pass.
    ordered = list(dict.fromkeys(sorted(keys)))
    if ordered:
        digest.update(("\x00" + "\x00".join(ordered)).encode())
    return int.from_bytes(digest.digest(), "big") / 2**64


def rounded(value: float, keys: Iterable[str]) -> float:
    """`value` (a whole count) rounded to a multiple of BASE, up with chance remainder/BASE."""
    whole = round(value)
    below = whole - whole % BASE
    rest = whole - below
    if rest == 0:
        return float(whole)
    return float(below + BASE if _coin(whole, keys) < rest / BASE else below)
