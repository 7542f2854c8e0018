"""Someone else's compliant GKE: plain pulumi_gcp resources, *Args and dicts, its own names.

A Standard cluster that meets the checklist another way than ours (Calico network policy instead of
Dataplane V2, a daily window, the STABLE channel, no public list at all: the control plane is reached
from the VPC only, and inline node pools instead of a separate NodePool), one more NodePool resource, and
an Autopilot cluster that gets Workload Identity, shielded nodes and Dataplane V2 by construction.
"""

import pulumi
import pulumi_gcp as gcp

project = gcp.config.project
nodes = gcp.serviceaccount.Account("nodes", account_id="ops-gke-nodes", display_name="GKE nodes")
# The documented email format: known at preview, unlike nodes.email.
node_email = pulumi.Output.concat(nodes.account_id, "@", project, ".iam.gserviceaccount.com")
node_config = {
    "machineType": "n2-standard-2",
    "serviceAccount": node_email,
    "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
    "shieldedInstanceConfig": {"enableSecureBoot": True},
    "workloadMetadataConfig": {"mode": "GKE_METADATA"},
}

ops = gcp.container.Cluster(
    "ops",
    location="europe-west1",
    node_pools=[{"name": "system", "initialNodeCount": 1, "nodeConfig": node_config}],
    private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
        enable_private_nodes=True, enable_private_endpoint=True
    ),
    master_authorized_networks_config={},
    workload_identity_config={"workloadPool": f"{project}.svc.id.goog"},
    network_policy={"enabled": True, "provider": "CALICO"},
    addons_config={"networkPolicyConfig": {"disabled": False}},
    release_channel={"channel": "STABLE"},
    maintenance_policy={"dailyMaintenanceWindow": {"startTime": "04:00"}},
    opts=pulumi.ResourceOptions(protect=True),
)
gcp.container.NodePool(
    "ops-batch",
    cluster=ops.name,
    location="europe-west1",
    autoscaling=gcp.container.NodePoolAutoscalingArgs(total_min_node_count=0, total_max_node_count=6),
    node_config=gcp.container.NodePoolNodeConfigArgs(
        machine_type="c3-standard-4",
        service_account=node_email,
        shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(enable_secure_boot=True),
    ),
    network_config={"enablePrivateNodes": True},
)

gcp.container.Cluster(
    "web",
    location="europe-west4",
    enable_autopilot=True,
    private_cluster_config={"enablePrivateNodes": True},
    master_authorized_networks_config={"cidrBlocks": [{"cidrBlock": "198.51.100.0/24", "displayName": "vpn"}]},
    cluster_autoscaling={"autoProvisioningDefaults": {"serviceAccount": node_email}},
    maintenance_policy={
        "recurringWindow": {
            "startTime": "2024-06-01T01:00:00Z",
            "endTime": "2024-06-01T07:00:00Z",
            "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        }
    },
    opts=pulumi.ResourceOptions(protect=True),
)
