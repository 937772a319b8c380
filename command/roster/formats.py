"""Roster files in and out: JSON (the whole roster, schemas/roster_file.RosterFile) and CSV (one
row per peer of a partnership). Errors name the place (JSON path or CSV line) and the field,
never the value: a file holds names, e-mail addresses and phone numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, ValidationError

from api.input_checks import unstorable
from schemas.roster import SupervisionGroup
from schemas.roster_file import (
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MunicipalityEntry,
    OrganisationEntry,
    PartnershipEntry,
    RosterFile,
    UserEntry,
    WardEntry,
)

Loc = tuple[str | int, ...]
Format = Literal["json", "csv"]
R = TypeVar("R", bound=RosterFile)

# The CSV columns, in the order an export writes them. Lists are separated by ';', a training
# is course:YYYY-MM-DD:trained_by, an absence YYYY-MM-DD:YYYY-MM-DD[:holiday|leave|other],
# yes/no for active and available.
CSV_COLUMNS = (
    "user_id",
    "display_name",
    "email",
    "phone",
    "organisation_id",
    "active",
    "employment",
    "capacity",
    "languages",
    "programmes",
    "municipalities",
    "available",
    "trainings",
    "absences",
    "supervision_groups",
)
_REQUIRED = ("user_id", "display_name", "organisation_id", "employment", "capacity")
_USER_COLUMNS = ("user_id", "display_name", "email", "phone", "organisation_id", "active")
_LIST_COLUMNS = ("languages", "programmes", "municipalities", "supervision_groups")


class RosterRefused(Exception):
    """The file is refused; `problems` are the lines to show, one per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster")
        self.problems = problems


@dataclass(frozen=True)
class Parsed(Generic[R]):
    """A roster read from a file, with how to name a place in that file. When some entries
    were invalid, `problems` names them and `roster` holds the valid rest (unvalidated as a
    whole), so the cross-checks can still find every other problem; `unchecked` are the
    ids of the invalid entries, which the cross-checks do not call unknown."""

    roster: R
    where: Callable[[Loc], str]
    problems: tuple[str, ...] = ()
    unchecked: frozenset[str] = frozenset()

    def whole(self) -> R:
        """The roster, if every part of it was valid."""
        if self.problems:
            raise RosterRefused(list(self.problems))
        return self.roster


def json_where(loc: Loc) -> str:
    """users[3].peer.capacity"""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path or "file"


def format_of(name: str, given: str | None) -> Format:
    """The format given, else the file name's extension, else JSON."""
    chosen = given or ("csv" if name.lower().endswith(".csv") else "json")
    return "csv" if chosen == "csv" else "json"


