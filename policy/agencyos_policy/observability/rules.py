"""The alerting rules a stack defines, in both forms teams write them, gathered for the signal checks.

- Prometheus: every ``alert`` rule of ``spec.groups[].rules[]`` of a ``monitoring.coreos.com/v1``
  PrometheusRule (a typed resource such as an ``apiextensions.CustomResource``, an object of a
  ``kubernetes:yaml/v2:ConfigGroup``, given as ``objs`` or as the YAML text of ``yaml``, or a group of
  kube-prometheus-stack's Helm value ``additionalPrometheusRulesMap``, or, when that map is empty, of its
  older list form ``additionalPrometheusRules`` (the chart's template renders the list only then)); its
  ``expr``, ``for`` (absent = 0s) and its group's ``interval`` (absent = Prometheus's global one). Recording
  rules are kept by the series they record, so an alert on a recorded series is read through its expression.
- Cloud Monitoring: every condition of an ``AlertPolicy``:
  ``conditionPrometheusQueryLanguage`` (``query``, ``duration``) reads as a Prometheus rule,
  ``conditionThreshold`` as a metric threshold; under a ``combiner`` of ``AND`` (or
  ``AND_WITH_MATCHING_RESOURCE``) with other conditions, a condition fires only when they hold too. Other
  condition kinds (MQL, SQL, log match, absence) are not threshold rules the checks can read. ``enabled`` is not
  read here: stack rules see outputs, which an offline run invents for absent properties;
  ``gcp-monitoring-alertpolicy-notification-channels`` judges it on the inputs (a disabled policy notifies
  nobody).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml  # PyYAML: a requirement of the pulumi SDK the pack runs on

from agencyos_policy.kubernetes.helm import HELM_CHART, HELM_RELEASE
from agencyos_policy.observability.monitoring import UPTIME_CHECK
from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup
from agencyos_policy.registry import StackSubject

PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup"
ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
MONITORING_GROUP = "monitoring.coreos.com"
# Combiners under which a condition opens an incident only together with the policy's other conditions.
AND_COMBINERS = ("AND", "AND_WITH_MATCHING_RESOURCE")
UPTIME_METRICS = "monitoring.googleapis.com/uptime_check/"
RULE_SOURCES = (PROMETHEUS_RULE, CONFIG_GROUP, ALERT_POLICY, HELM_RELEASE, HELM_CHART)


@dataclass(frozen=True)
class PromRule:
    """A PromQL alert: its query and how long it must hold (``for`` / ``duration``)."""

    urn: str
    where: str
    query: Any
    hold: Any
    hold_path: str
    interval: Any = ABSENT
    """How often the rule's group is evaluated (``interval``; ``evaluationInterval`` in Cloud Monitoring)."""
    interval_path: str = ""
    combined: Any = False
    """Whether its alert policy fires only when other conditions hold too (``combiner`` AND); UNKNOWN if computed."""


@dataclass(frozen=True)
class ThresholdRule:
    """A Cloud Monitoring ``conditionThreshold``."""

    urn: str
    where: str
    props: Any
    combined: Any = False
    """As :attr:`PromRule.combined`."""


@dataclass
class Rules:
    """Every alert rule of a stack, and the places whose rules cannot be read at preview."""

    prometheus: list[PromRule] = field(default_factory=list)
    thresholds: list[ThresholdRule] = field(default_factory=list)
    records: dict[str, str] = field(default_factory=dict)
    """Recorded series name -> the expression recording it."""
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    """(URN, path) of rule lists or queries unknown at preview."""
    defined: bool = False
    """Whether the stack defines any alerting at all (a PrometheusRule, or an AlertPolicy other than one whose
    conditions all watch uptime checks: a stack of uptime checks and their alerts leaves the six elsewhere)."""


def gather(subject: StackSubject) -> Rules:
    rules = Rules()
    checks = {check.urn for check in subject.of_type(UPTIME_CHECK)}
    for resource in subject.resources:
        kind = resource.resource_type
        if kind == PROMETHEUS_RULE:
            rules.defined = True
            _groups(rules, resource.urn, resource.props, ("spec", "groups"))
        elif kind == CONFIG_GROUP:
            for obj, prefix in _config_group_objects(rules, resource.urn, resource.props):
                api = lookup(obj, "apiVersion")
                if (
                    lookup(obj, "kind") == "PrometheusRule"
                    and isinstance(api, str)
                    and api.startswith(MONITORING_GROUP)
                ):
                    rules.defined = True
                    _groups(rules, resource.urn, obj, ("spec", "groups"), prefix)
        elif kind in (HELM_RELEASE, HELM_CHART):
            extra = lookup(resource.props, "values", "additionalPrometheusRulesMap")
            if extra is UNKNOWN:
                rules.unreadable.append((resource.urn, "values.additionalPrometheusRulesMap"))
            elif (isinstance(extra, dict) or hasattr(extra, "keys")) and list(extra.keys()):
                for key in list(extra.keys()):
                    rules.defined = True
                    path = ("values", "additionalPrometheusRulesMap", key, "groups")
                    _groups(rules, resource.urn, resource.props, path)
            else:
                _helm_rule_list(rules, resource.urn, resource.props)
        elif kind == ALERT_POLICY:
            rules.defined = rules.defined or not _uptime_only(resource, checks)
            _conditions(rules, resource.urn, resource.props)
    return rules


