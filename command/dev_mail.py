"""A local SMTP server for `hverdagsbro dev`: e-mails are kept as .eml files, never sent."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from aiosmtpd.controller import Controller

from hverdagsbro.settings import Settings

log = structlog.get_logger(__name__)

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        log.info("e-mail kept", file=path.name, recipients=len(envelope.rcpt_tos))
        return "250 OK"


def mail_folder(settings: Settings) -> Path:
    return settings.data_dir / "mail"


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex((host, port)) == 0


def start_mail_catcher(settings: Settings) -> Controller | None:
    """Catch the worker's e-mails when SMTP points at this machine and nobody listens there.

    Returns None (and starts nothing) for a remote SMTP server or an occupied port.
    """
    if settings.smtp_host not in _LOCAL_HOSTS or _port_taken(
        settings.smtp_host, settings.smtp_port
    ):
        return None
    folder = mail_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        _SaveToFolder(folder), hostname=settings.smtp_host, port=settings.smtp_port
    )
    controller.start()
    return controller
