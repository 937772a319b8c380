"""Log lines: JSON with Temporal context in production, and never any personal data."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import UTC, datetime

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from temporalio import activity
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from hverdagsbro.log_setup import configure_logging
from hverdagsbro.redaction import REDACTED, redact_text
from tests.platform.conftest import CapturedLogs
from tests.platform.workflows import LoggingWorkflow


@activity.defn(name="confirm_first_contact")
async def confirm_first_contact(episode_id: str) -> None:
    activity.logger.info("first contact confirmed")
    structlog.get_logger("activities.contact").info("contact recorded", episode_id=episode_id)


async def test_activity_lines_carry_activity_type_and_attempt(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("json")
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info,
        activity_type="confirm_first_contact",
        attempt=3,
        workflow_id="episode-0a1b2c3d4e5f",
        workflow_type="EpisodeWorkflow",
    )

    await env.run(confirm_first_contact, "episode-0a1b2c3d4e5f")

    sdk_line = captured_logs.line("first contact confirmed")
    assert sdk_line["logger"] == "temporalio.activity"
    assert sdk_line["activity_type"] == "confirm_first_contact"
    assert sdk_line["attempt"] == 3
    assert sdk_line["workflow_id"] == "episode-0a1b2c3d4e5f"
    assert sdk_line["run_id"] == env.info.workflow_run_id
    assert sdk_line["workflow_type"] == "EpisodeWorkflow"
    assert "temporal_activity" not in sdk_line
    assert "({" not in sdk_line["event"], "context belongs in keys, not appended to the message"

    own_line = captured_logs.line("contact recorded")
    assert own_line["logger"] == "activities.contact"
    assert own_line["activity_type"] == "confirm_first_contact"
    assert own_line["attempt"] == 3
    assert own_line["level"] == "info"
    assert own_line["timestamp"].endswith("Z")


async def test_workflow_lines_carry_workflow_id_run_id_and_type(
    captured_logs: CapturedLogs, time_skipping_env: WorkflowEnvironment
) -> None:
    captured_logs.configure("json")
    task_queue = f"logging-{uuid.uuid4().hex[:12]}"
    workflow_id = f"episode-{uuid.uuid4().hex[:24]}"
    async with Worker(time_skipping_env.client, task_queue=task_queue, workflows=[LoggingWorkflow]):
        handle = await time_skipping_env.client.start_workflow(
            LoggingWorkflow.run, "plain detail", id=workflow_id, task_queue=task_queue
        )
        assert await handle.result() == "done"

    line = captured_logs.line("workflow step reached")
    assert line["logger"] == "temporalio.workflow"
    assert line["workflow_id"] == workflow_id
    assert line["run_id"] == handle.result_run_id
    assert line["workflow_type"] == "LoggingWorkflow"
    assert line["detail"] == "plain detail"


def test_temporal_sdk_loggers_come_out_as_json(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("json")

    logging.getLogger("temporalio.worker._workflow").warning("poller %s restarted", "workflow")

    line = captured_logs.line("poller workflow restarted")
    assert line["logger"] == "temporalio.worker._workflow"
    assert line["level"] == "warning"


def test_cpr_email_and_phone_in_the_message_are_redacted(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("json")

    structlog.get_logger("api.intake").info(
        "called 010285-1234 and 0102851234 at anne.hansen@example.dk, tlf +45 22 33 44 55"
    )

    event = captured_logs.line("called")["event"]
    assert event == f"called {REDACTED} and {REDACTED} at {REDACTED}, tlf {REDACTED}"


def test_keys_that_name_personal_data_are_redacted(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("json")

    structlog.get_logger("api.intake").info(
        "referral received",
        cpr="0102851234",
        citizen_name="Anne Hansen",
        firstName="Anne",
        note="feels better today",
        contact={"email": "a@b.dk", "phone": 22334455, "relation": "sister"},
        event_type="referral_created",
    )

    line = captured_logs.line("referral received")
    assert line["cpr"] == REDACTED
    assert line["citizen_name"] == REDACTED
    assert line["firstName"] == REDACTED
    assert line["note"] == REDACTED
    assert line["contact"] == {"email": REDACTED, "phone": REDACTED, "relation": "sister"}
    assert line["event_type"] == "referral_created"
    assert "Anne" not in captured_logs.text


def test_foreign_loggers_and_their_extras_are_redacted(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("json")

    logging.getLogger("uvicorn.error").info(
        "mail to %s bounced", "anne@example.dk", extra={"phone": "22334455", "attempt_no": 2}
    )

    line = captured_logs.line("bounced")
    assert line["event"] == f"mail to {REDACTED} bounced"
    assert line["phone"] == REDACTED
    assert line["attempt_no"] == 2


def test_exception_text_is_redacted(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("json")

    try:
        raise ValueError("no citizen with cpr 0102851234")
    except ValueError:
        structlog.get_logger("api.intake").exception("lookup failed")

    line = captured_logs.line("lookup failed")
    assert "ValueError: no citizen with cpr [redacted]" in line["exception"]
    assert "0102851234" not in captured_logs.text


def test_console_format_is_redacted_too(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("console")

    structlog.get_logger("api.intake").info("sms to 22334455", name="Anne")
    logging.getLogger("temporalio.client").warning("retry for anne@example.dk")

    assert "22334455" not in captured_logs.text
    assert "Anne" not in captured_logs.text
    assert "anne@example.dk" not in captured_logs.text
    assert "sms to [redacted]" in captured_logs.text
    assert "temporalio.client" in captured_logs.text


def test_ids_timestamps_and_uuids_are_not_redacted(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("json")
    at = datetime(2024, 11, 23, 10, 20, 30, 123456, tzinfo=UTC).isoformat()
    ids = {
        "episode_id": "episode-3f2a9c0102851234abcd5678",
        "run_id": "01234567-89ab-4cde-8f01-234567890123",
        "event_id": "87654321-1234-4567-8901-123456789012",
        "occurred_at": at,
        "task_queue": "hverdagsbro-episodes",
        "municipality": "101",
        "update_name": "decide_task",
        "temporal_address": "temporal:7233",
    }

    structlog.get_logger("workers.worker").info(f"episode started at {at}", **ids)

    line = captured_logs.line("episode started")
    assert line["event"] == f"episode started at {at}"
    assert {k: line[k] for k in ids} == ids


@given(st.uuids())
def test_no_uuid_is_mistaken_for_personal_data(value: uuid.UUID) -> None:
    assert redact_text(str(value)) == str(value)


@given(st.binary(min_size=12, max_size=12))
def test_no_episode_id_is_mistaken_for_personal_data(raw: bytes) -> None:
    episode_id = f"episode-{raw.hex()}"
    assert redact_text(episode_id) == episode_id


@given(st.datetimes(timezones=st.just(UTC)))
def test_no_iso_timestamp_is_mistaken_for_personal_data(moment: datetime) -> None:
    assert redact_text(moment.isoformat()) == moment.isoformat()


def test_configuring_twice_keeps_one_handler(captured_logs: CapturedLogs) -> None:
    captured_logs.configure("json")
    captured_logs.configure("json", "WARNING")

    structlog.get_logger("x").info("quiet")
    structlog.get_logger("x").warning("loud")

    assert [line["event"] for line in captured_logs.lines()] == ["loud"]
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "hverdagsbro"]
    assert len(ours) == 1


@pytest.mark.parametrize(
    ("fmt", "level", "message"),
    [("xml", "INFO", "not 'xml'"), ("json", "LOUD", "not 'LOUD'")],
)
def test_unknown_format_or_level_is_refused_with_the_value(
    captured_logs: CapturedLogs, fmt: str, level: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        configure_logging(fmt, level)
