"""Base classes shared by every boundary model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """An immutable input or message: unknown fields are rejected, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Mutable(BaseModel):
    """Workflow-owned state that changes as the episode moves on."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
