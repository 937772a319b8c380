"""Pydantic models for everything that crosses a boundary (API, Temporal payloads, database)."""
