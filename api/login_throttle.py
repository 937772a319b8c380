"""How many failed log-ins cost nothing, and how long each check after them must wait."""

from __future__ import annotations

from datetime import timedelta

from db.login_attempts import Backoff, LoginPolicy

LOGIN_POLICY = LoginPolicy(
    # One user id guessed from one client: 5 tries, then 1, 2, 4, 8, 15, 15 ... minutes apart
    # until a day without failures or a success from there.
    pair=Backoff(
        free=5, first=timedelta(minutes=1), cap=timedelta(minutes=15), window=timedelta(days=1)
    ),
    # One user id from clients it never logged in from (many addresses guessing together): 10
    # tries, then a short delay (5 s doubling to 1 minute), so strangers can hold the user up
    # at most a minute, and not at all on a client the user logged in from before.
    user=Backoff(
        free=10, first=timedelta(seconds=5), cap=timedelta(minutes=1), window=timedelta(days=1)
    ),
    # One client trying many user ids: 15 failures in 15 minutes, then 1 minute doubling to 15.
    client=Backoff(
        free=15, first=timedelta(minutes=1), cap=timedelta(minutes=15), window=timedelta(minutes=15)
    ),
    known_for=timedelta(days=30),
)
