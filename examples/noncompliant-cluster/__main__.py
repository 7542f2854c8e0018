"""A GKE cluster as quick-start tutorials write it: public nodes, an open control plane, default accounts.

Every mandatory GKE rule fails here, and the advisory ones are flagged.
"""

import pulumi_gcp as gcp

demo = gcp.container.Cluster(
    "demo",
    location="us-central1-a",
    initial_node_count=1,
    enable_legacy_abac=True,
    enable_shielded_nodes=False,
    master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
        cidr_blocks=[gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block="0.0.0.0/0")]
    ),
    node_config={"machineType": "e2-medium", "workloadMetadataConfig": {"mode": "GCE_METADATA"}},
    release_channel={"channel": "UNSPECIFIED"},
    deletion_protection=False,
)
gcp.container.NodePool(
    "demo-extra",
    cluster=demo.name,
    location="us-central1-a",
    node_count=2,
    node_config=gcp.container.NodePoolNodeConfigArgs(
        machine_type="e2-medium", service_account="default", preemptible=True
    ),
    network_config=gcp.container.NodePoolNetworkConfigArgs(enable_private_nodes=False),
)
