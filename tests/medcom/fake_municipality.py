"""A fake municipal receiver of MedCom messages, for tests of both transports.

It stands for the other side: it takes the CareCommunications we send (over HTTP, as a
gateway would, or from the directory drop), keeps each one it received (parsed JSON, in
order), and answers each with a MedCom Acknowledgement according to its `mode`:

- `positive`: `ok` at once
- `negative`: `fatal-error`, with an OperationOutcome saying why
- `transient`: `transient-error`, with an OperationOutcome
- `late`: `ok`, but only after `late_delay` seconds
- `never`: no acknowledgement at all

The acknowledgement is built here, from the IG (MedComAcknowledgementMessage and its header,
Provenance and OperationOutcome profiles), independently of our own builder, and handed to
the test's `on_acknowledgement` callback (HTTP) or written into `<dir>/in/` (directory).
`reply_to` builds the municipality's reply CareCommunication to a received one (SENDING.md
section 8). `settle()` waits until every acknowledgement due has been given.

HTTP: `async with FakeMunicipality(...) as fake:` serves on a free local port
(`fake.url`); POST anything to it, with `Authorization: Bearer <token>` (or HTTP basic
with `basic`). `status` (when set) makes it answer that status instead
and keep nothing, for tests of a refusing or failing gateway.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Mode = Literal["positive", "negative", "transient", "late", "never"]
Json = dict[str, Any]
OnAcknowledgement = Callable[[Json], Awaitable[None]]

TOKEN = "municipality-gateway-token"

_TERMINOLOGY = "http://medcomfhir.dk/ig/terminology/CodeSystem/"
EVENT_SYSTEM = _TERMINOLOGY + "medcom-messaging-eventCodes"
ACTIVITY_SYSTEM = _TERMINOLOGY + "medcom-messaging-activityCodes"
DESTINATION_USE_SYSTEM = _TERMINOLOGY + "medcom-messaging-destinationUse"
DESTINATION_USE_URL = (
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-destinationUseExtension"
)
_ACK = "http://medcomfhir.dk/ig/acknowledgement/StructureDefinition/"
_MESSAGING = "http://medcomfhir.dk/ig/messaging/StructureDefinition/"
_CC = "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/"
_CORE = "http://medcomfhir.dk/ig/core/StructureDefinition/"
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"
SOR_ENDPOINT = "https://sor2.sum.dsdn.dk/#id="
ACK_BASE = "https://medcomfhir.dk/ig/acknowledgement/"
CC_BASE = "https://medcomfhir.dk/ig/carecommunication/"
CC_DEFINITION = (
    "http://medcomfhir.dk/ig/messagedefinitions/MessageDefinition/"
    "MedComCareCommunicationMessageDefinition|5.0"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _narrative(what: str) -> Json:
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{what}</div>'}


def _resources(bundle: Json) -> list[Json]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def _by_reference(bundle: Json, reference: str) -> Json:
    kind, _, ident = reference.rpartition("/")
    kind = kind.rsplit("/", 1)[-1]
    for resource in _resources(bundle):
        if resource["resourceType"] == kind and resource["id"] == ident:
            return resource
    raise KeyError(reference)


def header_of(bundle: Json) -> Json:
    """The received message's MessageHeader (entry 0, as MedCom demands)."""
    header: Json = bundle["entry"][0]["resource"]
    assert header["resourceType"] == "MessageHeader"
    return header


def _current_provenance(bundle: Json) -> Json | None:
    target = f"MessageHeader/{header_of(bundle)['id']}"
    for resource in _resources(bundle):
        if resource["resourceType"] == "Provenance" and any(
            t.get("reference", "").endswith(target) for t in resource.get("target", [])
        ):
            return resource
    return None


def _entry(base: str, resource: Json) -> Json:
    return {"fullUrl": f"{base}{resource['resourceType']}/{resource['id']}", "resource": resource}


def _organization(resource: Json) -> Json:
    """An Organization of the received message, as the acknowledgement names it."""
    kept: Json = {key: resource[key] for key in ("id", "identifier", "name") if key in resource}
    return {
        "resourceType": "Organization",
        "meta": {"profile": [_MESSAGING + "medcom-messaging-organization"]},
        "text": _narrative(f"Organization {resource['id']}"),
        **kept,
    }


