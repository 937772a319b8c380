"""The log safety net: personal data (CPR, names, contact data, notes) never reaches a log line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from structlog.typing import EventDict, WrappedLogger

REDACTED = "[redacted]"

# Keys whose value is personal data whatever it looks like. A key also counts when it ends in
# one of these after an underscore (`citizen_name`, `peer_email`), unless listed as technical.
PERSONAL_KEYS = frozenset(
    {
        "cpr",
        "name",
        "first_name",
        "last_name",
        "display_name",
        "email",
        "e_mail",
        "phone",
        "mobile",
        "address",
        "note",
        "notes",
        "diagnosis",
        "text",
    }
)
TECHNICAL_KEYS = frozenset(
    {
        "logger_name",
        "update_name",
        "signal_name",
        "query_name",
        "activity_name",
        "workflow_name",
        "task_queue_name",
        "event_name",
        "metric_name",
        "file_name",
        "func_name",
        "host_name",
        "programme_name",
        "bind_address",
        "temporal_address",
        "listen_address",
        "server_address",
    }
)

# Digits that belong to a longer token (an id, a hex digest) are left alone: a match may not
# touch a letter, a digit or `_`. A phone number's 8 digits may also not be joined by a hyphen
# to a hex group, as in a UUID's first group.
_START = r"(?<![\w+])"
_END = r"(?!\w)"
_NOT_HEX_JOINED = r"(?<![0-9A-Fa-f]-)", r"(?!-[0-9A-Fa-f])"
# CPR: DDMMYY-XXXX or DDMMYYXXXX; the day may carry +60 (replacement numbers).
_DAY = r"(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
_MONTH = r"(?:0[1-9]|1[0-2])"
_CPR = re.compile(_START + _DAY + _MONTH + r"\d{2}-?\d{4}" + _END)
_EMAIL = re.compile(r"[\w.+%-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Danish numbers: 8 digits, maybe grouped in pairs, maybe after +45 / 0045.
_PHONE = re.compile(
    _START
    + _NOT_HEX_JOINED[0]
    + r"(?:(?:\+|00)45[ -]?)?\d{2}(?: ?\d{2}){3}"
    + _END
    + _NOT_HEX_JOINED[1]
)
_PATTERNS = (_EMAIL, _CPR, _PHONE)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _normalise_key(key: str) -> str:
    return _CAMEL.sub("_", key).replace("-", "_").lower()


def is_personal_key(key: str) -> bool:
    """Does this key name personal data (`name`, `citizen_name`, `eMail`), not a technical name?"""
    normal = _normalise_key(key)
    if normal in TECHNICAL_KEYS:
        return False
    return normal in PERSONAL_KEYS or any(normal.endswith("_" + k) for k in PERSONAL_KEYS)


def redact_text(text: str) -> str:
    """The text with anything that looks like a CPR number, e-mail or Danish phone replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact_value(value: Any) -> Any:
    """A value with personal data removed; containers are walked, other objects stringified."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if isinstance(k, str) and is_personal_key(k) else redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    # An object's str() may carry anything (a model's fields, an exception's message).
    return redact_text(str(value))


def redact_event(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: redact keys naming personal data and personal data in any value.

    Runs after exceptions are formatted to text, so tracebacks are scanned too. Keys starting
    with `_` are structlog's own plumbing (`_record`) and pass untouched.
    """
    for key, value in list(event_dict.items()):
        if key.startswith("_"):
            continue
        if is_personal_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = redact_value(value)
    return event_dict
