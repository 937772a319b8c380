"""Identity providers (OpenID Connect) as data: each organisation's staff providers and
citizens' brokers (MitID), how a provider's role claim maps to a role and row scope, and the
sign-ins under way. No secret is stored: a provider row names the environment variable that
holds its client secret, and a subject (which may be an e-mail address) is kept only as its
SHA-256."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import Field

from db.access import secret_digest
from db.audit import Actor, write_audit
from db.connection import PooledConnection
from schemas.base import Frozen


class IdentityProvider(Frozen):
    provider_id: str
    organisation_id: str
    display_name: str
    issuer: str
    client_id: str
    client_secret_env: str
    scopes: str
    role_claim: str
    active: bool
    # 'staff': the role claim maps to roles; 'citizen': a broker whose CPR claim signs a
    # citizen in to their own episodes.
    kind: Literal["staff", "citizen"] = "staff"
    cpr_claim: str = "dk:gov:cpr"


class RoleMapping(Frozen):
    """What one value of the role claim grants."""

    provider_id: str
    claim_value: str
    rank: int = 100
    role: str
    ward_id: str | None = None
    municipality_code: str | None = None
    service: str | None = None


class PendingSignIn(Frozen):
    """A sign-in the browser left for the provider with: single use."""

    provider_id: str
    nonce: str = Field(repr=False)
    code_verifier: str = Field(repr=False)
    next_path: str


class LinkedUser(Frozen):
    """The local user a subject signed in as before, with their role and scope now."""

    user_id: str
    role: str
    organisation_id: str | None
    ward_id: str | None
    municipality_code: str | None
    service: str | None
    active: bool


def subject_digest(provider_id: str, subject: str) -> str:
    return hashlib.sha256(f"{provider_id}\x00{subject}".encode()).hexdigest()


_SELECT = (
    "SELECT provider_id, organisation_id, display_name, issuer, client_id, client_secret_env,"
    " scopes, role_claim, active, kind, cpr_claim FROM identity_providers WHERE active"
)


async def save_provider(conn: PooledConnection, provider: IdentityProvider) -> None:
    """Add the provider, or change it (same id)."""
    await conn.execute(
        "INSERT INTO identity_providers (provider_id, organisation_id, display_name, issuer,"
        " client_id, client_secret_env, scopes, role_claim, active, kind, cpr_claim)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (provider_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,"
        " display_name = EXCLUDED.display_name, issuer = EXCLUDED.issuer,"
        " client_id = EXCLUDED.client_id, client_secret_env = EXCLUDED.client_secret_env,"
        " scopes = EXCLUDED.scopes, role_claim = EXCLUDED.role_claim, active = EXCLUDED.active,"
        " kind = EXCLUDED.kind, cpr_claim = EXCLUDED.cpr_claim",
        *provider.model_dump().values(),
    )


async def provider(
    conn: PooledConnection, provider_id: str, kind: str = "staff"
) -> IdentityProvider | None:
    """The active provider of that kind (a staff button never starts a citizen's broker)."""
    row = await conn.fetchrow(_SELECT + " AND provider_id = $1 AND kind = $2", provider_id, kind)
    return None if row is None else IdentityProvider.model_validate(dict(row))


async def active_providers(conn: PooledConnection, kind: str = "staff") -> list[IdentityProvider]:
    """For the log-in page's buttons (or the citizen's page's), by name."""
    rows = await conn.fetch(_SELECT + " AND kind = $1 ORDER BY display_name, provider_id", kind)
    return [IdentityProvider.model_validate(dict(r)) for r in rows]


async def save_mapping(conn: PooledConnection, mapping: RoleMapping) -> None:
    await conn.execute(
        "INSERT INTO identity_role_mappings (provider_id, claim_value, rank, role, ward_id,"
        " municipality_code, service) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (provider_id, claim_value) DO UPDATE SET rank = EXCLUDED.rank,"
        " role = EXCLUDED.role, ward_id = EXCLUDED.ward_id,"
        " municipality_code = EXCLUDED.municipality_code, service = EXCLUDED.service",
        *mapping.model_dump().values(),
    )


async def remove_mapping(conn: PooledConnection, provider_id: str, claim_value: str) -> bool:
    status: str = await conn.execute(
        "DELETE FROM identity_role_mappings WHERE provider_id = $1 AND claim_value = $2",
        provider_id,
        claim_value,
    )
    return status.endswith(" 1")


async def granted_mapping(
    conn: PooledConnection, provider_id: str, claim_values: list[str]
) -> RoleMapping | None:
    """The mapping the claim's values grant (lowest rank, then claim value), if any."""
    row = await conn.fetchrow(
        "SELECT provider_id, claim_value, rank, role, ward_id, municipality_code, service"
        " FROM identity_role_mappings WHERE provider_id = $1 AND claim_value = ANY($2::text[])"
        " ORDER BY rank, claim_value LIMIT 1",
        provider_id,
        claim_values,
    )
    return None if row is None else RoleMapping.model_validate(dict(row))


async def begin_sign_in(
    conn: PooledConnection, state: str, pending: PendingSignIn, ttl: timedelta
) -> None:
    await conn.execute(
        "INSERT INTO identity_sign_ins (state_hash, provider_id, nonce, code_verifier,"
        " next_path, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        secret_digest(state),
        pending.provider_id,
        pending.nonce,
        pending.code_verifier,
        pending.next_path,
        datetime.now(UTC) + ttl,
    )


async def take_sign_in(conn: PooledConnection, state: str) -> PendingSignIn | None:
    """The sign-in the state belongs to, removed so it cannot be used twice (None: unknown,
    used or expired)."""
    row = await conn.fetchrow(
        "DELETE FROM identity_sign_ins WHERE state_hash = $1"
        " RETURNING provider_id, nonce, code_verifier, next_path, expires_at > now() AS live",
        secret_digest(state),
    )
    if row is None or not row["live"]:
        return None
    return PendingSignIn.model_validate({k: row[k] for k in PendingSignIn.model_fields})


async def end_expired_sign_ins(conn: PooledConnection) -> int:
    status: str = await conn.execute("DELETE FROM identity_sign_ins WHERE expires_at <= now()")
    return int(status.rsplit(" ", 1)[1])


async def linked_user(conn: PooledConnection, provider_id: str, subject: str) -> LinkedUser | None:
    row = await conn.fetchrow(
        "SELECT u.user_id, u.role, u.organisation_id, u.ward_id, u.municipality_code, u.service,"
        " u.active FROM identity_links l JOIN users u USING (user_id)"
        " WHERE l.provider_id = $1 AND l.subject_hash = $2",
        provider_id,
        subject_digest(provider_id, subject),
    )
    return None if row is None else LinkedUser.model_validate(dict(row))


async def create_linked_user(
    conn: PooledConnection,
    user_id: str,
    provider: IdentityProvider,
    subject: str,
    mapping: RoleMapping,
    display_name: str,
) -> None:
    """A first sign-in: the user with the mapping's role and scope, linked to the subject."""
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO users (user_id, role, display_name, organisation_id, municipality_code,"
            " ward_id, service) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            user_id,
            mapping.role,
            display_name,
            provider.organisation_id,
            mapping.municipality_code,
            mapping.ward_id,
            mapping.service,
        )
        await conn.execute(
            "INSERT INTO identity_links (provider_id, subject_hash, user_id) VALUES ($1, $2, $3)",
            provider.provider_id,
            subject_digest(provider.provider_id, subject),
            user_id,
        )


async def set_user_role(
    conn: PooledConnection, user_id: str, organisation_id: str, mapping: RoleMapping
) -> None:
    """The role and scope the claims grant now (the user is active again if they were not)."""
    await conn.execute(
        "UPDATE users SET role = $2, organisation_id = $3, ward_id = $4, municipality_code = $5,"
        " service = $6, active = true WHERE user_id = $1",
        user_id,
        mapping.role,
        organisation_id,
        mapping.ward_id,
        mapping.municipality_code,
        mapping.service,
    )


async def withdraw_user(conn: PooledConnection, user_id: str) -> None:
    """The claims grant no role any more: the user is switched off and their sessions end."""
    async with conn.transaction():
        await conn.execute("UPDATE users SET active = false WHERE user_id = $1", user_id)
        await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)


