"""The command: what starts processes or drives the system (CLI, dev stack, demo, bench)."""
