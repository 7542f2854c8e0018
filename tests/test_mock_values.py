"""Values the mock engine gives in up mode are values the real providers could return.

Each case runs a small program as teams write them, through ``run_program``, and reads what the program
itself saw (its exports), not only the captured outputs.
"""

from __future__ import annotations

import base64
import re
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from agencyos_infra.engine import ProgramRun, run_program
from agencyos_infra.mocks import RealisticMocks
from agencyos_infra.wire import secret


def _run(tmp_path: Path, program: str, *, preview: bool = False) -> ProgramRun:
    (tmp_path / "__main__.py").write_text(textwrap.dedent(program))
    run = run_program(
        isolated=False, program_dir=tmp_path, project="values", stack="dev", config={}, secret_keys=[], preview=preview
    )
    assert run.error is None, run.error
    return run


def _exports(run: ProgramRun) -> dict[str, Any]:
    return dict(run.stack_outputs.plain)


# --- The random provider ---------------------------------------------------------------------------------------

TIERS = ["db-f1-micro", "db-g1-small", "db-custom-2-7680", "db-custom-4-15360"]

SHUFFLE_PROGRAM = f"""
import pulumi
import pulumi_random as random

tiers = {TIERS!r}
# A team spreads environments over tiers by shuffling them and taking the first.
picked = random.RandomShuffle("tier", inputs=tiers, result_count=1)
order = random.RandomShuffle("order", inputs=tiers)
many = random.RandomShuffle("many", inputs=tiers, result_count=6)
seeded_a = random.RandomShuffle("seeded-a", inputs=tiers, seed="blue")
seeded_b = random.RandomShuffle("seeded-b", inputs=tiers, seed="blue")
pulumi.export("tier", picked.results.apply(lambda r: r[0]))
pulumi.export("picked", picked.results)
pulumi.export("order", order.results)
pulumi.export("many", many.results)
pulumi.export("seededA", seeded_a.results)
pulumi.export("seededB", seeded_b.results)
"""


def test_a_shuffle_of_four_tiers_picks_one_of_them(tmp_path: Path) -> None:
    exports = _exports(_run(tmp_path, SHUFFLE_PROGRAM))
    assert exports["tier"] in TIERS and exports["picked"] == [exports["tier"]]
    assert sorted(exports["order"]) == sorted(TIERS)  # a permutation: every tier once
    # More results than inputs: the provider goes on with another permutation.
    assert len(exports["many"]) == 6 and sorted(exports["many"][:4]) == sorted(TIERS)
    assert set(exports["many"][4:]) <= set(TIERS)
    # The same seed gives the same order, whatever the resource's name.
    assert exports["seededA"] == exports["seededB"] and sorted(exports["seededA"]) == sorted(TIERS)


def test_values_repeat_from_run_to_run(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _exports(_run(tmp_path / "a", SHUFFLE_PROGRAM)) == _exports(_run(tmp_path / "b", SHUFFLE_PROGRAM))


INTEGER_PROGRAM = """
import pulumi
import pulumi_random as random

hour = random.RandomInteger("backup-hour", min=1, max=4)
port = random.RandomInteger("port", min=30000, max=32767)
fixed = random.RandomInteger("fixed", min=7, max=7)
pulumi.export("hour", hour.result)
pulumi.export("hourId", hour.id)
pulumi.export("port", port.result)
pulumi.export("fixed", fixed.result)
pulumi.export("window", hour.result.apply(lambda h: f"{h:02d}:00"))
"""


def test_an_integer_is_within_min_and_max(tmp_path: Path) -> None:
    exports = _exports(_run(tmp_path, INTEGER_PROGRAM))
    assert 1 <= exports["hour"] <= 4 and float(exports["hourId"]) == exports["hour"]
    assert 30000 <= exports["port"] <= 32767 and exports["fixed"] == 7
    assert re.fullmatch(r"0[1-4]:00", exports["window"])


STRING_PROGRAM = """
import pulumi
import pulumi_random as random

suffix = random.RandomString("suffix", length=6, upper=False, special=False)
digits = random.RandomString("digits", length=8, lower=False, upper=False, special=False)
password = random.RandomPassword(
    "db", length=24, min_upper=2, min_lower=2, min_numeric=3, min_special=4, override_special="_%@"
)
plain = random.RandomPassword("plain", length=16)
pulumi.export("suffix", suffix.result)
pulumi.export("bucket", suffix.result.apply(lambda s: f"backups-{s}"))
pulumi.export("digits", digits.result)
pulumi.export("password", password.result)
pulumi.export("plain", plain.result)
pulumi.export("hash", password.bcrypt_hash)
"""


def test_strings_and_passwords_have_the_asked_length_and_classes(tmp_path: Path) -> None:
    run = _run(tmp_path, STRING_PROGRAM)
    exports = _exports(run)
    assert re.fullmatch(r"[a-z0-9]{6}", exports["suffix"]) and exports["bucket"] == f"backups-{exports['suffix']}"
    assert re.fullmatch(r"[0-9]{8}", exports["digits"])
    password = exports["password"]
    assert len(password) == 24 and set(password) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_%@"
    )
    assert sum(c.isupper() for c in password) >= 2 and sum(c.islower() for c in password) >= 2
    assert sum(c.isdigit() for c in password) >= 3 and sum(c in "_%@" for c in password) >= 4
    assert len(exports["plain"]) == 16 and set(exports["plain"]) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%&*()-_=+[]{}<>:?"
    )
    assert re.fullmatch(r"\$2a\$10\$[./A-Za-z0-9]{53}", exports["hash"])
    [db] = [r for r in run.resources if r.name == "db"]
    assert {"result", "bcryptHash"} <= set(db.outputs.secret_paths), db.outputs.secret_paths


