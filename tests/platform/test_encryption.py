"""Payload encryption: keys rotate, tampering and unknown keys fail with a clear message."""

from __future__ import annotations

import base64
import uuid

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from hverdagsbro.encryption import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    EncryptionError,
    KeyConfigError,
    UnknownKeyError,
    data_converter,
    generate_key,
    parse_keys,
)
from tests.platform.workflows import EchoWorkflow, Referral


def ring_spec(*key_ids: str) -> str:
    return ",".join(f"{key_id}:{KEYS[key_id]}" for key_id in key_ids)


KEYS = {"k1": generate_key(), "k2": generate_key(), "k3": generate_key()}
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"cpr":"0102851234"}')


async def test_payload_round_trips_and_hides_the_plain_text() -> None:
    codec = EncryptionCodec(parse_keys(ring_spec("k1")))

    [sealed] = await codec.encode([PLAIN])

    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID_METADATA] == b"k1"
    assert b"0102851234" not in sealed.SerializeToString()
    assert await codec.decode([sealed]) == [PLAIN]


async def test_same_payload_encrypts_differently_each_time() -> None:
    codec = EncryptionCodec(parse_keys(ring_spec("k1")))

    first, second = await codec.encode([PLAIN, PLAIN])

    assert first.data[:12] != second.data[:12]
    assert first.data != second.data


async def test_after_rotation_old_payloads_still_decode_and_new_ones_use_the_new_key() -> None:
    before = EncryptionCodec(parse_keys(ring_spec("k1")))
    after = EncryptionCodec(parse_keys(ring_spec("k2", "k1")))
    [old] = await before.encode([PLAIN])

    [new] = await after.encode([PLAIN])

    assert new.metadata[KEY_ID_METADATA] == b"k2"
    assert await after.decode([old, new]) == [PLAIN, PLAIN]


async def test_unknown_key_id_is_named_in_the_error() -> None:
    [sealed] = await EncryptionCodec(parse_keys(ring_spec("k3"))).encode([PLAIN])

    with pytest.raises(UnknownKeyError, match="'k3'"):
        await EncryptionCodec(parse_keys(ring_spec("k2", "k1"))).decode([sealed])


async def test_tampered_ciphertext_fails_authentication_with_a_clear_message() -> None:
    codec = EncryptionCodec(parse_keys(ring_spec("k1")))
    [sealed] = await codec.encode([PLAIN])
    flipped = bytearray(sealed.data)
    flipped[-1] ^= 0x01
    tampered = Payload(metadata=dict(sealed.metadata), data=bytes(flipped))

    with pytest.raises(EncryptionError, match="key 'k1' failed authentication"):
        await codec.decode([tampered])


async def test_relabelling_a_payload_to_another_key_id_is_detected() -> None:
    ring = parse_keys(ring_spec("k1", "k2"))
    [sealed] = await EncryptionCodec(ring).encode([PLAIN])
    relabelled = Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: b"k2"}, data=sealed.data)

    with pytest.raises(EncryptionError, match="failed authentication"):
        await EncryptionCodec(ring).decode([relabelled])


async def test_plain_payloads_pass_through_decode() -> None:
    codec = EncryptionCodec(parse_keys(ring_spec("k1")))

    assert await codec.decode([PLAIN]) == [PLAIN]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "no encryption keys"),
        ("k1", "entry 1 must look like 'id:base64key'"),
        (f"k1:{KEYS['k1']},", "entry 2 is empty"),
        ("k1:not*base64", "key 'k1' is not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "key 'k1' is 5 bytes; AES-256 needs 32"),
        (f"k1:{KEYS['k1']},k1:{KEYS['k2']}", "key id 'k1' appears more than once"),
        (f"bad id:{KEYS['k1']}", "key id 'bad id' must be"),
    ],
)
def test_bad_key_configuration_is_refused_with_the_entry_named(spec: str, message: str) -> None:
    with pytest.raises(KeyConfigError, match=message) as caught:
        parse_keys(spec)
    for secret in KEYS.values():
        assert secret not in str(caught.value)


def test_key_ring_never_shows_its_secrets() -> None:
    ring = parse_keys(ring_spec("k2", "k1"))

    assert ring.current.key_id == "k2"
    assert ring.key_ids == ["k2", "k1"]
    assert KEYS["k2"] not in repr(ring)
    assert KEYS["k2"] not in repr(ring.current)


def test_generated_keys_are_distinct_256_bit_keys() -> None:
    keys = {generate_key() for _ in range(20)}

    assert len(keys) == 20
    assert all(len(base64.b64decode(k)) == 32 for k in keys)


async def test_workflow_history_holds_only_ciphertext(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    ring = parse_keys(ring_spec("k1"))
    config = time_skipping_env.client.config()
    config["data_converter"] = data_converter(ring)
    client = Client(**config)
    task_queue = f"encryption-{uuid.uuid4().hex[:8]}"
    referral = Referral(cpr="0102851234", name="Anne Hansen")

    async with Worker(client, task_queue=task_queue, workflows=[EchoWorkflow]):
        handle = await client.start_workflow(
            EchoWorkflow.run, referral, id=f"episode-{uuid.uuid4().hex[:24]}", task_queue=task_queue
        )
        assert await handle.result() == referral

    history = await handle.fetch_history()
    raw = history.to_json()
    assert "0102851234" not in raw
    assert "Anne Hansen" not in raw
    assert base64.b64encode(b"binary/encrypted").decode() in raw
