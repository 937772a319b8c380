"""The `hverdagsbro` command: run the whole system on this machine, or one part of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

import click

from command.cli.bench import bench
from command.cli.manage import demo, erase, migrate, token
from command.cli.medcom import medcom_pickup
from command.cli.roster import roster
from command.cli.serve import api, codec_server, dev, dev_server, worker
from command.cli.sso import sign_in
from command.process import exit_quietly

_EPILOG = """\
New here? Start everything with `make run` (the same as `hverdagsbro dev`), then run
`hverdagsbro demo` in a second terminal and follow the link it prints.

Configuration comes from HVERDAGSBRO_* environment variables (table in README.md).
Run `hverdagsbro <command> --help` for what a command does."""


class _InOrder(click.Group):
    """Lists the commands in the order a newcomer meets them, not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(
    "hverdagsbro",
    cls=_InOrder,
    help="Durable episodes that carry a citizen from a psychiatric admission to everyday life "
    "with a peer guide.",
    epilog=_EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
def cli() -> None:
    """Each command reads the settings itself when it runs, so `--help` needs none."""


for _command in (
    dev,
    worker,
    migrate,
    demo,
    dev_server,
    api,
    codec_server,
    medcom_pickup,
    token,
    sign_in,
    roster,
    erase,
    bench,
):
    cli.add_command(_command)


def run(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the command; returns the exit code (2: a usage error)."""
    try:
        cli.main(args=argv, prog_name="hverdagsbro")
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        return 1
    return 0


def main() -> NoReturn:
    """Entry point of the `hverdagsbro` console script."""
    exit_quietly(run())
