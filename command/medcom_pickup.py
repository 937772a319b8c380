"""The directory pick-up: deliver the MedCom messages in `<dir>/in/` to the API, as a gateway
would, and drop the acknowledgements the API answers with into `<dir>/out/`.

The folder layout is the directory transport's (activities/medcom_transport/directory.py):
the other side writes each message whole into in/ (a temporary name starting with '.' or not
ending in '.json', renamed into place); we take `in/*.json` in name order.

For each file, by its MessageHeader.eventCoding.code:

    hospital-notification-message   POST /api/medcom/hospital-notifications
    care-communication-message      POST /api/medcom/care-communications
    acknowledgement-message         POST /api/medcom/acknowledgements

with `Accept: application/fhir+json`. What becomes of the file:

- the API took it (2xx): the Acknowledgement it answers with (a FHIR Bundle; none for an
  acknowledgement-message, which is never acknowledged) is written whole to
  `out/<its Bundle.id>.json`, then the file moves to done/;
- the API refused it for good (another 4xx): its fatal-error Acknowledgement, if it answered
  with one, goes to out/ and the file to failed/;
- not JSON, no MessageHeader, or an event code we do not take: failed/ (for an unknown event
  code with a readable header, a fatal-error Acknowledgement goes to out/ first);
- the API is away or busy (no connection, timeout, 408, 429, 5xx, or a refused token): the
  file stays in in/ for the next round, and the round ends.

Exactly once as far as the receiver can tell: a crash between the POST and the move means the
file is posted again next round; the API knows the repeat by its Bundle.id and
MessageHeader.id and answers with the same Acknowledgement (same ids), which overwrites the
same file in out/. Logs name files by their name (a Bundle.id) and outcomes, never content.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import structlog

from activities.medcom_transport.directory import DONE, FAILED, IN, OUT, write_atomically
from api.medcom import MedcomError, fatal_error
from api.medcom.acknowledgement_bundle import acknowledgement_bundle
from db.access import create_token
from db.pages import organisations
from db.pool import DatabasePool, create_pool
from hverdagsbro.dev_secrets import refuse_in_production
from hverdagsbro.settings import Settings

log = structlog.get_logger(__name__)

FHIR_JSON = "application/fhir+json"
ROUTES = {
    "hospital-notification-message": "/api/medcom/hospital-notifications",
    "care-communication-message": "/api/medcom/care-communications",
    "acknowledgement-message": "/api/medcom/acknowledgements",
}
ACKNOWLEDGEMENT = "acknowledgement-message"
MAX_BYTES = 2_000_000
API_TIMEOUT = 30.0
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class PickupStopped(Exception):
    """The API cannot take messages now (away, busy, or refusing our token); the round ends
    and the remaining files wait in in/."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class PickupRound:
    """What one look into in/ did, by file name."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    stopped: str | None = None


def _event_code(raw: object) -> tuple[bool, str | None]:
    """(a MessageHeader was found, its eventCoding.code)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("entry"), list):
        return False, None
    for entry in raw["entry"]:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "MessageHeader":
            coding = resource.get("eventCoding")
            code = coding.get("code") if isinstance(coding, dict) else None
            return True, code if isinstance(code, str) else None
    return False, None


def _log_name(path: Path) -> str:
    return path.stem if _FHIR_ID.fullmatch(path.stem) else "(not an id)"


