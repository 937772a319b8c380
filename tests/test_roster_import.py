"""`hverdagsbro roster import|export` as a coordinator uses it: a good JSON or CSV roster goes in
once, a bad one is refused with every problem named by place and field and changes nothing,
an export imports back unchanged, and no name or e-mail address is ever printed or logged."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from command.cli import cli
from command.database import ensure_database, migrate_and_seed
from command.demo import demo_roster
from db.pool import DatabasePool, create_pool
from hverdagsbro.settings import PROJECT_ROOT
from schemas.roster_file import MAX_FILE_BYTES, RosterFile
from tests.test_cli import logging_put_back  # noqa: F401 (autouse: logging put back after a command)

DEMO_FILE = PROJECT_ROOT / "db" / "reference" / "demo_roster.json"
_TABLES = (
    "partnerships",
    "organisations",
    "partnership_members",
    "municipalities",
    "wards",
    "users",
    "peers",
    "peer_trainings",
    "peer_absences",
    "supervision_groups",
    "supervision_members",
)


@pytest.fixture
async def roster_db(fresh_database_url: str) -> AsyncIterator[tuple[str, DatabasePool]]:
    """A migrated database of its own, with the programme catalogue, and a pool on it."""
    await ensure_database(fresh_database_url)
    await migrate_and_seed(fresh_database_url)
    pool = await create_pool(fresh_database_url, give_up_after=10.0, max_size=2)
    try:
        yield fresh_database_url, pool
    finally:
        await pool.close()


async def hverdagsbro(database_url: str, *args: str) -> Result:
    """The command in this process, logging everything as JSON into its output."""
    env = {
        "HVERDAGSBRO_DATABASE_URL": database_url,
        "HVERDAGSBRO_LOG_FORMAT": "json",
        "HVERDAGSBRO_LOG_LEVEL": "DEBUG",
    }
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)


def demo_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return document


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


async def snapshot(pool: DatabasePool) -> dict[str, tuple[int, str]]:
    """Each roster table's row count and a digest of its rows."""
    state = {}
    for table in _TABLES:
        row = await pool.fetchrow(
            f"SELECT count(*) AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
            f" AS digest FROM {table} t"
        )
        assert row is not None
        state[table] = (row["n"], row["digest"])
    return state


def in_order(document: dict[str, Any]) -> dict[str, Any]:
    """The document as read (defaults filled in), each list of entries in one order."""
    read = RosterFile.model_validate(document).model_dump(mode="json")
    return read | {
        section: sorted(read[section], key=lambda entry: json.dumps(entry, sort_keys=True))
        for section in ("organisations", "municipalities", "wards", "users", "supervision_groups")
    }


def index_of(problem: str) -> int:
    """users[12].peer… -> 12"""
    return int(problem.split("[", 1)[1].split("]", 1)[0])


def problems_of(result: Result) -> list[str]:
    """The lines the command printed for the user (its JSON log lines left out)."""
    return [line for line in result.stderr.splitlines() if not line.startswith("{")]


def personal_data(document: dict[str, Any]) -> list[str]:
    """Every name, e-mail address and phone number in a roster document."""
    found = []
    for user in document["users"]:
        found += [user["display_name"], user.get("email"), user.get("phone")]
        found += user["display_name"].split()
    return [value for value in found if value and len(value) > 3]


def assert_private(result: Result, document: dict[str, Any]) -> None:
    for value in personal_data(document):
        assert value not in result.output, "no name, e-mail or phone in the output or the logs"


