"""The directory pick-up against the running API app: messages dropped into in/ reach the API
as from a gateway, their Acknowledgements come back in out/, and each file ends in done/ or
failed/ (or waits in in/ while the API cannot take it)."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from command.cli import cli
from command.medcom_pickup import MedcomPickup, _DevelopmentToken, api_url
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from tests.api.conftest import TokenCaller, api_app, as_token  # noqa: F401 - the API setup
from tests.api.test_medcom_api import as_new_message, fresh_cpr, from_sender, with_cpr
from tests.medcom.bundles import _load, example_files, short_name
from tests.medcom.fake_municipality import (
    FakeMunicipality,
    acknowledgement_for,
    header_of,
    post_to,
)
from tests.medcom.test_transport import CARE_COMMUNICATIONS, NEW_MESSAGE

ACK_EVENT = "acknowledgement-message"


def admission(ward_sor: str, cpr: str) -> dict[str, Any]:
    """MedCom's admission example as a new message from the ward with this SOR code."""
    path = next(p for p in example_files() if short_name(p).startswith("a5e5"))
    return from_sender(with_cpr(as_new_message(_load(path)), cpr), ward_sor)


def drop(root: Path, bundle: dict[str, Any] | bytes, name: str | None = None) -> Path:
    """Put a message into in/ as the other side would (whole)."""
    body = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
    if name is None:
        name = f"{bundle['id']}.json" if isinstance(bundle, dict) else f"{uuid.uuid4()}.json"
    (root / "in").mkdir(parents=True, exist_ok=True)
    path = root / "in" / name
    path.write_bytes(body)
    return path


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def acknowledgements(root: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_bytes()) for p in sorted((root / "out").glob("*.json"))]


@pytest.fixture
async def gateway(as_token: TokenCaller, db_pool: DatabasePool) -> tuple[httpx.AsyncClient, str]:  # noqa: F811
    """An API client holding a MedCom gateway token bound to a fresh ward; its SOR code."""
    roster = await make_roster(db_pool, peers=0)
    return await as_token("medcom_gateway", sor_codes=[roster.ward_sor]), roster.ward_sor


async def test_a_hospital_notification_is_delivered_and_its_acknowledgement_written_to_out(
    tmp_path: Path, gateway: tuple[httpx.AsyncClient, str]
) -> None:
    client, ward_sor = gateway
    cpr = fresh_cpr()
    bundle = admission(ward_sor, cpr)
    drop(tmp_path, bundle)

    done = await MedcomPickup(tmp_path, client).run_once()

    assert done.done == [f"{bundle['id']}.json"] and done.failed == [] and done.stopped is None
    assert names(tmp_path / "in") == []
    assert names(tmp_path / "done") == [f"{bundle['id']}.json"]
    (ack,) = acknowledgements(tmp_path)
    assert names(tmp_path / "out") == [f"{ack['id']}.json"]
    header = header_of(ack)
    assert header["eventCoding"]["code"] == ACK_EVENT
    assert header["response"]["identifier"] == header_of(bundle)["id"]
    assert header["response"]["code"] == "ok"
    assert cpr not in (tmp_path / "out" / f"{ack['id']}.json").read_text()


async def test_a_file_posted_again_after_a_crash_gives_the_same_acknowledgement_file(
    tmp_path: Path, gateway: tuple[httpx.AsyncClient, str]
) -> None:
    """A crash between the POST and the move leaves the file in in/: the next round posts it
    again and the API's answer to the repeat is the same Acknowledgement, in the same file."""
    client, ward_sor = gateway
    bundle = admission(ward_sor, fresh_cpr())
    pickup = MedcomPickup(tmp_path, client)
    drop(tmp_path, bundle)
    await pickup.run_once()
    (first,) = acknowledgements(tmp_path)

    drop(tmp_path, bundle)  # as if the move had not happened
    again = await pickup.run_once()

    assert again.done == [f"{bundle['id']}.json"]
    (second,) = acknowledgements(tmp_path)  # the same file, written again
    assert second["id"] == first["id"]
    assert header_of(second)["id"] == header_of(first)["id"]
    assert header_of(second)["response"] == header_of(first)["response"]
    assert names(tmp_path / "done") == [f"{bundle['id']}.json"]


