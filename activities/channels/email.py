"""E-mail delivery through a real SMTP server (stdlib smtplib, run in a worker thread)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage


class EmailSender:
    """Sends one plain-text e-mail per call; a failure raises and nothing is retried here."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    @property
    def domain(self) -> str:
        """The sender's domain, used for Message-IDs."""
        return self.sender.rpartition("@")[2] or "hverdagsbro"

    async def send(self, *, to: str, subject: str, body: str, message_id: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = message_id
        message.set_content(body)
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
