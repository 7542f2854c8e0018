"""GKE cases: compliant Standard and Autopilot clusters and a node pool; one change per case."""

from __future__ import annotations

from typing import Any

from agencyos_policy.gcp.container import CLUSTER, NODE_POOL
from agencyos_policy.registry import REGISTRY

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate
from tests.policy.origin_cases import FAIL, PASS, UNDETERMINED, OriginCase

NODE_ACCOUNT = "gke-nodes@p.iam.gserviceaccount.com"
DEFAULT_ACCOUNT = "123456789012-compute@developer.gserviceaccount.com"
NODE_CONFIG: dict[str, Any] = {
    "machineType": "e2-standard-4",
    "serviceAccount": NODE_ACCOUNT,
    "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
    "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
    "workloadMetadataConfig": {"mode": "GKE_METADATA"},
}
# A Standard cluster that keeps its default pool, so its nodeConfig is judged too.
CLUSTER_BASELINE: dict[str, Any] = {
    "location": "us-central1",
    "network": "projects/p/global/networks/vpc",
    "subnetwork": "projects/p/regions/us-central1/subnetworks/gke",
    "initialNodeCount": 1,
    "nodeConfig": NODE_CONFIG,
    "privateClusterConfig": {"enablePrivateNodes": True},
    "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "203.0.113.0/24", "displayName": "office"}]},
    "workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"},
    "enableShieldedNodes": True,
    "datapathProvider": "ADVANCED_DATAPATH",
    "releaseChannel": {"channel": "REGULAR"},
    "maintenancePolicy": {"dailyMaintenanceWindow": {"startTime": "03:00"}},
    "deletionProtection": True,
}
AUTOPILOT_BASELINE: dict[str, Any] = {
    "location": "europe-west1",
    "enableAutopilot": True,
    "privateClusterConfig": {"enablePrivateNodes": True},
    "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "2001:db8::/32"}]},
    "clusterAutoscaling": {"autoProvisioningDefaults": {"serviceAccount": NODE_ACCOUNT}},
    "maintenancePolicy": {
        "recurringWindow": {
            "startTime": "2025-01-04T03:00:00Z",
            "endTime": "2025-01-04T09:00:00Z",
            "recurrence": "FREQ=WEEKLY;BYDAY=SA,SU",
        }
    },
}
NODE_POOL_BASELINE: dict[str, Any] = {
    "cluster": "c",
    "location": "us-central1",
    "autoscaling": {"minNodeCount": 1, "maxNodeCount": 3},
    "management": {"autoRepair": True, "autoUpgrade": True},
    "nodeConfig": NODE_CONFIG,
}

PRIVATE = "gcp-container-cluster-private-nodes"
MAN = "gcp-container-cluster-master-authorized-networks"
WI = "gcp-container-cluster-workload-identity"
SHIELDED = "gcp-container-cluster-shielded-nodes"
ABAC = "gcp-container-cluster-no-legacy-abac"
ACCOUNT = "gcp-container-nodepool-dedicated-service-account"
NETPOL = "gcp-container-cluster-network-policy"
CHANNEL = "gcp-container-cluster-release-channel"
WINDOW = "gcp-container-cluster-maintenance-window"
DELETION = "gcp-container-cluster-deletion-protection"
SECURE_BOOT = "gcp-container-nodepool-secure-boot"
CONTAINER = [name for name in REGISTRY if name.startswith("gcp-container-")]
ADVISORY = {NETPOL, CHANNEL, WINDOW, DELETION, SECURE_BOOT}

