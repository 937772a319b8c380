"""Deterministic orchestration: the episode workflow and the pure rules it uses."""
