"""The MedCom transport adapters against the fake municipality, the factory, the settings,
and the fake's own modes (what it answers, and that its messages are FHIR as the IG shapes
them)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle as R4BBundle
from pydantic import SecretStr, ValidationError

from activities.medcom_transport.directory import DirectoryTransport
from activities.medcom_transport.factory import transport_from_settings
from activities.medcom_transport.http import HttpTransport
from activities.medcom_transport.port import OutgoingBundle, TransportError
from hverdagsbro.settings import Settings
from tests.medcom.care_communication_profile import MEDCOM_DEVIATIONS, OUR_RULES, problems
from tests.medcom.fake_municipality import (
    EVENT_SYSTEM,
    TOKEN,
    FakeMunicipality,
    acknowledgement_for,
    header_of,
    reply_to,
)

CARE_COMMUNICATIONS = Path(__file__).parent / "examples" / "carecommunication"
# The standalone new message of MedCom's public examples.
NEW_MESSAGE = "Bundle-3dcb5618-3055-406a-9034-1b8fc8de0fea.json"


def care_communication(name: str = NEW_MESSAGE) -> dict[str, Any]:
    return json.loads((CARE_COMMUNICATIONS / name).read_text())  # type: ignore[no-any-return]


def outgoing(bundle: dict[str, Any] | None = None) -> OutgoingBundle:
    bundle = bundle or care_communication()
    return OutgoingBundle(
        bundle_id=bundle["id"],
        message_header_id=header_of(bundle)["id"],
        receiver_sor=header_of(bundle)["destination"][0]["endpoint"].rsplit("=", 1)[-1],
        body=json.dumps(bundle).encode(),
    )


def by_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.fixture
async def http() -> Any:
    async with httpx.AsyncClient() as client:
        yield client


# -- HTTP adapter ----------------------------------------------------------------------


async def test_http_hands_the_bundle_to_the_gateway_as_fhir_json(http: httpx.AsyncClient) -> None:
    async with FakeMunicipality() as fake:
        bundle = care_communication()
        await HttpTransport(fake.url, http, token=SecretStr(TOKEN)).send(outgoing(bundle))
        await fake.settle()
    assert fake.received == [bundle]
    assert fake.refused == []


async def test_http_5xx_is_worth_another_try(http: httpx.AsyncClient) -> None:
    async with FakeMunicipality() as fake:
        fake.status = 503
        with pytest.raises(TransportError) as caught:
            await HttpTransport(fake.url, http, token=SecretStr(TOKEN)).send(outgoing())
    assert (caught.value.reason, caught.value.retryable) == ("http 503", True)
    assert fake.received == []


@pytest.mark.parametrize("status", [408, 429])
async def test_http_timeout_and_too_many_are_worth_another_try(
    http: httpx.AsyncClient, status: int
) -> None:
    async with FakeMunicipality() as fake:
        fake.status = status
        with pytest.raises(TransportError) as caught:
            await HttpTransport(fake.url, http, token=SecretStr(TOKEN)).send(outgoing())
    assert (caught.value.reason, caught.value.retryable) == (f"http {status}", True)


async def test_http_a_refused_message_is_not_retried(http: httpx.AsyncClient) -> None:
    async with FakeMunicipality() as fake:
        bad = OutgoingBundle(
            bundle_id="b1", message_header_id="h1", receiver_sor="123456", body=b"{not json"
        )
        with pytest.raises(TransportError) as caught:
            await HttpTransport(fake.url, http, token=SecretStr(TOKEN)).send(bad)
    assert (caught.value.reason, caught.value.retryable) == ("http 400", False)
    assert fake.refused == ["not a message"]


async def test_http_a_wrong_token_is_not_retried_and_the_reason_holds_no_secret(
    http: httpx.AsyncClient,
) -> None:
    async with FakeMunicipality() as fake:
        with pytest.raises(TransportError) as caught:
            await HttpTransport(fake.url, http, token=SecretStr("wrong-token")).send(outgoing())
    assert (caught.value.reason, caught.value.retryable) == ("http 401", False)
    assert fake.refused == ["token"]
    assert "wrong-token" not in str(caught.value)


async def test_http_basic_credentials_are_sent(http: httpx.AsyncClient) -> None:
    async with FakeMunicipality(basic=("user", "secret")) as fake:
        transport = HttpTransport(fake.url, http, user="user", password=SecretStr("secret"))
        await transport.send(outgoing())
        wrong = HttpTransport(fake.url, http, user="user", password=SecretStr("guess"))
        with pytest.raises(TransportError) as caught:
            await wrong.send(outgoing())
    assert len(fake.received) == 1
    assert (caught.value.reason, caught.value.retryable) == ("http 401", False)


async def test_http_an_unreachable_gateway_is_worth_another_try(http: httpx.AsyncClient) -> None:
    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/medcom"
        with pytest.raises(TransportError) as caught:
            await HttpTransport(url, http, token=SecretStr(TOKEN)).send(outgoing())
    assert (caught.value.reason, caught.value.retryable) == ("connect error", True)


async def test_http_a_gateway_that_does_not_answer_in_time_is_worth_another_try(
    http: httpx.AsyncClient,
) -> None:
    with socket.socket() as sock:  # listening, never accepting or answering
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/medcom"
        transport = HttpTransport(url, http, token=SecretStr(TOKEN), timeout=0.2)
        with pytest.raises(TransportError) as caught:
            await transport.send(outgoing())
    assert (caught.value.reason, caught.value.retryable) == ("timeout", True)


def test_http_refuses_two_kinds_of_credentials() -> None:
    client = httpx.AsyncClient()
    with pytest.raises(ValueError, match="not both"):
        HttpTransport("http://x", client, token=SecretStr("t"), user="u", password=SecretStr("p"))
    with pytest.raises(ValueError, match="needs a password"):
        HttpTransport("http://x", client, user="u")


# -- directory adapter -------------------------------------------------------------------


async def test_directory_writes_the_whole_bundle_under_its_id(tmp_path: Path) -> None:
    bundle = care_communication()
    await DirectoryTransport(tmp_path).send(outgoing(bundle))
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{bundle['id']}.json"]
    assert json.loads((tmp_path / "out" / f"{bundle['id']}.json").read_bytes()) == bundle


async def test_directory_the_same_bundle_twice_is_the_same_file(tmp_path: Path) -> None:
    transport = DirectoryTransport(tmp_path)
    message = outgoing()
    await transport.send(message)
    await transport.send(message)
    assert [p.read_bytes() for p in (tmp_path / "out").iterdir()] == [message.body]


async def test_directory_readers_never_see_a_partial_file(tmp_path: Path) -> None:
    """While big files are written, every *.json a reader finds is whole JSON."""
    transport = DirectoryTransport(tmp_path)
    big = care_communication()
    big["padding"] = "x" * 2_000_000
    writes = [
        transport.send(
            OutgoingBundle(
                bundle_id=f"b{i}",
                message_header_id=f"h{i}",
                receiver_sor="123456",
                body=json.dumps(big).encode(),
            )
        )
        for i in range(8)
    ]
    seen = 0

    async def read_while_writing() -> None:
        nonlocal seen
        while not all(task.done() for task in tasks):
            for path in (tmp_path / "out").glob("*.json"):
                json.loads(path.read_bytes())  # never half a file
                seen += 1
            await asyncio.sleep(0)

    tasks = [asyncio.ensure_future(w) for w in writes]
    await asyncio.gather(read_while_writing(), *tasks)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"b{i}.json" for i in range(8)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
async def test_directory_an_unwritable_folder_is_a_transport_error(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out").chmod(0o500)
    try:
        with pytest.raises(TransportError) as caught:
            await DirectoryTransport(tmp_path).send(outgoing())
    finally:
        (tmp_path / "out").chmod(0o700)
    assert (caught.value.reason, caught.value.retryable) == ("directory not writable", True)
    assert list((tmp_path / "out").iterdir()) == []


async def test_directory_a_folder_nobody_may_create_is_a_transport_error() -> None:
    """/proc takes no new folders, not even from root (the tests may run as root)."""
    with pytest.raises(TransportError) as caught:
        await DirectoryTransport(Path("/proc/hverdagsbro-medcom")).send(outgoing())
    assert caught.value.reason.startswith("directory") and caught.value.retryable


async def test_directory_a_folder_that_is_a_file_is_a_transport_error(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(TransportError) as caught:
        await DirectoryTransport(tmp_path).send(outgoing())
    assert caught.value.reason.startswith("directory error")


async def test_directory_refuses_an_id_that_would_leave_the_folder(tmp_path: Path) -> None:
    message = OutgoingBundle(
        bundle_id="../escape", message_header_id="h", receiver_sor="123456", body=b"{}"
    )
    with pytest.raises(TransportError) as caught:
        await DirectoryTransport(tmp_path / "medcom").send(message)
    assert caught.value.retryable is False
    assert list(tmp_path.iterdir()) == []


async def test_directory_messages_reach_the_fake_and_its_acknowledgement_comes_back_in(
    tmp_path: Path,
) -> None:
    bundle = care_communication()
    await DirectoryTransport(tmp_path).send(outgoing(bundle))
    fake = FakeMunicipality(directory=tmp_path)
    assert await fake.collect() == 1
    await fake.settle()
    assert fake.received == [bundle]
    assert list((tmp_path / "out").iterdir()) == []
    (answer,) = (tmp_path / "in").iterdir()
    ack = json.loads(answer.read_bytes())
    assert answer.name == f"{ack['id']}.json"
    assert header_of(ack)["response"] == {"identifier": header_of(bundle)["id"], "code": "ok"}


# -- factory and settings ----------------------------------------------------------------


def test_factory_builds_what_the_settings_say(tmp_path: Path) -> None:
    client = httpx.AsyncClient()
    http = Settings(
        medcom_transport="http",
        medcom_gateway_url="https://gateway.example/medcom",
        medcom_gateway_token="t",
    )
    made = transport_from_settings(http, client)
    assert isinstance(made, HttpTransport) and made.url == "https://gateway.example/medcom"
    directory = Settings(medcom_transport="directory", medcom_directory=tmp_path)
    made_dir = transport_from_settings(directory, client)
    assert isinstance(made_dir, DirectoryTransport) and made_dir.root == tmp_path
    assert transport_from_settings(Settings(medcom_transport="none"), client) is None


def test_settings_default_to_a_directory_in_development_and_none_in_production(
    tmp_path: Path,
) -> None:
    dev = Settings(environment="development", data_dir=tmp_path)
    assert (dev.medcom_transport, dev.medcom_directory) == ("directory", tmp_path / "medcom")
    prod = Settings(environment="production", data_dir=tmp_path)
    assert (prod.medcom_transport, prod.medcom_directory) == ("none", None)


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        ({"medcom_transport": "http"}, "medcom_gateway_url", "required"),
        (
            {"medcom_transport": "http", "medcom_gateway_url": "gateway.example"},
            "medcom_gateway_url",
            "should match",
        ),
        (
            {"environment": "production", "medcom_transport": "directory"},
            "medcom_directory",
            "required",
        ),
        ({"medcom_gateway_user": "u"}, "medcom_gateway_password", "together"),
        (
            {
                "medcom_gateway_token": "t",
                "medcom_gateway_user": "u",
                "medcom_gateway_password": "p",
            },
            "medcom_gateway_password",
            "not both",
        ),
        ({"medcom_transport": "pigeon"}, "medcom_transport", "should be"),
    ],
)
def test_settings_refuse_an_incomplete_transport(
    values: dict[str, str], field: str, says: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)  # type: ignore[arg-type]
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert says in error["msg"]


# -- the fake's modes and messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("positive", "ok"),
        ("negative", "fatal-error"),
        ("transient", "transient-error"),
        ("late", "ok"),
    ],
)
async def test_the_fake_acknowledges_as_its_mode_says(
    http: httpx.AsyncClient, mode: Any, code: str
) -> None:
    given: list[dict[str, Any]] = []

    async def on_acknowledgement(ack: dict[str, Any]) -> None:
        given.append(ack)

    bundle = care_communication()
    async with FakeMunicipality(mode, on_acknowledgement=on_acknowledgement) as fake:
        await HttpTransport(fake.url, http, token=SecretStr(TOKEN)).send(outgoing(bundle))
        if mode == "late":
            assert given == []  # the answer is due later, not with the 202
        await fake.settle()
    (ack,) = given
    assert fake.acknowledgements == given
    header = header_of(ack)
    received = header_of(bundle)
    assert header["eventCoding"] == {"system": EVENT_SYSTEM, "code": "acknowledgement-message"}
    assert header["response"]["identifier"] == received["id"]
    assert header["response"]["code"] == code
    assert header["sender"] == received["destination"][0]["receiver"]
    assert header["destination"][0]["receiver"] == received["sender"]
    assert header["destination"][0]["endpoint"] == received["source"]["endpoint"]
    outcomes = by_type(ack, "OperationOutcome")
    if code == "ok":
        assert outcomes == [] and "details" not in header["response"]
    else:
        (outcome,) = outcomes
        assert header["response"]["details"] == {"reference": f"OperationOutcome/{outcome['id']}"}
        assert outcome["issue"][0]["severity"] == "error"
    own, copied = sorted(
        by_type(ack, "Provenance"),
        key=lambda p: p["activity"]["coding"][0]["code"] != "acknowledgement",
    )
    assert own["target"] == [{"reference": f"MessageHeader/{header['id']}"}]
    assert own["entity"] == [
        {"role": "revision", "what": {"reference": f"MessageHeader/{received['id']}"}}
    ]
    assert copied["target"][0]["reference"].endswith(f"MessageHeader/{received['id']}")
    R4BBundle.model_validate(ack)


async def test_the_fake_in_never_mode_takes_the_message_and_stays_silent(
    http: httpx.AsyncClient,
) -> None:
    given: list[dict[str, Any]] = []

    async def on_acknowledgement(ack: dict[str, Any]) -> None:
        given.append(ack)

    async with FakeMunicipality("never", on_acknowledgement=on_acknowledgement) as fake:
        await HttpTransport(fake.url, http, token=SecretStr(TOKEN)).send(outgoing())
        await fake.settle()
    assert len(fake.received) == 1
    assert given == [] and fake.acknowledgements == []


def test_the_fake_acknowledges_every_public_care_communication_example() -> None:
    for path in sorted(CARE_COMMUNICATIONS.glob("Bundle-*.json")):
        bundle = json.loads(path.read_text())
        ack = acknowledgement_for(bundle, "fatal-error", "why")
        R4BBundle.model_validate(ack)
        assert header_of(ack)["response"]["identifier"] == header_of(bundle)["id"]


def test_the_fakes_reply_continues_the_thread_back_to_the_sender() -> None:
    bundle = care_communication()
    reply = reply_to(bundle, "Tak, vi kommer tirsdag.")
    R4BBundle.model_validate(reply)
    header, received = header_of(reply), header_of(bundle)
    assert header["eventCoding"]["code"] == "care-communication-message"
    assert reply["id"] != bundle["id"] and header["id"] != received["id"]
    assert header["destination"][0]["receiver"] == received["sender"]
    assert header["sender"] == received["destination"][0]["receiver"]
    (old,) = by_type(bundle, "Communication")
    (new,) = by_type(reply, "Communication")
    assert new["identifier"] == old["identifier"]
    assert new["payload"][:-1] == old["payload"]
    assert new["payload"][-1]["contentString"] == "Tak, vi kommer tirsdag."
    current = next(
        p
        for p in by_type(reply, "Provenance")
        if p["target"] == [{"reference": f"MessageHeader/{header['id']}"}]
    )
    assert current["activity"]["coding"][0]["code"] == "reply-message"
    assert {"role": "revision", "what": {"reference": f"MessageHeader/{received['id']}"}} in (
        current["entity"]
    )
    assert len(by_type(reply, "Provenance")) == len(by_type(bundle, "Provenance")) + 1
    references = {
        value
        for resource in (e["resource"] for e in reply["entry"])
        for value in _references(resource)
    }
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in reply["entry"]}
    outside = {r for r in references - present if r.startswith("MessageHeader/")}
    assert references - present == outside  # only history links point outside the bundle


@pytest.mark.parametrize(
    "path", sorted(CARE_COMMUNICATIONS.glob("Bundle-*.json")), ids=lambda p: p.name[7:15]
)
def test_the_fakes_reply_to_every_public_example_is_a_well_formed_care_communication(
    path: Path,
) -> None:
    """Checked by the independent CareCommunication checker; the only problems left are
    what the reply carries over from MedCom's example (its CPR in narratives, its own
    documented deviations)."""
    reply = reply_to(json.loads(path.read_text()), "Tak for beskeden.")
    carried_over = OUR_RULES | MEDCOM_DEVIATIONS.get(path.name, frozenset())
    assert problems(reply, skip=carried_over) == []


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []
