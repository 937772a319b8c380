"""The one-off commands: migrate, the demo, API tokens and a citizen's erasure."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

from command.cli.text import TEXT
from command.process import CommandError, in_event_loop
from hverdagsbro.settings import Settings
from schemas.people import OPAQUE_ID

if TYPE_CHECKING:
    from db.connection import PooledConnection


@click.command(
    "migrate",
    short_help="apply database migrations and seed the programme catalogue",
    help="Apply every SQL migration in db/migrations that the configured database does not "
    "have yet (each once, in order), creating the database if needed, and add the shipped "
    "programmes to the catalogue (existing ones are never overwritten).",
)
@in_event_loop()
async def migrate(settings: Settings) -> int:
    from command.database import database, describe, migrate_and_seed

    async with database(settings) as database_url:
        click.echo(f"Database: {describe(database_url)}")
        applied = await migrate_and_seed(database_url)
    for version in applied:
        click.echo(f"  applied {version}")
    click.echo("Migrations: " + (f"{len(applied)} applied." if applied else "already up to date."))
    click.echo("Programme catalogue: shipped programmes present.")
    return 0


@click.command(
    "demo",
    short_help="load the demo roster and start one demo episode (needs `hverdagsbro dev` running)",
    help="Load the fictional capital-region roster from db/reference/demo_roster.json (safe to "
    "repeat), refer a fictional citizen from ward A to the peer-guide programme, wait for "
    "the first peer offer and print the episode's link in the Temporal UI. Run it while "
    "`hverdagsbro dev` (or `make run`) is running in another terminal.",
)
@click.option(
    "--timeout",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="seconds to wait for the first peer offer",
)
@in_event_loop()
async def demo(settings: Settings, wait_seconds: float) -> int:
    from command.database import database, migrate_and_seed
    from command.demo import (
        DEMO_PASSWORD,
        demo_roster,
        load_demo_roster,
        refuse_demo_in_production,
        start_demo_episode,
        wait_for_peer_offer,
    )
    from command.dev_server import workflow_ui_url
    from db.pool import create_pool
    from hverdagsbro.temporal_client import connect
    from workers.supervision_starter import ensure_group_workflows

    refuse_demo_in_production(settings)
    roster = demo_roster()
    try:
        client = await connect(settings)
    except RuntimeError:
        raise CommandError(
            f"Temporal does not answer at {settings.temporal_address}: start "
            "`make run` (or `hverdagsbro dev`) in another terminal first"
        ) from None
    async with database(settings) as database_url:
        await migrate_and_seed(database_url)
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=4)
        try:
            await load_demo_roster(pool, roster)
            click.echo(
                f"Demo roster loaded: {len(roster.organisations)} organisations, "
                f"{len(roster.municipalities)} municipalities, {len(roster.wards)} wards, "
                f"{len(roster.users)} users ({len(roster.peers)} peers)."
            )
            # With the database at hand, the episode's payloads get their own data key.
            client = await connect(settings, pool)
            # The worker started each group's workflow before these groups existed.
            groups = await ensure_group_workflows(client, pool, task_queue=settings.task_queue)
            click.echo(f"Supervision groups running: {groups}.")
            episode_id = await start_demo_episode(client, pool, settings.task_queue)
            click.echo(f"Episode started: {episode_id}")
            click.echo("Waiting for the worker to offer it to a peer", nl=False)
            offer = await wait_for_peer_offer(pool, episode_id, within=wait_seconds)
        finally:
            await pool.close()
    url = workflow_ui_url(settings, episode_id)
    if offer is None:
        click.echo(f"No peer offer after {wait_seconds:.0f} s: is the worker running (`make run`)?")
        click.echo(f"  Workflow: {url}")
        return 1
    click.echo(f"Offered to peer: {offer.display_name} ({offer.peer_id})")
    click.echo(f"  Workflow in the Temporal UI: {url}")
    click.echo(
        f"Log in at http://{settings.api_host}:{settings.api_port}/login as {offer.peer_id} "
        f"(or nurse-demo-a, coord-demo-kk, cw-demo-101-social) with password {DEMO_PASSWORD!r}"
    )
    return 0


@click.group(
    "token",
    short_help="create or revoke API tokens for systems (MedCom gateway, integrations)",
    help="Systems call the API with 'Authorization: Bearer <token>'. `token create` prints the "
    "secret once; only its hash is stored. A gateway or integration token speaks only for the "
    "ward SOR codes and organisations it is bound to (`token bind <id>` adds more). "
    "`token revoke <id>` stops it at once.",
)
def token() -> None:
    """The group only dispatches to `create`, `bind` and `revoke`."""


_SOR_CODE = re.compile(r"[0-9]{6,18}")


def _sor_codes(
    context: click.Context, parameter: click.Parameter, codes: tuple[str, ...]
) -> tuple[str, ...]:
    if any(not _SOR_CODE.fullmatch(code) for code in codes):
        raise click.BadParameter("a SOR code is 6-18 digits")
    return codes


sor_option = click.option(
    "--sor",
    "sor_codes",
    multiple=True,
    type=TEXT,
    callback=_sor_codes,
    help="a ward's SOR code it may speak for (MedCom MessageHeader.sender); repeatable",
)
organisation_option = click.option(
    "--organisation",
    "organisations",
    multiple=True,
    type=TEXT,
    help="an organisation id it may speak for: every ward of a region organisation, and "
    "(integration) the episodes it runs; repeatable",
)


async def _check_senders(
    conn: PooledConnection, sor_codes: tuple[str, ...], organisations: tuple[str, ...]
) -> None:
    """Every SOR code must be a ward's, every organisation in the roster."""
    from db.access import unknown_senders

    sor, orgs = await unknown_senders(conn, sor_codes, organisations)
    if sor:
        raise CommandError(f"--sor: no ward has SOR code {sor[0]} (a ward's sor_code is needed)")
    if orgs:
        shown = orgs[0] if re.fullmatch(OPAQUE_ID, orgs[0]) else "(not an id)"
        raise CommandError(f"--organisation: no organisation {shown} in the roster")


