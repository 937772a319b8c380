"""Metrics: our own endpoint serves every project metric; the SDK gets an endpoint of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from hverdagsbro.metrics import Metrics, MetricsEndpoint, sdk_runtime, start_metrics_endpoint
from schemas.episode import Phase
from schemas.notifications import Channel
from tests.conftest import free_port
from tests.platform.workflows import LoggingWorkflow
from tests.temporal_servers import TEST_SERVER


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def endpoint(metrics: Metrics) -> Iterator[MetricsEndpoint]:
    running = start_metrics_endpoint(metrics, host="127.0.0.1", port=0)
    try:
        yield running
    finally:
        running.close()


def scrape(port: int) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    return {
        sample.name: [(s.labels, s.value) for s in family.samples if s.name == sample.name]
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_endpoint_serves_every_project_metric(metrics: Metrics, endpoint: MetricsEndpoint) -> None:
    metrics.set_episodes_by_phase({Phase.FOLLOW_UP: 4, Phase.MATCHING: 1})
    metrics.set_tasks_overdue(2)
    metrics.first_contact_after(timedelta(hours=30))
    metrics.notification_delivered(Channel.SMS)
    metrics.notification_failed(Channel.EMAIL)
    metrics.event_received("duplicate")

    samples = scrape(endpoint.port)

    episodes = {labels["phase"]: value for labels, value in samples["hverdagsbro_episodes"]}
    assert episodes["follow_up"] == 4
    assert episodes["matching"] == 1
    assert episodes["closed"] == 0
    assert set(episodes) == {p.value for p in Phase}
    assert samples["hverdagsbro_tasks_overdue"] == [({}, 2.0)]
    assert samples["hverdagsbro_time_to_first_contact_hours_count"] == [({}, 1.0)]
    buckets = dict(
        (labels["le"], value)
        for labels, value in samples["hverdagsbro_time_to_first_contact_hours_bucket"]
    )
    assert buckets["24.0"] == 0 and buckets["36.0"] == 1
    deliveries = samples["hverdagsbro_notification_deliveries_total"]
    assert ({"channel": "sms"}, 1.0) in deliveries
    assert ({"channel": "inbox"}, 0.0) in deliveries
    assert ({"channel": "email"}, 1.0) in samples["hverdagsbro_notification_failures_total"]
    events = {labels["outcome"]: value for labels, value in samples["hverdagsbro_events_total"]}
    assert events == {"accepted": 0, "duplicate": 1, "rejected": 0}
    assert "process_cpu_seconds_total" in samples


def test_labels_accept_only_known_values(metrics: Metrics) -> None:
    with pytest.raises(ValueError, match="event outcome must be one of"):
        metrics.event_received("anne@example.dk")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'pigeon' is not a valid Channel"):
        metrics.notification_delivered("pigeon")  # type: ignore[arg-type]


def test_each_metrics_set_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()

    first.event_received("accepted")

    sample = "hverdagsbro_events_total"
    assert first.registry.get_sample_value(sample, {"outcome": "accepted"}) == 1
    assert second.registry.get_sample_value(sample, {"outcome": "accepted"}) == 0


async def test_sdk_metrics_are_served_on_their_own_port() -> None:
    port = free_port()
    runtime = sdk_runtime(f"127.0.0.1:{port}")
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=TEST_SERVER,
        runtime=runtime,
    )
    try:
        client: Client = env.client
        task_queue = f"metrics-{uuid.uuid4().hex[:8]}"
        async with Worker(client, task_queue=task_queue, workflows=[LoggingWorkflow]):
            await client.execute_workflow(
                LoggingWorkflow.run, "x", id=f"episode-{uuid.uuid4().hex}", task_queue=task_queue
            )
    finally:
        await env.shutdown()

    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    assert "temporal_workflow_completed" in response.text
    assert "hverdagsbro_" not in response.text
