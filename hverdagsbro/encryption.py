"""AES-GCM encryption of every Temporal payload, with named keys so keys can rotate."""

from __future__ import annotations

import base64
import binascii
import copy
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit GCM nonce, random per payload

_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class EncryptionError(Exception):
    """A payload could not be encrypted or decrypted; the message says which key and why."""


class KeyConfigError(ValueError):
    """The configured key list is unusable; the message names the entry, never the secret."""


class UnknownKeyError(EncryptionError):
    """A payload names a key id this process does not have."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"payload was encrypted with key id {key_id!r}, which is not configured; "
            "add it to HVERDAGSBRO_ENCRYPTION_KEYS (after the current key) to read it"
        )
        self.key_id = key_id


@dataclass(frozen=True, repr=False)
class DataKey:
    """One named AES-256 key. The repr never shows the secret."""

    key_id: str
    secret: bytes

    def __post_init__(self) -> None:
        if not _KEY_ID.match(self.key_id):
            raise KeyConfigError(
                f"key id {self.key_id!r} must be 1-64 letters, digits, '.', '_' or '-'"
            )
        if len(self.secret) != KEY_BYTES:
            raise KeyConfigError(
                f"key {self.key_id!r} is {len(self.secret)} bytes; AES-256 needs {KEY_BYTES}"
            )

    def __repr__(self) -> str:
        return f"DataKey(key_id={self.key_id!r})"


class KeyProvider(Protocol):
    """Where the codec gets its keys.

    The extension point for per-citizen data keys (erasure by deleting the citizen's key): a
    provider may choose the encryption key from the serialization context (the workflow id
    names the episode) and must find any decryption key by the id stored on the payload.
    """

    async def encryption_key(self, context: SerializationContext | None) -> DataKey: ...

    async def decryption_key(self, key_id: str) -> DataKey: ...


class KeyRing:
    """Configured keys: the first encrypts, all of them decrypt (old keys stay for old data)."""

    def __init__(self, keys: Sequence[DataKey]) -> None:
        if not keys:
            raise KeyConfigError("at least one encryption key is needed")
        seen: set[str] = set()
        for key in keys:
            if key.key_id in seen:
                raise KeyConfigError(f"key id {key.key_id!r} appears more than once")
            seen.add(key.key_id)
        self._keys = {key.key_id: key for key in keys}
        self.current = keys[0]

    @property
    def key_ids(self) -> list[str]:
        """Key ids, current first."""
        return list(self._keys)

    def get(self, key_id: str) -> DataKey:
        """The key with this id, or UnknownKeyError naming it."""
        try:
            return self._keys[key_id]
        except KeyError:
            raise UnknownKeyError(key_id) from None

    async def encryption_key(self, context: SerializationContext | None) -> DataKey:
        return self.current

    async def decryption_key(self, key_id: str) -> DataKey:
        return self.get(key_id)

    def __repr__(self) -> str:
        return f"KeyRing(current={self.current.key_id!r}, keys={self.key_ids!r})"


def generate_key() -> str:
    """A fresh random AES-256 key, base64-encoded, for `<id>:<key>` in the key list."""
    return base64.b64encode(AESGCM.generate_key(bit_length=KEY_BYTES * 8)).decode("ascii")


def parse_keys(spec: str) -> KeyRing:
    """Parse "k2:BASE64,k1:BASE64" (current key first) into a KeyRing, with errors that name
    the entry at fault but never echo key material."""
    keys: list[DataKey] = []
    entries = [e.strip() for e in spec.split(",")]
    if not any(entries):
        raise KeyConfigError("no encryption keys configured; expected 'id:base64key,...'")
    for position, entry in enumerate(entries, start=1):
        if not entry:
            raise KeyConfigError(f"key entry {position} is empty (stray comma?)")
        key_id, sep, encoded = entry.partition(":")
        key_id, encoded = key_id.strip(), encoded.strip()
        if not sep or not key_id or not encoded:
            raise KeyConfigError(f"key entry {position} must look like 'id:base64key'")
        try:
            secret = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise KeyConfigError(f"key {key_id!r} is not valid base64") from None
        keys.append(DataKey(key_id, secret))
    return KeyRing(keys)


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """Encrypts each payload whole (metadata and data) with the provider's current key.

    The encrypted payload says `encoding: binary/encrypted` and names its key id; the key id
    is also the AES-GCM associated data, so a payload cannot be relabelled to another key.
    Payloads without the encrypted encoding are passed through on decode (older, plain data).
    """

    def __init__(self, keys: KeyProvider, context: SerializationContext | None = None) -> None:
        self._keys = keys
        self._context = context

    def with_context(self, context: SerializationContext) -> Self:
        return type(self)(self._keys, context)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key = await self._keys.encryption_key(self._context)
        aead = AESGCM(key.secret)
        return [self._encrypt(aead, key.key_id, p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [await self._decrypt(p) for p in payloads]

    @staticmethod
    def _encrypt(aead: AESGCM, key_id: str, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        sealed = aead.encrypt(nonce, payload.SerializeToString(), key_id.encode("utf-8"))
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode("utf-8")},
            data=nonce + sealed,
        )

    async def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        raw_id = payload.metadata.get(KEY_ID_METADATA)
        if not raw_id:
            raise EncryptionError(f"encrypted payload has no {KEY_ID_METADATA!r} metadata")
        key_id = raw_id.decode("utf-8", errors="replace")
        key = await self._keys.decryption_key(key_id)
        if len(payload.data) <= NONCE_BYTES:
            raise EncryptionError(f"encrypted payload for key {key_id!r} is truncated")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = AESGCM(key.secret).decrypt(nonce, sealed, key_id.encode("utf-8"))
        except InvalidTag:
            raise EncryptionError(
                f"payload encrypted with key {key_id!r} failed authentication: "
                "it was altered or the configured key with that id is not the one used"
            ) from None
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded


class EncryptedDataConverter(DataConverter):
    """The SDK's DataConverter, with a cheaper `with_context`.

    The codec takes the workflow id from the serialization context (per-episode keys), so
    every payload gets a converter with context. The SDK's `with_context` clones with
    `dataclasses.replace`, whose `__post_init__` builds a new pydantic payload converter and
    failure converter only to throw them away; in the worker's profile that was about 5 % of
    its CPU. A shallow copy keeps the existing ones."""

    def with_context(self, context: SerializationContext) -> Self:
        changed: dict[str, object] = {}
        for name in ("payload_converter", "payload_codec", "failure_converter", "external_storage"):
            part = getattr(self, name)
            if isinstance(part, WithSerializationContext):
                new = part.with_context(context)
                if new is not part:
                    changed[name] = new
        if not changed:
            return self
        clone = copy.copy(self)
        for name, part in changed.items():
            object.__setattr__(clone, name, part)
        return clone


def data_converter(keys: KeyProvider) -> DataConverter:
    """Pydantic payloads, encrypted: what every client and worker must use.

    Failures too: their message and stack trace move into an encoded attribute that the codec
    encrypts with the episode's key (the history then shows "Encoded failure"; the codec
    server shows operators the text), so a failure text is erased with its episode."""
    return EncryptedDataConverter(
        payload_converter_class=PydanticPayloadConverter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
