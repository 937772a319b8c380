"""Measurement: how fast discharge CareCommunications reach the municipality's gateway (the
'http' transport to the benchmark's receiver) and their Acknowledgements come back, timed from
the discharge event that causes them."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp

from command.bench.environment import BenchEnvironment
from command.bench.ingest import post_event, run_senders
from command.bench.medcom_intake import Referred
from command.bench.progress import Progress
from command.bench.stats import summary_ms
from db import bench_messages


async def _until_acknowledged(
    env: BenchEnvironment, episode_ids: Sequence[str], limit_s: float
) -> list[bench_messages.SentMessage]:
    """Until every episode's discharge message is acknowledged in the outbox and the gateway
    has had our API's answer to its Acknowledgement (or the limit); the messages then."""
    deadline = time.monotonic() + limit_s
    answered = env.municipality.acknowledged
    while True:
        async with env.pool.acquire() as conn:
            messages = await bench_messages.discharge_messages(conn, episode_ids)
        done = sum(
            1 for m in messages if m.status == "acknowledged" and m.message_header_id in answered
        )
        if done >= len(episode_ids) or time.monotonic() > deadline:
            return messages
        await asyncio.sleep(0.2)


async def care_sends(
    env: BenchEnvironment,
    http: aiohttp.ClientSession,
    citizens: Sequence[Referred],
    concurrency: int,
    say: Progress,
    limit_s: float = 180,
) -> dict[str, Any]:
    """Discharge every citizen through `POST /api/events` (their consent to share with the
    municipality was given at referral), then follow each discharge message to the gateway
    and its Acknowledgement back into the outbox."""
    discharged_at: dict[str, float] = {}

    async def discharge(n: int) -> bool:
        episode_id = citizens[n].episode_id
        body = {
            "event_id": f"bench-discharge-{secrets.token_hex(12)}",
            "type": "discharged",
            "occurred_at": datetime.now(UTC).isoformat(),
            "episode_id": episode_id,
            "payload": {},
        }
        discharged_at[episode_id] = time.monotonic()
        status, answer = await post_event(http, body)
        return status == 202 and answer["outcome"] == "accepted"

    say(f"7 care sends: discharging {len(citizens)} citizens through the API")
    began = time.monotonic()
    sent = await run_senders(len(citizens), concurrency, discharge)
    messages = await _until_acknowledged(env, list(discharged_at), limit_s)
    receiver = env.municipality
    to_gateway: list[float] = []
    to_acknowledged: list[float] = []
    last = began
    for m in messages:
        arrived = receiver.arrivals.get(m.message_header_id)
        if arrived is None:
            continue
        last = max(last, arrived)
        to_gateway.append(arrived - discharged_at[m.episode_id])
        acknowledged = receiver.acknowledged.get(m.message_header_id)
        if acknowledged is not None and m.status == "acknowledged":
            to_acknowledged.append(acknowledged - discharged_at[m.episode_id])
    span = last - began
    result = {
        "discharges": sent.summary(),
        "messages": len(messages),
        "delivered": len(to_gateway),
        "acknowledged": len(to_acknowledged),
        "statuses": dict(Counter(m.status for m in messages)),
        "retransmissions": sum(max(0, m.attempts - 1) for m in messages),
        "seconds": round(span, 2),
        "messages_per_s": round(len(to_gateway) / span, 1) if span > 0 else 0.0,
        "to_gateway_ms": summary_ms(to_gateway),
        "to_acknowledged_ms": summary_ms(to_acknowledged),
    }
    say(
        f"  {len(to_gateway)} of {len(citizens)} delivered in {span:.1f} s, "
        f"{len(to_acknowledged)} acknowledged"
    )
    return result
