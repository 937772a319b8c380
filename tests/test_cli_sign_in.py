"""`hverdagsbro sign-in provider|map|unmap|link|passwords`: an organisation's identity
provider (or citizens' broker), its claims-to-role mapping and links of existing users set from
the command line; bad input is refused naming the field."""

from __future__ import annotations

import secrets

from command.synthetic.roster import make_roster
from db.identity_providers import granted_mapping, linked_user, provider
from db.logins import login_account
from db.pool import DatabasePool
from tests.test_cli import hverdagsbro, logging_put_back
from tests.test_cli_tokens import env, pool

__all__ = ["logging_put_back", "pool"]


async def test_a_provider_its_mapping_and_passwords_off_from_the_command_line(
    database_url: str, pool: DatabasePool
) -> None:
    roster = await make_roster(pool, peers=0)
    pid = f"region-{secrets.token_hex(3)}"
    added = await hverdagsbro(
        "sign-in", "provider", pid, "--organisation", roster.organisation_id,
        "--name", "Region IdP", "--issuer", "https://login.example.org/r",
        "--client-id", "hb", "--secret-env", "HB_SSO_SECRET", env=env(database_url),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    mapped = await hverdagsbro(
        "sign-in", "map", pid, "nurses", "ward", "--ward", roster.ward_id, env=env(database_url)
    )  # fmt: skip
    assert mapped.exit_code == 0, mapped.output
    off = await hverdagsbro(
        "sign-in", "passwords", roster.organisation_id, "off", env=env(database_url)
    )
    assert off.exit_code == 0, off.output
    async with pool.acquire() as conn:
        saved = await provider(conn, pid)
        mapping = await granted_mapping(conn, pid, ["nurses", "other"])
        nurse = await login_account(conn, roster.ward_nurse)
    assert saved is not None
    assert saved.client_secret_env == "HB_SSO_SECRET"
    assert mapping is not None
    assert (mapping.role, mapping.ward_id) == ("ward", roster.ward_id)
    assert nurse is not None
    assert not nurse.password_login
    removed = await hverdagsbro("sign-in", "unmap", pid, "nurses", env=env(database_url))
    assert removed.exit_code == 0
    again = await hverdagsbro("sign-in", "unmap", pid, "nurses", env=env(database_url))
    assert again.exit_code == 1


async def test_bad_input_is_refused_naming_the_field(database_url: str, pool: DatabasePool) -> None:
    roster = await make_roster(pool, peers=0)
    common = ["--name", "X", "--client-id", "hb", "--organisation", roster.organisation_id]
    cases = [
        (["Bad_Id", "--issuer", "https://x", "--secret-env", "S", *common], "provider_id"),
        (["ok-id", "--issuer", "ftp://x", "--secret-env", "S", *common], "--issuer"),
        (["ok-id", "--issuer", "https://x", "--secret-env", "lower", *common], "--secret-env"),
    ]
    for args, named in cases:
        result = await hverdagsbro("sign-in", "provider", *args, env=env(database_url))
        assert result.exit_code != 0
        assert named in result.output
    no_ward = await hverdagsbro("sign-in", "map", "ok-id", "n", "ward", env=env(database_url))
    assert no_ward.exit_code != 0
    assert "--ward" in no_ward.output
    unknown = await hverdagsbro(
        "sign-in", "map", "no-such-idp", "n", "coordinator", env=env(database_url)
    )
    assert unknown.exit_code != 0
    assert "no such" in unknown.output
    nobody = await hverdagsbro("sign-in", "passwords", "no-such-org", "off", env=env(database_url))
    assert nobody.exit_code != 0
    assert "organisation" in nobody.output


async def test_a_citizens_broker_and_a_link_to_an_existing_user_from_the_command_line(
    database_url: str, pool: DatabasePool
) -> None:
    roster = await make_roster(pool, peers=0)
    other = await make_roster(pool, peers=0)
    pid, broker_id = f"region-{secrets.token_hex(3)}", f"mitid-{secrets.token_hex(3)}"
    common = ["--organisation", roster.organisation_id, "--client-id", "hb"]
    for args in (
        [pid, "--name", "Region", "--issuer", "https://login.example.org/r", "--secret-env", "S"],
        [broker_id, "--name", "MitID", "--issuer", "https://broker.example.org",
         "--secret-env", "B", "--citizens", "--cpr-claim", "cpr"],
    ):  # fmt: skip
        added = await hverdagsbro("sign-in", "provider", *args, *common, env=env(database_url))
        assert added.exit_code == 0, added.output
    async with pool.acquire() as conn:
        broker = await provider(conn, broker_id, "citizen")
    assert broker is not None
    assert (broker.kind, broker.cpr_claim) == ("citizen", "cpr")

    def linking(user: str, provider_id: str = pid, subject: str = "ida@north.dk") -> list[str]:
        return ["sign-in", "link", "--user", user, "--provider", provider_id, "--subject", subject]

    linked = await hverdagsbro(*linking(roster.ward_nurse), env=env(database_url))
    assert linked.exit_code == 0, linked.output
    async with pool.acquire() as conn:
        known = await linked_user(conn, pid, "ida@north.dk")
    assert known is not None and known.user_id == roster.ward_nurse
    refusals = [
        (linking(roster.coordinator), "--subject: that subject is already linked"),
        (linking("no-such-user", subject="x"), "--user: no such user"),
        (linking(other.ward_nurse, subject="y"), "--user: the user is not of the provider's"),
        (linking(roster.ward_nurse, provider_id=broker_id), "--provider: no active staff"),
        (linking(roster.ward_nurse, subject=""), "--subject"),
    ]
    for args, said in refusals:
        refused = await hverdagsbro(*args, env=env(database_url))
        assert refused.exit_code != 0
        assert said in refused.output
