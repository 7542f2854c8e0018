"""AgencyOS's numbers and names are policy config: a team's config changes the verdict, and the message names the key.

Each row is a resource the checklist's default rejects, which another team's config (its own ports, Redis version,
ACME server, health path, ENVIRONMENT value, HSTS max-age) accepts; the rejection names the config key that sets
the value it states. Then the pack-wide rules: every mandatory policy cites its checklist line word for word.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from agencyos_checklist import checklist_text
from agencyos_checklist.catalogue import _plain
from agencyos_policy import ALL_POLICIES, REGISTRY
from agencyos_policy.registry import MANDATORY, ReadConfig, naming_config
from pulumi_policy import StackValidationPolicy

from tests.conftest import validate_in_process
from tests.policy.cases import mutate
from tests.policy.gcp.compute_cases import FIREWALL_BASELINE
from tests.policy.gcp.memorystore_cases import BASELINE as REDIS_BASELINE
from tests.policy.kubernetes.ingress_cases import config as controller_values
from tests.policy.kubernetes.tls_cases import CLUSTER_ISSUER_TYPE, WEB, _issuer
from tests.policy.kubernetes.workloads_cases import CONFIG_PROPS
from tests.policy.observability.monitoring_cases import CHECK
from tests.policy.stack_cases import stack, validate_stack_in_process

BY_NAME = {policy.name: policy for policy in ALL_POLICIES}
ZEROSSL = "https://acme.zerossl.com/v2/DV90"

# (policy, resource type, props, a team's config that accepts them, the key the default's rejection names)
ADOPTED: list[tuple[str, str, Mapping[str, Any], dict[str, Any], str]] = [
    (
        "gcp-compute-firewall-public-web-ports-only",
        "gcp:compute/firewall:Firewall",
        mutate(FIREWALL_BASELINE, {"allows": [{"protocol": "tcp", "ports": ["443", "8443"]}]}),
        {"allowedPorts": [443, 8443]},
        "allowedPorts",
    ),
    (
        "gcp-redis-instance-minimum-version",
        "gcp:redis/instance:Instance",
        mutate(REDIS_BASELINE, {"redisVersion": "REDIS_5_0"}),
        {"minVersion": "5.0"},
        "minVersion",
    ),
    (
        "gcp-redis-instance-eviction-policy",
        "gcp:redis/instance:Instance",
        mutate(REDIS_BASELINE, {"redisConfigs.maxmemory-policy": "allkeys-lfu"}),
        {"evictionPolicy": "allkeys-lfu"},
        "evictionPolicy",
    ),
    (
        "gcp-monitoring-uptimecheck-health",
        "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
        mutate(CHECK, {"httpCheck.path": "/livez"}),
        {"path": "/livez"},
        "path",
    ),
    (
        "kubernetes-ingressnginx-controller-hsts",
        "kubernetes:helm.sh/v3:Release",
        controller_values(**{"hsts-max-age": "15768000"}),
        {"minMaxAgeSeconds": 15768000},
        "minMaxAgeSeconds",
    ),
    (
        "kubernetes-networking-ingress-letsencrypt-issuer",
        "",
        stack((CLUSTER_ISSUER_TYPE, _issuer("letsencrypt-prod", ZEROSSL)), WEB),
        {"acmeServer": ZEROSSL},
        "acmeServer",
    ),
]


def _run(policy_name: str, resource_type: str, props: Mapping[str, Any], config: dict[str, Any] | None) -> list[str]:
    policy = BY_NAME[policy_name]
    if isinstance(policy, StackValidationPolicy):
        return validate_stack_in_process(policy, props, config)
    return validate_in_process(policy, props, resource_type=resource_type, config=config)


@pytest.mark.parametrize(("policy", "resource_type", "props", "config", "key"), ADOPTED, ids=[r[0] for r in ADOPTED])
def test_a_teams_config_changes_the_verdict_and_the_message_names_its_key(
    policy: str, resource_type: str, props: Mapping[str, Any], config: dict[str, Any], key: str
) -> None:
    assert key in REGISTRY[policy].config, f"{policy} has no config key {key}"
    rejected = _run(policy, resource_type, props, None)
    assert rejected, f"{policy}: the checklist's default must reject this"
    assert any(f"(policy config `{key}`" in message for message in rejected), rejected
    assert _run(policy, resource_type, props, config) == []


def test_a_teams_production_environment_name_is_judged_as_production() -> None:
    """The ENVIRONMENT value marks production outside a production stack: a team's own name does too."""
    props = mutate(CONFIG_PROPS, {"data.ENVIRONMENT": "prod", "data.DEBUG": "true"})
    policy = "kubernetes-core-config-production-settings"
    assert _run(policy, "kubernetes:core/v1:ConfigMap", props, None) == []
    [message] = _run(policy, "kubernetes:core/v1:ConfigMap", props, {"environment": "prod"})
    assert "(DEBUG) must be false" in message, message