class MedcomPickup:
    """Delivers `<root>/in/*.json` through `api` (an httpx client whose base URL is the API
    and which sends the pick-up's token). `our_sor` addresses the fatal-error acknowledgements
    we write ourselves when the message names no receiver."""

    def __init__(
        self,
        root: Path,
        api: httpx.AsyncClient,
        *,
        our_sor: str | None = None,
        before_delivery: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.root = root
        self.api = api
        self.our_sor = our_sor
        self.before_delivery = before_delivery

    async def run_once(self) -> PickupRound:
        """One round over the files now in in/, in name order."""
        result = PickupRound()
        inbox = self.root / IN
        names = sorted(await asyncio.to_thread(_message_files, inbox))
        if names and self.before_delivery is not None:
            await self.before_delivery()
        for index, path in enumerate(names):
            try:
                moved_to = await self._deliver(path)
            except PickupStopped as stop:
                result.stopped = stop.reason
                result.waiting.extend(p.name for p in names[index:])
                log.warning(
                    "medcom pick-up paused", reason=stop.reason, waiting=len(result.waiting)
                )
                break
            if moved_to == DONE:
                result.done.append(path.name)
            elif moved_to == FAILED:
                result.failed.append(path.name)
        return result

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        """Rounds every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                await self.run_once()
            except OSError as err:
                log.error("medcom pick-up could not use its folder", errno=err.errno)
            except Exception as err:  # the next round tries again; the type only, no content
                log.error("medcom pick-up round failed", error=type(err).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def _deliver(self, path: Path) -> str | None:
        name = _log_name(path)
        try:
            body = await asyncio.to_thread(_read_at_most, path, MAX_BYTES + 1)
        except FileNotFoundError:
            return None  # taken by another pick-up meanwhile
        try:
            raw = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return await self._fail(path, name, "not JSON")
        has_header, code = _event_code(raw)
        if not has_header:
            return await self._fail(path, name, "no MessageHeader")
        route = ROUTES.get(code or "")
        if route is None:  # never an acknowledgement-message: those have a route
            error = MedcomError("MessageHeader.eventCoding", "an event this receiver does not take")
            refusal = acknowledgement_bundle(
                fatal_error(error, raw), raw, datetime.now(UTC), our_sor=self.our_sor
            )
            await self._write_acknowledgement(refusal)
            return await self._fail(path, name, "event code not taken")
        try:
            response = await self.api.post(
                route,
                content=body,
                headers={"Content-Type": FHIR_JSON, "Accept": FHIR_JSON},
                timeout=API_TIMEOUT,
            )
        except httpx.TimeoutException:
            raise PickupStopped("timeout") from None
        except httpx.TransportError:
            raise PickupStopped("connect error") from None
        status = response.status_code
        if status in (401, 408, 429) or status >= 500:
            raise PickupStopped(f"http {status}")
        if code != ACKNOWLEDGEMENT:
            ack = _acknowledgement_in(response)
            if ack is not None:
                await self._write_acknowledgement(ack)
        if response.is_success:
            await asyncio.to_thread(_move, path, self.root / DONE)
            log.info("medcom message delivered", file=name, message_event=code, status=status)
            return DONE
        return await self._fail(path, name, f"http {status}", event=code)

    async def _fail(self, path: Path, name: str, reason: str, event: str | None = None) -> str:
        await asyncio.to_thread(_move, path, self.root / FAILED)
        log.warning("medcom message not delivered", file=name, message_event=event, reason=reason)
        return FAILED

    async def _write_acknowledgement(self, ack: dict[str, Any]) -> None:
        ack_id = ack.get("id")
        if not isinstance(ack_id, str) or not _FHIR_ID.fullmatch(ack_id):
            log.error("medcom acknowledgement without a usable Bundle.id; not written")
            return
        body = json.dumps(ack, ensure_ascii=False).encode()
        await asyncio.to_thread(write_atomically, self.root / OUT, f"{ack_id}.json", body)


def _acknowledgement_in(response: httpx.Response) -> dict[str, Any] | None:
    """The Acknowledgement Bundle the API answered with, if it did."""
    if response.headers.get("content-type", "").split(";")[0].strip() != FHIR_JSON:
        return None
    try:
        answer = response.json()
    except ValueError:
        return None
    if isinstance(answer, dict) and answer.get("resourceType") == "Bundle":
        has_header, code = _event_code(answer)
        if has_header and code == ACKNOWLEDGEMENT:
            return answer
    return None


def _message_files(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        return []
    return [p for p in inbox.glob("*.json") if not p.name.startswith(".") and p.is_file()]


def _read_at_most(path: Path, limit: int) -> bytes:
    with open(path, "rb") as file:
        return file.read(limit)


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.replace(path, folder / path.name)


def api_url(configured: str | None, host: str, port: int) -> str:
    """The API's base URL: the configured one, else the local API's (a wildcard bind address
    is reached on the loopback)."""
    if configured:
        return configured.rstrip("/")
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "[::1]"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def our_sor(settings: Settings) -> str | None:
    """The SOR code our own fatal-error acknowledgements come from, when we receive for one."""
    codes = [c.strip() for c in settings.medcom_receivers.split(",") if c.strip()]
    return codes[0] if len(codes) == 1 else None


DEV_TOKEN_TTL = timedelta(days=1)


class _DevelopmentToken:
    """The development stack's own gateway token: made when first needed, bound to every
    organisation in the roster, and made afresh when the roster has new organisations (the
    demo's arrive after the stack starts; a fresh token, since the API trusts a token's
    bindings for a few seconds after it last looked), so dev messages round-trip without
    configuring a token. Each lives a day."""

    def __init__(self, pool: DatabasePool, client: httpx.AsyncClient) -> None:
        self.pool = pool
        self.client = client
        self.token_id: str | None = None
        self.bound: frozenset[str] = frozenset()
        self.made_at = datetime.min.replace(tzinfo=UTC)

    async def refresh(self) -> None:
        async with self.pool.acquire() as conn:
            everyone = frozenset(o.organisation_id for o in await organisations(conn))
            fresh = datetime.now(UTC) - self.made_at < DEV_TOKEN_TTL / 2
            if self.token_id is not None and everyone <= self.bound and fresh:
                return
            self.token_id, secret = await create_token(
                conn,
                name="development MedCom pick-up",
                role="medcom_gateway",
                ttl=DEV_TOKEN_TTL,
                organisations=sorted(everyone),
            )
        self.bound = everyone
        self.made_at = datetime.now(UTC)
        self.client.headers["Authorization"] = f"Bearer {secret}"


async def serve_medcom_pickup(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """The development stack's pick-up (`hverdagsbro dev`, directory transport): with
    HVERDAGSBRO_MEDCOM_PICKUP_TOKEN if set, else with a development token of its own."""
    if settings.medcom_directory is None:
        return
    refuse_in_production(
        settings,
        "the development stack's MedCom pick-up",
        remedy="run `hverdagsbro medcom-pickup` with HVERDAGSBRO_MEDCOM_PICKUP_TOKEN",
    )
    base = api_url(settings.medcom_pickup_api_url, settings.api_host, settings.api_port)
    async with httpx.AsyncClient(base_url=base) as client:
        if settings.medcom_pickup_token is not None:
            secret = settings.medcom_pickup_token.get_secret_value()
            client.headers["Authorization"] = f"Bearer {secret}"
            pickup = MedcomPickup(settings.medcom_directory, client, our_sor=our_sor(settings))
            await pickup.run(stop, settings.medcom_pickup_interval)
            return
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=1)
        try:
            token = _DevelopmentToken(pool, client)
            pickup = MedcomPickup(
                settings.medcom_directory,
                client,
                our_sor=our_sor(settings),
                before_delivery=token.refresh,
            )
            await pickup.run(stop, settings.medcom_pickup_interval)
        finally:
            await pool.close()