def acknowledgement_for(
    received: Json,
    code: Literal["ok", "transient-error", "fatal-error"],
    reason: str | None = None,
) -> Json:
    """The MedCom Acknowledgement of `received`, as the IG profiles it: header with
    eventCoding acknowledgement-message, response {identifier: the received MessageHeader.id,
    code, details → OperationOutcome unless ok}, sender = the received destination's receiver,
    destination = the received sender; a copy of the received message's Provenance and the
    acknowledgement's own (activity acknowledgement, entity revision → the received header)."""
    header = header_of(received)
    destination = header["destination"][0]
    us = _organization(_by_reference(received, destination["receiver"]["reference"]))
    them = _organization(_by_reference(received, header["sender"]["reference"]))
    ack_header_id = str(uuid.uuid4())
    now = _now()
    response: Json = {"identifier": header["id"], "code": code}
    outcome: Json | None = None
    if code != "ok":
        outcome = {
            "resourceType": "OperationOutcome",
            "id": str(uuid.uuid4()),
            "meta": {"profile": [_ACK + "medcom-acknowledgement-operationoutcome"]},
            "text": _narrative("The message was not accepted"),
            "issue": [
                {
                    "severity": "error",
                    "code": "transient" if code == "transient-error" else "processing",
                    "details": {"text": reason or "refused by the municipality"},
                }
            ],
        }
        response["details"] = {"reference": f"OperationOutcome/{outcome['id']}"}
    ack_header: Json = {
        "resourceType": "MessageHeader",
        "id": ack_header_id,
        "meta": {"profile": [_ACK + "medcom-messaging-acknowledgementHeader"]},
        "text": _narrative(f"Acknowledgement of {header['id']}"),
        "eventCoding": {"system": EVENT_SYSTEM, "code": "acknowledgement-message"},
        "destination": [
            {
                "extension": [
                    {
                        "url": DESTINATION_USE_URL,
                        "valueCoding": {"system": DESTINATION_USE_SYSTEM, "code": "primary"},
                    }
                ],
                "endpoint": header["source"]["endpoint"],
                "receiver": {"reference": f"Organization/{them['id']}"},
            }
        ],
        "sender": {"reference": f"Organization/{us['id']}"},
        "source": {"endpoint": destination["endpoint"]},
        "response": response,
    }
    own_provenance: Json = {
        "resourceType": "Provenance",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [_MESSAGING + "medcom-messaging-provenance"]},
        "text": _narrative("Acknowledgement"),
        "target": [{"reference": f"MessageHeader/{ack_header_id}"}],
        "occurredDateTime": now,
        "recorded": now,
        "activity": {"coding": [{"system": ACTIVITY_SYSTEM, "code": "acknowledgement"}]},
        "agent": [{"who": {"reference": f"Organization/{us['id']}"}}],
        "entity": [{"role": "revision", "what": {"reference": f"MessageHeader/{header['id']}"}}],
    }
    resources = [ack_header, us, them]
    received_provenance = _current_provenance(received)
    if received_provenance is not None:
        copied = copy.deepcopy(received_provenance)
        copied["meta"] = {"profile": [_MESSAGING + "medcom-messaging-provenance"]}
        resources.append(copied)
    resources.append(own_provenance)
    if outcome is not None:
        resources.append(outcome)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [_ACK + "medcom-messaging-acknowledgement"]},
        "type": "message",
        "timestamp": now,
        "entry": [_entry(ACK_BASE, resource) for resource in resources],
    }


def _sor_endpoint(organization: Json) -> str | None:
    for identifier in organization.get("identifier", []):
        if identifier.get("system") == SOR_SYSTEM and isinstance(identifier.get("value"), str):
            return f"{SOR_ENDPOINT}{identifier['value']}"
    return None


