"""Alerts reach people by email, Slack and PagerDuty (checklist 6.uptime-monitoring.2.3).

``observability-stack-alert-channel-kinds`` (advisory): a stack that defines where alerts go has an email,
a Slack and a PagerDuty channel among them, in either form: Cloud Monitoring ``NotificationChannel``
(``type`` email, slack, pagerduty) or Alertmanager receivers (``email_configs``, ``slack_configs``,
``pagerduty_configs`` in kube-prometheus-stack's ``alertmanager.config`` Helm value, or the camelCase
``emailConfigs``... of a ``monitoring.coreos.com/v1alpha1`` AlertmanagerConfig). Advisory: that some
channel is notified is mandatory (``gcp-monitoring-alertpolicy-notification-channels``); which products
carry the pages (PagerDuty or another on-call service, Slack or another chat) is the team's choice.
A stack that defines no channel and no receiver is not judged; kinds unknown at preview pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import Severity

from agencyos_policy.kubernetes.helm import HELM_CHART, HELM_RELEASE
from agencyos_policy.observability.monitoring import NOTIFICATION_CHANNEL
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import ADVISORY, StackSubject, stack_policy

ALERTMANAGER_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig"
KINDS = ("email", "slack", "pagerduty")


def _receiver_kinds(receivers: Any, suffix: str) -> set[Any]:
    """The kinds of a list of Alertmanager receivers (``email`` + ``suffix`` keys), UNKNOWN where computed."""
    if receivers is UNKNOWN:
        return {UNKNOWN}
    kinds: set[Any] = set()
    for receiver in receivers if isinstance(receivers, list) else []:
        for kind in KINDS:
            if lookup(receiver, kind + suffix) not in (ABSENT, None):
                kinds.add(kind)
    return kinds


@stack_policy(
    name="observability-stack-alert-channel-kinds",
    item="6.uptime-monitoring.2.3",
    level=ADVISORY,
    severity=Severity.LOW,
    description="Alerts can reach the team by email, Slack and PagerDuty: the stack's Cloud Monitoring channels "
    "or Alertmanager receivers include each kind.",
    remediation="Add the missing kind: a monitoring NotificationChannel of type email, slack or pagerduty, or an "
    "Alertmanager receiver with email_configs, slack_configs or pagerduty_configs.",
    resource_types=(NOTIFICATION_CHANNEL, HELM_RELEASE, HELM_CHART, ALERTMANAGER_CONFIG),
    tags=("observability", "alerting"),
)
def channel_kinds(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    kinds: set[Any] = set()
    defined = False
    for channel in subject.of_type(NOTIFICATION_CHANNEL):
        defined = True
        kinds.add(lookup(channel.props, "type"))
    for release in subject.of_type(HELM_RELEASE, HELM_CHART):
        receivers = items(release.props, "values", "alertmanager", "config", "receivers")
        if receivers is not ABSENT:
            defined = True
            kinds |= _receiver_kinds(receivers, "_configs")
    for config in subject.of_type(ALERTMANAGER_CONFIG):
        defined = True
        kinds |= _receiver_kinds(items(config.props, "spec", "receivers"), "Configs")
    if not defined or UNKNOWN in kinds:
        return
    missing = [kind for kind in KINDS if kind not in kinds]
    if missing:
        yield f"no {' or '.join(missing)} channel or receiver: alerts should reach email, Slack and PagerDuty.", None