def _uptime_only(policy: Any, checks: set[str]) -> bool:
    """Whether every condition of an alert policy reads uptime-check metrics (its filter, or, computed at preview,
    the uptime check it is built from): such a policy alerts on uptime (6.uptime-monitoring), not on the six."""
    conditions = items(policy.props, "conditions")
    if not isinstance(conditions, list) or not conditions:
        return False
    deps = (getattr(policy, "property_dependencies", None) or {}).get("conditions", [])
    from_check = any(getattr(dep, "urn", dep) in checks for dep in deps)
    for condition in conditions:
        filters = [lookup(condition, kind, "filter") for kind in ("conditionThreshold", "conditionAbsent")]
        known = [f for f in filters if f is not ABSENT]
        if len(known) != 1:
            return False
        filter_ = known[0]
        if not (isinstance(filter_, str) and UPTIME_METRICS in filter_) and not (filter_ is UNKNOWN and from_check):
            return False
    return True


def _helm_rule_list(rules: Rules, urn: str, props: Any) -> None:
    """The chart's list form: ``additionalPrometheusRules: [{name, groups}]``."""
    listed = items(props, "values", "additionalPrometheusRules")
    if listed is UNKNOWN:
        rules.unreadable.append((urn, "values.additionalPrometheusRules"))
        return
    for index, _entry in enumerate(listed if isinstance(listed, list) else []):
        rules.defined = True
        _groups(rules, urn, props, ("values", "additionalPrometheusRules", index, "groups"))


def _config_group_objects(rules: Rules, urn: str, props: Any) -> Iterator[tuple[Any, str]]:
    """(object, path prefix) of each object a ConfigGroup declares in ``objs`` or in the YAML text of ``yaml``.

    ``yaml`` is one string or a list of strings, each of one or more documents (the provider's schema); a text
    unknown at preview is unreadable. ``files`` name paths or URLs the provider reads at deploy time: they
    cannot be read here (the engine registers their objects as resources of their own).
    """
    objs = items(props, "objs")
    for index, obj in enumerate(objs if isinstance(objs, list) else []):
        yield obj, f"objs[{index}]."
    texts = lookup(props, "yaml")
    if texts is UNKNOWN:
        rules.unreadable.append((urn, "yaml"))
        return
    listed = texts if isinstance(texts, list) else [] if texts is ABSENT else [texts]
    for index, text in enumerate(listed):
        where = "yaml" if isinstance(texts, str) else f"yaml[{index}]"
        if text is UNKNOWN:
            rules.unreadable.append((urn, where))
            continue
        try:
            documents = list(yaml.safe_load_all(text)) if isinstance(text, str) else []
        except yaml.YAMLError:
            continue  # the provider refuses it: no rule is deployed
        for number, document in enumerate(documents):
            if isinstance(document, dict):
                yield document, f"{where}[document {number}]."


def _groups(rules: Rules, urn: str, props: Any, path: tuple[str | int, ...], prefix: str = "") -> None:
    groups = items(props, *path)
    if groups is UNKNOWN:
        rules.unreadable.append((urn, prefix + dotted(*path)))
        return
    for g, group in enumerate(groups if isinstance(groups, list) else []):
        entries = items(group, "rules")
        if entries is UNKNOWN:
            rules.unreadable.append((urn, prefix + dotted(*path, g, "rules")))
            continue
        for r, rule in enumerate(entries if isinstance(entries, list) else []):
            record = lookup(rule, "record")
            if record not in (ABSENT, UNKNOWN):
                expr = lookup(rule, "expr")
                if isinstance(record, str) and isinstance(expr, str):
                    rules.records[record] = expr
                continue
            where = prefix + dotted(*path, g, "rules", r)
            interval = (lookup(group, "interval"), prefix + dotted(*path, g, "interval"))
            rules.prometheus.append(
                PromRule(urn, where, lookup(rule, "expr"), lookup(rule, "for"), f"{where}.for", *interval)
            )


def _conditions(rules: Rules, urn: str, props: Any) -> None:
    conditions = items(props, "conditions")
    if conditions is UNKNOWN:
        rules.unreadable.append((urn, "conditions"))
        return
    listed = conditions if isinstance(conditions, list) else []
    combiner = lookup(props, "combiner")
    combined = UNKNOWN if combiner is UNKNOWN else len(listed) > 1 and combiner in AND_COMBINERS
    for index, condition in enumerate(listed):
        promql = lookup(condition, "conditionPrometheusQueryLanguage")
        threshold = lookup(condition, "conditionThreshold")
        where = f"conditions[{index}]"
        if promql is UNKNOWN or threshold is UNKNOWN:
            rules.unreadable.append((urn, where))
        elif promql is not ABSENT:
            base = f"{where}.conditionPrometheusQueryLanguage"
            interval = (lookup(promql, "evaluationInterval"), f"{base}.evaluationInterval")
            query, hold = lookup(promql, "query"), lookup(promql, "duration")
            rules.prometheus.append(PromRule(urn, base, query, hold, f"{base}.duration", *interval, combined))
        elif threshold is not ABSENT:
            rules.thresholds.append(ThresholdRule(urn, f"{where}.conditionThreshold", threshold, combined))


def unreadable_messages(rules: Rules) -> Iterator[tuple[str, str]]:
    for urn, path in rules.unreadable:
        yield f"{path} is computed and unknown during preview, so its alert rules cannot be read.", urn
