"""GKE policies: checklist §8 Infrastructure Security (private nodes, admin access, container security).

Written from the ``gcp:container/cluster:Cluster`` and ``gcp:container/nodePool:NodePool`` schemas.
Provider and GKE defaults for absent properties:

- ``privateClusterConfig`` absent: public nodes (every node gets an external IP).
- ``masterAuthorizedNetworksConfig`` absent: the control plane's endpoint admits every address.
  Present without ``cidrBlocks``: no external network at all (stricter, passes).
  ``gcpPublicCidrsAccessEnabled`` absent: false. A control plane without IP endpoints
  (``controlPlaneEndpointsConfig.ipEndpointsConfig.enabled`` false, DNS endpoint with IAM only)
  admits no address, so it needs no list.
- ``workloadIdentityConfig`` absent: no Workload Identity; pods see the node's credentials.
  A node config's ``workloadMetadataConfig.mode`` GCE_METADATA exposes them again on that pool.
- ``enableShieldedNodes`` absent: true (the provider's default, GKE's since 1.18).
- ``enableLegacyAbac`` absent: false.
- ``nodeConfig.serviceAccount`` absent: the Compute Engine default service account (project Editor).
  The cluster's ``nodeConfig`` is the default pool's: judged unless ``removeDefaultNodePool`` is true
  or ``nodePools`` replaces it. Node auto-provisioning and Autopilot run nodes as
  ``clusterAutoscaling.autoProvisioningDefaults.serviceAccount``, the default account when absent.
- ``datapathProvider`` absent: LEGACY_DATAPATH; ``networkPolicy.enabled`` absent: false; the
  ``addonsConfig.networkPolicyConfig`` add-on absent: disabled. Calico needs both the latter.
- ``releaseChannel`` absent: the provider leaves the channel unmanaged; UNSPECIFIED unenrolls.
- ``maintenancePolicy`` absent: GKE maintains at any time.
- ``deletionProtection`` absent: true (provider 5 and later).
- ``nodeConfig.shieldedInstanceConfig``: secure boot absent false, integrity monitoring absent true.
- A NodePool's ``networkConfig.enablePrivateNodes`` absent: the cluster's setting.

Autopilot (``enableAutopilot`` true) meets several rules by construction: Workload Identity,
shielded nodes with secure boot, Dataplane V2, a release channel, no legacy ABAC. Those rules pass an
Autopilot cluster; private nodes, authorized networks and the node service account still apply.

Unknown values cannot pass a mandatory rule: they are undetermined. A service account computed during
the update could be the default one (e.g. ``<project number>-compute@...`` of a project created
alongside), unless its origin says otherwise: one computed only from ``serviceaccount.Account``
resources the stack creates is such an account (see ``CREATED_ACCOUNT``), so it passes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from pulumi_policy import Severity

from agencyos_policy.origins import created
from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, Finding, Subject, resource_policy
from agencyos_policy.rules import expect, unknown

CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
# An account the stack creates has the email <accountId>@<project>.iam.gserviceaccount.com: a user-managed
# account, never the Compute Engine default <project number>-compute@developer.gserviceaccount.com, which
# GCP creates with the project and no stack creates; and no output of an Account (accountId, email, member,
# name, project, uniqueId...) holds the project number to build that address from.
CREATED_ACCOUNT = created(
    (SERVICE_ACCOUNT,),
    "accountId",
    "it is computed only from service accounts this stack creates (their email), never the default account",
)

ADVANCED_DATAPATH = "ADVANCED_DATAPATH"
CHANNELS = ("RAPID", "REGULAR", "STABLE", "EXTENDED")
# The Compute Engine default service account: "default" in the API, or its email.
_DEFAULT_ACCOUNT = re.compile(r"^(default|[0-9]+-compute@developer\.gserviceaccount\.com)$", re.ASCII)
AUTOPROVISIONING = ("clusterAutoscaling", "autoProvisioningDefaults")

cluster_policy = partial(resource_policy, resource_types=(CLUSTER,), tags=("kubernetes",))
node_policy = partial(resource_policy, resource_types=(CLUSTER, NODE_POOL), tags=("kubernetes",))


def is_autopilot(subject: Subject) -> bool:
    return lookup(subject.props, "enableAutopilot") is True


def standard_cluster(subject: Subject) -> bool:
    """Rules Autopilot meets by construction judge Standard clusters (and node pools) only."""
    return not is_autopilot(subject)


def _node_configs(subject: Subject) -> Iterator[tuple[str | int, ...]]:
    """Paths of the node configs a resource defines: a NodePool's own, a cluster's default and inline pools."""
    if subject.resource_type == NODE_POOL:
        yield ("nodeConfig",)
        return
    if is_autopilot(subject):
        return  # Autopilot has no node pools of its own; auto-provisioning defaults stand in
    default_pool_removed = lookup(subject.props, "removeDefaultNodePool") is True
    pools = items(subject.props, "nodePools")
    if not default_pool_removed and pools in (ABSENT, []):
        yield ("nodeConfig",)
    if isinstance(pools, list):
        for index in range(len(pools)):
            yield ("nodePools", index, "nodeConfig")


@node_policy(
    name="gcp-container-cluster-private-nodes",
    item="8.infrastructure-security.1.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="GKE nodes have internal IP addresses only.",
    remediation="Set privateClusterConfig.enablePrivateNodes to true; never set a node pool's "
    "networkConfig.enablePrivateNodes to false. Egress goes through Cloud NAT.",
)
def private_nodes(subject: Subject) -> Iterator[str]:
    if subject.resource_type == CLUSTER:
        yield from expect(
            subject,
            ("privateClusterConfig", "enablePrivateNodes"),
            lambda enabled: enabled is True,
            "be true, so nodes get no external IP",
            default=False,
            absent_means="public nodes",
        )
        pools = items(subject.props, "nodePools")
        paths: list[tuple[str | int, ...]] = (
            [("nodePools", i) for i in range(len(pools))] if isinstance(pools, list) else []
        )
    else:
        paths = [()]
    for path in paths:
        yield from expect(
            subject,
            (*path, "networkConfig", "enablePrivateNodes"),
            lambda enabled: enabled is not False,
            "not be false: a node pool with public nodes undoes the private cluster",
            default=None,
        )


def _cidr_is_internet(cidr: Any) -> bool:
    """0.0.0.0/0 or ::/0 in any spelling; a block that does not parse cannot be proven narrower."""
    try:
        return ipaddress.ip_network(str(cidr).strip(), strict=False).prefixlen == 0
    except ValueError:
        return True


@cluster_policy(
    name="gcp-container-cluster-master-authorized-networks",
    item="8.infrastructure-security.2.2",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="The GKE control plane admits only known administrator networks, never 0.0.0.0/0 or ::/0.",
    remediation="Set masterAuthorizedNetworksConfig.cidrBlocks to the administrators' networks (or none, for "
    "access from the VPC only) and leave gcpPublicCidrsAccessEnabled false.",
)
def master_authorized_networks(subject: Subject) -> Iterator[str]:
    ip_endpoints = lookup(subject.props, "controlPlaneEndpointsConfig", "ipEndpointsConfig", "enabled")
    if ip_endpoints is False:
        return  # no IP endpoint at all: the DNS endpoint authorizes by IAM, not by address
    config = ("masterAuthorizedNetworksConfig",)
    value = lookup(subject.props, *config)
    if value is UNKNOWN:
        yield from unknown(subject, config)
        return
    if value is ABSENT:
        yield f"{dotted(*config)} must be set with the administrators' networks; absent means every address."
        return
    blocks = items(subject.props, *config, "cidrBlocks")
    if blocks is UNKNOWN:
        yield from unknown(subject, (*config, "cidrBlocks"))
    elif isinstance(blocks, list):
        for index in range(len(blocks)):
            path = (*config, "cidrBlocks", index, "cidrBlock")
            cidr = lookup(subject.props, *path)
            if cidr is UNKNOWN:
                yield from unknown(subject, path)
            elif _cidr_is_internet(cidr):
                yield f"{dotted(*path)} must be a known network in CIDR form, never 0.0.0.0/0 or ::/0."
    yield from expect(
        subject,
        (*config, "gcpPublicCidrsAccessEnabled"),
        lambda enabled: enabled is not True,
        "not be true: it admits every Google Cloud public IP",
        default=False,
    )


@node_policy(
    name="gcp-container-cluster-workload-identity",
    item="3.google-cloud-platform.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Pods get Google credentials through Workload Identity, never from downloaded keys or the node's "
    "account.",
    remediation="Set workloadIdentityConfig.workloadPool to <project>.svc.id.goog and keep node pools on "
    "workloadMetadataConfig.mode GKE_METADATA.",
)
def workload_identity(subject: Subject) -> Iterator[str]:
    if subject.resource_type == CLUSTER and not is_autopilot(subject):
        yield from expect(
            subject,
            ("workloadIdentityConfig", "workloadPool"),
            lambda pool: isinstance(pool, str) and pool.endswith(".svc.id.goog"),
            "name the project's pool, <project>.svc.id.goog",
            absent_means="no Workload Identity",
        )
    for path in _node_configs(subject):
        yield from expect(
            subject,
            (*path, "workloadMetadataConfig", "mode"),
            lambda mode: mode != "GCE_METADATA",
            "not be GCE_METADATA, which hands pods the node's credentials",
            default=None,
        )


@cluster_policy(
    name="gcp-container-cluster-shielded-nodes",
    item="8.infrastructure-security.4",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="GKE nodes are Shielded GKE Nodes (verifiable node identity and integrity).",
    remediation="Leave enableShieldedNodes unset or set it to true.",
    applies=standard_cluster,
)
def shielded_nodes(subject: Subject) -> Iterator[str]:
    yield from expect(subject, ("enableShieldedNodes",), lambda enabled: enabled is not False, "not be false")


@cluster_policy(
    name="gcp-container-cluster-no-legacy-abac",
    item="8.infrastructure-security.4",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="GKE authorizes with RBAC and IAM only; the legacy ABAC authorizer is off.",
    remediation="Leave enableLegacyAbac unset or set it to false.",
    applies=standard_cluster,
)
def no_legacy_abac(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        ("enableLegacyAbac",),
        lambda enabled: enabled is not True,
        "not be true: ABAC grants static permissions beyond RBAC and IAM",
        default=False,
    )


@node_policy(
    name="gcp-container-nodepool-dedicated-service-account",
    item="3.google-cloud-platform.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="GKE nodes run as a dedicated least-privilege service account, never the Compute Engine default "
    "account (project Editor).",
    remediation="Set nodeConfig.serviceAccount (and clusterAutoscaling.autoProvisioningDefaults.serviceAccount for "
    "Autopilot or node auto-provisioning) to a dedicated account's email, known before the update.",
)
def dedicated_service_account(subject: Subject) -> Iterator[Finding]:
    paths = [(*path, "serviceAccount") for path in _node_configs(subject)]
    autoscaled = lookup(subject.props, "clusterAutoscaling", "enabled")
    if subject.resource_type == CLUSTER and (is_autopilot(subject) or autoscaled is True):
        paths.append((*AUTOPROVISIONING, "serviceAccount"))
    elif subject.resource_type == CLUSTER and autoscaled is UNKNOWN:
        yield from unknown(subject, ("clusterAutoscaling", "enabled"))
    for path in paths:
        yield from expect(
            subject,
            path,
            lambda account: isinstance(account, str) and bool(account) and not _DEFAULT_ACCOUNT.match(account),
            "name a dedicated service account, not the Compute Engine default account",
            absent_means="the Compute Engine default account",
            proof=CREATED_ACCOUNT,
        )


@cluster_policy(
    name="gcp-container-cluster-network-policy",
    item="8.infrastructure-security.1",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="GKE enforces Kubernetes NetworkPolicy (Dataplane V2, or the network policy add-on).",
    remediation="Set datapathProvider to ADVANCED_DATAPATH (Dataplane V2), or set networkPolicy.enabled to true "
    "with addonsConfig.networkPolicyConfig.disabled false.",
    applies=standard_cluster,
)
def network_policy(subject: Subject) -> Iterator[str]:
    props = subject.props
    datapath = lookup(props, "datapathProvider")
    calico = lookup(props, "networkPolicy", "enabled")
    addon_disabled = lookup(props, "addonsConfig", "networkPolicyConfig", "disabled")
    if UNKNOWN in (datapath, calico, addon_disabled) or datapath == ADVANCED_DATAPATH:
        return  # advisory: a computed value gets the benefit of the doubt
    if not (calico is True and addon_disabled is False):
        yield (
            "datapathProvider should be ADVANCED_DATAPATH, or networkPolicy.enabled true with the "
            "addonsConfig.networkPolicyConfig add-on enabled, so NetworkPolicy objects are enforced."
        )


@cluster_policy(
    name="gcp-container-cluster-release-channel",
    item="post-launch-maintenance.weekly.3",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="GKE clusters are enrolled in a release channel, so security patches arrive on a tested cadence.",
    remediation=f"Set releaseChannel.channel to one of {', '.join(CHANNELS)}.",
    applies=standard_cluster,
)
def release_channel(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        ("releaseChannel", "channel"),
        lambda channel: channel in CHANNELS,
        f"be one of {', '.join(CHANNELS)}",
        absent_means="the channel is left unmanaged",
    )


@cluster_policy(
    name="gcp-container-cluster-maintenance-window",
    item="post-launch-maintenance.weekly.3",
    level=ADVISORY,
    severity=Severity.LOW,
    description="GKE upgrades happen in a planned maintenance window.",
    remediation="Set maintenancePolicy.recurringWindow (startTime, endTime, recurrence) or "
    "maintenancePolicy.dailyMaintenanceWindow.startTime.",
)
def maintenance_window(subject: Subject) -> Iterator[str]:
    policy = ("maintenancePolicy",)
    windows = [
        lookup(subject.props, *policy, "recurringWindow", "recurrence"),
        lookup(subject.props, *policy, "dailyMaintenanceWindow", "startTime"),
        lookup(subject.props, *policy, "recurringMaintenanceWindow"),
    ]
    if all(window is ABSENT for window in windows):
        yield f"{dotted(*policy)} should set a recurring or daily window, so upgrades land at a planned time."


@cluster_policy(
    name="gcp-container-cluster-deletion-protection",
    item="7.disaster-recovery-plan.1",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="GKE clusters cannot be deleted by accident.",
    remediation="Leave deletionProtection unset or true, and pass opts=ResourceOptions(protect=True).",
)
def deletion_protection(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject, ("deletionProtection",), lambda enabled: enabled is not False, "not be false", default=True
    )
    if not subject.opts.protect:
        yield "the resource option protect should be true so `pulumi destroy` cannot delete the cluster."


@node_policy(
    name="gcp-container-nodepool-secure-boot",
    item="8.infrastructure-security.4",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="GKE nodes boot verified software only and monitor their boot integrity.",
    remediation="Set nodeConfig.shieldedInstanceConfig.enableSecureBoot to true and leave "
    "enableIntegrityMonitoring unset or true.",
)
def secure_boot(subject: Subject) -> Iterator[str]:
    for path in _node_configs(subject):
        shielded = (*path, "shieldedInstanceConfig")
        yield from expect(
            subject,
            (*shielded, "enableSecureBoot"),
            lambda enabled: enabled is True,
            "be true",
            default=False,
            absent_means="off",
        )
        yield from expect(
            subject,
            (*shielded, "enableIntegrityMonitoring"),
            lambda enabled: enabled is not False,
            "not be false",
            default=True,
        )