async def test_a_refused_notification_gets_its_fatal_error_acknowledgement_and_fails(
    tmp_path: Path, gateway: tuple[httpx.AsyncClient, str]
) -> None:
    """A message from a sender the token does not speak for is refused for good."""
    client, _ = gateway
    bundle = admission("999999999999999", fresh_cpr())
    drop(tmp_path, bundle)

    done = await MedcomPickup(tmp_path, client).run_once()

    assert done.failed == [f"{bundle['id']}.json"]
    assert names(tmp_path / "failed") == [f"{bundle['id']}.json"]
    (ack,) = acknowledgements(tmp_path)
    assert header_of(ack)["response"]["code"] == "fatal-error"
    assert header_of(ack)["response"]["identifier"] == header_of(bundle)["id"]


async def test_a_broken_file_goes_to_failed_and_is_not_acknowledged(
    tmp_path: Path, gateway: tuple[httpx.AsyncClient, str]
) -> None:
    client, _ = gateway
    drop(tmp_path, b'{"resourceType": "Bundle", "entry": [', name="broken.json")
    drop(tmp_path, {"resourceType": "Bundle", "id": "no-header", "entry": []})

    done = await MedcomPickup(tmp_path, client).run_once()

    assert sorted(done.failed) == ["broken.json", "no-header.json"]
    assert names(tmp_path / "failed") == ["broken.json", "no-header.json"]
    assert names(tmp_path / "in") == [] and names(tmp_path / "out") == []


async def test_an_event_we_do_not_take_fails_with_a_fatal_error_acknowledgement(
    tmp_path: Path, gateway: tuple[httpx.AsyncClient, str]
) -> None:
    client, ward_sor = gateway
    bundle = admission(ward_sor, fresh_cpr())
    header_of(bundle)["eventCoding"]["code"] = "empty-message"
    drop(tmp_path, bundle)

    done = await MedcomPickup(tmp_path, client, our_sor="123456789012345").run_once()

    assert done.failed == [f"{bundle['id']}.json"]
    (ack,) = acknowledgements(tmp_path)
    assert header_of(ack)["response"]["code"] == "fatal-error"
    assert header_of(ack)["response"]["identifier"] == header_of(bundle)["id"]


async def test_an_acknowledgement_is_never_acknowledged(
    tmp_path: Path, gateway: tuple[httpx.AsyncClient, str]
) -> None:
    """The fake municipality's acknowledgement of a message we never sent: refused by the
    API, moved to failed/, and nothing is written to out/ for it."""
    client, _ = gateway
    never_sent = json.loads((CARE_COMMUNICATIONS / NEW_MESSAGE).read_text())
    ack = acknowledgement_for(never_sent, "ok")
    drop(tmp_path, ack)

    done = await MedcomPickup(tmp_path, client).run_once()

    assert done.failed == [f"{ack['id']}.json"]
    assert names(tmp_path / "out") == []


async def test_the_fakes_directory_acknowledgement_is_picked_up_and_posted(
    tmp_path: Path, gateway: tuple[httpx.AsyncClient, str]
) -> None:
    """The fake municipality writes its acknowledgement into in/; the pick-up takes it from
    there to the acknowledgements endpoint (which refuses one for a message we never sent)."""
    client, _ = gateway
    never_sent = json.loads((CARE_COMMUNICATIONS / NEW_MESSAGE).read_text())
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / f"{never_sent['id']}.json").write_text(json.dumps(never_sent))
    fake = FakeMunicipality("negative", directory=tmp_path)
    await fake.collect()
    await fake.settle()
    (answer,) = names(tmp_path / "in")

    done = await MedcomPickup(tmp_path, client).run_once()

    assert done.failed == [answer] and names(tmp_path / "failed") == [answer]


