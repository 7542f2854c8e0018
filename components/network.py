"""The VPC of checklist §8 Infrastructure Security: private subnets, a bastion, firewall rules.

A custom-mode VPC (no auto subnets) with one private subnet for the cluster (secondary ranges for
pods and services, Private Google Access, flow logs), Cloud Router + Cloud NAT for egress, and
private services access (a reserved range peered by Service Networking) so Cloud SQL and
Memorystore get private IPs only.

Firewall (checklist 8.infrastructure-security.2): nothing enters from the internet directly. The
web path is HTTP/HTTPS from Google's load balancers and health checkers to the cluster nodes: a
GKE ingress terminates client traffic on a Google front end, which reaches the nodes from
130.211.0.0/22 and 35.191.0.0/16 only, so the nodes never accept a client address. GKE adds its own
rules for the ports of the Services it exposes (container-native load balancing); those come from
the same ranges. SSH reaches only the bastion (no external IP, OS Login, Shielded VM), only
through Identity-Aware Proxy's TCP forwarding range, and only for the identities granted IAP access
on it; from the bastion, SSH to the nodes. An explicit deny-all ingress rule at the lowest usable
priority makes "block all other inbound traffic" visible and logged.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

import pulumi
import pulumi_gcp as gcp
from agencyos_checklist.numbers import FIREWALL_HTTP_PORT, FIREWALL_HTTPS_PORT
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.naming import check_name_prefix

TYPE = "agencyos:network:Network"
# Google's documented source ranges for external load balancers' proxies and health checks.
LOAD_BALANCER_RANGES = ("130.211.0.0/22", "35.191.0.0/16")
# Identity-Aware Proxy's TCP forwarding source range: the only way in to the bastion.
IAP_TCP_FORWARDING_RANGE = "35.235.240.0/20"
SSH_PORT = 22
ANY_IPV4 = "0.0.0.0/0"
ALLOW_PRIORITY = 1000
# 65535 is the implied deny; one above it keeps the explicit deny overridable by nothing we write.
DENY_ALL_PRIORITY = 65534
BASTION_IMAGE = "debian-cloud/debian-12"
PSA_SERVICE = "servicenetworking.googleapis.com"


def _private_cidr(value: str) -> str:
    """A private IPv4 network in CIDR form, ASCII only, host bits clear."""
    if not value.isascii():
        raise ValueError("must be an IPv4 CIDR in ASCII digits, e.g. 10.10.0.0/20")
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        raise ValueError("must be an IPv4 network in CIDR form with host bits clear, e.g. 10.10.0.0/20") from None
    if not network.is_private or "/" not in value:
        raise ValueError("must be a private (RFC 1918) range in CIDR form, e.g. 10.10.0.0/20")
    return value


def _admin_cidr(value: str) -> str:
    """An administrator's network: any IPv4/IPv6 CIDR except the whole internet."""
    if not value.isascii():
        raise ValueError("must be a CIDR in ASCII digits, e.g. 203.0.113.0/24")
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("must be a network in CIDR form with host bits clear, e.g. 203.0.113.0/24") from None
    if network.prefixlen == 0 or "/" not in value:
        raise ValueError("must be a specific network in CIDR form, not the whole internet")
    return value


PrivateCidr = Annotated[str, AfterValidator(_private_cidr)]
AdminCidr = Annotated[str, AfterValidator(_admin_cidr)]


class NatLogFilter(StrEnum):
    """Which Cloud NAT events are logged."""

    ERRORS_ONLY = "ERRORS_ONLY"
    TRANSLATIONS_ONLY = "TRANSLATIONS_ONLY"
    ALL = "ALL"


