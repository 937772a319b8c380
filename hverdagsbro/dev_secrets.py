"""Secrets a development machine makes for itself once, under the data folder (git-ignored).

Production sets them through HVERDAGSBRO_* environment variables instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import structlog

from hverdagsbro.settings import Settings

log = structlog.get_logger(__name__)


def dev_secret(settings: Settings, filename: str, make: Callable[[], str]) -> str:
    """The secret stored in <data_dir>/<filename>, created (readable by us only) if missing."""
    path = settings.data_dir / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(make() + "\n")
        log.warning("generated a development secret", path=str(path))
    return path.read_text(encoding="ascii").strip()