# (policy, resource type, baseline, changes)
VIOLATIONS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (PRIVATE, CLUSTER, CLUSTER_BASELINE, {"privateClusterConfig": DELETE}),  # absent: public nodes
    (PRIVATE, CLUSTER, CLUSTER_BASELINE, {"privateClusterConfig.enablePrivateNodes": False}),
    (PRIVATE, CLUSTER, CLUSTER_BASELINE, {"privateClusterConfig.enablePrivateNodes": UNKNOWN}),
    (PRIVATE, CLUSTER, CLUSTER_BASELINE, {"privateClusterConfig": UNKNOWN}),
    (
        PRIVATE,
        CLUSTER,
        CLUSTER_BASELINE,
        {"nodePools": [{"nodeConfig": NODE_CONFIG, "networkConfig": {"enablePrivateNodes": False}}]},
    ),
    (PRIVATE, CLUSTER, AUTOPILOT_BASELINE, {"privateClusterConfig": DELETE}),
    (PRIVATE, NODE_POOL, NODE_POOL_BASELINE, {"networkConfig": {"enablePrivateNodes": False}}),
    (PRIVATE, NODE_POOL, NODE_POOL_BASELINE, {"networkConfig": {"enablePrivateNodes": UNKNOWN}}),
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig": DELETE}),  # absent: open to all
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig.cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]}),
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig.cidrBlocks": [{"cidrBlock": "::/0"}]}),
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig.cidrBlocks": [{"cidrBlock": "0.0.0.0/00"}]}),
    (
        MAN,
        CLUSTER,
        CLUSTER_BASELINE,
        {"masterAuthorizedNetworksConfig.cidrBlocks": [{"cidrBlock": "10.0.0.0/8"}, {"cidrBlock": "0.0.0.0/0"}]},
    ),
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig.cidrBlocks": [{"cidrBlock": "anywhere"}]}),
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig.cidrBlocks": [{"cidrBlock": UNKNOWN}]}),
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig.cidrBlocks": UNKNOWN}),
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig": UNKNOWN}),
    (MAN, CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled": True}),
    (MAN, CLUSTER, AUTOPILOT_BASELINE, {"masterAuthorizedNetworksConfig": DELETE}),
    (WI, CLUSTER, CLUSTER_BASELINE, {"workloadIdentityConfig": DELETE}),
    (WI, CLUSTER, CLUSTER_BASELINE, {"workloadIdentityConfig.workloadPool": ""}),
    (WI, CLUSTER, CLUSTER_BASELINE, {"workloadIdentityConfig.workloadPool": UNKNOWN}),
    (WI, CLUSTER, CLUSTER_BASELINE, {"nodeConfig.workloadMetadataConfig.mode": "GCE_METADATA"}),
    (WI, NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig.workloadMetadataConfig.mode": "GCE_METADATA"}),
    (WI, NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig.workloadMetadataConfig.mode": UNKNOWN}),
    (SHIELDED, CLUSTER, CLUSTER_BASELINE, {"enableShieldedNodes": False}),
    (SHIELDED, CLUSTER, CLUSTER_BASELINE, {"enableShieldedNodes": UNKNOWN}),
    (ABAC, CLUSTER, CLUSTER_BASELINE, {"enableLegacyAbac": True}),
    (ABAC, CLUSTER, CLUSTER_BASELINE, {"enableLegacyAbac": UNKNOWN}),
    (ACCOUNT, CLUSTER, CLUSTER_BASELINE, {"nodeConfig.serviceAccount": DELETE}),  # absent: the default account
    (ACCOUNT, CLUSTER, CLUSTER_BASELINE, {"nodeConfig": DELETE}),
    (ACCOUNT, CLUSTER, CLUSTER_BASELINE, {"nodeConfig.serviceAccount": "default"}),
    (ACCOUNT, CLUSTER, CLUSTER_BASELINE, {"nodeConfig.serviceAccount": DEFAULT_ACCOUNT}),
    (ACCOUNT, CLUSTER, CLUSTER_BASELINE, {"nodeConfig.serviceAccount": UNKNOWN}),
    (
        ACCOUNT,
        CLUSTER,
        CLUSTER_BASELINE,
        {"nodePools": [{"name": "a", "nodeConfig": {"serviceAccount": NODE_ACCOUNT}}, {"name": "b"}]},
    ),
    (ACCOUNT, CLUSTER, CLUSTER_BASELINE, {"clusterAutoscaling": {"enabled": True}}),  # auto-provisioned nodes
    (ACCOUNT, CLUSTER, AUTOPILOT_BASELINE, {"clusterAutoscaling": DELETE}),
    (ACCOUNT, NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig.serviceAccount": DELETE}),
    (ACCOUNT, NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig": DELETE}),
    (ACCOUNT, NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig.serviceAccount": DEFAULT_ACCOUNT}),
    (NETPOL, CLUSTER, CLUSTER_BASELINE, {"datapathProvider": DELETE}),  # absent: LEGACY_DATAPATH
    (NETPOL, CLUSTER, CLUSTER_BASELINE, {"datapathProvider": "LEGACY_DATAPATH"}),
    (NETPOL, CLUSTER, CLUSTER_BASELINE, {"datapathProvider": DELETE, "networkPolicy": {"enabled": True}}),
    (CHANNEL, CLUSTER, CLUSTER_BASELINE, {"releaseChannel": DELETE}),
    (CHANNEL, CLUSTER, CLUSTER_BASELINE, {"releaseChannel.channel": "UNSPECIFIED"}),
    (WINDOW, CLUSTER, CLUSTER_BASELINE, {"maintenancePolicy": DELETE}),
    (WINDOW, CLUSTER, AUTOPILOT_BASELINE, {"maintenancePolicy": DELETE}),
    (DELETION, CLUSTER, CLUSTER_BASELINE, {"deletionProtection": False}),
    (SECURE_BOOT, CLUSTER, CLUSTER_BASELINE, {"nodeConfig.shieldedInstanceConfig": DELETE}),  # absent: off
    (SECURE_BOOT, NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig.shieldedInstanceConfig.enableSecureBoot": False}),
    (
        SECURE_BOOT,
        NODE_POOL,
        NODE_POOL_BASELINE,
        {"nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring": False},
    ),
]

# Compliant alternatives the checklist allows; every container policy must pass each.
COMPLIANT: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (CLUSTER, CLUSTER_BASELINE, {}),
    (CLUSTER, AUTOPILOT_BASELINE, {}),
    (NODE_POOL, NODE_POOL_BASELINE, {}),
    # Defaults that already comply.
    (CLUSTER, CLUSTER_BASELINE, {"enableShieldedNodes": DELETE, "deletionProtection": DELETE}),
    (CLUSTER, CLUSTER_BASELINE, {"enableLegacyAbac": False}),
    (NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig.workloadMetadataConfig": DELETE}),  # the cluster's: GKE_METADATA
    (NODE_POOL, NODE_POOL_BASELINE, {"networkConfig": {"enablePrivateNodes": True}}),
    (NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring": DELETE}),
    # Stricter: no external network at all, or a private endpoint with no list, or no IP endpoint.
    (CLUSTER, CLUSTER_BASELINE, {"masterAuthorizedNetworksConfig": {}}),
    (CLUSTER, CLUSTER_BASELINE, {"privateClusterConfig.enablePrivateEndpoint": True}),
    (
        CLUSTER,
        CLUSTER_BASELINE,
        {
            "masterAuthorizedNetworksConfig": DELETE,
            "controlPlaneEndpointsConfig": {"ipEndpointsConfig": {"enabled": False}},
        },
    ),
    # The default pool removed and managed pools instead (its nodeConfig no longer matters).
    (CLUSTER, CLUSTER_BASELINE, {"removeDefaultNodePool": True, "nodeConfig": DELETE}),
    (CLUSTER, CLUSTER_BASELINE, {"nodeConfig": DELETE, "nodePools": [{"name": "a", "nodeConfig": NODE_CONFIG}]}),
    # Calico instead of Dataplane V2.
    (
        CLUSTER,
        CLUSTER_BASELINE,
        {
            "datapathProvider": DELETE,
            "networkPolicy": {"enabled": True, "provider": "CALICO"},
            "addonsConfig": {"networkPolicyConfig": {"disabled": False}},
        },
    ),
    (CLUSTER, CLUSTER_BASELINE, {"releaseChannel.channel": "STABLE"}),
    (
        CLUSTER,
        CLUSTER_BASELINE,
        {"maintenancePolicy": {"recurringWindow": {"startTime": "s", "endTime": "e", "recurrence": "FREQ=DAILY"}}},
    ),
    # Node auto-provisioning with its own dedicated account.
    (
        CLUSTER,
        CLUSTER_BASELINE,
        {"clusterAutoscaling": {"enabled": True, "autoProvisioningDefaults": {"serviceAccount": NODE_ACCOUNT}}},
    ),
    # Advisory rules give a computed value the benefit of the doubt.
    (CLUSTER, CLUSTER_BASELINE, {"datapathProvider": UNKNOWN, "releaseChannel.channel": UNKNOWN}),
    (NODE_POOL, NODE_POOL_BASELINE, {"nodeConfig.shieldedInstanceConfig.enableSecureBoot": UNKNOWN}),
]


def _note(type_: str, changes: dict[str, Any]) -> str:
    return f"{type_.rsplit(':', 1)[-1]} {changes}"


FAILING = [
    Case(policy, type_, mutate(base, changes), note=_note(type_, changes))
    for policy, type_, base, changes in VIOLATIONS
]
FAILING.append(Case(DELETION, CLUSTER, CLUSTER_BASELINE, protect=False, note="not protected in Pulumi"))
PASSING = [
    Case(policy, type_, mutate(base, changes), note=_note(type_, changes))
    for type_, base, changes in COMPLIANT
    for policy in CONTAINER
]

# The node account is unknown at preview (nodes.email); its origin decides (tests/policy/test_origins.py).
SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
PROJECT = "gcp:organizations/project:Project"
CREATED_ACCOUNT = (SERVICE_ACCOUNT, {"accountId": "gke-nodes", "email": UNKNOWN, "name": UNKNOWN})
ORIGIN_STACK = {
    "nodes": CREATED_ACCOUNT,
    "batch": (SERVICE_ACCOUNT, {"accountId": "gke-batch", "email": UNKNOWN}),
    "host": (PROJECT, {"projectId": "shop-host", "name": "shop-host", "number": UNKNOWN}),
    # Account.get with an id unknown at preview: the engine cannot read it, its outputs are empty.
    "deferred-read": (SERVICE_ACCOUNT, {}),
}
UNKNOWN_ACCOUNT = mutate(NODE_POOL_BASELINE, {"nodeConfig.serviceAccount": UNKNOWN})


def _origin(
    props: dict[str, Any], key: str, sources: tuple[str, ...], outcome: str, note: str, type_: str = NODE_POOL
) -> OriginCase:
    return OriginCase(ACCOUNT, type_, props, {key: sources}, outcome, note, ORIGIN_STACK)


ORIGIN_CASES = [
    _origin(UNKNOWN_ACCOUNT, "nodeConfig", ("nodes",), PASS, "the email of an account the stack creates"),
    _origin(UNKNOWN_ACCOUNT, "nodeConfig", ("nodes", "batch"), PASS, "computed from two created accounts"),
    _origin(
        mutate(CLUSTER_BASELINE, {"nodeConfig.serviceAccount": UNKNOWN}),
        "nodeConfig",
        ("nodes",),
        PASS,
        "a cluster's default pool",
        CLUSTER,
    ),
    _origin(
        mutate(AUTOPILOT_BASELINE, {"clusterAutoscaling.autoProvisioningDefaults.serviceAccount": UNKNOWN}),
        "clusterAutoscaling",
        ("nodes",),
        PASS,
        "Autopilot's auto-provisioning account",
        CLUSTER,
    ),
    _origin(UNKNOWN_ACCOUNT, "nodeConfig", ("host",), UNDETERMINED, "computed from a project (its number)"),
    _origin(UNKNOWN_ACCOUNT, "nodeConfig", ("nodes", "host"), UNDETERMINED, "an account and a project"),
    _origin(UNKNOWN_ACCOUNT, "nodeConfig", (), UNDETERMINED, "no dependency"),
    _origin(UNKNOWN_ACCOUNT, "nodeConfig", ("deferred-read",), UNDETERMINED, "an account read, not created"),
    _origin(
        UNKNOWN_ACCOUNT,
        "nodeConfig",
        ("urn:pulumi:test::test::gcp:serviceaccount/account:Account::elsewhere",),
        UNDETERMINED,
        "an account that is not in the stack",
    ),
    _origin(
        mutate(NODE_POOL_BASELINE, {"nodeConfig": UNKNOWN}),
        "nodeConfig",
        ("nodes",),
        UNDETERMINED,
        "the whole nodeConfig computed: it could leave the account out",
    ),
    _origin(
        mutate(NODE_POOL_BASELINE, {"nodeConfig.serviceAccount": DEFAULT_ACCOUNT}),
        "nodeConfig",
        ("nodes",),
        FAIL,
        "a known default account beside a created one",
    ),
]