@token.command(
    "create",
    short_help="create a token and print it once",
    help="Create an API token for a system and print its secret once; only its hash is stored. "
    "A MedCom gateway or integration token speaks only for what it is bound to: give at least "
    "one --sor (a ward's SOR code) or --organisation (a region covers all its wards). MedCom "
    "messages from other senders and events for other episodes are refused.",
)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["integration", "medcom_gateway", "operator"]),
    help="integration: posts events; medcom_gateway: posts MedCom messages; "
    "operator: reads episode metadata",
)
@click.option("--name", required=True, type=TEXT, help="who holds it, e.g. 'Region H MedCom'")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=365,
    show_default=True,
    help="valid for this many days (0: no expiry)",
)
@sor_option
@organisation_option
@in_event_loop()
async def create_token(
    settings: Settings,
    role: str,
    name: str,
    days: int,
    sor_codes: tuple[str, ...],
    organisations: tuple[str, ...],
) -> int:
    from datetime import timedelta

    from command.database import database
    from db.access import create_token
    from db.pool import create_pool

    bound = bool(sor_codes or organisations)
    if role == "operator" and bound:
        raise CommandError("--sor/--organisation: an operator token speaks for no sender")
    if role != "operator" and not bound:
        raise CommandError(
            f"--sor or --organisation: a token of role {role} must be bound to whom it speaks for"
        )
    async with database(settings) as database_url:
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=1)
        try:
            async with pool.acquire() as conn:
                await _check_senders(conn, sor_codes, organisations)
                ttl = timedelta(days=days) if days > 0 else None
                token_id, secret = await create_token(
                    conn,
                    name=name,
                    role=role,
                    ttl=ttl,
                    sor_codes=sor_codes,
                    organisations=organisations,
                )
        finally:
            await pool.close()
    click.echo(f"Token {token_id} ({role}) for {name!r}:")
    click.echo(f"  {secret}")
    click.echo("Keep it now: it is not shown again. Send it as 'Authorization: Bearer'.")
    return 0


@token.command(
    "bind",
    short_help="let an existing token speak for more senders",
    help="Bind the active token TOKEN_ID to more ward SOR codes (--sor) or organisations "
    "(--organisation). Tokens made before bindings existed speak for nobody until bound. "
    "Exit code 1 if no active token has that id.",
)
@click.argument("token_id", type=TEXT)
@sor_option
@organisation_option
@in_event_loop()
async def bind_token(
    settings: Settings, token_id: str, sor_codes: tuple[str, ...], organisations: tuple[str, ...]
) -> int:
    from command.database import database
    from db.access import bind_token
    from db.pool import create_pool

    if not (sor_codes or organisations):
        raise CommandError("--sor or --organisation: say whom the token may speak for")
    async with database(settings) as database_url:
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=1)
        try:
            async with pool.acquire() as conn:
                await _check_senders(conn, sor_codes, organisations)
                bound = await bind_token(
                    conn, token_id, sor_codes=sor_codes, organisations=organisations
                )
        finally:
            await pool.close()
    if bound:
        click.echo(
            f"Token {token_id} may also speak for {len(sor_codes)} SOR code(s) and "
            f"{len(organisations)} organisation(s)."
        )
        return 0
    click.echo(f"No active token {token_id}.")
    return 1


