"""Per-episode data keys: each episode's payloads are encrypted with a key of its own.

The key is random, stored in PostgreSQL wrapped (AES-GCM) with the configured master key, and
named on each payload as `ep.<workflow id>`. Erasing a citizen destroys the keys of their
episodes, which makes those payloads unreadable for good. The workflows an episode starts to
deliver its MedCom messages (`care-communication-<episode id>-cc<n>`) use their episode's key,
so the child's input in the episode's history is erased with it too. Payloads without an
episode (or written before this existed) use the master key ring directly.
"""

from __future__ import annotations

import os
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.converter import (
    ActivitySerializationContext,
    SerializationContext,
    WorkflowSerializationContext,
)

from db.payload_keys import store_key, stored_key
from db.pool import DatabasePool
from hverdagsbro.encryption import KEY_BYTES, NONCE_BYTES, DataKey, EncryptionError, KeyRing
from schemas.care_communication import episode_of_delivery

PREFIX = "ep."
# How long a process trusts a key it loaded; an erased key stops working within this.
CACHE_SECONDS = 60.0


class KeyDestroyedError(EncryptionError):
    def __init__(self, workflow_id: str) -> None:
        super().__init__(
            f"the data key of {workflow_id} was destroyed (data-subject erasure): "
            "its payloads can no longer be read"
        )


def _workflow_id(context: SerializationContext | None) -> str | None:
    """The episode whose key encrypts payloads in this context, if any."""
    if isinstance(context, WorkflowSerializationContext | ActivitySerializationContext):
        workflow_id = context.workflow_id
        return None if workflow_id is None else episode_of_delivery(workflow_id) or workflow_id
    return None


class EpisodeKeys:
    """A KeyProvider: one wrapped data key per episode workflow, master ring otherwise."""

    def __init__(self, ring: KeyRing, pool: DatabasePool) -> None:
        self._ring = ring
        self._pool = pool
        self._cache: dict[str, tuple[float, DataKey]] = {}

    async def encryption_key(self, context: SerializationContext | None) -> DataKey:
        workflow_id = _workflow_id(context)
        if workflow_id is None or not workflow_id.startswith("episode-"):
            return self._ring.current
        cached = self._cached(workflow_id)
        if cached is not None:
            return cached
        key = await self._load(workflow_id)
        if key is None:
            key = await self._create(workflow_id)
        return key

    async def decryption_key(self, key_id: str) -> DataKey:
        if not key_id.startswith(PREFIX):
            return self._ring.get(key_id)
        workflow_id = key_id.removeprefix(PREFIX)
        key = self._cached(workflow_id) or await self._load(workflow_id)
        if key is None:
            raise KeyDestroyedError(workflow_id)
        return key

    def _cached(self, workflow_id: str) -> DataKey | None:
        hit = self._cache.get(workflow_id)
        if hit is None or time.monotonic() - hit[0] > CACHE_SECONDS:
            return None
        return hit[1]

    def _remember(self, workflow_id: str, key: DataKey) -> DataKey:
        self._cache[workflow_id] = (time.monotonic(), key)
        return key

    async def _load(self, workflow_id: str) -> DataKey | None:
        async with self._pool.acquire() as conn:
            stored = await stored_key(conn, workflow_id)
        if stored is None:
            return None
        if stored.destroyed_at is not None:
            raise KeyDestroyedError(workflow_id)
        # The table's CHECK: a key not destroyed has its wrapped key.
        assert stored.master_key_id is not None
        assert stored.wrapped_key is not None
        master = self._ring.get(stored.master_key_id)
        wrapped = stored.wrapped_key
        try:
            secret = AESGCM(master.secret).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], workflow_id.encode()
            )
        except InvalidTag:
            raise EncryptionError(
                f"the data key of {workflow_id} does not open with master key {master.key_id!r}"
            ) from None
        return self._remember(workflow_id, DataKey(PREFIX + workflow_id, secret))

    async def _create(self, workflow_id: str) -> DataKey:
        master = self._ring.current
        nonce = os.urandom(NONCE_BYTES)
        secret = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        wrapped = nonce + AESGCM(master.secret).encrypt(nonce, secret, workflow_id.encode())
        async with self._pool.acquire() as conn:
            await store_key(conn, workflow_id, master.key_id, wrapped)
        # Another process may have won the race: the stored key is the one.
        key = await self._load(workflow_id)
        assert key is not None
        return key
