"""The runtime tier as a stand-alone program under the mock engine, with a Kubernetes provider built here.

Until the Cluster component lands and the stack wires the tier, the component tests run this program:
the data tier's outputs stand in as secret literals, the provider is constructed as the cluster will
pass it (``opts=ResourceOptions(providers=[...])``).
"""

from __future__ import annotations

from pathlib import Path

from agencyos_infra.engine import ProgramRun, run_program

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s

from components.labels import shared_labels
from components.network_policies import NetworkPolicies, NetworkPoliciesArgs
from components.secrets import Secrets, SecretsArgs, SecretsSpec, readers
from components.secrets import BY_NAME
from components.workloads import Workloads, WorkloadsArgs, WorkloadsSpec

labels = shared_labels("production")
provider = k8s.Provider("cluster", kubeconfig=pulumi.Output.secret("placeholder-kubeconfig"))
emails = {w: f"agencyos-prod-{w}@agencyos-prod.iam.gserviceaccount.com" for w in ("backend", "frontend")}
secrets = Secrets(
    "secrets",
    SecretsArgs(
        name_prefix="agencyos-prod",
        project="agencyos-prod",
        labels=labels,
        database_url=pulumi.Output.secret("postgresql://placeholder"),
        redis_url=pulumi.Output.secret("rediss://placeholder"),
        service_accounts=emails,
        spec=SecretsSpec.model_validate(SECRETS_SPEC),
    ),
)
workloads = Workloads(
    "workloads",
    WorkloadsArgs(
        name_prefix="agencyos-prod",
        environment="production",
        debug=False,
        labels=labels,
        service_accounts=emails,
        secret_names=secrets.secret_names,
        secret_readers={name: readers(name) for name in BY_NAME},
        workload_identity_pool="agencyos-prod.svc.id.goog",
        spec=WorkloadsSpec.model_validate(WORKLOADS_SPEC),
    ),
    opts=pulumi.ResourceOptions(providers=[provider]),
)
NetworkPolicies(
    "network-policies",
    NetworkPoliciesArgs(
        namespace=workloads.namespace,
        labels=labels,
        ingress_namespace="ingress-nginx",
        ports=workloads.ports,
        database_ip="10.30.0.5",
        redis_ip="10.30.1.4",
    ),
    opts=pulumi.ResourceOptions(providers=[provider]),
)
"""


def run_runtime(directory: Path, *, secrets: str = "{}", workloads: str = "{}", preview: bool = True) -> ProgramRun:
    """Run the runtime program with the given spec documents (Python literals of the camelCase config)."""
    text = PROGRAM.replace("SECRETS_SPEC", secrets).replace("WORKLOADS_SPEC", workloads)
    (directory / "__main__.py").write_text(text)
    return run_program(directory, project="runtime", stack="prod", config={}, secret_keys=[], preview=preview)