class BastionSpec(BaseModel):
    """The SSH bastion (checklist 8.infrastructure-security.1.2), reached through IAP only."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    enabled: bool = Field(True, description="Create the bastion VM and its IAP SSH firewall rule.")
    machine_type: str = Field(
        "e2-micro", pattern=r"^[a-z][a-z0-9]*-[a-z0-9-]+$", description="Compute Engine machine type of the bastion."
    )
    zone: str = Field("b", pattern=r"^[a-z]$", description="Zone letter in the stack's region, e.g. b for <region>-b.")
    admins: tuple[str, ...] = Field(
        (),
        description="IAM members (user:, group:) allowed to open IAP SSH tunnels to the bastion and log in by "
        "OS Login.",
    )

    @model_validator(mode="after")
    def _members_are_people(self) -> BastionSpec:
        for member in self.admins:
            if not member.isascii() or not member.startswith(("user:", "group:")) or "@" not in member:
                raise ValueError("admins must be IAM members of the form user:<email> or group:<email>")
        return self


class NetworkSpec(BaseModel):
    """Address plan, egress and admin access of the VPC.

    This is the stack config object ``agencyos-infra:network``. Ranges must be private and must not
    overlap: the subnet, its pods and services ranges and the private services range share one VPC.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    subnet_cidr: PrivateCidr = Field("10.10.0.0/20", description="Primary range of the cluster subnet (nodes).")
    pods_cidr: PrivateCidr = Field("10.20.0.0/14", description="Secondary range for GKE pods.")
    services_cidr: PrivateCidr = Field("10.24.0.0/20", description="Secondary range for GKE services.")
    private_services_cidr: PrivateCidr = Field(
        "10.30.0.0/16",
        description="Range reserved for private services access (Cloud SQL, Memorystore) (checklist "
        "8.infrastructure-security.1.1).",
    )
    admin_cidrs: tuple[AdminCidr, ...] = Field(
        (),
        description="Administrators' networks (checklist 8.infrastructure-security.2.2): the only sources allowed "
        "to reach admin endpoints that accept addresses, such as the GKE control plane. SSH never takes them: "
        "it comes through IAP.",
    )
    bastion: BastionSpec = Field(
        default_factory=lambda: BastionSpec.model_validate({}), description="The SSH bastion reached through IAP."
    )
    nat_log_filter: NatLogFilter = Field(NatLogFilter.ERRORS_ONLY, description="Cloud NAT events that are logged.")
    nat_min_ports_per_vm: int = Field(
        64, ge=32, le=65536, description="Cloud NAT source ports reserved per VM (raise for many outbound calls)."
    )
    flow_logs: bool = Field(True, description="VPC flow logs on the cluster subnet, for security investigations.")

    @model_validator(mode="after")
    def _ranges_do_not_overlap(self) -> NetworkSpec:
        named = {
            "subnetCidr": self.subnet_cidr,
            "podsCidr": self.pods_cidr,
            "servicesCidr": self.services_cidr,
            "privateServicesCidr": self.private_services_cidr,
        }
        networks = [(key, ipaddress.IPv4Network(value)) for key, value in named.items()]
        for index, (key, network) in enumerate(networks):
            for other_key, other in networks[index + 1 :]:
                if network.overlaps(other):
                    raise ValueError(f"{key} and {other_key} overlap; every range of the VPC must be distinct")
        return self


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    """Everything the Network component needs. Ordering (project services) goes in ``opts``."""

    name_prefix: str
    """Physical names start with this, e.g. agencyos-prod."""
    region: str
    """GCP region of the subnet, router and bastion."""
    labels: Labels
    """Labels for every resource that takes them."""
    bastion_service_account: pulumi.Input[str] | None = None
    """Email of the bastion's dedicated service account; required when the bastion is enabled."""
    spec: NetworkSpec = field(default_factory=lambda: NetworkSpec.model_validate({}))
    """Address plan and access; defaults meet the checklist."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.region:
            raise ValueError("region is required")
        if self.spec.bastion.enabled and not self.bastion_service_account:
            raise ValueError("bastion_service_account is required when the bastion is enabled")


class Network(pulumi.ComponentResource):
    """Custom VPC, cluster subnet, NAT egress, private services access, firewall and bastion."""

    network_id: pulumi.Output[str]
    """projects/<project>/global/networks/<name>: what Cloud SQL and Memorystore take as their network."""
    network_self_link: pulumi.Output[str]
    """Self link of the VPC."""
    subnet_id: pulumi.Output[str]
    """Id of the cluster subnet."""
    subnet_self_link: pulumi.Output[str]
    """Self link of the cluster subnet."""
    pods_range_name: str
    """Name of the subnet's secondary range for pods (GKE ip_allocation_policy)."""
    services_range_name: str
    """Name of the subnet's secondary range for services."""
    node_tag: str
    """Network tag the cluster's nodes carry; the web and bastion SSH rules target it."""
    admin_cidrs: list[str]
    """Administrators' networks, e.g. for the GKE control plane's authorized networks."""
    private_services_access: pulumi.Resource
    """The Service Networking connection: put it in ``opts.depends_on`` of Cloud SQL and Memorystore."""
    bastion_name: pulumi.Output[str] | None
    """Name of the bastion VM (``gcloud compute ssh --tunnel-through-iap``), if enabled."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec, prefix = args.spec, args.name_prefix
        # depends_on is not inherited from the parent: every child gets the component's (project services).
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        # Cloud SQL and Memorystore stand on the VPC and its peering: never deleted by accident.
        stateful = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True))
        self.pods_range_name = f"{prefix}-pods"
        self.services_range_name = f"{prefix}-services"
        self.node_tag = f"{prefix}-gke-node"
        bastion_tag = f"{prefix}-bastion"
        self.admin_cidrs = list(spec.admin_cidrs)

        vpc = gcp.compute.Network(
            f"{name}-vpc",
            name=f"{prefix}-vpc",
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            # The default route to the internet stays: Cloud NAT uses it for egress of private VMs.
            opts=stateful,
        )
        subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=f"{prefix}-gke",
            region=args.region,
            network=vpc.id,
            ip_cidr_range=spec.subnet_cidr,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=self.pods_range_name, ip_cidr_range=spec.pods_cidr
                ),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=self.services_range_name, ip_cidr_range=spec.services_cidr
                ),
            ],
            private_ip_google_access=True,
            log_config=gcp.compute.SubnetworkLogConfigArgs(
                aggregation_interval="INTERVAL_5_SEC", flow_sampling=0.5, metadata="INCLUDE_ALL_METADATA"
            )
            if spec.flow_logs
            else None,
            opts=stateful,
        )
        router = gcp.compute.Router(
            f"{name}-router", name=f"{prefix}-router", region=args.region, network=vpc.id, opts=child
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=f"{prefix}-nat",
            region=args.region,
            router=router.name,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            min_ports_per_vm=spec.nat_min_ports_per_vm,
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter=spec.nat_log_filter.value),
            opts=child,
        )

        psa = ipaddress.IPv4Network(spec.private_services_cidr)
        psa_range = gcp.compute.GlobalAddress(
            f"{name}-psa-range",
            name=f"{prefix}-psa",
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            address=str(psa.network_address),
            prefix_length=psa.prefixlen,
            network=vpc.id,
            labels=args.labels,
            opts=stateful,
        )
        connection = gcp.servicenetworking.Connection(
            f"{name}-psa",
            network=vpc.id,
            service=PSA_SERVICE,
            reserved_peering_ranges=[psa_range.name],
            # Removing the peering fails while Cloud SQL or Memorystore still use it; on destroy the
            # peering goes with the VPC instead.
            deletion_policy="ABANDON",
            opts=stateful,
        )

        self._firewall(name, prefix, vpc, child, bastion_tag)
        self.bastion_name = self._bastion(name, args, subnet, child, bastion_tag).name if spec.bastion.enabled else None

        # The provider's id format, built from the name so every consumer gets the same shape.
        self.network_id = pulumi.Output.format("projects/{0}/global/networks/{1}", vpc.project, vpc.name)
        self.network_self_link = vpc.self_link
        self.subnet_id = subnet.id
        self.subnet_self_link = subnet.self_link
        self.private_services_access = connection
        self.register_outputs(
            {
                "network_id": self.network_id,
                "network_self_link": self.network_self_link,
                "subnet_id": self.subnet_id,
                "subnet_self_link": self.subnet_self_link,
                "pods_range_name": self.pods_range_name,
                "services_range_name": self.services_range_name,
                "node_tag": self.node_tag,
                "bastion_name": self.bastion_name,
            }
        )

    def _firewall(
        self, name: str, prefix: str, vpc: gcp.compute.Network, child: pulumi.ResourceOptions, bastion_tag: str
    ) -> None:
        """Ingress: web from the load balancers, SSH through IAP to the bastion and on to nodes, deny the rest."""
        logged = gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA")
        gcp.compute.Firewall(
            f"{name}-allow-lb-web",
            name=f"{prefix}-allow-lb-web",
            network=vpc.self_link,
            direction="INGRESS",
            priority=ALLOW_PRIORITY,
            source_ranges=list(LOAD_BALANCER_RANGES),
            target_tags=[self.node_tag],
            allows=[
                gcp.compute.FirewallAllowArgs(
                    protocol="tcp", ports=[str(FIREWALL_HTTPS_PORT.value), str(FIREWALL_HTTP_PORT.value)]
                )
            ],
            description="Google load balancers and health checks to the cluster nodes (checklist "
            f"{FIREWALL_HTTPS_PORT.item}).",
            opts=child,
        )
        gcp.compute.Firewall(
            f"{name}-deny-all-ingress",
            name=f"{prefix}-deny-all-ingress",
            network=vpc.self_link,
            direction="INGRESS",
            priority=DENY_ALL_PRIORITY,
            source_ranges=[ANY_IPV4],
            denies=[gcp.compute.FirewallDenyArgs(protocol="all")],
            log_config=logged,
            description="Block all other inbound traffic (checklist 8.infrastructure-security.2.3).",
            opts=child,
        )

    def _bastion(
        self,
        name: str,
        args: NetworkArgs,
        subnet: gcp.compute.Subnetwork,
        child: pulumi.ResourceOptions,
        bastion_tag: str,
    ) -> gcp.compute.Instance:
        """The bastion VM, its IAP-only SSH rule, SSH from it to the nodes, and who may use it."""
        spec, prefix = args.spec.bastion, args.name_prefix
        email = args.bastion_service_account
        assert email is not None, "NetworkArgs checks it when the bastion is enabled"
        network = subnet.network
        gcp.compute.Firewall(
            f"{name}-allow-iap-ssh",
            name=f"{prefix}-allow-iap-ssh",
            network=network,
            direction="INGRESS",
            priority=ALLOW_PRIORITY,
            source_ranges=[IAP_TCP_FORWARDING_RANGE],
            target_tags=[bastion_tag],
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=[str(SSH_PORT)])],
            description="SSH to the bastion through IAP only (checklist 8.infrastructure-security.1.2).",
            opts=child,
        )
        gcp.compute.Firewall(
            f"{name}-allow-bastion-ssh",
            name=f"{prefix}-allow-bastion-ssh",
            network=network,
            direction="INGRESS",
            priority=ALLOW_PRIORITY,
            source_tags=[bastion_tag],
            target_tags=[self.node_tag],
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=[str(SSH_PORT)])],
            description="SSH from the bastion to the cluster nodes.",
            opts=child,
        )
        zone = f"{args.region}-{spec.zone}"
        bastion = gcp.compute.Instance(
            f"{name}-bastion",
            name=f"{prefix}-bastion",
            zone=zone,
            machine_type=spec.machine_type,
            tags=[bastion_tag],
            boot_disk=gcp.compute.InstanceBootDiskArgs(
                initialize_params=gcp.compute.InstanceBootDiskInitializeParamsArgs(
                    image=BASTION_IMAGE, labels=args.labels
                )
            ),
            # No access_configs: the bastion has no external IP; IAP reaches its internal address.
            network_interfaces=[gcp.compute.InstanceNetworkInterfaceArgs(subnetwork=subnet.id)],
            shielded_instance_config=gcp.compute.InstanceShieldedInstanceConfigArgs(
                enable_secure_boot=True, enable_vtpm=True, enable_integrity_monitoring=True
            ),
            # OS Login: SSH keys come from IAM identities, never from project or instance metadata.
            metadata={"enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE"},
            service_account=gcp.compute.InstanceServiceAccountArgs(email=email, scopes=["cloud-platform"]),
            labels=args.labels,
            opts=child,
        )
        for index, member in enumerate(spec.admins):
            gcp.iap.TunnelInstanceIAMMember(
                f"{name}-bastion-tunnel-{index}",
                zone=zone,
                instance=bastion.name,
                role="roles/iap.tunnelResourceAccessor",
                member=member,
                opts=child,
            )
            gcp.compute.InstanceIAMMember(
                f"{name}-bastion-login-{index}",
                zone=zone,
                instance_name=bastion.name,
                role="roles/compute.osLogin",
                member=member,
                opts=child,
            )
            # OS Login on a VM that runs as a service account also asks to act as that account.
            gcp.serviceaccount.IAMMember(
                f"{name}-bastion-act-as-{index}",
                # "-" lets IAM infer the project from the account's email.
                service_account_id=pulumi.Output.concat("projects/-/serviceAccounts/", email),
                role="roles/iam.serviceAccountUser",
                member=member,
                opts=child,
            )
        return bastion
