"""Composition: builds clients, the database pool, the activity instances and the worker."""