async def test_the_demo_roster_imports_as_json_and_a_second_import_changes_nothing(
    roster_db: tuple[str, DatabasePool], tmp_path: Path
) -> None:
    url, pool = roster_db
    file = write(tmp_path, "roster.json", json.dumps(demo_document()))

    first = await hverdagsbro(url, "roster", "import", file)
    assert first.exit_code == 0, first.output
    assert "Imported partnership demo-capital: 6 organisation(s), 23 user(s) (5 peer(s))" in (
        first.stdout
    )
    assert await pool.fetchval("SELECT count(*) FROM peers") == 5
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM partnership_members WHERE partnership_id = 'demo-capital'"
        )
        == 6
    )
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM peer_trainings WHERE peer_id = 'peer-demo-dennis'"
        )
        == 4
    )
    assert (
        await pool.fetchval(
            "SELECT supervisor_id FROM supervision_groups WHERE group_id = 'demo-volunteers'"
        )
        == "coord-demo-patients"
    )
    assert await pool.fetchval("SELECT count(*) FROM users WHERE password_hash IS NOT NULL") == 0, (
        "an import sets no passwords"
    )
    offerable = {
        (r["peer_id"], r["programme"])
        for r in await pool.fetch("SELECT peer_id, programme FROM offerable_peer_programmes")
    }
    assert ("peer-demo-cecilie", "peer-guide-sind") in offerable
    assert not any(peer == "peer-demo-emil" for peer, _ in offerable), "emil is untrained"
    assert_private(first, demo_document())

    await pool.execute("UPDATE peers SET active_load = 2 WHERE peer_id = 'peer-demo-dennis'")
    before = await snapshot(pool)
    again = await hverdagsbro(url, "roster", "import", file)
    assert again.exit_code == 0, again.output
    assert "; 0 row(s) added or changed." in again.stdout
    assert await snapshot(pool) == before, "the same file again changes nothing"
    assert (
        await pool.fetchval("SELECT active_load FROM peers WHERE peer_id = 'peer-demo-dennis'") == 2
    ), "a peer keeps the episodes they carry"


async def test_a_csv_of_peers_adds_and_updates_the_partnerships_peers(
    roster_db: tuple[str, DatabasePool], tmp_path: Path
) -> None:
    url, pool = roster_db
    assert (await hverdagsbro(url, "roster", "import", str(DEMO_FILE))).exit_code == 0
    csv = (
        "user_id,display_name,email,organisation_id,employment,capacity,languages,programmes,"
        "municipalities,trainings,absences,supervision_groups\n"
        "peer-demo-fie,Fie Fiktiv,fie.fiktiv@example.org,demo-netvaerk,volunteer,2,da;en,"
        "bro-til-hverdagslivet,101;147,peer-basic:2026-05-04:Demo Network House,"
        "2027-01-04:2027-01-15:holiday,demo-volunteers\n"
        "peer-demo-anna,Anna Demodatter,anna.demodatter@example.org,demo-kk,employed,6,da,"
        "municipal-peer-support,101,peer-basic:2025-09-12:Demo Peer Academy,,\n"
    )
    file = write(tmp_path, "peers.csv", csv)

    result = await hverdagsbro(url, "roster", "import", file)

    assert result.exit_code == 0, result.output
    assert "2 user(s) (2 peer(s))" in result.stdout
    fie = await pool.fetchrow("SELECT * FROM peers WHERE peer_id = 'peer-demo-fie'")
    assert fie is not None
    assert (fie["capacity"], fie["languages"], fie["municipalities"]) == (
        2,
        ["da", "en"],
        ["101", "147"],
    )
    assert (
        await pool.fetchval("SELECT kind FROM peer_absences WHERE peer_id = 'peer-demo-fie'")
        == "holiday"
    )
    assert (
        await pool.fetchval(
            "SELECT group_id FROM supervision_members WHERE peer_id = 'peer-demo-fie'"
        )
        == "demo-volunteers"
    )
    assert await pool.fetchval("SELECT capacity FROM peers WHERE peer_id = 'peer-demo-anna'") == 6
    assert (
        await pool.fetchval("SELECT count(*) FROM peer_trainings WHERE peer_id = 'peer-demo-anna'")
        == 1
    ), "the same training is not recorded twice"
    assert "Fie" not in result.output and "fie.fiktiv" not in result.output


