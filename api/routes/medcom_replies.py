"""POST /api/medcom/care-communications: filled in by issue 16's work in progress."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/medcom", tags=["medcom"])