PET_ID_UUID_PROGRAM = """
import pulumi
import pulumi_random as random

pulumi.export("pet", random.RandomPet("pet").id)
pulumi.export("long", random.RandomPet("long", length=4, separator="_").id)
pulumi.export("prefixed", random.RandomPet("prefixed", length=1, prefix="cache").id)
gate = random.RandomId("gate", byte_length=4)
named = random.RandomId("named", byte_length=8, prefix="bkt-")
pulumi.export("hex", gate.hex)
pulumi.export("b64Url", gate.b64_url)
pulumi.export("b64Std", gate.b64_std)
pulumi.export("dec", gate.dec)
pulumi.export("gateId", gate.id)
pulumi.export("namedHex", named.hex)
pulumi.export("uuid", random.RandomUuid("run").result)
key = random.RandomBytes("key", length=32)
pulumi.export("keyHex", key.hex)
pulumi.export("keyB64", key.base64)
"""


def test_pets_ids_uuids_and_bytes_have_the_providers_shapes(tmp_path: Path) -> None:
    exports = _exports(_run(tmp_path, PET_ID_UUID_PROGRAM))
    assert re.fullmatch(r"[a-z]+-[a-z]+", exports["pet"])
    assert re.fullmatch(r"[a-z]+_[a-z]+_[a-z]+_[a-z]+", exports["long"])
    assert re.fullmatch(r"cache-[a-z]+", exports["prefixed"])
    data = bytes.fromhex(exports["hex"])
    assert len(data) == 4 and exports["gateId"] == exports["b64Url"]
    assert base64.urlsafe_b64decode(exports["b64Url"] + "=" * (-len(exports["b64Url"]) % 4)) == data
    assert base64.b64decode(exports["b64Std"]) == data and int(exports["dec"]) == int.from_bytes(data, "big")
    assert re.fullmatch(r"bkt-[0-9a-f]{16}", exports["namedHex"])
    assert uuid.UUID(exports["uuid"]).version == 4
    assert (
        len(bytes.fromhex(exports["keyHex"])) == 32 and base64.b64decode(exports["keyB64"]).hex() == exports["keyHex"]
    )


@pytest.mark.parametrize("program", [SHUFFLE_PROGRAM, INTEGER_PROGRAM, STRING_PROGRAM], ids=["shuffle", "int", "str"])
def test_in_preview_random_values_stay_unknown(tmp_path: Path, program: str) -> None:
    # As `pulumi preview`: a new random resource's result is computed by the provider only on update.
    run = _run(tmp_path, program, preview=True)
    for resource in run.resources:
        if resource.type.startswith("random:index/"):
            assert not {"result", "results"} & set(resource.outputs.plain), resource.outputs.plain
    exports = _exports(run)
    assert exports and all(value == UNKNOWN for value in exports.values()), exports


# --- Output-only fields inside input objects -------------------------------------------------------------------

CONNECTION_PROGRAM = """
import pulumi
import pulumi_gcp as gcp

# The connection's service account exists once the provider created the connection; a team grants it access.
connection = gcp.bigquery.Connection(
    "lake", location="EU", cloud_resource=gcp.bigquery.ConnectionCloudResourceArgs()
)
account = connection.cloud_resource.service_account_id
gcp.storage.BucketIAMMember(
    "lake-reader",
    bucket="lake-bucket",
    role="roles/storage.objectViewer",
    member=account.apply(lambda value: f"serviceAccount:{value}"),
)
pulumi.export("account", account)
pulumi.export("callback", account.apply(lambda value: f"ran with {value}"))
"""


