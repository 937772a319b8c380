"""One way to connect to Temporal, so every client and worker uses the same data converter."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from hverdagsbro.settings import Settings


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic models on every boundary."""
    return pydantic_data_converter


async def connect(settings: Settings) -> Client:
    """A client for the configured Temporal frontend and namespace."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
    )