async def test_a_json_file_with_many_mistakes_lists_each_by_path_and_changes_nothing(
    roster_db: tuple[str, DatabasePool], tmp_path: Path
) -> None:
    url, pool = roster_db
    assert (await hverdagsbro(url, "roster", "import", str(DEMO_FILE))).exit_code == 0
    document = demo_document()
    peers = {u["user_id"]: u for u in document["users"] if "peer" in u}
    peers["peer-demo-anna"]["peer"]["capacity"] = -1
    peers["peer-demo-bo"]["peer"]["trainings"][0]["completed_on"] = "2025-02-30"
    peers["peer-demo-cecilie"]["peer"]["absences"] = [
        {"starts_on": "2027-03-10", "ends_on": "2027-03-01"}
    ]
    peers["peer-demo-dennis"]["peer"]["employment"] = "freelance"
    peers["peer-demo-emil"]["peer"]["programmes"] = ["peer-guide-sind", "no-such-programme"]
    index = {u["user_id"]: i for i, u in enumerate(document["users"])}
    # The volunteers' supervisor is refused; the group naming them is not refused for it.
    document["users"][index["coord-demo-patients"]]["email"] = "Palle at example.org"
    file = write(tmp_path, "bad.json", json.dumps(document))
    before = await snapshot(pool)

    result = await hverdagsbro(url, "roster", "import", file)

    assert result.exit_code == 1
    problems = problems_of(result)
    expected = [
        f"users[{index['peer-demo-anna']}].peer.capacity: Input should be greater than or equal",
        f"users[{index['peer-demo-bo']}].peer.trainings[0].completed_on: Input should be a"
        " valid date",
        f"users[{index['peer-demo-cecilie']}].peer.absences[0]: Value error, ends_on: the"
        " absence ends before it starts",
        f"users[{index['peer-demo-dennis']}].peer.employment: Input should be 'employed' or"
        " 'volunteer'",
        f"users[{index['peer-demo-emil']}].peer.programmes[1]: no such active programme",
        f"users[{index['coord-demo-patients']}].email: String should match pattern",
    ]
    assert problems[:-1] == sorted(problems[:-1], key=index_of), "in the file's order"
    for start in expected:
        assert sum(line.startswith(start) for line in problems) == 1, (start, problems)
    assert problems[-1] == f"Refused: {len(expected)} problem(s); nothing was changed."
    assert "ends before it starts" in result.stderr
    assert await snapshot(pool) == before
    assert_private(result, document)


async def test_a_file_that_breaks_the_roster_rules_lists_every_rule_and_changes_nothing(
    roster_db: tuple[str, DatabasePool], tmp_path: Path
) -> None:
    url, pool = roster_db
    assert (await hverdagsbro(url, "roster", "import", str(DEMO_FILE))).exit_code == 0
    document = demo_document()
    users = document["users"]
    index = {u["user_id"]: i for i, u in enumerate(users)}
    anna = users[index["peer-demo-anna"]]["peer"]
    anna["programmes"] = ["municipal-peer-support", "peer-guide-sind", "no-such-programme"]
    anna["trainings"].append(
        {"course": "juggling", "completed_on": "2025-01-01", "trained_by": "X"}
    )
    users[index["peer-demo-bo"]]["peer"]["municipalities"] = ["147", "999"]
    users[index["peer-demo-emil"]]["peer"]["supervision_groups"] = ["no-such-group"]
    users.append(dict(users[index["coord-demo-kk"]]))
    document["wards"][0]["organisation_id"] = "not-a-member"
    file = write(tmp_path, "rules.json", json.dumps(document))
    before = await snapshot(pool)

    result = await hverdagsbro(url, "roster", "import", file)

    assert result.exit_code == 1
    problems = problems_of(result)
    a = index["peer-demo-anna"]
    assert problems[:-1] == [
        "wards[0].organisation_id: not one of the organisations in the file's partnership",
        f"users[{a}].peer.programmes[1]: programme peer-guide-sind is carried only by volunteer"
        " peers of ngo, association organisations (its carried_by rule); this peer is employed"
        " in an organisation of kind municipality",
        f"users[{a}].peer.programmes[2]: no such active programme",
        f"users[{a}].peer.trainings[1].course: no such training course",
        f"users[{index['peer-demo-bo']}].peer.municipalities[1]: no such municipality",
        f"users[{index['peer-demo-emil']}].peer.supervision_groups[0]: no such supervision group",
        f"users[{len(users) - 1}].user_id: the same id as an earlier entry",
    ]
    assert problems[-1] == "Refused: 7 problem(s); nothing was changed."
    assert await snapshot(pool) == before
    assert_private(result, document)