async def test_while_the_api_is_away_files_wait_in_in(
    tmp_path: Path, gateway: tuple[httpx.AsyncClient, str]
) -> None:
    _, ward_sor = gateway
    first = drop(tmp_path, admission(ward_sor, fresh_cpr()))
    second = drop(tmp_path, admission(ward_sor, fresh_cpr()))
    with socket.socket() as sock:  # bound, never listening: nobody answers there
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=url) as away:
            done = await MedcomPickup(tmp_path, away).run_once()

    assert done.stopped == "connect error"
    assert sorted(done.waiting) == sorted([first.name, second.name])
    assert names(tmp_path / "in") == sorted([first.name, second.name])
    assert names(tmp_path / "done") == [] and names(tmp_path / "out") == []


async def test_a_refused_token_leaves_the_files_waiting(
    tmp_path: Path,
    api_app: Any,  # noqa: F811
    gateway: tuple[httpx.AsyncClient, str],
) -> None:
    _, ward_sor = gateway
    path = drop(tmp_path, admission(ward_sor, fresh_cpr()))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app),
        base_url="http://test",
        headers={"Authorization": "Bearer hb_not-a-token"},
    ) as stranger:
        done = await MedcomPickup(tmp_path, stranger).run_once()

    assert done.stopped == "http 401"
    assert names(tmp_path / "in") == [path.name]


async def test_the_development_stack_makes_its_own_token_for_whoever_is_in_the_roster(
    tmp_path: Path,
    api_app: Any,  # noqa: F811
    db_pool: DatabasePool,
) -> None:
    """`hverdagsbro dev` needs no configured token: its pick-up makes one and binds it to
    every organisation, also to one added after the stack started (the demo's)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app), base_url="http://test"
    ) as client:
        token = _DevelopmentToken(db_pool, client)
        pickup = MedcomPickup(tmp_path, client, before_delivery=token.refresh)
        assert (await pickup.run_once()).done == []  # nothing in in/: no token made
        assert token.token_id is None

        first = drop(
            tmp_path, admission((await make_roster(db_pool, peers=0)).ward_sor, fresh_cpr())
        )
        assert (await pickup.run_once()).done == [first.name]
        made = token.token_id
        assert made is not None

        ward = (await make_roster(db_pool, peers=0)).ward_sor
        later = drop(tmp_path, admission(ward, fresh_cpr()))
        assert (await pickup.run_once()).done == [later.name]
        newer = token.token_id
        assert newer != made, "a new organisation: a new token"
        again = drop(tmp_path, admission(ward, fresh_cpr()))
        assert (await pickup.run_once()).done == [again.name]
        assert token.token_id == newer, "no new organisation: the same token"
    assert len(acknowledgements(tmp_path)) == 3


async def test_the_fakes_acknowledgement_posted_to_the_api_fails_settle_when_refused(
    gateway: tuple[httpx.AsyncClient, str],
) -> None:
    """`post_to` wires the fake's HTTP acknowledgements to our API; one the API refuses (for
    a message we never sent) surfaces in the test's `settle()`."""
    client, _ = gateway
    never_sent = json.loads((CARE_COMMUNICATIONS / NEW_MESSAGE).read_text())
    fake = FakeMunicipality(on_acknowledgement=post_to(client, "/api/medcom/acknowledgements"))
    fake.take(never_sent)
    with pytest.raises(AssertionError, match="the API answered 4"):
        await fake.settle()
    assert len(fake.acknowledgements) == 1


def test_the_api_url_defaults_to_the_local_api() -> None:
    assert api_url(None, "0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert api_url(None, "::", 8000) == "http://[::1]:8000"
    assert api_url("https://api.example/", "0.0.0.0", 8000) == "https://api.example"


def test_the_command_says_which_setting_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HVERDAGSBRO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HVERDAGSBRO_MEDCOM_PICKUP_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["medcom-pickup", "--once"])
    assert result.exit_code == 1
    assert "HVERDAGSBRO_MEDCOM_PICKUP_TOKEN: required" in result.output
