"""A real OpenID Connect provider for the sign-in tests (oidc-provider-mock, in a thread): the
test sets the claims of whoever "signs in" there."""

from __future__ import annotations

from urllib.parse import quote

import httpx

# The environment variable the test providers' rows name for their client secret.
SECRET_ENV = "HB_TEST_SSO_SECRET"


async def set_claims(issuer: str, subject: str, **claims: object) -> None:
    """What the provider puts in the ID token of `subject` (any claim name, e.g. dk:gov:cpr,
    through `set_claims(issuer, sub, **{"dk:gov:cpr": "..."})`)."""
    async with httpx.AsyncClient() as client:
        answer = await client.put(f"{issuer}/users/{quote(subject, safe='')}", json=claims)
    assert answer.status_code == 204


async def provider_answer(client: httpx.AsyncClient, start: str, form: dict[str, str]) -> str:
    """Press the sign-in button at `start` (a path of the app `client` reaches), answer the
    provider's form; the path and query the provider sends the browser back to."""
    begun = await client.get(start)
    assert begun.status_code == 303, begun.text
    async with httpx.AsyncClient() as browser:
        answer = await browser.post(begun.headers["location"], data=form)
    assert answer.status_code in (302, 303), answer.text
    back = httpx.URL(answer.headers["location"])
    assert back.host == client.base_url.host
    return f"{back.path}?{back.query.decode()}"