async def test_a_bad_csv_names_the_line_and_column_of_each_problem(
    roster_db: tuple[str, DatabasePool], tmp_path: Path
) -> None:
    url, pool = roster_db
    assert (await hverdagsbro(url, "roster", "import", str(DEMO_FILE))).exit_code == 0
    csv = (
        "user_id,display_name,email,organisation_id,employment,capacity,programmes,trainings\n"
        "peer-demo-gry,Gry Gæt,gry@example.org,demo-kk,employed,2,peer-guide-sind,\n"
        "peer-demo-hans,Hans Hypotese,hans@example.org,demo-netvaerk,volunteer,lots,,"
        "peer-basic:2025-13-01:Demo\n"
        "peer-demo-ida,Ida Idé,not-an-email,demo-patients,volunteer,1,,peer-basic 2025\n"
    )
    file = write(tmp_path, "bad.csv", csv)
    before = await snapshot(pool)

    result = await hverdagsbro(url, "roster", "import", "--partnership", "demo-capital", file)

    assert result.exit_code == 1
    assert problems_of(result) == [
        "line 4, trainings (entry 1): not course:YYYY-MM-DD:trained_by",
        "Refused: 1 problem(s); nothing was changed.",
    ], "an entry that cannot be split is named before the fields are checked"

    file = write(tmp_path, "bad.csv", csv.replace("peer-basic 2025", ""))
    result = await hverdagsbro(url, "roster", "import", file)
    problems = problems_of(result)
    assert [p.split(":")[0] for p in problems[:-1]] == [
        "line 2, programmes (entry 1)",
        "line 3, capacity",
        "line 3, trainings (entry 1) completed_on",
        "line 4, email",
    ]
    file = write(
        tmp_path,
        "bad.csv",
        csv.replace("lots", "1")
        .replace("2025-13-01", "2025-12-01")
        .replace("not-an-email", "ida@example.org")
        .replace("peer-basic 2025", ""),
    )
    result = await hverdagsbro(url, "roster", "import", file)
    assert problems_of(result)[0].startswith(
        "line 2, programmes (entry 1): programme peer-guide-sind is carried only by volunteer"
    )
    assert await snapshot(pool) == before
    for name in ("Gry", "Hans", "Ida", "gry@", "hans@", "not-an-email"):
        assert name not in result.output


async def test_an_export_imports_back_unchanged_as_json_and_as_csv(
    roster_db: tuple[str, DatabasePool], tmp_path: Path
) -> None:
    url, pool = roster_db
    assert (await hverdagsbro(url, "roster", "import", str(DEMO_FILE))).exit_code == 0
    before = await snapshot(pool)

    exported = await hverdagsbro(url, "roster", "export")
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.stdout)
    assert in_order(document) == in_order(demo_document()), "the file that was imported"
    file = write(tmp_path, "export.json", exported.stdout)
    again = await hverdagsbro(url, "roster", "import", file)
    assert again.exit_code == 0, again.output
    assert "; 0 row(s) added or changed." in again.stdout

    csv_file = str(tmp_path / "peers.csv")
    written = await hverdagsbro(url, "roster", "export", "--partnership", "demo-capital", csv_file)
    assert written.exit_code == 0, written.output
    assert Path(csv_file).read_text(encoding="utf-8").count("\n") == 1 + 5
    csv_again = await hverdagsbro(url, "roster", "import", csv_file)
    assert csv_again.exit_code == 0, csv_again.output
    assert "; 0 row(s) added or changed." in csv_again.stdout
    assert await snapshot(pool) == before
    assert_private(csv_again, document)


