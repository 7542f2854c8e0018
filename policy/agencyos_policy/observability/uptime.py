"""Every public host has an external uptime check on /health and an alert on it that reaches someone.

``observability-stack-uptime-check-per-host`` (mandatory, 6.uptime-monitoring.2 "Set up external
uptime monitoring"). Public hosts are the hosts of the stack's Ingress rules (except Ingresses of class
``gce-internal``, and wildcard hosts, which no check can probe) and the hosts its uptime checks
already probe (``monitoredResource.labels.host``). DNS records are not read: a record points at an
Ingress or a load balancer whose hosts are judged here. For each host:

- an uptime check of that host passes ``gcp-monitoring-uptimecheck-health`` (HTTPS, /health, every
  5 minutes at most): a host whose only checks do not is reported at those checks;
- an AlertPolicy whose condition reads ``monitoring.googleapis.com/uptime_check/`` metrics covers
  the check (its filter selects the host with ``resource.label.host``, or the check with
  ``metric.label.check_id``, or neither, or the policy depends on the check) and names a notification
  channel.

Judged where the stack defines uptime checks: external uptime monitoring may live in another stack or
outside Pulumi altogether (the checklist itself suggests UptimeRobot or Pingdom), so a stack with alerting
but no uptime check, like one without alerting for the alert rules, leaves it to them. A stack that does
check uptime must check every public host it defines. Hosts, filters and channel lists unknown at
preview cannot pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from agencyos_checklist.numbers import UPTIME_CHECK_PERIOD
from pulumi_policy import Severity

from agencyos_policy.kubernetes.tls import INGRESS
from agencyos_policy.observability.monitoring import (
    ALERT_POLICY,
    UPTIME_CHECK,
    health_path_param,
    health_problems,
    period_param,
    routed,
)
from agencyos_policy.observability.promql import duration_seconds
from agencyos_policy.observability.rules import PROMETHEUS_RULE, UPTIME_METRICS
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup, unknown_message
from agencyos_policy.registry import MANDATORY, StackSubject, stack_policy

INTERNAL_CLASS = "gce-internal"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
_HOST = re.compile(r"resource\.labels?\.host\s*=\s*\"([^\"]*)\"")
_CHECK_ID = re.compile(r"metric\.labels?\.check_id\s*=\s*\"([^\"]*)\"")


def _internal(props: Any) -> bool:
    return INTERNAL_CLASS in (
        lookup(props, "spec", "ingressClassName"),
        lookup(props, "metadata", "annotations", CLASS_ANNOTATION),
    )


def _ingress_hosts(subject: StackSubject) -> Iterator[tuple[Any, str, str]]:
    """(host or UNKNOWN, its path, the Ingress URN) of every public Ingress rule host."""
    for ingress in subject.of_type(INGRESS):
        if _internal(ingress.props):
            continue
        rules = items(ingress.props, "spec", "rules")
        if rules is UNKNOWN:
            yield UNKNOWN, "spec.rules", ingress.urn
            continue
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            host = lookup(rule, "host")
            if host is UNKNOWN or (isinstance(host, str) and host and not host.startswith("*")):
                yield host, f"spec.rules[{index}].host", ingress.urn


def _filters(policy: Any) -> list[Any]:
    """The filter (or query) of every condition of an alert policy; UNKNOWN where computed."""
    conditions = items(policy.props, "conditions")
    if conditions is UNKNOWN:
        return [UNKNOWN]
    found = []
    for condition in conditions if isinstance(conditions, list) else []:
        for kind, key in (
            ("conditionThreshold", "filter"),
            ("conditionAbsent", "filter"),
            ("conditionMonitoringQueryLanguage", "query"),
            ("conditionPrometheusQueryLanguage", "query"),
        ):
            value = lookup(condition, kind, key)
            if value is not ABSENT:
                found.append(value)
    return found


def _depends_on(policy: Any, check: Any) -> bool:
    deps = list(getattr(policy, "dependencies", None) or [])
    for urns in (getattr(policy, "property_dependencies", None) or {}).values():
        deps += list(urns)
    return any(getattr(dep, "urn", dep) == check.urn for dep in deps)


def _covers(policy: Any, check: Any, host: Any) -> Any:
    """Whether an uptime alert policy covers a check: True, False, or UNKNOWN."""
    if _depends_on(policy, check):
        return True
    verdict: Any = False
    for filter_ in _filters(policy):
        if filter_ is UNKNOWN:
            verdict = UNKNOWN
            continue
        if not isinstance(filter_, str) or UPTIME_METRICS not in filter_:
            continue
        hosts, ids = _HOST.findall(filter_), _CHECK_ID.findall(filter_)
        check_id = lookup(check.props, "uptimeCheckId")
        if (not hosts and not ids) or host in hosts or (isinstance(check_id, str) and check_id in ids):
            return True
    return verdict


@stack_policy(
    name="observability-stack-uptime-check-per-host",
    item="6.uptime-monitoring.2",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="In a stack that checks uptime, every public host (Ingress rule hosts, uptime-checked hosts) has an "
    "HTTPS uptime check on /health "
    f"every {UPTIME_CHECK_PERIOD.value} at most and an alert policy on that check that notifies a channel.",
    remediation="Add a monitoring UptimeCheckConfig per host (monitoredResource uptime_url, labels.host the host, "
    "httpCheck {path /health, useSsl true}, period 300s or less) and an AlertPolicy on "
    "monitoring.googleapis.com/uptime_check/check_passed for it with notificationChannels.",
    resource_types=(INGRESS, UPTIME_CHECK, ALERT_POLICY, PROMETHEUS_RULE),
    config={"maxPeriod": period_param("Longest period between two checks of a host."), "path": health_path_param()},
    tags=("observability", "uptime"),
)
def uptime_per_host(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    checks = subject.of_type(UPTIME_CHECK)
    if not checks:
        return  # uptime monitoring lives elsewhere (another stack, a third-party service)
    hosts = list(_ingress_hosts(subject))
    max_period = duration_seconds(subject.config["maxPeriod"]) or 0.0
    health_path = subject.config["path"]
    alerts = subject.of_type(ALERT_POLICY)  # disabled ones: gcp-monitoring-alertpolicy-notification-channels
    by_host: dict[Any, list[Any]] = {}
    for check in checks:
        host = lookup(check.props, "monitoredResource", "labels", "host")
        if host is UNKNOWN:
            yield unknown_message("monitoredResource.labels.host"), check.urn
            continue
        if host is ABSENT:
            continue  # not a check of a URL's host
        if any(True for _ in health_problems(check.props, max_period, health_path=health_path)):
            hosts.append((host, "monitoredResource.labels.host", check.urn))  # a public host, maybe checked elsewhere
            continue
        by_host.setdefault(host, []).append(check)
        verdicts = [(_covers(p, check, host), routed(p.props)) for p in alerts]
        if (True, True) in verdicts:
            continue
        if any(UNKNOWN in verdict and False not in verdict for verdict in verdicts):
            message = (
                "whether an alert policy notifies on this check is unknown during preview, so it cannot be proven."
            )
        else:
            message = (
                "no alert policy on monitoring.googleapis.com/uptime_check/ metrics that names a notification "
                "channel covers this uptime check."
            )
        yield message, check.urn
    reported: set[Any] = set()
    for host, path, urn in hosts:
        if host is UNKNOWN:
            yield unknown_message(path), urn
        elif host not in by_host and (host, urn) not in reported:
            reported.add((host, urn))
            yield (
                f"{path} is public but no uptime check probes it over HTTPS on /health every "
                f"{UPTIME_CHECK_PERIOD.value} or less.",
                urn,
            )
