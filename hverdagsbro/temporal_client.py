"""One way to connect to Temporal, so every client and worker encrypts payloads the same way."""

from __future__ import annotations

import os

import structlog
from temporalio.client import Client
from temporalio.converter import DataConverter

from hverdagsbro.encryption import KeyRing, data_converter, generate_key, parse_keys
from hverdagsbro.settings import Settings

log = structlog.get_logger(__name__)


def keyring(settings: Settings) -> KeyRing:
    """The configured payload keys; in development a key generated once under data_dir."""
    if settings.encryption_keys:
        return parse_keys(settings.encryption_keys)
    key_file = settings.data_dir / "encryption-keys"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(f"dev1:{generate_key()}\n")
        log.warning("generated a development encryption key", path=str(key_file))
    return parse_keys(key_file.read_text(encoding="ascii").strip())


def converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted with the configured keys."""
    return data_converter(keyring(settings))


async def connect(settings: Settings) -> Client:
    """A client for the configured Temporal frontend and namespace."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=converter(settings),
    )
