"""All configuration, read once from HVERDAGSBRO_* environment variables."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


MedcomTransportKind = Literal["none", "http", "directory"]

# Workflow tasks one worker runs at once (see Settings.workflow_task_slots).
WORKFLOW_TASK_SLOTS = 8


class Settings(BaseSettings):
    """Every knob of the system. The README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="HVERDAGSBRO_", extra="ignore")

    environment: Literal["development", "production"] = Field(
        default="development",
        description="'production' refuses every development fallback (generated keys and "
        "tokens, the demo, the codec server's token-in-path route); docker-compose sets it.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of the TLS reverse proxies whose "
        "X-Forwarded-Proto/-For the API believes (cookies get Secure, HSTS is sent on "
        "https). Empty: no proxy is believed.",
    )

    @field_validator("quiet_hours")
    @classmethod
    def _hours_span(cls, value: str) -> str:
        if value.strip().lower() == "none":
            return "none"
        matched = re.fullmatch(
            r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", value.strip()
        )
        if matched is None:
            raise ValueError("quiet_hours: give 'HH:MM-HH:MM', such as 21:00-08:00, or 'none'")
        return value.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_only(cls, value: str) -> str:
        """Each item an address or network: '*' would let any client claim https and any
        address, which defeats the per-client log-in limit."""
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network (names and '*' are refused)"
                ) from None
        return value

    medcom_receivers: str = Field(
        default="",
        pattern=r"^\s*([0-9]{6,18}\s*(,\s*[0-9]{6,18}\s*)*)?$",
        description="Comma-separated SOR codes this system receives MedCom messages for; a "
        "message addressed to another receiver is refused. Empty: any well-formed SOR code.",
    )
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: an embedded PostgreSQL under the data folder.",
    )
    database_timeout: float = Field(
        default=4.0,
        gt=0,
        description="Seconds PostgreSQL may take to accept a connection or answer a "
        "statement; after it the API answers 503 and activities retry.",
    )
    report_cache_seconds: float = Field(
        default=300.0,
        ge=0,
        le=3600,
        description="Seconds an outcome report (page and CSV) is kept and shown again to "
        "readers of the same scope with the same filters; it says when it was counted. "
        "0: every request counts anew.",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder for local state: Temporal dev server file, embedded PostgreSQL.",
    )
    medcom_transport: MedcomTransportKind = Field(
        default=None,  # resolved from the environment below
        validate_default=True,
        description="How MedCom messages leave: 'http' (POST to HVERDAGSBRO_MEDCOM_GATEWAY_URL), "
        "'directory' (files in HVERDAGSBRO_MEDCOM_DIRECTORY/out, picked up from its in/ by "
        "`hverdagsbro medcom-pickup`) or 'none' (not sent). Unset: 'directory' in "
        "development, 'none' in production.",
    )
    medcom_gateway_url: str | None = Field(
        default=None,
        validate_default=True,
        pattern=r"^https?://\S+$",
        description="URL of the MedCom gateway/VANS endpoint the 'http' transport POSTs each "
        "message to (required with it).",
    )
    medcom_gateway_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for the MedCom gateway. Set this or the user and password, "
        "not both.",
    )
    medcom_gateway_user: str | None = Field(
        default=None, description="User name for the MedCom gateway (HTTP basic auth)."
    )
    medcom_gateway_password: SecretStr | None = Field(
        default=None,
        validate_default=True,
        description="Password for the MedCom gateway (HTTP basic auth, with the user).",
    )
    medcom_gateway_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds the MedCom gateway may take to take a message; after it the "
        "sending is tried again later.",
    )
    medcom_directory: Path | None = Field(
        default=None,
        validate_default=True,
        description="Folder of the 'directory' transport: out/ (we write), in/ (we pick up), "
        "done/ and failed/ (picked-up files end there). Unset in development: "
        "<data_dir>/medcom.",
    )
    medcom_pickup_api_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Base URL of the API that `hverdagsbro medcom-pickup` delivers picked-up "
        "messages to. Unset: http://<api_host>:<api_port>.",
    )
    medcom_pickup_token: SecretStr | None = Field(
        default=None,
        description="API token (role allowed to post MedCom messages) `hverdagsbro "
        "medcom-pickup` sends; required by that command.",
    )
    medcom_pickup_interval: float = Field(
        default=5.0,
        gt=0,
        description="Seconds `hverdagsbro medcom-pickup` waits between looks into in/.",
    )

    @field_validator("medcom_transport", mode="before")
    @classmethod
    def _transport_default(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return "directory" if info.data.get("environment") == "development" else "none"
        return value

    @field_validator("medcom_gateway_url")
    @classmethod
    def _gateway_needs_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("medcom_transport") == "http":
            raise ValueError("required when HVERDAGSBRO_MEDCOM_TRANSPORT is 'http'")
        return value

    @field_validator("medcom_gateway_password")
    @classmethod
    def _one_way_to_log_in(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if (value is None) != (info.data.get("medcom_gateway_user") is None):
            raise ValueError("the MedCom gateway user and password come together")
        if value is not None and info.data.get("medcom_gateway_token") is not None:
            raise ValueError("set the MedCom gateway token or the user and password, not both")
        return value

    @field_validator("medcom_directory")
    @classmethod
    def _directory_default(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is not None or info.data.get("medcom_transport") != "directory":
            return value
        data_dir = info.data.get("data_dir")
        if info.data.get("environment") == "development" and isinstance(data_dir, Path):
            return data_dir / "medcom"
        raise ValueError("required when HVERDAGSBRO_MEDCOM_TRANSPORT is 'directory'")

    temporal_address: str = Field(default="127.0.0.1:7233", description="Temporal frontend.")
    temporal_namespace: str = Field(default="default", description="Temporal namespace.")
    temporal_ui_port: int = Field(default=8233, description="Port of the dev server's web UI.")
    task_queue: str = Field(default="hverdagsbro-episodes", description="Worker task queue.")
    max_cached_workflows: int = Field(
        default=1000, description="Sticky cache size of the worker (bounds memory)."
    )
    workflow_task_slots: int = Field(
        default=WORKFLOW_TASK_SLOTS,
        gt=0,
        description="Workflow tasks one worker runs at once. They share one Python process "
        "(one core): more at once only makes each slower, and after a Temporal restart, "
        "when every episode replays its history, tasks that share too thinly miss their "
        "10 s timeout and run again.",
    )
    roster_upkeep_minutes: int = Field(
        default=60,
        ge=1,
        le=1440,
        description="Minutes between runs of the roster upkeep (the `roster-upkeep` Temporal "
        "Schedule, set by each worker at start): training-lapse tasks, and the notices, "
        "reminders and escalations of roster tasks.",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for e-mail.")
    smtp_port: int = Field(default=8025, description="SMTP port.")
    smtp_sender: str = Field(
        default="hverdagsbro@localhost", description="From address of e-mails."
    )
    sms_webhook_url: str | None = Field(
        default=None, description="SMS/webhook gateway URL; unset disables the channel."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL used in notification links."
    )
    quiet_hours: str = Field(
        default="21:00-08:00",
        description="Copenhagen hours no reminder or notice goes to a citizen or relative who "
        "chose none of their own ('HH:MM-HH:MM'; 'none': at any hour).",
    )
    api_host: str = Field(default="127.0.0.1", description="Bind address of the web/API.")
    api_port: int = Field(default=8000, description="Port of the web/API.")
    encryption_keys: str | None = Field(
        default=None,
        description="Payload keys 'id:base64,...' (current first). Unset: a development key "
        "is generated once into <data_dir>/encryption-keys.",
    )
    erasure_ledger: Path | None = Field(
        default=None,
        description="Ledger file of erased citizens (ids only), kept outside the database and "
        "its backups; after a restore `hverdagsbro erase --reapply` erases them again. "
        "Unset: <data_dir>/erasure-ledger.jsonl.",
    )
    codec_host: str = Field(default="127.0.0.1", description="Bind address of the codec server.")
    codec_port: int = Field(default=8089, description="Port of the codec server for the UI.")
    codec_allowed_origins: str = Field(
        default="http://localhost:8233,http://127.0.0.1:8233,http://localhost:8080",
        description="Comma-separated Temporal UI origins the codec server allows (CORS).",
    )
    codec_tokens: str | None = Field(
        default=None,
        description="Development only (refused in production, where operators use their "
        "own API tokens): comma-separated shared tokens the codec server accepts. Unset in "
        "development: one is generated into <data_dir>/codec-token.",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Bind address of both metrics endpoints."
    )
    metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of the worker's Prometheus endpoint of our metrics; 0: a free port "
        "each start (logged, and listed in <data_dir>/metrics/worker-<pid>.json for "
        "Prometheus file_sd), so several workers share a host without configuration.",
    )
    sdk_metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of the worker's Prometheus endpoint of the Temporal SDK's metrics; "
        "0: a free port each start, listed beside ours.",
    )
    log_format: str = Field(default="console", description="'json' (production) or 'console'.")
    log_level: str = Field(default="INFO", description="Root log level.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
