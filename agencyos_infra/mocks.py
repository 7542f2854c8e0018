"""Realistic provider outputs for the mock engine, per resource type.

Inputs arrive in the engine's wire form (secrets wrapped in their signature, unknowns as the
sentinel). In up mode a resource's outputs are its inputs plus what the provider would compute (ids, names
autonamed like the providers do, connection names, private IPs, generated passwords). In preview
mode only the inputs come back, so computed outputs are unknown, as in a first ``pulumi preview``.
Values are derived from the resource's name, so runs are reproducible.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.runtime import Mocks
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.rpc import unwrap_rpc_secret

Outputs = dict[str, Any]


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _plain(inputs: Mapping[str, Any], key: str, default: Any = None) -> Any:
    return unwrap_rpc_secret(inputs.get(key, default)) if key in inputs else default


class RealisticMocks(Mocks):
    """Mocks whose outputs look like the providers' so derived values (URLs, names) are realistic."""

    def __init__(self, config: Mapping[str, str], preview: bool) -> None:
        self.config = config
        self.preview = preview

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        if self.preview or not args.custom:
            return ("" if self.preview else f"{args.name}-id"), inputs
        computed = _COMPUTED.get(args.typ, _no_extra_outputs)(args.name, inputs, self)
        outputs = {**inputs, **computed}
        return str(outputs.get("id") or f"{args.name}-{_digest(args.typ, args.name)[:8]}"), outputs

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        # Invokes (data sources) answer with their arguments; programs here read no live data.
        return dict(args.args), None

    def gcp_project(self, inputs: Mapping[str, Any]) -> str:
        return str(_plain(inputs, "project") or self.config.get("gcp:project", "mock-project"))

    def gcp_region(self, inputs: Mapping[str, Any]) -> str:
        return str(_plain(inputs, "region") or self.config.get("gcp:region", "us-central1"))


def _autoname(name: str, inputs: Mapping[str, Any], typ: str) -> str:
    # Providers autoname as <logical name>-<7 random hex>; the mock derives them from the name.
    return str(_plain(inputs, "name") or f"{name}-{_digest(typ, name)[:7]}")


def _no_extra_outputs(name: str, inputs: Mapping[str, Any], mocks: RealisticMocks) -> Outputs:
    return {}


def _sql_instance(name: str, inputs: Mapping[str, Any], mocks: RealisticMocks) -> Outputs:
    instance = _autoname(name, inputs, "sql-instance")
    project, region = mocks.gcp_project(inputs), mocks.gcp_region(inputs)
    octets = _digest(project, instance)
    private_ip = f"10.{int(octets[0:2], 16) % 250}.{int(octets[2:4], 16) % 250}.{int(octets[4:6], 16) % 250 + 2}"
    settings = unwrap_rpc_secret(inputs.get("settings") or {})
    public = bool(unwrap_rpc_secret((settings.get("ipConfiguration") or {}).get("ipv4Enabled", True)))
    public_ip = f"34.{int(octets[6:8], 16) % 250}.{int(octets[8:10], 16) % 250}.{int(octets[10:12], 16) % 250 + 2}"
    addresses = [{"ipAddress": private_ip, "type": "PRIVATE"}]
    if public:
        addresses.append({"ipAddress": public_ip, "type": "PRIMARY"})
    return {
        "name": instance,
        "project": project,
        "region": region,
        "connectionName": f"{project}:{region}:{instance}",
        "privateIpAddress": private_ip,
        "publicIpAddress": public_ip if public else "",
        "firstIpAddress": addresses[-1]["ipAddress"],
        "ipAddresses": addresses,
        "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{project}/instances/{instance}",
        "serviceAccountEmailAddress": f"p{octets[:12]}-abcdef@gcp-sa-cloud-sql.iam.gserviceaccount.com",
        "id": instance,
    }


def _sql_database(name: str, inputs: Mapping[str, Any], mocks: RealisticMocks) -> Outputs:
    database = _autoname(name, inputs, "sql-database")
    instance = _plain(inputs, "instance", "")
    project = mocks.gcp_project(inputs)
    return {
        "name": database,
        "project": project,
        "id": f"projects/{project}/instances/{instance}/databases/{database}",
        "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{project}/instances/{instance}/databases/{database}",
    }


def _sql_user(name: str, inputs: Mapping[str, Any], mocks: RealisticMocks) -> Outputs:
    user = _autoname(name, inputs, "sql-user")
    return {"name": user, "project": mocks.gcp_project(inputs), "id": f"{user}//{_plain(inputs, 'instance', '')}"}


def _random_password(name: str, inputs: Mapping[str, Any], mocks: RealisticMocks) -> Outputs:
    length = int(_plain(inputs, "length", 16))
    alphabet = string.ascii_letters + string.digits
    if _plain(inputs, "special", True):
        alphabet += str(_plain(inputs, "overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?")
    seed = hashlib.sha256(f"password/{name}".encode()).digest() * (length // 32 + 1)
    result = "".join(alphabet[byte % len(alphabet)] for byte in seed[:length])
    return {"result": result, "bcryptHash": "$2a$10$" + _digest(result)[:53], "id": "none"}


def _random_string(name: str, inputs: Mapping[str, Any], mocks: RealisticMocks) -> Outputs:
    length = int(_plain(inputs, "length", 16))
    return {"result": (_digest("string", name) * 4)[:length], "id": (_digest("string", name) * 4)[:length]}


_COMPUTED: dict[str, Callable[[str, Mapping[str, Any], RealisticMocks], Outputs]] = {
    "gcp:sql/databaseInstance:DatabaseInstance": _sql_instance,
    "gcp:sql/database:Database": _sql_database,
    "gcp:sql/user:User": _sql_user,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomString:RandomString": _random_string,
}
