"""Development fallbacks: secrets a development machine makes for itself once, under the data
folder (git-ignored), and the refusal of every such fallback when the environment is production.

Production sets its secrets through HVERDAGSBRO_* environment variables instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import structlog

from hverdagsbro.settings import Settings

log = structlog.get_logger(__name__)


class DevelopmentOnlyError(RuntimeError):
    """A development fallback was about to run where HVERDAGSBRO_ENVIRONMENT=production."""


def refuse_in_production(settings: Settings, fallback: str, *, remedy: str) -> None:
    """Raise DevelopmentOnlyError if the environment is production; `fallback` says what would
    have run and `remedy` which setting to give (or what to do) instead."""
    if settings.environment == "production":
        raise DevelopmentOnlyError(
            f"{fallback} is a development fallback, refused because "
            f"HVERDAGSBRO_ENVIRONMENT=production: {remedy}"
        )


def dev_secret(settings: Settings, filename: str, make: Callable[[], str], *, setting: str) -> str:
    """The secret stored in <data_dir>/<filename>, created (readable by us only) if missing.

    Only in development: production must set `setting` (the environment variable) instead,
    so a missing secret never quietly becomes a generated one there.
    """
    refuse_in_production(
        settings, f"a generated {filename} under the data folder", remedy=f"set {setting}"
    )
    path = settings.data_dir / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(make() + "\n")
        log.warning("generated a development secret", path=str(path))
    return path.read_text(encoding="ascii").strip()
