"""The payload key of the test suite only: it encrypts the recorded test histories.

It protects nothing real (test data only) and is never used outside tests; production keys
come from HVERDAGSBRO_ENCRYPTION_KEYS.
"""

from __future__ import annotations

from temporalio.converter import DataConverter

from hverdagsbro.encryption import KeyRing, data_converter, parse_keys

TEST_KEYS: KeyRing = parse_keys("test1:tRlPOR+y9QKy20A9kwx9H9eM8KH0SZEH48l3CWsCGIs=")
TEST_CONVERTER: DataConverter = data_converter(TEST_KEYS)
