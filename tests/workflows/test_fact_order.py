"""Consent, risk and hospital facts count by when they happened: any arrival order of the
same facts leaves the episode knowing the same (property-tested, without a Temporal server)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.events import (
    Admitted,
    ConsentGranted,
    ConsentWithdrawn,
    ConsentWithdrawnPayload,
    Discharged,
    EpisodeEvent,
    LeaveEnded,
    LeaveStarted,
    RiskChanged,
    RiskChangedPayload,
)
from schemas.tasks import TaskKind
from tests.workflows.offline import REFERRED_AT, WARD, episode_start, new_record, with_peer
from workflows import facts, hospital_course, patches
from workflows.record import EpisodeRecord

SCOPES = (ConsentScope.SHARE_WITH_MUNICIPALITY, ConsentScope.SHARE_WITH_JOBCENTER)
# Few distinct hours, so that many facts share an instant and the tie rule is exercised.
HOURS = st.integers(min_value=-2, max_value=8)
# One referral for every order compared (a referral's ids are new each time).
START = episode_start()


def at(hours: int) -> datetime:
    return REFERRED_AT + timedelta(hours=hours)


@st.composite
def one_fact(draw: st.DrawFn, n: int) -> EpisodeEvent:
    event_id, when = f"f{n}", at(draw(HOURS))
    kind = draw(st.sampled_from(["admitted", "discharged", "leave", "risk", "grant", "withdraw"]))
    if kind == "admitted":
        return Admitted(event_id=event_id, occurred_at=when, actor=WARD)
    if kind == "discharged":
        return Discharged(event_id=event_id, occurred_at=when, actor=WARD)
    if kind == "leave":
        leave = draw(st.sampled_from([LeaveStarted, LeaveEnded]))
        return leave(event_id=event_id, occurred_at=when, actor=WARD)  # type: ignore[no-any-return]
    if kind == "risk":
        return RiskChanged(
            event_id=event_id,
            occurred_at=when,
            actor=WARD,
            payload=RiskChangedPayload(elevated=draw(st.booleans())),
        )
    scope = draw(st.sampled_from(SCOPES))
    if kind == "grant":
        grant = ConsentGrant(
            scope=scope, recorded_by=WARD, recorded_at=when, method=ConsentMethod.WRITTEN
        )
        return ConsentGranted(event_id=event_id, occurred_at=when, actor=WARD, payload=grant)
    return ConsentWithdrawn(
        event_id=event_id,
        occurred_at=when,
        actor=WARD,
        payload=ConsentWithdrawnPayload(scope=scope),
    )


@st.composite
def facts_and_two_orders(
    draw: st.DrawFn,
) -> tuple[list[EpisodeEvent], list[EpisodeEvent]]:
    count = draw(st.integers(min_value=1, max_value=8))
    events = [draw(one_fact(n)) for n in range(count)]
    return events, draw(st.permutations(events))


def known(record: EpisodeRecord) -> dict[str, Any]:
    """What the episode knows from the facts (not the history of how it learnt them)."""
    state, hospital = record.state, record.state.hospital
    return {
        "risk_elevated": state.risk_elevated,
        "consents": {scope: r.granted for scope, r in state.consents.items()},
        "discharged_at": state.discharged_at,
        "first_discharge": hospital_course.first_discharge(hospital),
        "last_discharge": hospital_course.last_discharge(hospital),
        "admitted": hospital_course.is_admitted(hospital),
        "readmissions": hospital_course.readmissions(hospital),
        "hospital": [r.event_id for r in hospital],
        "first_contact": sorted(
            (t.assignee.role, t.due_at.isoformat() if t.due_at else "-")
            for t in record.tasks_of(TaskKind.FIRST_CONTACT)
        ),
    }


def applied(events: list[EpisodeEvent], *, peer: bool = False) -> EpisodeRecord:
    record, _ = new_record(START)
    if peer:
        with_peer(record)
    for event in events:
        facts.receive(record, event)
    return record


@settings(max_examples=200, deadline=None)
@given(facts_and_two_orders())
def test_any_arrival_order_before_a_peer_is_matched_ends_in_the_same_state(
    orders: tuple[list[EpisodeEvent], list[EpisodeEvent]],
) -> None:
    happened, arrived = orders
    assert known(applied(arrived)) == known(applied(happened))


@settings(max_examples=100, deadline=None)
@given(facts_and_two_orders())
def test_any_arrival_order_with_a_peer_ends_in_the_same_state(
    orders: tuple[list[EpisodeEvent], list[EpisodeEvent]],
) -> None:
    happened, arrived = orders
    assert known(applied(arrived, peer=True)) == known(applied(happened, peer=True))


def test_a_risk_lowered_earlier_but_arriving_later_does_not_undo_a_later_raise() -> None:
    raised = RiskChanged(
        event_id="raise", occurred_at=at(5), actor=WARD, payload=RiskChangedPayload(elevated=True)
    )
    lowered = RiskChanged(
        event_id="lower", occurred_at=at(2), actor=WARD, payload=RiskChangedPayload(elevated=False)
    )
    record = applied([raised, lowered])
    assert record.state.risk_elevated
    assert record.changes.timeline[-1].summary == (
        "Risk no longer elevated (earlier than the risk that stands)"
    )


def test_at_the_same_instant_a_withdrawal_stands_over_a_grant() -> None:
    scope = ConsentScope.SHARE_WITH_MUNICIPALITY
    withdrawal = ConsentWithdrawn(
        event_id="a-withdraw",
        occurred_at=at(3),
        actor=WARD,
        payload=ConsentWithdrawnPayload(scope=scope),
    )
    grant = ConsentGranted(
        event_id="z-grant",
        occurred_at=at(3),
        actor=WARD,
        payload=ConsentGrant(
            scope=scope, recorded_by=WARD, recorded_at=at(3), method=ConsentMethod.WRITTEN
        ),
    )
    for order in ([withdrawal, grant], [grant, withdrawal]):
        assert not applied(order).state.consents[scope].granted


def test_a_fact_from_before_the_referral_does_not_override_what_the_referral_says() -> None:
    stale = ConsentWithdrawn(
        event_id="old",
        occurred_at=at(-1),
        actor=WARD,
        payload=ConsentWithdrawnPayload(scope=ConsentScope.SHARE_WITH_MUNICIPALITY),
    )
    record = applied([stale])
    assert record.state.consents[ConsentScope.SHARE_WITH_MUNICIPALITY].granted


def test_without_the_patch_the_last_fact_to_arrive_wins_as_before() -> None:
    record, _ = new_record(patches_off=frozenset({patches.FACTS_BY_OCCURRED_AT}))
    facts.receive(
        record,
        RiskChanged(
            event_id="raise",
            occurred_at=at(5),
            actor=WARD,
            payload=RiskChangedPayload(elevated=True),
        ),
    )
    facts.receive(
        record,
        RiskChanged(
            event_id="lower",
            occurred_at=at(2),
            actor=WARD,
            payload=RiskChangedPayload(elevated=False),
        ),
    )
    assert not record.state.risk_elevated
