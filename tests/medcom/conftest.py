"""The API on the test database and its callers, for the MedCom tests that go over HTTP."""

from tests.api.conftest import api_app, as_token, as_user

__all__ = ["api_app", "as_token", "as_user"]
