"""E-mail delivery through a real SMTP server (stdlib smtplib, run in a worker thread)."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass(frozen=True)
class Attachment:
    """A file sent with the text, e.g. the network meeting's `invite.ics`
    (`text/calendar`, params {"method": "REQUEST"})."""

    filename: str
    content_type: str
    data: bytes
    params: Mapping[str, str] = field(default_factory=dict)


class EmailSender:
    """Sends one plain-text e-mail (with any attachments) per call; a failure raises and
    nothing is retried here."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    @property
    def domain(self) -> str:
        """The sender's domain, used for Message-IDs."""
        return self.sender.rpartition("@")[2] or "hverdagsbro"

    async def send(
        self,
        *,
        to: str,
        subject: str,
        body: str,
        message_id: str,
        attachments: Sequence[Attachment] = (),
    ) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = message_id
        message.set_content(body)
        for attachment in attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            params = dict(attachment.params)
            if maintype == "text":
                params.setdefault("charset", "utf-8")
            message.add_attachment(
                attachment.data,
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
                params=params,
            )
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
