"""One way to connect to Temporal, so every client and worker encrypts payloads the same way."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter

from db.pool import DatabasePool
from hverdagsbro.dev_secrets import dev_secret
from hverdagsbro.encryption import KeyRing, data_converter, generate_key, parse_keys
from hverdagsbro.episode_keys import EpisodeKeys
from hverdagsbro.settings import Settings


def keyring(settings: Settings) -> KeyRing:
    """The configured payload keys; in development a key generated once under data_dir."""
    if settings.encryption_keys:
        return parse_keys(settings.encryption_keys)
    generated = dev_secret(
        settings,
        "encryption-keys",
        lambda: f"dev1:{generate_key()}",
        setting="HVERDAGSBRO_ENCRYPTION_KEYS",
    )
    return parse_keys(generated)


def converter(settings: Settings, pool: DatabasePool | None = None) -> DataConverter:
    """Pydantic payloads, encrypted. With the database, each episode's payloads get a data key
    of their own (destroyed on erasure); without it, the configured keys only."""
    ring = keyring(settings)
    return data_converter(ring if pool is None else EpisodeKeys(ring, pool))


async def connect(settings: Settings, pool: DatabasePool | None = None) -> Client:
    """A client for the configured Temporal frontend and namespace."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=converter(settings, pool),
    )