async def test_unreadable_files_are_refused_before_anything_is_read_into_the_database(
    roster_db: tuple[str, DatabasePool], tmp_path: Path
) -> None:
    url, pool = roster_db
    document = demo_document()
    document["users"][2]["display_name"] = "Anna \ud800 Demodatter"
    document["users"][3]["email"] = "bo\u0000@example.org"
    cases = {
        "huge.json": (
            b" " * (MAX_FILE_BYTES + 1),
            f"file: larger than the limit of {MAX_FILE_BYTES}",
        ),
        "latin1.json": ('{"n": "Søren"}'.encode("latin-1"), "file: not UTF-8 text"),
        "broken.json": (b'{"partnership": ', "line 1 column 17: not valid JSON"),
        "escaped.json": (
            json.dumps(document).encode(),
            "users[2].display_name: contains an unpaired surrogate",
        ),
        "nul.csv": (
            b"user_id,display_name,organisation_id,employment,capacity\nx,A\x00,o,volunteer,1\n",
            "line 2, display_name: contains a NUL character",
        ),
        "columns.csv": (b"user_id,name\n", "line 1, column 2: not a roster column"),
        "excel.csv": (b"user_id;display_name\n", "line 1: the columns are separated by ';'"),
    }
    assert (await hverdagsbro(url, "roster", "import", str(DEMO_FILE))).exit_code == 0
    before = await snapshot(pool)
    for name, (content, problem) in cases.items():
        result = await hverdagsbro(url, "roster", "import", write(tmp_path, name, content))
        assert result.exit_code == 1, (name, result.output)
        assert problems_of(result)[0].startswith(problem), (name, result.stderr)
        assert "Traceback" not in result.output
        assert "Demodatter" not in result.output and "bo\x00" not in result.output
    escaped = await hverdagsbro(
        url, "roster", "import", write(tmp_path, "e.json", json.dumps(document))
    )
    assert "users[3].email: contains a NUL character" in escaped.stderr
    assert await snapshot(pool) == before


async def test_check_only_reports_a_good_file_and_writes_nothing(
    roster_db: tuple[str, DatabasePool],
) -> None:
    url, pool = roster_db
    before = await snapshot(pool)

    result = await hverdagsbro(url, "roster", "import", "--check", str(DEMO_FILE))

    assert result.exit_code == 0, result.output
    assert "Checked, no problems: partnership demo-capital" in result.stdout
    assert await snapshot(pool) == before


async def test_export_without_a_partnership_asks_which_when_there_are_several(
    roster_db: tuple[str, DatabasePool],
) -> None:
    url, pool = roster_db
    await pool.execute(
        "INSERT INTO partnerships (partnership_id, name) VALUES ('p-a', 'A'), ('p-b', 'B')"
    )

    result = await hverdagsbro(url, "roster", "export")

    assert result.exit_code == 1
    assert "--partnership: there are 2 partnerships; say which one" in result.stderr
    unknown = await hverdagsbro(url, "roster", "export", "--partnership", "p-c")
    assert unknown.exit_code == 1
    assert "--partnership: no such partnership" in unknown.stderr


def test_the_demo_roster_file_is_a_roster_file_every_peer_can_carry() -> None:
    roster = demo_roster()
    assert {p.user_id for p in roster.peers if not p.peer or not p.peer.trainings} == {
        "peer-demo-emil"
    }
    volunteers = {p.user_id for p in roster.peers if p.peer and p.peer.employment == "volunteer"}
    grouped = {
        p.user_id for p in roster.peers if p.peer and "demo-volunteers" in p.peer.supervision_groups
    }
    assert volunteers <= grouped
    assert all(g.supervisor_id for g in roster.supervision_groups)
