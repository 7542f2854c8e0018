"""A team's GKE as the kubernetes-gcp templates write it: the node pool runs as ``nodes.email`` and a grant
names ``role.name``, both unknown at preview. Their origin decides: an account and custom roles this stack
creates. With ``computedFromProject`` the same two values are computed from a Project the stack creates
instead: the Compute Engine default account and roles/editor, which must not pass.
"""

import pulumi
import pulumi_gcp as gcp

config = pulumi.Config()
project = gcp.config.project
nodes = gcp.serviceaccount.Account("nodes", account_id="shop-gke-nodes", display_name="GKE nodes")
deployer = gcp.projects.IAMCustomRole(
    "deployer",
    role_id="shopDeployer",
    title="Shop deployer",
    permissions=["container.deployments.get", "container.deployments.update"],
)
auditor = gcp.organizations.IAMCustomRole(
    "auditor", org_id="123456789012", role_id="shopAuditor", title="Shop auditor", permissions=["logging.logs.list"]
)

node_account: pulumi.Input[str] = nodes.email
deployer_role: pulumi.Input[str] = deployer.name
if config.get_bool("computedFromProject"):
    host = gcp.organizations.Project("host", name="shop-host", project_id="shop-host-4821", org_id="123456789012")
    node_account = host.number.apply(lambda number: f"{number}-compute@developer.gserviceaccount.com")
    deployer_role = host.number.apply(lambda _: "roles/editor")

cluster = gcp.container.Cluster(
    "shop",
    location="europe-west1",
    remove_default_node_pool=True,
    initial_node_count=1,
    private_cluster_config={"enablePrivateNodes": True, "masterIpv4CidrBlock": "172.16.0.0/28"},
    master_authorized_networks_config={"cidrBlocks": [{"cidrBlock": "203.0.113.0/24", "displayName": "office"}]},
    workload_identity_config={"workloadPool": f"{project}.svc.id.goog"},
    datapath_provider="ADVANCED_DATAPATH",
    release_channel={"channel": "REGULAR"},
    maintenance_policy={"dailyMaintenanceWindow": {"startTime": "03:00"}},
    opts=pulumi.ResourceOptions(protect=True),
)
gcp.container.NodePool(
    "shop-pool",
    cluster=cluster.name,
    location="europe-west1",
    node_count=2,
    node_config=gcp.container.NodePoolNodeConfigArgs(
        machine_type="e2-standard-4",
        service_account=node_account,
        oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
        shielded_instance_config={"enableSecureBoot": True},
    ),
)
gcp.projects.IAMMember("deployer-grant", project=project, role=deployer_role, member=nodes.member)
gcp.organizations.IAMMember("auditor-grant", org_id="123456789012", role=auditor.name, member=nodes.member)
