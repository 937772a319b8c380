"""The benchmark's MedCom and course pieces: the HospitalNotifications it sends are ones the
intake takes, its municipality gateway acknowledges what it receives, the table says met or
not met. No timing is asserted."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from api.medcom.acknowledgement_in import parse_acknowledgement
from api.medcom.parse import parse_hospital_notification
from command.bench.care_receiver import ACKNOWLEDGEMENTS, CareReceiver
from command.bench.course_opening import address
from command.bench.environment import free_port
from command.bench.hospital_notification import RECEIVER_SOR, Stay, leave_notification
from command.bench.table import render_table
from schemas.care_communication import AcknowledgementCode
from schemas.medcom import ActivityCode
from tests.medcom.bundles import CARE_DIR

STAY = Stay(
    cpr="0101011234",
    ward_sor="123456000016001",
    stay_id="stay-1",
    admitted_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
)


@pytest.mark.parametrize(
    "activity", [ActivityCode.START_LEAVE_INPATIENT, ActivityCode.END_LEAVE_INPATIENT]
)
def test_the_benchmarks_leave_notifications_are_read_as_the_ward_sent_them(
    activity: ActivityCode,
) -> None:
    at = STAY.admitted_at + timedelta(days=2)
    first = parse_hospital_notification(leave_notification(STAY, activity, at))
    again = parse_hospital_notification(leave_notification(STAY, activity, at))
    assert first.activity is activity
    assert (first.sender_sor, first.receiver_sor) == (STAY.ward_sor, RECEIVER_SOR)
    assert first.cpr == STAY.cpr
    assert first.episode_of_care == ((f"https://sor2.sum.dsdn.dk/#id={STAY.ward_sor}", "stay-1"),)
    assert first.message_header_id != again.message_header_id, "each one a message of its own"
    assert first.bundle_id != again.bundle_id


def test_an_admission_is_not_a_leave() -> None:
    with pytest.raises(ValueError, match="not a leave activity"):
        leave_notification(STAY, ActivityCode.ADMIT_INPATIENT, STAY.admitted_at)


def test_every_person_enrolling_has_an_address_of_their_own() -> None:
    addresses = [address(n) for n in range(70_000)]
    assert len(set(addresses)) == len(addresses)
    assert addresses[0] == "10.0.0.1"


async def test_the_gateway_takes_a_care_communication_and_acknowledges_it_to_our_api() -> None:
    taken: list[tuple[str, dict[str, Any]]] = []

    async def api(request: web.Request) -> web.Response:
        taken.append((request.headers["Authorization"], await request.json()))
        return web.json_response({"outcome": "recorded"})

    app = web.Application()
    app.router.add_post(ACKNOWLEDGEMENTS, api)
    runner = web.AppRunner(app)
    await runner.setup()
    api_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", api_port).start()
    gateway = CareReceiver(free_port())
    await gateway.start(f"http://127.0.0.1:{api_port}", "gateway-secret")
    bundle = json.loads(sorted(CARE_DIR.glob("*.json"))[0].read_text(encoding="utf-8"))
    header_id = bundle["entry"][0]["resource"]["id"]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(gateway.url, json=bundle) as refused:
                assert refused.status == 401, "the transport's token is required"
            for _ in range(2):
                async with http.post(
                    gateway.url, json=bundle, headers={"Authorization": f"Bearer {gateway.token}"}
                ) as response:
                    assert response.status == 202
        for _ in range(100):
            if len(gateway.acknowledged) == 1 and len(taken) == 2:
                break
            await asyncio.sleep(0.05)
    finally:
        await gateway.stop()
        await runner.cleanup()
    assert list(gateway.arrivals) == [header_id]
    assert gateway.repeats == 1
    assert list(gateway.acknowledged) == [header_id]
    authorization, ack = taken[0]
    assert authorization == "Bearer gateway-secret"
    parsed = parse_acknowledgement(ack)
    assert parsed.acknowledged_header_id == header_id
    assert parsed.code is AcknowledgementCode.OK


def _ms(p50: float) -> dict[str, float]:
    return {"p50": p50, "p95": p50 * 2, "p99": p50 * 3, "max": p50 * 4}


def _side(events: int, per_s: float, failed: int = 0) -> dict[str, Any]:
    return {"events": events, "events_per_s": per_s, "failed": failed, "latency_ms": _ms(10)}


def test_the_table_shows_medcom_care_sends_and_the_course_opening_against_their_targets() -> None:
    results = {
        "medcom_intake": {
            "citizens": 5,
            "concurrency": 2,
            "api": _side(10, 100.0),
            "medcom": _side(10, 70.0),
            "ratio": 0.7,
        },
        "care_sends": {
            "discharges": _side(5, 50.0),
            "messages": 5,
            "delivered": 5,
            "acknowledged": 5,
            "seconds": 1.0,
            "messages_per_s": 5.0,
            "to_gateway_ms": _ms(100),
            "to_acknowledged_ms": _ms(120),
        },
        "course_opening": {
            "public": {
                "people": 500,
                "seats": 400,
                "concurrency": 50,
                "taken": 200,
                "outcomes": {"taken": 200, "throttled (429)": 300},
                "enrolled": 200,
                "waiting": 0,
                "seats_and_waiting_list_right": True,
                "seconds": 3.5,
                "submit_ms": _ms(200),
                "target_seconds": 60.0,
                "met": False,
            },
            "staff": {
                "people": 500,
                "seats": 400,
                "concurrency": 50,
                "taken": 500,
                "outcomes": {"taken": 500},
                "enrolled": 400,
                "waiting": 100,
                "seats_and_waiting_list_right": True,
                "seconds": 12.0,
                "submit_ms": _ms(300),
                "target_seconds": 60.0,
                "met": True,
            },
        },
    }
    flat = " ".join(render_table(results).split())
    assert "workers stopped: ratio MedCom / API | 0.70 | >= 0.8 NOT met" in flat
    assert "5 in 1.0 s = 5.0 msg/s" in flat
    assert "all acknowledged met" in flat
    assert "200 taken in 3.5 s; refused {'throttled (429)': 300}" in flat
    assert "all 500 within 60 s NOT met" in flat
    assert "public: seats / waiting list in the database | 200 / 0 | as told met" in flat
    assert "500 taken in 12.0 s | all 500 within 60 s met" in flat
    assert "staff: seats / waiting list in the database | 400 / 100 | as told met" in flat
