"""`hverdagsbro sign-in provider|map|unmap|link|passwords`: an organisation's identity
providers (OpenID Connect: staff's, and citizens' brokers for MitID), how their claims map to
roles, and which existing user a provider's subject is, kept as data."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from db.identity_providers import LinkOutcome

from command.cli.text import TEXT
from command.process import CommandError, in_event_loop
from hverdagsbro.settings import Settings

_PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,99}")


@click.group(
    "sign-in",
    short_help="identity providers for staff sign-in and their claims-to-role mapping",
    help="Staff sign in through their organisation's OpenID Connect provider (README "
    "'Sign-in through an identity provider'). These commands add a provider, map values of "
    "its role claim to a role and row scope, and switch password log-in off or on.",
)
def sign_in() -> None:
    """The group only dispatches."""


async def _run(settings: Settings, action: str, *args: object) -> bool:
    import asyncpg

    from command.database import database
    from db import identity_providers
    from db.pool import create_pool

    async with database(settings) as database_url:
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=1)
        try:
            async with pool.acquire() as conn:
                done: bool | None = await getattr(identity_providers, action)(conn, *args)
        except asyncpg.ForeignKeyViolationError as err:
            raise CommandError(
                f"{err.constraint_name}: no such organisation, ward, municipality or provider"
            ) from None
        except asyncpg.CheckViolationError as err:
            raise CommandError(f"{err.constraint_name}: the value is not allowed") from None
        finally:
            await pool.close()
    return done is None or done


@sign_in.command(
    "provider",
    help="Add the provider PROVIDER_ID (lower-case letters, digits, "
    "'-') of an organisation, or change it. Its client secret is read from the "
    "environment variable --secret-env names, never stored.",
)
@click.argument("provider_id", type=TEXT)
@click.option("--organisation", "organisation_id", type=TEXT, required=True)
@click.option("--name", "display_name", type=TEXT, required=True, help="shown on the button")
@click.option(
    "--issuer", type=TEXT, required=True, help="e.g. https://login.example.org/tenant/v2.0"
)
@click.option("--client-id", type=TEXT, required=True)
@click.option("--secret-env", type=TEXT, required=True, help="e.g. HB_SSO_REGION_SECRET")
@click.option("--scopes", type=TEXT, default="openid profile", show_default=True)
@click.option("--role-claim", type=TEXT, default="groups", show_default=True)
@click.option("--inactive", is_flag=True, help="keep it, but show no button and refuse it")
@click.option(
    "--citizens",
    is_flag=True,
    help="a citizens' broker (MitID): its CPR claim signs a citizen in to their own episodes",
)
@click.option(
    "--cpr-claim", type=TEXT, default="dk:gov:cpr", show_default=True, help="with --citizens"
)
@in_event_loop()
async def provider(
    settings: Settings,
    provider_id: str,
    organisation_id: str,
    display_name: str,
    issuer: str,
    client_id: str,
    secret_env: str,
    scopes: str,
    role_claim: str,
    inactive: bool,
    citizens: bool,
    cpr_claim: str,
) -> int:
    from db.identity_providers import IdentityProvider

    if not _PROVIDER_ID.fullmatch(provider_id):
        raise CommandError("provider_id: lower-case letters, digits and '-', at most 40")
    if not issuer.startswith(("https://", "http://")):
        raise CommandError("--issuer: the provider's issuer URL (https://...)")
    if not _ENV_NAME.fullmatch(secret_env):
        raise CommandError("--secret-env: an environment variable name such as HB_SSO_SECRET")
    if "openid" not in scopes.split():
        raise CommandError("--scopes: must include 'openid'")
    if not 1 <= len(cpr_claim.strip()) <= 100:
        raise CommandError("--cpr-claim: the name of the ID token's CPR claim, e.g. dk:gov:cpr")
    row = IdentityProvider(
        provider_id=provider_id,
        organisation_id=organisation_id,
        display_name=display_name.strip(),
        issuer=issuer.strip(),
        client_id=client_id.strip(),
        client_secret_env=secret_env,
        scopes=scopes,
        role_claim=role_claim.strip(),
        active=not inactive,
        kind="citizen" if citizens else "staff",
        cpr_claim=cpr_claim.strip(),
    )
    await _run(settings, "save_provider", row)
    click.echo(f"Provider {provider_id} saved.")
    return 0


@sign_in.command(
    "map",
    help="A value CLAIM_VALUE of the provider's role claim grants ROLE "
    "with its scope (ward: --ward; caseworker: --municipality and --service; peer: only to "
    "someone linked to a peer of the roster, see 'link'). "
    "When several values match, the lowest --rank wins.",
)
@click.argument("provider_id", type=TEXT)
@click.argument("claim_value", type=TEXT)
@click.argument(
    "role", type=click.Choice(["ward", "peer", "coordinator", "caseworker", "operator"])
)
@click.option("--ward", "ward_id", type=TEXT)
@click.option("--municipality", "municipality_code", type=TEXT)
@click.option("--service", type=click.Choice(["social_services", "jobcenter", "education"]))
@click.option("--rank", type=click.IntRange(0, 10_000), default=100, show_default=True)
@in_event_loop()
async def map_claim(
    settings: Settings,
    provider_id: str,
    claim_value: str,
    role: str,
    ward_id: str | None,
    municipality_code: str | None,
    service: str | None,
    rank: int,
) -> int:
    from db.identity_providers import RoleMapping

    if role == "ward" and not ward_id:
        raise CommandError("--ward: the ward role needs the ward")
    if role == "caseworker" and not municipality_code:
        raise CommandError("--municipality: the caseworker role needs the municipality")
    mapping = RoleMapping(
        provider_id=provider_id,
        claim_value=claim_value,
        rank=rank,
        role=role,
        ward_id=ward_id,
        municipality_code=municipality_code,
        service=service,
    )
    await _run(settings, "save_mapping", mapping)
    click.echo(f"{provider_id}: '{claim_value}' grants {role}.")
    return 0


@sign_in.command(
    "unmap",
    help="The value no longer grants a role (at their next sign-in, "
    "people it gave one lose it). Exit code 1 if there was no such mapping.",
)
@click.argument("provider_id", type=TEXT)
@click.argument("claim_value", type=TEXT)
@in_event_loop()
async def unmap_claim(settings: Settings, provider_id: str, claim_value: str) -> int:
    removed = await _run(settings, "remove_mapping", provider_id, claim_value)
    click.echo("Removed." if removed else "No such mapping.")
    return 0 if removed else 1


@sign_in.command(
    "passwords",
    help="Let the organisation's users log in with a password "
    "(on) or only through its provider (off).",
)
@click.argument("organisation_id", type=TEXT)
@click.argument("state", type=click.Choice(["on", "off"]))
@in_event_loop()
async def passwords(settings: Settings, organisation_id: str, state: str) -> int:
    found = await _run(settings, "set_password_login", organisation_id, state == "on")
    if not found:
        raise CommandError(f"organisation: no organisation {organisation_id}")
    click.echo(f"Password log-in {state} for {organisation_id}.")
    return 0


_LINK_REFUSED = {
    "no_user": "--user: no such user",
    "other_organisation": "--user: the user is not of the provider's organisation",
    "taken": "--subject: that subject is already linked to another user",
}


@sign_in.command(
    "link",
    help="From now on the provider's subject --subject (its 'sub' claim) signs in as the "
    "existing user --user (e.g. one who logged in with a password, or a peer of the "
    "roster). Their role still comes from the claims at each sign-in.",
)
@click.option("--user", "user_id", type=TEXT, required=True)
@click.option("--provider", "provider_id", type=TEXT, required=True)
@click.option("--subject", type=TEXT, required=True, help="the provider's 'sub' for the person")
@in_event_loop()
async def link(settings: Settings, user_id: str, provider_id: str, subject: str) -> int:
    from db.identity_providers import LinkOutcome

    if not subject.strip() or len(subject) > 255:
        raise CommandError("--subject: the provider's 'sub' claim, 1 to 255 characters")
    outcome = await _run_link(settings, provider_id, subject, user_id)
    if outcome is None:
        raise CommandError(f"--provider: no active staff provider {provider_id}")
    if outcome != LinkOutcome.LINKED:
        raise CommandError(_LINK_REFUSED[outcome.value])
    click.echo(f"{provider_id}: the subject now signs in as {user_id}.")
    return 0


async def _run_link(
    settings: Settings, provider_id: str, subject: str, user_id: str
) -> LinkOutcome | None:
    from command.database import database
    from db.identity_providers import link_user, provider
    from db.pool import create_pool

    async with database(settings) as database_url:
        pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=1)
        try:
            async with pool.acquire() as conn:
                chosen = await provider(conn, provider_id)
                return None if chosen is None else await link_user(conn, chosen, subject, user_id)
        finally:
            await pool.close()
