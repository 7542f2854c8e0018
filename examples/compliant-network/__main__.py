"""Someone else's compliant network: plain pulumi_gcp resources, dicts and *Args, its own names.

Stricter than the checklist where it likes (HTTPS only from the internet), SSH through IAP to a
bastion without an external IP, a subnet with Private Google Access, least-privilege grants bound on
the narrowest resource, a Secret Manager secret rotated every 90 days, and no service-account key.
"""

import json
from datetime import UTC, datetime, timedelta

import pulumi
import pulumi_gcp as gcp

vpc = gcp.compute.Network("core", auto_create_subnetworks=False)
subnet = gcp.compute.Subnetwork(
    "apps",
    network=vpc.id,
    ip_cidr_range="10.8.0.0/20",
    private_ip_google_access=True,
    secondary_ip_ranges=[{"rangeName": "pods", "ipCidrRange": "10.64.0.0/14"}],
)
gcp.compute.Firewall(
    "https-in",
    network=vpc.self_link,
    source_ranges=["0.0.0.0/0"],
    allows=[gcp.compute.FirewallAllowArgs(protocol="6", ports=["443"])],
    target_tags=["edge"],
)
gcp.compute.Firewall(
    "ssh-via-iap",
    network=vpc.self_link,
    direction="INGRESS",
    source_ranges=["35.235.240.0/20"],
    allows=[{"protocol": "tcp", "ports": ["22"]}],
    target_tags=["jump"],
)
gcp.compute.Firewall(
    "db-from-apps",
    network=vpc.self_link,
    source_tags=["app"],
    allows=[{"protocol": "tcp", "ports": ["5432", "6379"]}],
)
gcp.compute.Firewall("legacy-open", network=vpc.self_link, disabled=True, allows=[{"protocol": "all"}])
gcp.compute.Firewall(
    "block-rest", network=vpc.self_link, priority=65000, source_ranges=["0.0.0.0/0"], denies=[{"protocol": "all"}]
)
jump = gcp.compute.Instance(
    "jump",
    zone="europe-west1-b",
    machine_type="e2-micro",
    tags=["jump"],
    boot_disk={"initializeParams": {"image": "debian-cloud/debian-12"}},
    network_interfaces=[{"subnetwork": subnet.id}],
    metadata={"enable-oslogin": "TRUE"},
)
runner = gcp.serviceaccount.Account("runner", account_id="runner")
gcp.projects.IAMMember(
    "runner-logs",
    project="example-dev",
    role="roles/logging.logWriter",
    member=runner.email.apply(lambda e: f"serviceAccount:{e}"),
)
first_rotation = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
# Secret Manager announces each due rotation on a Pub/Sub topic its service agent may publish to.
rotation_topic = gcp.pubsub.Topic("api-token-rotation", name="api-token-rotation")
secretmanager_agent = gcp.projects.ServiceIdentity(
    "secretmanager-agent", project="example-dev", service="secretmanager.googleapis.com"
)
rotation_publisher = gcp.pubsub.TopicIAMMember(
    "api-token-rotation-publisher",
    topic=rotation_topic.name,
    role="roles/pubsub.publisher",
    member=secretmanager_agent.email.apply(lambda e: f"serviceAccount:{e}"),
)
secret = gcp.secretmanager.Secret(
    "api-token",
    secret_id="api-token",
    replication={"auto": {}},
    topics=[{"name": rotation_topic.id}],
    # Every 90 days (in seconds). The first rotation must be in the future when the secret is created;
    # later ones follow the period, so the computed time is ignored after that.
    rotation={"rotationPeriod": "7776000s", "nextRotationTime": first_rotation},
    opts=pulumi.ResourceOptions(depends_on=[rotation_publisher], ignore_changes=["rotation.nextRotationTime"]),
)
gcp.secretmanager.SecretIamMember(
    "runner-reads-token",
    secret_id=secret.id,
    role="roles/secretmanager.secretAccessor",
    member=runner.email.apply(lambda e: f"serviceAccount:{e}"),
)
gcp.storage.BucketIAMPolicy(
    "assets-policy",
    bucket="example-assets",
    policy_data=json.dumps(
        {"bindings": [{"role": "roles/storage.objectViewer", "members": ["group:web@example.com"]}]}
    ),
)
pulumi.export("jump", jump.name)