def test_up_mode_gives_an_output_only_field_inside_an_input_object(tmp_path: Path) -> None:
    run = _run(tmp_path, CONNECTION_PROGRAM)
    exports = _exports(run)
    assert isinstance(exports["account"], str) and exports["account"], exports
    assert exports["callback"] == f"ran with {exports['account']}"
    [connection] = [r for r in run.resources if r.name == "lake"]
    assert connection.outputs.plain["cloudResource"]["serviceAccountId"] == exports["account"]
    [member] = [r for r in run.resources if r.name == "lake-reader"]
    assert member.inputs.plain["member"] == f"serviceAccount:{exports['account']}"


PSC_PROGRAM = """
import pulumi_gcp as gcp

gcp.sql.DatabaseInstance(
    "db",
    database_version="POSTGRES_15",
    settings=gcp.sql.DatabaseInstanceSettingsArgs(
        tier="db-f1-micro",
        ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
            ipv4_enabled=False,
            psc_configs=[
                gcp.sql.DatabaseInstanceSettingsIpConfigurationPscConfigArgs(
                    psc_enabled=True,
                    psc_auto_connections=[
                        gcp.sql.DatabaseInstanceSettingsIpConfigurationPscConfigPscAutoConnectionArgs(
                            consumer_network="projects/acme/global/networks/core"
                        )
                    ],
                )
            ],
        ),
    ),
)
"""
PSC_INPUTS = {
    "settings": {
        "tier": "db-f1-micro",
        "ipConfiguration": {
            "ipv4Enabled": False,
            "pscConfigs": [
                {"pscEnabled": True, "pscAutoConnections": [{"consumerNetwork": "projects/acme/global/networks/core"}]}
            ],
        },
    }
}


def _auto_connection(settings: dict[str, Any]) -> dict[str, Any]:
    [config] = settings["ipConfiguration"]["pscConfigs"]
    [connection] = config["pscAutoConnections"]
    return connection


def test_up_mode_fills_output_only_fields_in_lists_of_objects_and_leaves_settable_ones_absent(tmp_path: Path) -> None:
    [instance] = [r for r in _run(tmp_path, PSC_PROGRAM).resources if r.name == "db"]
    connection = _auto_connection(instance.outputs.plain["settings"])
    # The provider reserves the endpoint's address and reports its status; the project was left to its default.
    assert connection["consumerNetwork"] == "projects/acme/global/networks/core"
    assert re.fullmatch(r"10\.\d+\.\d+\.\d+", connection["ipAddress"]) and isinstance(connection["status"], str)
    assert "consumerServiceProjectId" not in connection
    assert instance.outputs.plain["settings"]["tier"] == "db-f1-micro"


def test_preview_state_leaves_output_only_fields_inside_input_objects_unknown() -> None:
    mocks = RealisticMocks({}, preview=True)
    state = mocks.preview_state(
        "gcp:bigquery/connection:Connection", {"location": "EU", "cloudResource": {}, "friendlyName": "lake"}
    )
    assert state == {"location": "EU", "cloudResource": {"serviceAccountId": UNKNOWN}, "friendlyName": "lake"}
    connection = _auto_connection(
        mocks.preview_state("gcp:sql/databaseInstance:DatabaseInstance", PSC_INPUTS)["settings"]
    )
    assert connection["ipAddress"] == UNKNOWN and connection["status"] == UNKNOWN
    assert connection["consumerNetwork"] == "projects/acme/global/networks/core"
    assert "consumerServiceProjectId" not in connection
    # A secret input object stays secret, completed inside.
    state = mocks.preview_state("gcp:bigquery/connection:Connection", {"cloudResource": secret({})})
    assert state["cloudResource"] == secret({"serviceAccountId": UNKNOWN})


def test_in_preview_an_output_only_field_inside_an_input_object_is_unknown(tmp_path: Path) -> None:
    run = _run(tmp_path, CONNECTION_PROGRAM, preview=True)
    exports = _exports(run)
    # As `pulumi preview`: unknown, and the program's callback never ran on a made-up None.
    assert exports["account"] == UNKNOWN and exports["callback"] == UNKNOWN, exports
    [member] = [r for r in run.resources if r.name == "lake-reader"]
    assert "member" in member.inputs.unknown_paths, member.inputs.plain
