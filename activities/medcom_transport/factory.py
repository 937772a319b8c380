"""The transport the settings choose."""

from __future__ import annotations

import httpx

from activities.medcom_transport.directory import DirectoryTransport
from activities.medcom_transport.http import HttpTransport
from activities.medcom_transport.port import MedcomTransport
from hverdagsbro.settings import Settings


def transport_from_settings(settings: Settings, http: httpx.AsyncClient) -> MedcomTransport | None:
    """HTTP to the gateway, a directory drop, or None ('none': MedCom messages are not sent).

    `http` is the worker's client (the HTTP adapter uses it; the others ignore it)."""
    if settings.medcom_transport == "http":
        if settings.medcom_gateway_url is None:
            raise ValueError("HVERDAGSBRO_MEDCOM_GATEWAY_URL: required with the 'http' transport")
        return HttpTransport(
            settings.medcom_gateway_url,
            http,
            token=settings.medcom_gateway_token,
            user=settings.medcom_gateway_user,
            password=settings.medcom_gateway_password,
            timeout=settings.medcom_gateway_timeout,
        )
    if settings.medcom_transport == "directory":
        if settings.medcom_directory is None:
            raise ValueError(
                "HVERDAGSBRO_MEDCOM_DIRECTORY: required with the 'directory' transport"
            )
        return DirectoryTransport(settings.medcom_directory)
    return None
