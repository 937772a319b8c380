"""Who a verified ID token signs in as: the local user linked to the provider's subject (made
at the first sign-in of an unknown but allowed person), with the role and row scope that the
organisation's claims-to-role mapping grants now. Claims that grant no role switch a known
user off; the peer role is granted only to someone linked to a peer of the roster (their
scope stays the roster's). Every sign-in, refusal and role change is audited with ids only."""

from __future__ import annotations

import hashlib
from typing import Any

import structlog

from db.audit import Actor, write_audit
from db.connection import PooledConnection
from db.identity_providers import (
    IdentityProvider,
    LinkedUser,
    RoleMapping,
    create_linked_user,
    granted_mapping,
    linked_user,
    on_peer_roster,
    set_user_role,
    withdraw_user,
)

log = structlog.get_logger(__name__)

AUDIT_PREFIX = "sso"
NAME_MAX = 200


def local_user_id(provider_id: str, subject: str) -> str:
    """An opaque id for a provider's subject (which may be an e-mail address)."""
    return f"{provider_id}.{hashlib.sha256(subject.encode()).hexdigest()[:24]}"


def claim_values(claims: dict[str, Any], claim: str) -> list[str]:
    """The role claim's values: one string or a list of them; anything else is none."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _display_name(claims: dict[str, Any], fallback: str) -> str:
    for key in ("name", "preferred_username"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:NAME_MAX]
    return fallback


def _scope(user: LinkedUser | RoleMapping, organisation_id: str | None) -> dict[str, str | None]:
    return {
        "role": user.role,
        "organisation_id": organisation_id,
        "ward_id": user.ward_id,
        "municipality_code": user.municipality_code,
        "service": user.service,
    }


async def audit_refusal(conn: PooledConnection, provider_id: str, who: str, reason: str) -> None:
    await write_audit(
        conn,
        AUDIT_PREFIX,
        Actor(role="staff", actor_id=who),
        "staff.sign_in_refused",
        {"provider": provider_id, "reason": reason},
    )


async def signed_in_user(
    conn: PooledConnection, provider: IdentityProvider, claims: dict[str, Any]
) -> str | None:
    """The local user id the claims sign in as, or None when they grant no role (a known
    user then loses theirs)."""
    subject = str(claims["sub"])
    user_id = local_user_id(provider.provider_id, subject)
    mapping = await granted_mapping(
        conn, provider.provider_id, claim_values(claims, provider.role_claim)
    )
    known = await linked_user(conn, provider.provider_id, subject)
    if known is not None:
        user_id = known.user_id
    who = Actor(role=mapping.role if mapping else "staff", actor_id=user_id)
    if mapping is None:
        if known is not None and known.active:
            await withdraw_user(conn, user_id)
            await write_audit(
                conn,
                AUDIT_PREFIX,
                Actor(role=known.role, actor_id=user_id),
                "staff.role_removed",
                {"provider": provider.provider_id, "from": _scope(known, known.organisation_id)},
            )
            log.info("staff sign-in took a role away", provider=provider.provider_id)
        await audit_refusal(conn, provider.provider_id, user_id, "no_role")
        return None
    if mapping.role == "peer":
        # A peer needs the roster's row: only someone linked to a roster peer signs in so.
        if known is None or not await on_peer_roster(conn, user_id, provider.organisation_id):
            await audit_refusal(conn, provider.provider_id, user_id, "not_on_peer_roster")
            return None
        if known.role == "peer" and known.active:
            await write_audit(
                conn, AUDIT_PREFIX, who, "staff.signed_in", {"provider": provider.provider_id}
            )
            return user_id
    wanted = _scope(mapping, provider.organisation_id)
    if known is None:
        await create_linked_user(
            conn, user_id, provider, subject, mapping, _display_name(claims, user_id)
        )
        await write_audit(
            conn,
            AUDIT_PREFIX,
            who,
            "staff.user_created",
            {"provider": provider.provider_id, "to": wanted},
        )
    elif _scope(known, known.organisation_id) != wanted or not known.active:
        await set_user_role(conn, user_id, provider.organisation_id, mapping)
        await write_audit(
            conn,
            AUDIT_PREFIX,
            who,
            "staff.role_changed",
            {
                "provider": provider.provider_id,
                "from": _scope(known, known.organisation_id),
                "to": wanted,
            },
        )
    await write_audit(
        conn, AUDIT_PREFIX, who, "staff.signed_in", {"provider": provider.provider_id}
    )
    return user_id
