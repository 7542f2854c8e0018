"""Firewall policies as a team writes them after moving off VPC firewall rules: a global network policy with
its rules as resources, a regional one, an organization (hierarchical) one, and one holding its rules inline.
Some rules open SSH, a database or everything to the internet; the others are the safe forms beside them."""

import pulumi_gcp as gcp

vpc = gcp.compute.Network("vpc", auto_create_subnetworks=False)

edge = gcp.compute.NetworkFirewallPolicy("edge", description="Edge rules for the web tier")
gcp.compute.NetworkFirewallPolicyAssociation("edge-on-vpc", firewall_policy=edge.name, attachment_target=vpc.id)
gcp.compute.NetworkFirewallPolicyRule(
    "web",
    firewall_policy=edge.name,
    priority=1000,
    action="allow",
    direction="INGRESS",
    match=gcp.compute.NetworkFirewallPolicyRuleMatchArgs(
        src_ip_ranges=["0.0.0.0/0"],
        layer4_configs=[
            gcp.compute.NetworkFirewallPolicyRuleMatchLayer4ConfigArgs(ip_protocol="tcp", ports=["443", "80"])
        ],
    ),
)
gcp.compute.NetworkFirewallPolicyRule(
    "ssh-anywhere",
    firewall_policy=edge.name,
    priority=1100,
    action="allow",
    direction="INGRESS",
    match={"src_ip_ranges": ["0.0.0.0/0"], "layer4_configs": [{"ip_protocol": "tcp", "ports": ["22"]}]},
)
gcp.compute.NetworkFirewallPolicyRule(
    "ssh-iap",
    firewall_policy=edge.name,
    priority=1200,
    action="allow",
    direction="INGRESS",
    match={"src_ip_ranges": ["35.235.240.0/20"], "layer4_configs": [{"ip_protocol": "tcp", "ports": ["22"]}]},
)
gcp.compute.NetworkFirewallPolicyRule(
    "deny-rest",
    firewall_policy=edge.name,
    priority=65000,
    action="deny",
    direction="INGRESS",
    match={"src_ip_ranges": ["0.0.0.0/0", "::/0"], "layer4_configs": [{"ip_protocol": "all"}]},
)

regional = gcp.compute.RegionNetworkFirewallPolicy("data", region="europe-west1")
gcp.compute.RegionNetworkFirewallPolicyRule(
    "mysql-anywhere",
    firewall_policy=regional.name,
    region="europe-west1",
    priority=1000,
    action="allow",
    direction="INGRESS",
    match={"src_ip_ranges": ["0.0.0.0/0"], "layer4_configs": [{"ip_protocol": "tcp", "ports": ["3306", "5432"]}]},
)

org = gcp.compute.FirewallPolicy("org-baseline", parent="organizations/123456789012", short_name="baseline")
gcp.compute.FirewallPolicyRule(
    "everything-v6",
    firewall_policy=org.name,
    priority=1000,
    action="allow",
    direction="INGRESS",
    match={"src_ip_ranges": ["::/0"], "layer4_configs": [{"ip_protocol": "all"}]},
)
gcp.compute.FirewallPolicyRule(
    "to-vpc-rules",
    firewall_policy=org.name,
    priority=2000,
    action="goto_next",
    direction="INGRESS",
    match={"src_ip_ranges": ["0.0.0.0/0"], "layer4_configs": [{"ip_protocol": "all"}]},
)

gcp.compute.NetworkFirewallPolicyWithRules(
    "inline",
    rules=[
        {
            "priority": 1000,
            "action": "allow",
            "match": {"src_ip_ranges": ["0.0.0.0/0"], "layer4_configs": [{"ip_protocol": "tcp", "ports": ["443"]}]},
        },
        {
            "priority": 1100,
            "action": "allow",
            "match": {"src_ip_ranges": ["0.0.0.0/0"], "layer4_configs": [{"ip_protocol": "tcp", "ports": ["6379"]}]},
        },
    ],
)
gcp.compute.NetworkFirewallPolicyWithRules(
    "inline-internal",
    rules=[
        {
            "priority": 1000,
            "action": "allow",
            "match": {"src_ip_ranges": ["10.0.0.0/8"], "layer4_configs": [{"ip_protocol": "tcp", "ports": ["5432"]}]},
        }
    ],
)
