"""One-time sign-in links for citizens: issued to the contact an open episode holds (asked
for on the public page, or resent by staff from the episode page) and sent from the API
process with the project's e-mail and SMS senders. The address is read from the episode's
contact row and used only for the message: never stored with the link, logged or shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol
from zoneinfo import ZoneInfo

import httpx
import structlog
from fastapi import Depends, Request

from activities.channels.email import EmailSender
from activities.channels.sms import SmsSender
from activities.notifications import describe
from api.dependencies import get_services
from api.errors import ApiError, FieldError
from api.principal import Principal
from api.scoping import may_see_episode
from api.web.citizen_sign_in_texts import CITIZEN_SIGN_IN_TEXTS
from db import episode_queries
from db.audit import Actor
from db.citizen_sign_in import (
    NewLink,
    audit,
    claim_unsent,
    contacts_matching,
    episode_contact,
    issue_link,
    mark_failed,
    mark_sent,
)
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from schemas.episode import TERMINAL_PHASES
from schemas.notifications import Channel
from schemas.people import Role

log = structlog.get_logger(__name__)

LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
# Staff who may send the citizen a link from an episode they may see.
SENDERS = frozenset({Role.WARD, Role.PEER, Role.CASEWORKER})
# The channel a member of staff asks for: the episode's e-mail address if it has one, else
# its mobile number; or one of them.
AUTO = "auto"
CHOICES = (AUTO, Channel.EMAIL.value, Channel.SMS.value)
ENDED_PHASES = frozenset(p.value for p in TERMINAL_PHASES)

NO_SUCH_EPISODE = "episode_id: no such episode"
NOT_A_SENDER = "this role does not send sign-in links"
ENDED = "episode_id: the episode has ended"
NO_CONTACT = "the episode has no e-mail address or mobile number for the citizen"
NO_EMAIL = "the episode has no e-mail address for the citizen"
NO_PHONE = "the episode has no mobile number for the citizen"
NO_GATEWAY = "no SMS gateway is set up; send the link by e-mail"
BAD_CHOICE = "choose e-mail, SMS or the one the episode has"
TOO_MANY_LINKS = "3 sign-in links went to this address in the last 15 minutes; wait and try again"
NOT_SENT = "the message could not be sent just now; try again in a moment"


class Episode(Protocol):
    """What the episode page shows the form by: the episode and where it stands."""

    @property
    def episode_id(self) -> str: ...
    @property
    def phase(self) -> str: ...


@dataclass(frozen=True)
class Outgoing:
    """A link issued and the address it goes to (personal data: held only until it is sent)."""

    link: NewLink
    address: str


def _refused(reason: str, status: int = 422) -> ApiError:
    return ApiError(status, f"channel: {reason}", [FieldError(field="channel", reason=reason)])


def _text(key: str, lang: str) -> str:
    da, en = CITIZEN_SIGN_IN_TEXTS[key]
    return en if lang == "en" else da


class CitizenLinks:
    """Issues links and sends each one once, by e-mail or SMS."""

    def __init__(self, pool: DatabasePool, settings: Settings) -> None:
        self._pool = pool
        self._settings = settings

    def sends(self, channel: Channel) -> bool:
        """Whether links can go by this channel here (SMS needs a gateway)."""
        return channel == Channel.EMAIL or (
            channel == Channel.SMS and bool(self._settings.sms_webhook_url)
        )

    async def ask(self, channel: Channel, typed: str) -> list[Outgoing]:
        """The public page's request: a link for each citizen with an open episode whose
        contact is the address typed, unless their address had its share of links lately.
        The caller sends them after answering, so the answer cannot tell who matched."""
        outgoing: list[Outgoing] = []
        async with self._pool.acquire() as conn:
            found = await contacts_matching(conn, channel, typed)
            if not found:
                await audit(
                    conn,
                    Actor(role=Role.CITIZEN.value, actor_id="unknown"),
                    "citizen.sign_in_link_asked",
                    None,
                    {"channel": channel.value, "matched": "no"},
                )
            if not self.sends(channel):
                found = []
            for contact in found:
                link = await issue_link(
                    conn,
                    citizen_id=contact.citizen_id,
                    episode_id=contact.episode_id,
                    channel=channel,
                    asked_by=Actor(role=Role.CITIZEN.value, actor_id=contact.citizen_id),
                )
                if link is not None:
                    outgoing.append(Outgoing(link=link, address=contact.address))
        return outgoing

    async def resend(self, principal: Principal, episode_id: str, choice: str) -> NewLink:
        """A member of staff sends the citizen a link to the episode's contact (refused with
        the reason when it has none, the channel cannot be used, or the address had its
        share of links lately); sent before this returns."""
        if principal.role not in SENDERS:
            raise ApiError(403, NOT_A_SENDER)
        async with self._pool.acquire() as conn:
            row = await episode_queries.episode(conn, episode_id)
            if row is None or not may_see_episode(principal, row):
                raise ApiError(404, NO_SUCH_EPISODE)
            contact = await episode_contact(conn, episode_id)
            if row.phase in ENDED_PHASES:
                raise ApiError(409, ENDED)
            if choice not in CHOICES:
                raise _refused(BAD_CHOICE)
            if contact is None or not (contact.email or contact.phone):
                raise _refused(NO_CONTACT)
            if choice == Channel.EMAIL.value and not contact.email:
                raise _refused(NO_EMAIL)
            if choice == Channel.SMS.value and not contact.phone:
                raise _refused(NO_PHONE)
            by_email = bool(contact.email) and choice in (AUTO, Channel.EMAIL.value)
            channel = Channel.EMAIL if by_email else Channel.SMS
            address = contact.email if by_email else contact.phone
            assert address is not None
            if not self.sends(channel):
                raise _refused(NO_GATEWAY)
            link = await issue_link(
                conn,
                citizen_id=contact.citizen_id,
                episode_id=episode_id,
                channel=channel,
                asked_by=Actor(role=principal.role.value, actor_id=principal.id),
            )
        if link is None:
            raise _refused(TOO_MANY_LINKS, 429)
        if not await self.deliver(Outgoing(link=link, address=address)):
            raise _refused(NOT_SENT, 503)
        return link

    async def deliver_all(self, outgoing: Sequence[Outgoing]) -> None:
        """Send what the public page issued (after its answer has gone)."""
        for one in outgoing:
            await self.deliver(one)

    async def deliver(self, outgoing: Outgoing) -> bool:
        """Send the link once: the row is locked while it is sent and marked sent in the same
        transaction, so a repeat finds it sent. False when the attempt failed (recorded on
        the row with a code, never the server's words)."""
        link = outgoing.link
        async with self._pool.acquire() as conn, conn.transaction():
            if not await claim_unsent(conn, link.link_id):
                return True
            try:
                await self._send(outgoing)
            except Exception as exc:
                await mark_failed(conn, link.link_id, describe(exc))
                log.warning(
                    "sign-in link not sent",
                    link_id=link.link_id,
                    channel=link.channel.value,
                    reason=describe(exc),
                )
                return False
            await mark_sent(conn, link.link_id)
        log.info("sign-in link sent", link_id=link.link_id, channel=link.channel.value)
        return True

    async def _send(self, outgoing: Outgoing) -> None:
        link = outgoing.link
        url = f"{self._settings.public_url.rstrip('/')}/my/sign-in/{link.secret}"
        until = expires_words(link.expires_at)
        if link.channel == Channel.EMAIL:
            email = EmailSender(
                self._settings.smtp_host, self._settings.smtp_port, self._settings.smtp_sender
            )
            body = "\n\n---\n\n".join(
                _text("citizen_link.message.body", lang).format(
                    url=url, code=link.code, until=until
                )
                for lang in ("da", "en")
            )
            subject = " / ".join(
                _text("citizen_link.message.subject", lang) for lang in ("da", "en")
            )
            await email.send(
                to=outgoing.address,
                subject=subject,
                body=body,
                message_id=f"<{link.link_id}@{email.domain}>",
            )
            return
        gateway = self._settings.sms_webhook_url
        assert gateway is not None
        text = "\n".join(
            _text("citizen_link.message.sms", lang).format(url=url, code=link.code, until=until)
            for lang in ("da", "en")
        )
        async with httpx.AsyncClient() as client:
            await SmsSender(gateway, client).send(
                to=outgoing.address, text=text, message_id=link.link_id
            )


def shows_link_form(principal: Principal, episode: Episode) -> bool:
    """Whether the episode page offers this reader the "send a sign-in link" form."""
    return principal.role in SENDERS and episode.phase not in ENDED_PHASES


async def get_citizen_links(request: Request) -> CitizenLinks:
    services = get_services(request)
    return CitizenLinks(services.pool, services.settings)


Links = Annotated[CitizenLinks, Depends(get_citizen_links)]


def expires_words(expires_at: datetime) -> str:
    """The time a link stops working, in Copenhagen time (HH:MM)."""
    return expires_at.astimezone(LOCAL_TIME).strftime("%H:%M")