@token.command(
    "revoke",
    short_help="revoke a token by its id",
    help="Revoke the API token TOKEN_ID (the id printed when it was created); calls with it "
    "are refused from then on. Exit code 1 if no active token has that id.",
)
@click.argument("token_id", type=TEXT)
@in_event_loop()
async def revoke_token(settings: Settings, token_id: str) -> int:
    from command.database import database
    from db.access import revoke_token
    from db.pool import create_pool

    async with database(settings) as database_url:
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=1)
        try:
            async with pool.acquire() as conn:
                revoked = await revoke_token(conn, token_id)
        finally:
            await pool.close()
    if revoked:
        click.echo(f"Token {token_id} revoked.")
        return 0
    click.echo(f"No active token {token_id}.")
    return 1


def _opaque_id(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    # The value is not echoed back: someone may have typed a name or a CPR number.
    if value is not None and not re.fullmatch(OPAQUE_ID, value):
        raise click.BadParameter(
            "not a citizen id: the opaque id from the database (letters, digits and . _ : -, "
            "at most 128 characters), never a name"
        )
    return value


@click.command(
    "erase",
    short_help="erase a citizen's personal data (data-subject request)",
    help="Terminate and delete the citizen's Temporal executions, destroy their per-episode "
    "payload keys (their payloads and failure texts become unreadable for good), remove "
    "contact data, goals, notes, task results and event bodies from PostgreSQL, free the "
    "peers' slots, record the erasure in the ledger (ids only; also the file "
    "HVERDAGSBRO_ERASURE_LEDGER) and write an audit entry, which is kept. Without --yes it "
    "only lists the episodes concerned. After restoring a backup, run it with --reapply --yes: "
    "everyone erased since is erased again.",
)
@click.option("--citizen-id", type=TEXT, callback=_opaque_id, help="the citizen's opaque id")
@click.option("--operator", required=True, type=TEXT, help="who carries out the request")
@click.option("--reapply", is_flag=True, help="erase everyone in the ledger again (a restore)")
@click.option("--yes", is_flag=True, help="really erase (without it: only show what would go)")
@in_event_loop()
async def erase(
    settings: Settings, citizen_id: str | None, operator: str, reapply: bool, yes: bool
) -> int:
    from command.database import database
    from command.erasure import erase_citizen, ledger_path, read_ledger
    from command.erasure import reapply as reapply_ledger
    from db.erasure import episodes_of, erasures
    from db.pool import create_pool
    from hverdagsbro.temporal_client import connect

    if (citizen_id is None) == (not reapply):
        raise click.UsageError("give either --citizen-id or --reapply")
    ledger = ledger_path(settings)
    async with database(settings) as database_url:
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=2)
        try:
            async with pool.acquire() as conn:
                if citizen_id is None:
                    known = {e.citizen_id for e in [*read_ledger(ledger), *await erasures(conn)]}
                    click.echo(f"Ledger {ledger}: {len(known)} erased citizen(s).")
                else:
                    episodes = await episodes_of(conn, citizen_id)
                    click.echo(
                        f"Citizen {citizen_id}: {len(episodes)} episode(s): {', '.join(episodes)}"
                    )
            if not yes:
                click.echo("Nothing erased: add --yes to erase.")
                return 0
            client = await connect(settings, pool)
            if citizen_id is None:
                again = await reapply_ledger(pool, client, actor_id=operator, ledger=ledger)
                click.echo(
                    f"Erased again: {again.citizens} citizen(s), {again.episodes} episode(s), "
                    f"{again.workflows_deleted} Temporal execution(s) deleted."
                )
                return 0
            report = await erase_citizen(pool, client, citizen_id, actor_id=operator, ledger=ledger)
        finally:
            await pool.close()
    click.echo(
        f"Erased: {len(report.episodes)} episode(s), {report.workflows_terminated} running "
        f"workflow(s) terminated, {report.workflows_deleted} execution(s) deleted (and "
        f"{report.deliveries_deleted} MedCom delivery execution(s)), payload keys destroyed, "
        f"ledger ({ledger}) and audit entry written."
    )
    return 0