def reply_to(received: Json, text: str) -> Json:
    """The municipality's reply to a received CareCommunication (SENDING.md section 8): new
    Bundle/MessageHeader/Communication/Provenance ids, the same thread id
    (Communication.identifier), every earlier segment and one new text segment, the earlier
    Provenances and a current one (reply-message, revision → the received header), sent by
    the received message's receiver to its sender (addressed by its SOR code)."""
    header = header_of(received)
    destination = header["destination"][0]
    us_ref = destination["receiver"]["reference"]
    them_ref = header["sender"]["reference"]
    us_id = _by_reference(received, us_ref)["id"]
    them_id = _by_reference(received, them_ref)["id"]
    old_communication = next(
        r for r in _resources(received) if r["resourceType"] == "Communication"
    )
    now = _now()
    header_id, communication_id, provenance_id = (str(uuid.uuid4()) for _ in range(3))
    segment_id = f"urn:uuid:{uuid.uuid4()}"
    communication = copy.deepcopy(old_communication)
    communication["id"] = communication_id
    communication.pop("recipient", None)  # named someone of ours; the reply has no recipient
    communication["extension"] = [
        ext
        for ext in communication.get("extension", [])
        if not ext["url"].endswith("sender-extension")
    ]
    if not communication["extension"]:
        del communication["extension"]
    communication["payload"] = [
        *communication.get("payload", []),
        {
            "extension": [
                {"url": _CORE + "medcom-core-datetime-extension", "valueDateTime": now},
                {
                    "url": _CORE + "medcom-core-identifier-extension",
                    "valueIdentifier": {
                        "value": segment_id,
                        "assigner": {"reference": f"Organization/{us_id}"},
                    },
                },
            ],
            "contentString": text,
        },
    ]
    reply_header: Json = {
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": {"profile": [_CC + "medcom-careCommunication-messageHeader"]},
        "text": _narrative("CareCommunication reply"),
        "eventCoding": {"system": EVENT_SYSTEM, "code": "care-communication-message"},
        "definition": CC_DEFINITION,
        "destination": [
            {
                "extension": [
                    {
                        "url": DESTINATION_USE_URL,
                        "valueCoding": {"system": DESTINATION_USE_SYSTEM, "code": "primary"},
                    }
                ],
                "endpoint": _sor_endpoint(_by_reference(received, them_ref))
                or header["source"]["endpoint"],
                "receiver": {"reference": f"Organization/{them_id}"},
            }
        ],
        "sender": {"reference": f"Organization/{us_id}"},
        "source": {"endpoint": destination["endpoint"]},
        "focus": [{"reference": f"Communication/{communication_id}"}],
    }
    provenance: Json = {
        "resourceType": "Provenance",
        "id": provenance_id,
        "meta": {"profile": [_CC + "medcom-careCommunication-provenance"]},
        "text": _narrative("Reply"),
        "target": [{"reference": f"MessageHeader/{header_id}"}],
        "occurredDateTime": now,
        "recorded": now,
        "activity": {"coding": [{"system": ACTIVITY_SYSTEM, "code": "reply-message"}]},
        "agent": [{"who": {"reference": f"Organization/{us_id}"}}],
        "entity": [
            {"role": "source", "what": {"identifier": {"value": segment_id}}},
            {"role": "revision", "what": {"reference": f"MessageHeader/{header['id']}"}},
        ],
    }
    kept = [
        copy.deepcopy(resource)
        for resource in _resources(received)
        if resource["resourceType"] in ("Patient", "Organization", "Encounter", "Provenance")
        or (
            resource["resourceType"] in ("PractitionerRole", "Practitioner")
            and "organization" not in resource  # not the recipient role of ours we drop
        )
    ]
    recipient_practitioners = {
        r["practitioner"]["reference"].rsplit("/", 1)[-1]
        for r in _resources(received)
        if r["resourceType"] == "PractitionerRole" and "organization" in r and "practitioner" in r
    }
    kept = [
        r
        for r in kept
        if not (r["resourceType"] == "Practitioner" and r["id"] in recipient_practitioners)
    ]
    resources = [reply_header, communication, *kept, provenance]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [_CC + "medcom-careCommunication-message"]},
        "type": "message",
        "timestamp": now,
        "entry": [_entry(CC_BASE, resource) for resource in resources],
    }