async def set_password_login(conn: PooledConnection, organisation_id: str, allowed: bool) -> bool:
    """False if there is no such organisation."""
    status: str = await conn.execute(
        "UPDATE organisations SET password_login = $2 WHERE organisation_id = $1",
        organisation_id,
        allowed,
    )
    return status.endswith(" 1")


async def session_provider(conn: PooledConnection, session_secret: str) -> str | None:
    """The provider a session was signed in through (None: a password log-in)."""
    value: str | None = await conn.fetchval(
        "SELECT provider_id FROM sessions WHERE session_hash = $1", secret_digest(session_secret)
    )
    return value


async def on_peer_roster(conn: PooledConnection, user_id: str, organisation_id: str) -> bool:
    """Whether the roster has the user as a peer of the organisation."""
    found = await conn.fetchval(
        "SELECT 1 FROM peers WHERE peer_id = $1 AND organisation_id = $2", user_id, organisation_id
    )
    return found is not None


class LinkOutcome(StrEnum):
    LINKED = "linked"
    NO_USER = "no_user"
    OTHER_ORGANISATION = "other_organisation"
    TAKEN = "taken"


async def link_user(
    conn: PooledConnection, provider: IdentityProvider, subject: str, user_id: str
) -> LinkOutcome:
    """The provider's subject signs in as this existing user from now on (the user must be
    of the provider's organisation; a subject already linked to someone else stays so)."""
    async with conn.transaction():
        organisation = await conn.fetchrow(
            "SELECT organisation_id FROM users WHERE user_id = $1", user_id
        )
        if organisation is None:
            return LinkOutcome.NO_USER
        if organisation["organisation_id"] != provider.organisation_id:
            return LinkOutcome.OTHER_ORGANISATION
        linked: str | None = await conn.fetchval(
            "INSERT INTO identity_links (provider_id, subject_hash, user_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (provider_id, subject_hash)"
            " DO UPDATE SET user_id = identity_links.user_id RETURNING user_id",
            provider.provider_id,
            subject_digest(provider.provider_id, subject),
            user_id,
        )
        if linked != user_id:
            return LinkOutcome.TAKEN
        await write_audit(
            conn,
            "sso",
            Actor(role="system", actor_id="command"),
            "staff.linked",
            {"provider": provider.provider_id, "user_id": user_id},
        )
    return LinkOutcome.LINKED