def test_the_message_states_the_configured_value_not_the_checklists() -> None:
    props = mutate(REDIS_BASELINE, {"redisConfigs.maxmemory-policy": "noeviction"})
    [message] = _run(
        "gcp-redis-instance-eviction-policy", "gcp:redis/instance:Instance", props, {"evictionPolicy": "volatile-ttl"}
    )
    assert "be volatile-ttl" in message and message.endswith("(policy config `evictionPolicy`)."), message


def test_every_message_of_a_configured_bound_names_its_key() -> None:
    props = mutate(REDIS_BASELINE, {"memorySizeGb": 0.5})
    [message] = _run("gcp-redis-instance-minimum-memory", "gcp:redis/instance:Instance", props, None)
    assert message.endswith("(policy config `minMemoryGb`)."), message


@pytest.mark.parametrize(
    ("message", "values", "expected"),
    [
        ("retainedBackups must be at least 30.", {"minRetainedBackups": 30}, "(policy config `minRetainedBackups`)."),
        ("periodSeconds must be at most 10.", {"livenessPeriod": "10s"}, "(policy config `livenessPeriod`)."),
        ("spec does not parse as PromQL.", {"for": "5m"}, None),
        ("threshold 0.9 (policy config thresholdPercent).", {"thresholdPercent": 80}, None),
        ("Undetermined: x is computed and unknown during preview; 30.", {"minRetainedBackups": 30}, None),
        ("port 300 is open.", {"maxTtl": "30"}, None),
    ],
)
def test_naming_config_appends_the_keys_of_the_values_a_message_states(
    message: str, values: dict[str, Any], expected: str | None
) -> None:
    config = ReadConfig({**values, "undeterminedAtPreview": "mandatory"})
    for key in config:
        config[key]
    named = naming_config(message, config)
    if expected is None:
        assert named == message
    else:
        assert named.endswith(expected) and named.startswith(message.rstrip(".")), named
    assert "undeterminedAtPreview" not in named


def test_a_key_the_check_did_not_read_is_not_named() -> None:
    config = ReadConfig({"minRetainedBackups": 30})
    assert naming_config("retainedBackups must be at least 30.", config) == "retainedBackups must be at least 30."


CHECKLIST = _plain(checklist_text())


@pytest.mark.parametrize("spec", [s for s in REGISTRY.values() if s.level is MANDATORY], ids=lambda s: s.name)
def test_a_mandatory_policy_cites_its_checklist_line_word_for_word(spec: Any) -> None:
    assert spec.quote, spec.name
    assert spec.description.endswith(f'Checklist: "{spec.quote}".'), spec.description
    assert spec.quote in CHECKLIST, f"{spec.name} cites words the checklist does not say: {spec.quote!r}"
    item = spec.item
    assert any(spec.quote in words for words in (item.text, *item.details, *item.code)), spec.name


@pytest.mark.parametrize("spec", [s for s in REGISTRY.values() if s.level is not MANDATORY], ids=lambda s: s.name)
def test_an_advisory_policy_calls_its_line_related(spec: Any) -> None:
    assert spec.description.endswith(f'Related checklist line: "{spec.quote}".'), spec.description


def test_registration_refuses_a_quote_the_item_does_not_say() -> None:
    from agencyos_policy.registry import resource_policy

    with pytest.raises(ValueError, match="does not say"):
        resource_policy(
            name="gcp-example-thing-quoted",
            item="7.database-backups.1",
            level=MANDATORY,
            severity=None,  # type: ignore[arg-type]
            description="x.",
            remediation="y.",
            resource_types=("gcp:example/thing:Thing",),
            quote="Retention: 31 days rolling",
        )(lambda subject: [])
    assert "gcp-example-thing-quoted" not in REGISTRY
