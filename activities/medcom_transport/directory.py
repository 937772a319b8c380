"""The directory adapter: drop each MedCom message as a file for the other side to fetch.

Layout of the transport folder (`HVERDAGSBRO_MEDCOM_DIRECTORY`), shared with the municipal
integration (or whatever moves files to and from the VANS):

    out/      messages we send: `<Bundle.id>.json`, each written whole (temporary file in
              out/, fsync, rename), so a reader never sees half a file. The reader takes a
              file by removing or moving it. Temporary files start with '.' and end in
              '.tmp': readers skip them.
    in/       messages to us (acknowledgements, replies, hospital notifications):
              `hverdagsbro medcom-pickup` delivers each `*.json` to the API
    done/     picked-up files the API has taken
    failed/   picked-up files that could not be delivered (unreadable, not a message we take)

The same bundle sent twice is the same file, written again with the same content: the
receiver knows a repeat by its Bundle.id and MessageHeader.id anyway.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path

from activities.medcom_transport.port import OutgoingBundle, TransportError

OUT = "out"
IN = "in"
DONE = "done"
FAILED = "failed"

# A FHIR id: safe as a file name as it is (no '/', no '..' on its own).
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def write_atomically(folder: Path, name: str, body: bytes) -> Path:
    """Write `folder/name` whole or not at all: temporary file, fsync, rename, fsync of the
    folder (so the rename survives a crash). Raises OSError."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    temporary = folder / f".{name}.{secrets.token_hex(6)}.tmp"
    try:
        with open(temporary, "wb") as file:
            file.write(body)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return target


def file_name(bundle_id: str) -> str:
    """`<bundle id>.json`; refuses an id that is not a FHIR id (it could leave the folder)."""
    if not _FHIR_ID.fullmatch(bundle_id) or bundle_id in (".", ".."):
        raise ValueError("bundle id is not a FHIR id")
    return f"{bundle_id}.json"


class DirectoryTransport:
    """Writes each message to `<root>/out/<Bundle.id>.json` (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.out = root / OUT

    async def send(self, bundle: OutgoingBundle) -> None:
        try:
            name = file_name(bundle.bundle_id)
        except ValueError:
            raise TransportError("bundle id not a file name", retryable=False) from None
        try:
            await asyncio.to_thread(write_atomically, self.out, name, bundle.body)
        except PermissionError:
            raise TransportError("directory not writable", retryable=True) from None
        except OSError as err:
            code = err.errno if err.errno is not None else "unknown"
            raise TransportError(f"directory error {code}", retryable=True) from None
