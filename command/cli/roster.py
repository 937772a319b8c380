"""`hverdagsbro roster import|export`: a partnership's roster as a JSON or CSV file."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from command.cli.text import TEXT
from command.process import in_event_loop
from hverdagsbro.settings import Settings
from schemas.roster_file import MAX_FILE_BYTES

if TYPE_CHECKING:
    from db.pool import DatabasePool

_FORMATS = """\b
JSON: one document, the partnership (id, name, sharing rules), its member organisations,
municipalities, wards, users (staff and peers: employment, capacity, languages, programmes,
municipalities, available, training records, absences, supervision groups) and supervision
groups (supervisor, schedule). Export one to see the shape.
\b
CSV: one row per peer of the partnership given by --partnership (or the only one); the first
line names the columns: user_id, display_name, organisation_id, employment, capacity
(required), email, phone, active, languages, programmes, municipalities, available, trainings,
absences, supervision_groups. Lists are separated by ';'; a training is
course:YYYY-MM-DD:trained_by, an absence YYYY-MM-DD:YYYY-MM-DD[:holiday|leave|other]; yes/no
for active and available."""

format_option = click.option(
    "--format",
    "file_format",
    type=click.Choice(["json", "csv"]),
    help="the file's format (default: from the file name's extension, else json)",
)
partnership_option = click.option(
    "--partnership",
    "partnership_id",
    type=TEXT,
    help="the partnership's id (default: the only partnership there is)",
)


@click.group(
    "roster",
    short_help="import or export a partnership's roster (JSON or CSV)",
    help="Bring a partnership's roster (organisations, staff, peers, training records, "
    "absences, supervision groups) in from a file or write it out to one. An import is "
    "checked as a whole and applied in one transaction, or not at all.",
)
def roster() -> None:
    """The group only dispatches to `import` and `export`."""


@asynccontextmanager
async def _pool(settings: Settings) -> AsyncIterator[DatabasePool]:
    from command.database import database
    from db.pool import create_pool

    async with database(settings) as database_url:
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=2)
        try:
            yield pool
        finally:
            await pool.close()


def _read(file: str) -> bytes:
    """At most one byte more than the limit, so a huge file is refused without reading it all."""
    if file == "-":
        return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    with Path(file).open("rb") as f:
        return f.read(MAX_FILE_BYTES + 1)


@roster.command(
    "import",
    short_help="check a roster file and apply it in one transaction",
    help="Check the roster in FILE ('-': standard input) as a whole and, only if all of it is "
    "valid, insert or update its rows in one transaction. Every problem is printed on a line "
    "of its own with where it is (a JSON path such as users[3].peer.capacity, or a CSV line "
    "and column), never the value; then nothing is changed and the exit code is 1. Importing "
    "the same file again changes nothing; an import never removes anything (peers keep the "
    "episodes they carry, training records and absences the file does not list stay).\n\n"
    + _FORMATS,
)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, exists=True))
@format_option
@partnership_option
@click.option("--check", "check_only", is_flag=True, help="only check the file; write nothing")
@click.option(
    "--recorded-by",
    type=TEXT,
    default="roster-import",
    show_default=True,
    help="who is recorded as having entered the training records and absences",
)
@in_event_loop()
async def import_command(
    settings: Settings,
    file: str,
    file_format: str | None,
    partnership_id: str | None,
    check_only: bool,
    recorded_by: str,
) -> int:
    from command.roster.formats import RosterRefused, format_of, read_csv, read_json
    from command.roster.importing import csv_base, import_roster, the_partnership
    from schemas.roster_file import RosterFile

    raw = _read(file)
    try:
        if format_of(file, file_format) == "json":
            parsed = read_json(raw, RosterFile)
            if partnership_id not in (None, parsed.roster.partnership.partnership_id):
                raise RosterRefused(["--partnership: the file is another partnership's roster"])
            async with _pool(settings) as pool:
                changes = await import_roster(
                    pool, parsed, recorded_by=recorded_by, check_only=check_only
                )
        else:
            async with _pool(settings) as pool:
                chosen = await the_partnership(pool, partnership_id)
                parsed = read_csv(raw, await csv_base(pool, chosen))
                changes = await import_roster(
                    pool, parsed, recorded_by=recorded_by, check_only=check_only
                )
    except RosterRefused as refused:
        for problem in refused.problems:
            click.echo(problem, err=True)
        click.echo(f"Refused: {len(refused.problems)} problem(s); nothing was changed.", err=True)
        return 1
    imported = parsed.roster
    summary = (
        f"partnership {imported.partnership.partnership_id}: "
        f"{len(imported.organisations)} organisation(s), {len(imported.users)} user(s) "
        f"({len(imported.peers)} peer(s)), {len(imported.supervision_groups)} supervision group(s)"
    )
    if check_only:
        click.echo(f"Checked, no problems: {summary}. Nothing written (--check).")
    else:
        click.echo(f"Imported {summary}; {changes.rows} row(s) added or changed.")
    return 0


@roster.command(
    "export",
    short_help="write a partnership's roster to a file (JSON or CSV)",
    help="Write the roster of a partnership to FILE (default '-': standard output) in the "
    "form `roster import` reads, so an export imported again changes nothing. The CSV form "
    "holds the peers only. The file holds names, e-mail addresses and phone numbers: keep "
    "it where personal data may be.\n\n" + _FORMATS,
)
@click.argument(
    "file", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-"
)
@format_option
@partnership_option
@in_event_loop()
async def export_command(
    settings: Settings, file: str, file_format: str | None, partnership_id: str | None
) -> int:
    from command.roster.formats import RosterRefused, format_of, write_csv, write_json
    from command.roster.importing import stored_roster, the_partnership

    try:
        async with _pool(settings) as pool:
            chosen = await the_partnership(pool, partnership_id)
            stored = await stored_roster(pool, chosen)
        text = write_json(stored) if format_of(file, file_format) == "json" else write_csv(stored)
    except RosterRefused as refused:
        for problem in refused.problems:
            click.echo(problem, err=True)
        return 1
    if file == "-":
        click.echo(text, nl=False)
    else:
        await asyncio.to_thread(Path(file).write_text, text, encoding="utf-8")
        click.echo(
            f"Wrote the roster of partnership {chosen} to {file}: {len(stored.users)} user(s) "
            f"({len(stored.peers)} peer(s)).",
            err=True,
        )
    return 0
