"""The custom search attributes operators filter on in the Temporal UI. No personal data."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

BRIDGE_PHASE = SearchAttributeKey.for_keyword("BridgePhase")
PROGRAMME = SearchAttributeKey.for_keyword("BridgeProgramme")
MUNICIPALITY = SearchAttributeKey.for_keyword("MunicipalityCode")
DISCHARGE_DATE = SearchAttributeKey.for_datetime("DischargeDate")
OVERDUE_TASKS = SearchAttributeKey.for_int("OverdueTaskCount")

# name -> the type name the Temporal CLI's --search-attribute flag takes
SEARCH_ATTRIBUTES: dict[str, str] = {
    BRIDGE_PHASE.name: "Keyword",
    PROGRAMME.name: "Keyword",
    MUNICIPALITY.name: "Keyword",
    DISCHARGE_DATE.name: "Datetime",
    OVERDUE_TASKS.name: "Int",
}

_INDEXED_TYPE = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
}


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for name, kind in SEARCH_ATTRIBUTES.items():
        flags += ["--search-attribute", f"{name}={kind}"]
    return flags


async def register_search_attributes(client: Client) -> list[str]:
    """Register the attributes that the server does not know yet; returns those added.

    The time-skipping test server cannot list attributes, so there every one is added.
    """
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        existing = set(listed.custom_attributes)
    except RPCError as err:
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = {
        name: _INDEXED_TYPE[kind]
        for name, kind in SEARCH_ATTRIBUTES.items()
        if name not in existing
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
    return sorted(missing)
