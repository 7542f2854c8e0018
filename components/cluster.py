"""The GKE cluster of the runtime tier (checklist §5 cert-manager's cluster, §8 Infrastructure Security, §9).

A regional GKE Standard cluster on the project VPC (components/network.py): nodes with private
addresses only, the control plane reachable only from the administrators' networks (master authorized
networks, never 0.0.0.0/0), Workload Identity, shielded nodes with secure boot and integrity
monitoring, Dataplane V2 (which enforces Kubernetes NetworkPolicy), a release channel and a
maintenance window, system and workload logs, deletion protection in the API and in Pulumi. The
default node pool is removed; one separately managed node pool autoscales, repairs and upgrades
itself and runs as a dedicated service account that can only write logs and metrics and pull images.

Or, with ``existingKubeconfigSecret``, an existing cluster: no cluster is created and the provider
is built from the kubeconfig that stacks/ reads from the secret config key ``agencyos-infra:kubeconfig``.

Either way the component owns the Kubernetes provider the rest of the stack deploys with.
"""

from __future__ import annotations

import ipaddress
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from components.iam import ACCOUNT_ID
from components.labels import Labels
from components.naming import check_name_prefix
from components.network import AdminCidr

TYPE = "agencyos:cluster:Cluster"
# Dataplane V2 (eBPF): enforces NetworkPolicy without the Calico add-on (checklist §8 network segmentation).
DATAPATH_PROVIDER = "ADVANCED_DATAPATH"
LOG_COMPONENTS = ("SYSTEM_COMPONENTS", "WORKLOADS")
# GA GKE no longer accepts WORKLOADS for monitoring (removed in 1.24): workload metrics come from
# Managed Service for Prometheus instead.
METRIC_COMPONENTS = ("SYSTEM_COMPONENTS",)
IMAGE_TYPE = "COS_CONTAINERD"
# Access is governed by the node account's IAM roles, not by legacy scopes.
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# What a node needs and nothing more: ship logs and metrics, report its metadata, pull images.
# None of these has a narrower resource to bind on within this stack (no Artifact Registry
# repository is created here), so they are project grants, each its own additive member.
NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)
AUTH_PLUGIN = "gke-gcloud-auth-plugin"
# GKE refuses a maintenance policy with less than 48 hours of availability in any 32 days.
GKE_MIN_MAINTENANCE_HOURS_PER_32_DAYS = 48
# Anchor of the recurring window (RFC 3339): GKE reads its time of day and duration; the date only
# has to be in the past.
_WINDOW_ANCHOR = datetime(2025, 1, 4, tzinfo=UTC)
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class ReleaseChannel(StrEnum):
    """GKE release channels; the cluster and its nodes upgrade on the channel's cadence."""

    RAPID = "RAPID"
    REGULAR = "REGULAR"
    STABLE = "STABLE"
    EXTENDED = "EXTENDED"


def _weekday(value: str) -> str:
    if value not in _DAYS:
        raise ValueError(f"must be one of {', '.join(_DAYS)} (RFC 5545 BYDAY)")
    return value


Weekday = Annotated[str, AfterValidator(_weekday)]