def text_of(raw: bytes) -> str:
    """The file's text: refused when too large or no UTF-8 (a byte order mark is allowed)."""
    if len(raw) > MAX_FILE_BYTES:
        raise RosterRefused([f"file: larger than the limit of {MAX_FILE_BYTES} bytes"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RosterRefused([f"file: not UTF-8 text (byte {err.start})"]) from None


def _unstorable(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every string (key or value) PostgreSQL could not keep, with where it is."""
    if isinstance(value, str):
        reason = unstorable(value)
        if reason is not None:
            yield loc, reason
    elif isinstance(value, dict):
        for key, item in value.items():
            reason = unstorable(key)
            if reason is not None:
                yield loc, f"a key {reason}"
            else:
                yield from _unstorable(item, (*loc, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _unstorable(item, (*loc, number))


def _validated(model: type[R], data: Any, where: Callable[[Loc], str]) -> Parsed[R]:
    try:
        return Parsed(model.model_validate(data), where)
    except ValidationError as err:
        # e["msg"] says what is wrong without the input; e["input"] is never shown.
        problems = tuple(
            f"{where(tuple(e['loc']))}: {e['msg']}" for e in err.errors(include_input=False)
        )
    partial = _valid_part(model, data)
    if partial is None:
        raise RosterRefused(list(problems))
    roster, kept, unchecked = partial

    def where_in_file(loc: Loc) -> str:
        if len(loc) > 1 and isinstance(loc[0], str) and isinstance(loc[1], int) and loc[0] in kept:
            loc = (loc[0], kept[loc[0]][loc[1]], *loc[2:])
        return where(loc)

    return Parsed(roster, where_in_file, problems, unchecked)


_ENTRIES: dict[str, tuple[type[BaseModel], str]] = {
    "organisations": (OrganisationEntry, "organisation_id"),
    "municipalities": (MunicipalityEntry, "municipality_code"),
    "wards": (WardEntry, "ward_id"),
    "users": (UserEntry, "user_id"),
    "supervision_groups": (SupervisionGroup, "group_id"),
}


def _valid_part(model: type[R], data: Any) -> tuple[R, dict[str, list[int]], frozenset[str]] | None:
    """The valid entries of each list, where each came from, and the ids of the invalid
    ones; None when the document's frame (its partnership, its lists) is itself broken."""
    if not isinstance(data, dict):
        return None
    try:
        partnership = PartnershipEntry.model_validate(data.get("partnership"))
    except ValidationError:
        return None
    sections: dict[str, Any] = {}
    kept: dict[str, list[int]] = {}
    unchecked: set[str] = set()
    for section, (entry_model, key) in _ENTRIES.items():
        entries = data.get(section, [])
        if not isinstance(entries, list):
            return None
        valid: list[BaseModel] = []
        kept[section] = []
        for index, entry in enumerate(entries):
            try:
                valid.append(entry_model.model_validate(entry))
                kept[section].append(index)
            except ValidationError:
                if isinstance(entry, dict) and isinstance(entry.get(key), str):
                    unchecked.add(entry[key])
        sections[section] = tuple(valid)
    roster = cast(R, model.model_construct(partnership=partnership, **sections))
    return roster, kept, frozenset(unchecked)


def read_json(raw: bytes, model: type[R]) -> Parsed[R]:
    """A whole roster document, checked field by field (the cross-checks come after)."""
    text = text_of(raw)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise RosterRefused(
            [f"line {err.lineno} column {err.colno}: not valid JSON ({err.msg})"]
        ) from None
    problems = [f"{json_where(loc)}: {reason}" for loc, reason in _unstorable(data, ())]
    if problems:
        raise RosterRefused(problems)
    return _validated(model, data, json_where)


def write_json(roster: RosterFile) -> str:
    document = roster.model_dump(mode="json", exclude_none=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read_csv(raw: bytes, base: dict[str, Any]) -> Parsed[RosterFile]:
    """The peers of one partnership, a row each; `base` is the partnership as stored (its
    rules and members), so the rows are checked and applied as that partnership's roster."""
    rows = csv.reader(io.StringIO(text_of(raw), newline=""))
    header = next(rows, None)
    if header is None:
        raise RosterRefused(["line 1: the file is empty; the first line names the columns"])
    problems = _header_problems(header)
    if problems:
        raise RosterRefused(problems)
    users: list[dict[str, Any]] = []
    lines: list[int] = []
    try:
        _read_rows(rows, header, users, lines, problems)
    except csv.Error as err:
        raise RosterRefused([f"line {rows.line_num}: not valid CSV ({err})"]) from None
    if problems:
        raise RosterRefused(problems)

    def where(loc: Loc) -> str:
        return _csv_where(loc, lines)

    return _validated(RosterFile, base | {"users": users}, where)


def _read_rows(
    rows: Any, header: list[str], users: list[dict[str, Any]], lines: list[int], problems: list[str]
) -> None:
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(users) >= MAX_ENTRIES:
            raise RosterRefused([f"line {rows.line_num}: more than {MAX_ENTRIES} peers"])
        lines.append(rows.line_num)
        user, row_problems = _peer_of(dict(zip(header, row, strict=False)), rows.line_num)
        if len(row) != len(header):
            row_problems.append(
                f"line {rows.line_num}: {len(row)} cells, the header has {len(header)}"
            )
        problems += row_problems
        users.append(user)


def _header_problems(header: list[str]) -> list[str]:
    if len(header) == 1 and ";" in header[0]:
        # What a spreadsheet set to Danish saves as "CSV".
        return ["line 1: the columns are separated by ';'; save the file as comma-separated CSV"]
    problems = []
    for number, name in enumerate(header, start=1):
        if name not in CSV_COLUMNS:
            problems.append(f"line 1, column {number}: not a roster column")
        elif header.count(name) > 1:
            problems.append(f"line 1, column {number}: {name} appears twice")
    problems += [
        f"line 1: the column {name} is missing" for name in _REQUIRED if name not in header
    ]
    return problems


def _peer_of(cells: dict[str, str], line: int) -> tuple[dict[str, Any], list[str]]:
    """A row as a user entry of role peer; empty cells take the defaults."""
    problems = []
    for name, cell in cells.items():
        reason = unstorable(cell)
        if reason is not None:
            problems.append(f"line {line}, {name}: {reason}")
    if problems:
        return {}, problems
    given = {name: cell.strip() for name, cell in cells.items() if cell.strip()}
    user: dict[str, Any] = {"role": "peer"}
    peer: dict[str, Any] = {}
    for name, cell in given.items():
        if name in _USER_COLUMNS:
            user[name] = cell
        elif name in _LIST_COLUMNS:
            peer[name] = _entries(cell)
        else:
            peer[name] = cell
    if "trainings" in given:
        peer["trainings"] = []
        for number, entry in enumerate(_entries(given["trainings"]), start=1):
            parts = entry.split(":", 2)
            if len(parts) != 3:
                problems.append(
                    f"line {line}, trainings (entry {number}): not course:YYYY-MM-DD:trained_by"
                )
                continue
            peer["trainings"].append(
                dict(zip(("course", "completed_on", "trained_by"), parts, strict=True))
            )
    if "absences" in given:
        peer["absences"] = []
        for number, entry in enumerate(_entries(given["absences"]), start=1):
            parts = entry.split(":")
            if len(parts) not in (2, 3):
                problems.append(
                    f"line {line}, absences (entry {number}):"
                    " not YYYY-MM-DD:YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD:kind"
                )
                continue
            peer["absences"].append(
                dict(zip(("starts_on", "ends_on", "kind"), parts, strict=False))
            )
    user["peer"] = peer
    return user, problems


def _entries(cell: str) -> list[str]:
    return [entry.strip() for entry in cell.split(";") if entry.strip()]


def _csv_where(loc: Loc, lines: list[int]) -> str:
    """('users', 2, 'peer', 'trainings', 0, 'completed_on') -> 'line 4, trainings (entry 1)'"""
    if len(loc) < 2 or loc[0] != "users" or not isinstance(loc[1], int):
        return json_where(loc)
    place = f"line {lines[loc[1]]}"
    rest = loc[3:] if loc[2:3] == ("peer",) else loc[2:]
    if not rest:
        return place
    place += f", {rest[0]}"
    if len(rest) > 1 and isinstance(rest[1], int):
        place += f" (entry {rest[1] + 1})"
    if len(rest) > 2:
        place += f" {'.'.join(str(part) for part in rest[2:])}"
    return place


def write_csv(roster: RosterFile) -> str:
    """The roster's peers, a row each (staff, wards and groups are in the JSON form only)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    problems: list[str] = []
    for index, user in enumerate(roster.users):
        if user.peer is not None:
            writer.writerow(_row(user, index, problems))
    if problems:
        raise RosterRefused(problems)
    return out.getvalue()


def _row(user: UserEntry, index: int, problems: list[str]) -> list[str]:
    assert user.peer is not None
    peer = user.peer
    for number, t in enumerate(peer.trainings):
        if ";" in t.trained_by:
            problems.append(
                f"users[{index}].peer.trainings[{number}].trained_by: holds a ';', which the"
                " CSV form cannot carry; export as JSON"
            )
    yes_no = {True: "yes", False: "no"}
    return [
        user.user_id,
        user.display_name,
        user.email or "",
        user.phone or "",
        user.organisation_id,
        yes_no[user.active],
        peer.employment,
        str(peer.capacity),
        ";".join(peer.languages),
        ";".join(peer.programmes),
        ";".join(peer.municipalities),
        yes_no[peer.available],
        ";".join(f"{t.course}:{t.completed_on.isoformat()}:{t.trained_by}" for t in peer.trainings),
        ";".join(f"{a.starts_on}:{a.ends_on}:{a.kind}" for a in peer.absences),
        ";".join(peer.supervision_groups),
    ]
