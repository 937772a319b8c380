"""`hverdagsbro medcom-pickup`: deliver MedCom messages dropped into the transport folder."""

from __future__ import annotations

import asyncio

import click

from command.process import CommandError, in_event_loop, stop_on_signals
from hverdagsbro.settings import Settings


@click.command(
    "medcom-pickup",
    short_help="deliver MedCom messages from the transport folder's in/ to the API",
    help="Watch HVERDAGSBRO_MEDCOM_DIRECTORY/in for MedCom messages (*.json, written whole by "
    "the municipal integration) and POST each to the API as a MedCom gateway would "
    "(HospitalNotifications, CareCommunications, Acknowledgements), with the token "
    "HVERDAGSBRO_MEDCOM_PICKUP_TOKEN (`hverdagsbro token create --role medcom_gateway`). "
    "The Acknowledgement the API answers with goes to out/, the message to done/ (taken) or "
    "failed/ (refused for good); while the API is away it waits in in/. Looks every "
    "HVERDAGSBRO_MEDCOM_PICKUP_INTERVAL seconds until Ctrl-C or SIGTERM.",
)
@click.option("--once", is_flag=True, help="one look into in/, then exit (1 if any failed)")
@in_event_loop()
async def medcom_pickup(settings: Settings, once: bool) -> int:
    import httpx

    from command.medcom_pickup import MedcomPickup, api_url, our_sor

    if settings.medcom_directory is None:
        raise CommandError(
            "HVERDAGSBRO_MEDCOM_DIRECTORY: no transport folder (set it, or "
            "HVERDAGSBRO_MEDCOM_TRANSPORT=directory in development)"
        )
    if settings.medcom_pickup_token is None:
        raise CommandError(
            "HVERDAGSBRO_MEDCOM_PICKUP_TOKEN: required (a token of role medcom_gateway, "
            "bound to the senders whose messages come through the folder)"
        )
    base = api_url(settings.medcom_pickup_api_url, settings.api_host, settings.api_port)
    token = settings.medcom_pickup_token.get_secret_value()
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        pickup = MedcomPickup(settings.medcom_directory, client, our_sor=our_sor(settings))
        if once:
            done = await pickup.run_once()
            click.echo(
                f"MedCom pick-up: {len(done.done)} delivered, {len(done.failed)} failed, "
                f"{len(done.waiting)} waiting" + (f" ({done.stopped})" if done.stopped else "")
            )
            return 1 if done.failed or done.stopped else 0
        stop = asyncio.Event()
        with stop_on_signals(stop, lambda: click.echo("Stopping the MedCom pick-up...")):
            click.echo(
                f"MedCom pick-up: {settings.medcom_directory}/in -> {base}, every "
                f"{settings.medcom_pickup_interval:g} s; Ctrl-C stops it."
            )
            await pickup.run(stop, settings.medcom_pickup_interval)
    click.echo("MedCom pick-up stopped.")
    return 0