class ClusterSpec(BaseModel):
    """The cluster to create, or the existing cluster to use.

    This is the stack config object ``agencyos-infra:cluster``. Sizes are per zone: a regional
    cluster has nodes in each of the region's zones (three in most regions).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    existing_kubeconfig_secret: bool = Field(
        False,
        description="Use an existing cluster instead of creating one: its kubeconfig is the secret config key "
        "agencyos-infra:kubeconfig (`pulumi config set --secret kubeconfig < kubeconfig.yaml`).",
    )
    existing_cluster_name: str | None = Field(
        None,
        pattern=r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$",
        description="Name of the existing cluster (required with existingKubeconfigSecret).",
    )
    kubernetes_minor_version: str = Field(
        "1.31",
        pattern=r"^1\.[0-9]{2}$",
        description="Kubernetes minor version the workloads are validated against; the created cluster runs at "
        "least this version.",
    )
    release_channel: ReleaseChannel = Field(
        ReleaseChannel.REGULAR, description="GKE release channel for automatic, tested upgrades."
    )
    private_endpoint: bool = Field(
        False,
        description="Control plane reachable only on its private endpoint (from the VPC, e.g. the bastion); "
        "otherwise its public endpoint admits only the admin networks.",
    )
    admin_cidrs: tuple[AdminCidr, ...] = Field(
        (),
        description="Networks allowed to reach the control plane (checklist 8.infrastructure-security.2.2); empty "
        "reuses agencyos-infra:network.adminCidrs.",
    )
    machine_type: str = Field(
        "e2-standard-4", pattern=r"^[a-z][a-z0-9]*-[a-z0-9-]+$", description="Compute Engine machine type of the nodes."
    )
    disk_size_gb: int = Field(128, ge=10, le=65536, description="Boot disk of each node, in GB (GKE allows 10 and up).")
    min_nodes: int = Field(1, ge=0, le=1000, description="Autoscaling minimum of nodes per zone.")
    max_nodes: int = Field(3, ge=1, le=1000, description="Autoscaling maximum of nodes per zone.")
    maintenance_days: tuple[Weekday, ...] = Field(
        ("SA", "SU"), min_length=1, description="Days of the weekly maintenance window (MO..SU, UTC)."
    )
    maintenance_start_hour: int = Field(3, ge=0, le=23, description="Hour the maintenance window opens, 0-23 UTC.")
    maintenance_hours: int = Field(6, ge=4, le=24, description="Length of each maintenance window, in hours.")

    @model_validator(mode="after")
    def _consistent(self) -> ClusterSpec:
        if self.existing_kubeconfig_secret and not self.existing_cluster_name:
            raise ValueError("existingClusterName is required with existingKubeconfigSecret")
        if not self.existing_kubeconfig_secret and self.existing_cluster_name:
            raise ValueError("existingClusterName is only used with existingKubeconfigSecret")
        if self.min_nodes > self.max_nodes:
            raise ValueError("minNodes must not exceed maxNodes")
        if len(set(self.maintenance_days)) != len(self.maintenance_days):
            raise ValueError("maintenanceDays must not repeat a day")
        # Weekly windows over 32 days: GKE's own minimum, which only a real update would report.
        if len(self.maintenance_days) * self.maintenance_hours * 32 / 7 < GKE_MIN_MAINTENANCE_HOURS_PER_32_DAYS:
            raise ValueError(
                f"the maintenance window must give GKE at least {GKE_MIN_MAINTENANCE_HOURS_PER_32_DAYS} hours in "
                "32 days: add maintenanceDays or lengthen maintenanceHours"
            )
        return self


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    """Everything the Cluster component needs. Ordering (network, project services) goes in ``opts``."""

    name_prefix: str
    """Physical names start with this, e.g. agencyos-prod."""
    project: str
    """GCP project id: the node account's project and the Workload Identity pool's."""
    region: str
    """Region of the (regional) cluster."""
    labels: Labels
    """Labels for the cluster and its nodes."""
    spec: ClusterSpec = field(default_factory=lambda: ClusterSpec.model_validate({}))
    """Create or use; defaults meet the checklist."""
    network: pulumi.Input[str] | None = None
    """Self link of the VPC (``Network.network_self_link``); required to create a cluster."""
    subnetwork: pulumi.Input[str] | None = None
    """Id of the cluster subnet (``Network.subnet_id``); required to create a cluster."""
    pods_range_name: str = ""
    """Secondary range of the subnet for pods (``Network.pods_range_name``)."""
    services_range_name: str = ""
    """Secondary range of the subnet for services (``Network.services_range_name``)."""
    node_tag: str = ""
    """Network tag of the nodes (``Network.node_tag``): the firewall's web and bastion rules target it."""
    admin_cidrs: tuple[str, ...] = ()
    """Networks allowed to reach the control plane; the spec's, else the network's."""
    existing_kubeconfig: pulumi.Input[str] | None = None
    """Secret kubeconfig of the existing cluster; required with ``spec.existing_kubeconfig_secret``."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.project or not self.region:
            raise ValueError("project and region are required")
        for cidr in self.admin_cidrs:
            # The spec validates its own; this guards CIDRs handed over from elsewhere.
            if ipaddress.ip_network(cidr, strict=False).prefixlen == 0:
                raise ValueError("admin_cidrs must not contain 0.0.0.0/0 or ::/0")
        if self.spec.existing_kubeconfig_secret:
            if self.existing_kubeconfig is None:
                raise ValueError("existing_kubeconfig is required when using an existing cluster")
            return
        missing = [
            name
            for name in ("network", "subnetwork", "pods_range_name", "services_range_name", "node_tag")
            if not getattr(self, name)
        ]
        if missing:
            raise ValueError(f"{', '.join(missing)} required to create a cluster")
        if not ACCOUNT_ID.match(_node_account_id(self.name_prefix)):
            raise ValueError("name_prefix is too long for the node service account id (at most 21 characters)")


class Cluster(pulumi.ComponentResource):
    """A private GKE cluster and its node pool, or an existing cluster; and the Kubernetes provider for either."""

    provider: k8s.Provider
    """The Kubernetes provider for every Kubernetes resource of the stack; its kubeconfig is secret."""
    workload_pool: pulumi.Output[str]
    """<project>.svc.id.goog: the Workload Identity pool Kubernetes service accounts map into."""
    name: pulumi.Output[str]
    """The cluster's name."""
    kubernetes_minor_version: str
    """Minor version the workloads are validated against, e.g. 1.31."""
    node_service_account: pulumi.Output[str] | None
    """Email of the nodes' dedicated service account; None for an existing cluster."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        # depends_on is not inherited from the parent: every child gets the component's.
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        self.kubernetes_minor_version = spec.kubernetes_minor_version

        if spec.existing_kubeconfig_secret:
            assert args.existing_kubeconfig is not None and spec.existing_cluster_name, "checked by the args and spec"
            kubeconfig = pulumi.Output.secret(args.existing_kubeconfig)
            self.name = pulumi.Output.from_input(spec.existing_cluster_name)
            self.workload_pool = pulumi.Output.from_input(f"{args.project}.svc.id.goog")
            self.node_service_account = None
        else:
            cluster, account_email = self._create(name, args, child)
            self.name = cluster.name
            self.workload_pool = cluster.workload_identity_config.apply(
                lambda config: config.workload_pool if config and config.workload_pool else ""
            )
            self.node_service_account = account_email
            kubeconfig = _kubeconfig(cluster, private_endpoint=spec.private_endpoint)

        self.provider = k8s.Provider(
            f"{name}-kubernetes",
            kubeconfig=kubeconfig,
            # Server-side apply: field ownership is explicit and conflicts surface instead of being overwritten.
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(additional_secret_outputs=["kubeconfig"])),
        )
        self.register_outputs(
            {
                "name": self.name,
                "workload_pool": self.workload_pool,
                "kubernetes_minor_version": self.kubernetes_minor_version,
                "node_service_account": self.node_service_account,
            }
        )

    def _create(
        self, name: str, args: ClusterArgs, child: pulumi.ResourceOptions
    ) -> tuple[gcp.container.Cluster, pulumi.Output[str]]:
        spec, prefix = args.spec, args.name_prefix
        account = gcp.serviceaccount.Account(
            f"{name}-node-account",
            project=args.project,
            account_id=_node_account_id(prefix),
            display_name=f"{prefix} GKE nodes",
            description="Runs the GKE nodes only: writes logs and metrics, pulls images.",
            opts=child,
        )
        # The documented email format, known before the account exists, so the policy pack can tell
        # it from the default compute account at preview (account.email would be unknown then).
        email = pulumi.Output.format("{0}@{1}.iam.gserviceaccount.com", account.account_id, args.project)
        grants = [
            gcp.projects.IAMMember(
                f"{name}-node-{role.removeprefix('roles/').replace('.', '-').lower()}",
                project=args.project,
                role=role,
                member=pulumi.Output.concat("serviceAccount:", email),
                opts=child,
            )
            for role in NODE_ROLES
        ]
        shielded = {"enable_secure_boot": True, "enable_integrity_monitoring": True}
        # Admin networks first from the spec, else from the network component (args).
        admin_cidrs = spec.admin_cidrs or args.admin_cidrs
        if not admin_cidrs and not spec.private_endpoint:
            # Compliant (no external source at all) but unusual: only the VPC reaches the control plane.
            pulumi.log.warn(
                "cluster: no admin CIDRs, so the public endpoint admits nobody; deploy from inside the VPC or set "
                "agencyos-infra:network.adminCidrs",
                resource=self,
            )
        cluster = gcp.container.Cluster(
            f"{name}-gke",
            name=f"{prefix}-gke",
            project=args.project,
            location=args.region,
            network=args.network,
            subnetwork=args.subnetwork,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name=args.pods_range_name,
                services_secondary_range_name=args.services_range_name,
            ),
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True, enable_private_endpoint=spec.private_endpoint
            ),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                        cidr_block=cidr, display_name=f"admin-{index}"
                    )
                    for index, cidr in enumerate(admin_cidrs)
                ],
                gcp_public_cidrs_access_enabled=False,
            ),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=f"{args.project}.svc.id.goog"
            ),
            enable_shielded_nodes=True,
            enable_legacy_abac=False,
            datapath_provider=DATAPATH_PROVIDER,
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel=spec.release_channel.value),
            min_master_version=spec.kubernetes_minor_version,
            maintenance_policy=gcp.container.ClusterMaintenancePolicyArgs(
                recurring_window=gcp.container.ClusterMaintenancePolicyRecurringWindowArgs(
                    start_time=_window_time(spec.maintenance_start_hour),
                    end_time=_window_time(spec.maintenance_start_hour + spec.maintenance_hours),
                    recurrence=f"FREQ=WEEKLY;BYDAY={','.join(spec.maintenance_days)}",
                )
            ),
            logging_config=gcp.container.ClusterLoggingConfigArgs(enable_components=list(LOG_COMPONENTS)),
            monitoring_config=gcp.container.ClusterMonitoringConfigArgs(
                enable_components=list(METRIC_COMPONENTS),
                managed_prometheus=gcp.container.ClusterMonitoringConfigManagedPrometheusArgs(enabled=True),
            ),
            deletion_protection=True,
            # The default pool cannot be managed on its own; it goes once the cluster exists. While it
            # lives it runs as the dedicated account too, never as the default compute account.
            remove_default_node_pool=True,
            initial_node_count=1,
            node_config=gcp.container.ClusterNodeConfigArgs(
                service_account=email,
                oauth_scopes=[CLOUD_PLATFORM_SCOPE],
                shielded_instance_config=gcp.container.ClusterNodeConfigShieldedInstanceConfigArgs(**shielded),
                workload_metadata_config=gcp.container.ClusterNodeConfigWorkloadMetadataConfigArgs(mode="GKE_METADATA"),
            ),
            resource_labels=args.labels,
            # The nodes need their roles before they register, or they start without logs and metrics.
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(
                    protect=True,
                    depends_on=grants,
                    # GKE fills node_config for the removed default pool; its drift is not ours to fix.
                    ignore_changes=["nodeConfig"],
                ),
            ),
        )
        gcp.container.NodePool(
            f"{name}-nodes",
            name=f"{prefix}-nodes",
            project=args.project,
            location=args.region,
            cluster=cluster.name,
            initial_node_count=spec.min_nodes,
            autoscaling=gcp.container.NodePoolAutoscalingArgs(
                min_node_count=spec.min_nodes, max_node_count=spec.max_nodes
            ),
            management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            upgrade_settings=gcp.container.NodePoolUpgradeSettingsArgs(max_surge=1, max_unavailable=0),
            node_config=gcp.container.NodePoolNodeConfigArgs(
                machine_type=spec.machine_type,
                disk_size_gb=spec.disk_size_gb,
                image_type=IMAGE_TYPE,
                service_account=email,
                oauth_scopes=[CLOUD_PLATFORM_SCOPE],
                shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(**shielded),
                workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(
                    mode="GKE_METADATA"
                ),
                tags=[args.node_tag],
                resource_labels=args.labels,
                metadata={"disable-legacy-endpoints": "true"},
            ),
            # merge() adds these to the component's depends_on.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=grants)),
        )
        return cluster, email


def _node_account_id(prefix: str) -> str:
    return f"{prefix}-gke-node"


def _window_time(hours: int) -> str:
    """The anchor plus ``hours``, as GKE writes RFC 3339 instants (UTC, Z)."""
    return (_WINDOW_ANCHOR + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _kubeconfig(cluster: gcp.container.Cluster, *, private_endpoint: bool) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with gke-gcloud-auth-plugin (no static credentials), kept secret."""
    endpoint = (
        cluster.private_cluster_config.apply(lambda config: config.private_endpoint if config else None)
        if private_endpoint
        else cluster.endpoint
    )
    ca = cluster.master_auth.apply(lambda auth: auth.cluster_ca_certificate)
    template = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Config
        clusters:
        - name: {0}
          cluster:
            server: https://{1}
            certificate-authority-data: {2}
        contexts:
        - name: {0}
          context:
            cluster: {0}
            user: {0}
        current-context: {0}
        users:
        - name: {0}
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: {3}
              installHint: Install gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin).
              provideClusterInfo: true
              interactiveMode: Never
        """
    )
    return pulumi.Output.secret(pulumi.Output.format(template, cluster.name, endpoint, ca, AUTH_PLUGIN))
