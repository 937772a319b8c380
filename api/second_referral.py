"""A second referral of a citizen in the same programme: refused naming the open episode,
or, as an explicit transfer, the open episode is cancelled and replaced."""

from __future__ import annotations

from api.errors import ApiError, FieldError
from api.principal import Principal
from api.scoping import EpisodeScope, may_see_episode
from db.connection import PooledConnection
from db.episode_queries import episode as episode_row
from db.events_received import applied_referral_scope, event_record
from schemas.events import ReasonPayload, ReferralCancelled, ReferralCreated
from workers.starter import episode_id_for

# The reason a transfer referral gives the episode it replaces.
TRANSFERRED = "transferred"


def transfer_event_id(episode_id: str) -> str:
    """The id of the cancellation sent for the transfer that starts `episode_id`."""
    return f"transfer:{episode_id}"


def transfer_cancellation(referral: ReferralCreated) -> ReferralCancelled:
    """The cancellation a transfer referral sends the episode it replaces: its id follows
    from the new episode's, so every retry sends (and finds) the same one."""
    return ReferralCancelled(
        event_id=transfer_event_id(episode_id_for(referral.event_id)),
        occurred_at=referral.occurred_at,
        actor=referral.actor,
        payload=ReasonPayload(reason=TRANSFERRED),
    )


async def second_episode_refusal(
    conn: PooledConnection,
    principal: Principal,
    open_ids: list[str],
    transfer_from: str | None,
    episode_id: str,
) -> ApiError | None:
    """Why a referral may not start an episode beside the citizen's open ones in the same
    programme, if it may not. A transfer may replace exactly the one open episode; repeated
    after that episode was cancelled for it, it goes on."""
    if transfer_from is not None:
        if open_ids == [transfer_from]:
            return None
        if not open_ids:
            earlier = await event_record(conn, transfer_event_id(episode_id))
            if earlier is not None and earlier.episode_id == transfer_from:
                return None
            reason = "is not an open episode of this citizen in this programme"
            return ApiError(
                409,
                f"payload.transfer_from_episode_id: {reason}",
                [FieldError(field="payload.transfer_from_episode_id", reason=reason)],
            )
    if not open_ids:
        return None
    return await _open_episode_refusal(conn, principal, open_ids[0])


async def _open_episode_refusal(
    conn: PooledConnection, principal: Principal, other: str
) -> ApiError:
    """409 for a referral of a citizen whose episode in the same programme has not ended. The
    open episode is named only to callers who may see it; the CPR number is never echoed."""
    scope: EpisodeScope | None = await episode_row(conn, other)
    if scope is None:
        scope = await applied_referral_scope(conn, other)
    visible = scope is not None and may_see_episode(principal, scope)
    where = f" ({other})" if visible else ""
    then = (
        f"; to replace it, send payload.transfer_from_episode_id {other}"
        if visible
        else " (end the open episode first)"
    )
    reason = (
        f"the citizen already has an open episode{where} in this programme;"
        f" a second one is not started{then}"
    )
    return ApiError(
        409,
        f"payload.citizen.cpr: {reason}",
        [FieldError(field="payload.citizen.cpr", reason=reason)],
    )
