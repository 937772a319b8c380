"""One logging setup for every process: structlog via stdlib, Temporal context bound, redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any, Literal, TextIO

import structlog
import temporalio.activity
import temporalio.workflow
from structlog.typing import EventDict, Processor, WrappedLogger

from hverdagsbro.redaction import redact_event

LogFormat = Literal["console", "json"]
FORMATS: tuple[LogFormat, ...] = ("console", "json")

_HANDLER_NAME = "hverdagsbro"

# The SDK's LoggerAdapters put their context on the record under these attributes.
_TEMPORAL_EXTRAS = ("temporal_workflow", "temporal_activity")
# Renamed so workflow and activity lines share one vocabulary.
_RENAMED = {"workflow_run_id": "run_id"}
# Extras that only repeat the message (uvicorn's coloured copy, the Core log object).
_NOISE_EXTRAS = frozenset({"color_message", "temporal_log"})


def _bind(event_dict: EventDict, details: Mapping[str, Any]) -> None:
    for key, value in details.items():
        if value is not None:
            event_dict.setdefault(_RENAMED.get(key, key), value)


def add_temporal_context(
    logger: WrappedLogger, method_name: str, event_dict: EventDict
) -> EventDict:
    """structlog processor: workflow/activity ids as top-level keys, whoever logged the line.

    The SDK's `workflow.logger` / `activity.logger` put a `temporal_workflow` /
    `temporal_activity` dict on the LogRecord; those are flattened. A line logged through
    structlog (or any logger) while an activity or workflow runs gets the same keys from the
    current `info()`. Explicit keys on the line win.
    """
    record = event_dict.get("_record")
    for attr in _TEMPORAL_EXTRAS:
        details = event_dict.pop(attr, None)
        if details is None and record is not None:
            details = getattr(record, attr, None)
        if isinstance(details, Mapping):
            _bind(event_dict, details)
    for key in [k for k in event_dict if k.startswith("__") or k in _NOISE_EXTRAS]:
        del event_dict[key]

    if temporalio.activity.in_activity():
        info = temporalio.activity.info()
        _bind(
            event_dict,
            {
                "workflow_id": info.workflow_id,
                "run_id": info.workflow_run_id,
                "workflow_type": info.workflow_type,
                "activity_type": info.activity_type,
                "activity_id": info.activity_id,
                "attempt": info.attempt,
            },
        )
    elif temporalio.workflow.in_workflow():
        winfo = temporalio.workflow.info()
        _bind(
            event_dict,
            {
                "workflow_id": winfo.workflow_id,
                "run_id": winfo.run_id,
                "workflow_type": winfo.workflow_type,
                "attempt": winfo.attempt,
            },
        )
    return event_dict


def _level(level: str) -> int:
    number = logging.getLevelName(level.strip().upper())
    if not isinstance(number, int):
        raise ValueError(
            f"log level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not {level!r}"
        )
    return number


def _renderer(fmt: LogFormat) -> Processor:
    if fmt == "json":
        return structlog.processors.JSONRenderer(sort_keys=False)
    return structlog.dev.ConsoleRenderer(colors=False)


def build_formatter(fmt: LogFormat) -> structlog.stdlib.ProcessorFormatter:
    """The formatter that renders every record, ours and foreign, the same redacted way."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.ExtraAdder()],
        processors=[
            add_temporal_context,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Exceptions become text before redaction, so a traceback's message is scanned too.
            structlog.processors.format_exc_info,
            redact_event,
            _renderer(fmt),
        ],
    )


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(
    fmt: str = "console", level: str = "INFO", *, stream: TextIO | None = None
) -> None:
    """Route structlog and stdlib (the Temporal SDK's `temporalio.*` too) through one handler.

    `fmt` "json" writes one JSON object per line (production), "console" readable lines.
    Calling it again replaces the earlier setup instead of adding a second handler.
    """
    if fmt not in FORMATS:
        raise ValueError(f"log format must be 'console' or 'json', not {fmt!r}")
    numeric_level = _level(level)

    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Loggers made at import time must follow a later reconfiguration.
        cache_logger_on_first_use=False,
    )

    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(build_formatter(fmt))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric_level)

    # The context is in structured keys; the SDK would otherwise repeat it in every message.
    temporalio.activity.logger.activity_info_on_message = False
    temporalio.workflow.logger.workflow_info_on_message = False