def _write_whole(folder: Path, name: str, body: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.fake.tmp"
    temporary.write_bytes(body)
    os.replace(temporary, folder / name)


class FakeMunicipality:
    """The fake receiver; see the module docstring."""

    def __init__(
        self,
        mode: Mode = "positive",
        *,
        on_acknowledgement: OnAcknowledgement | None = None,
        token: str = TOKEN,
        late_delay: float = 0.2,
        directory: Path | None = None,
        basic: tuple[str, str] | None = None,
    ) -> None:
        self.mode: Mode = mode
        self.on_acknowledgement = on_acknowledgement
        self.token = token
        self.basic = basic
        self.late_delay = late_delay
        self.directory = directory
        self.status: int | None = None
        self.received: list[Json] = []
        self.acknowledgements: list[Json] = []
        self.refused: list[str] = []
        self._pending: set[asyncio.Task[None]] = set()
        self._server: uvicorn.Server | None = None
        self._serving: asyncio.Task[None] | None = None
        self.url = ""

    # -- HTTP --------------------------------------------------------------------------

    async def __aenter__(self) -> FakeMunicipality:
        app = Starlette(routes=[Route("/{path:path}", self._take, methods=["POST"])])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._serving = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._serving.done():
                self._serving.result()
            await asyncio.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}/medcom"
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.settle()
        if self._server is not None and self._serving is not None:
            self._server.should_exit = True
            await self._serving

    async def _take(self, request: Request) -> Response:
        allowed = {f"Bearer {self.token}"}
        if self.basic is not None:
            pair = base64.b64encode(":".join(self.basic).encode()).decode()
            allowed.add(f"Basic {pair}")
        if request.headers.get("authorization") not in allowed:
            self.refused.append("token")
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if self.status is not None:
            return JSONResponse({"error": "as told"}, status_code=self.status)
        if request.headers.get("content-type", "").split(";")[0] != "application/fhir+json":
            self.refused.append("content type")
            return JSONResponse({"error": "content type"}, status_code=415)
        try:
            bundle = json.loads(await request.body())
            header_of(bundle)
        except (ValueError, KeyError, IndexError, AssertionError):
            self.refused.append("not a message")
            return JSONResponse({"error": "not a message"}, status_code=400)
        self.take(bundle)
        return Response(status_code=202)

    # -- both transports ---------------------------------------------------------------

    def take(self, bundle: Json) -> None:
        """Keep a received message and acknowledge it as the mode says."""
        self.received.append(bundle)
        if self.mode == "never":
            return
        task = asyncio.get_running_loop().create_task(self._acknowledge(bundle))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _acknowledge(self, bundle: Json) -> None:
        if self.mode == "late":
            await asyncio.sleep(self.late_delay)
        if self.mode == "negative":
            ack = acknowledgement_for(bundle, "fatal-error", "the receiving unit is unknown")
        elif self.mode == "transient":
            ack = acknowledgement_for(bundle, "transient-error", "the system is unavailable")
        else:
            ack = acknowledgement_for(bundle, "ok")
        self.acknowledgements.append(ack)
        if self.directory is not None:
            body = json.dumps(ack).encode()
            await asyncio.to_thread(_write_whole, self.directory / "in", f"{ack['id']}.json", body)
        if self.on_acknowledgement is not None:
            await self.on_acknowledgement(ack)

    async def settle(self) -> None:
        """Wait until every acknowledgement due so far has been given; raises the first
        failure of handing one over (e.g. the API refusing it)."""
        while self._pending:
            results = await asyncio.gather(*self._pending, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result

    # -- directory ---------------------------------------------------------------------

    async def collect(self) -> int:
        """Take every message in `<directory>/out/` (reading and removing each file, as a
        municipal integration fetching from the drop would); returns how many."""
        assert self.directory is not None, "the fake has no directory"
        out = self.directory / "out"
        taken = 0
        for path in sorted(out.glob("*.json")) if out.is_dir() else []:
            bundle = json.loads(path.read_bytes())
            path.unlink()
            self.take(bundle)
            taken += 1
        return taken


def post_to(client: Any, path: str) -> OnAcknowledgement:
    """An `on_acknowledgement` that POSTs each acknowledgement with `client` (an
    httpx.AsyncClient, e.g. an ASGI one holding an API token) to `path`, and fails the
    test's `settle()` if the API refuses it."""

    async def deliver(ack: Json) -> None:
        response = await client.post(
            path,
            content=json.dumps(ack).encode(),
            headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
        )
        if response.status_code >= 300:
            raise AssertionError(f"the API answered {response.status_code}")

    return deliver
