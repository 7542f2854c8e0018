"""A network and IAM setup written without the checklist: open admin and data ports, public VMs, owners, keys."""

import json

import pulumi_gcp as gcp

vpc = gcp.compute.Network("flat", auto_create_subnetworks=False)
gcp.compute.Subnetwork("flat-subnet", network=vpc.id, ip_cidr_range="10.0.0.0/16")
gcp.compute.Firewall(
    "ssh-anywhere",
    network=vpc.name,
    allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=["22", "3389"])],
)
gcp.compute.Firewall(
    "db-anywhere", network=vpc.name, source_ranges=["0.0.0.0/0"], allows=[{"protocol": "tcp", "ports": ["5000-7000"]}]
)
gcp.compute.Firewall("open-v6", network=vpc.name, source_ranges=["::/0"], allows=[{"protocol": "all"}])
gcp.compute.Instance(
    "web",
    zone="europe-west1-b",
    machine_type="e2-small",
    boot_disk=gcp.compute.InstanceBootDiskArgs(
        initialize_params=gcp.compute.InstanceBootDiskInitializeParamsArgs(image="debian-cloud/debian-12")
    ),
    network_interfaces=[
        gcp.compute.InstanceNetworkInterfaceArgs(
            network=vpc.name, access_configs=[gcp.compute.InstanceNetworkInterfaceAccessConfigArgs()]
        )
    ],
)
ci = gcp.serviceaccount.Account("ci", account_id="ci-deployer")
gcp.projects.IAMMember(
    "ci-owner", project="example-dev", role="roles/owner", member=ci.email.apply(lambda e: f"serviceAccount:{e}")
)
gcp.projects.IAMPolicy(
    "project-policy",
    project="example-dev",
    policy_data=json.dumps({"bindings": [{"role": "roles/editor", "members": ["group:devs@example.com"]}]}),
)
gcp.projects.IAMBinding(
    "all-secrets", project="example-dev", role="roles/secretmanager.secretAccessor", members=["group:devs@example.com"]
)
gcp.serviceaccount.Key("ci-key", service_account_id=ci.name)
