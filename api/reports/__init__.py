"""Outcome reporting: aggregated, small-cell-suppressed numbers on whether the bridge held."""
