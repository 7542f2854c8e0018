"""Cloud Monitoring policies: alerts reach someone, uptime checks probe /health over HTTPS every 5 minutes.

Written from the ``gcp:monitoring/*`` schemas (pulumi-gcp):

- ``gcp-monitoring-alertpolicy-notification-channels`` (mandatory, 6.uptime-monitoring.2.3 "Alert
  channels: Email, Slack, PagerDuty"): an AlertPolicy without ``notificationChannels`` (absent = none)
  opens incidents nobody is told about, and one with ``enabled`` false (absent = true) opens none; the
  checklist's item is the one that names where alerts go. Channel ids computed from NotificationChannel
  resources are unknown at preview and count as set.
- ``gcp-monitoring-uptimecheck-health`` (mandatory, 6.uptime-monitoring.2.2 "Check frequency: 5
  minutes"): every check runs at least every five minutes (``period``; absent = the provider's 300s); an
  HTTP check (``httpCheck``) uses HTTPS (``useSsl`` true; absent = false, plain HTTP) on the liveness
  endpoint ``/health`` (6.uptime-monitoring.1.1; absent ``path`` = ``/``). A TCP check (a mail server,
  a database port) is judged on its period only; it never counts as a host's health check
  (``observability-stack-uptime-check-per-host``).
- ``gcp-monitoring-uptimecheck-validate-ssl`` (advisory, 6.uptime-monitoring.2): ``validateSsl`` true
  (absent = false), so an expired or wrong certificate fails the check; the checklist does not state it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from agencyos_checklist.numbers import LIVENESS_PATH, UPTIME_CHECK_PERIOD
from pulumi_policy import Severity

from agencyos_policy.observability.promql import duration_seconds
from agencyos_policy.observability.provider_facts import DEFAULT_UPTIME_PATH, DEFAULT_UPTIME_PERIOD
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, Param, Subject, resource_policy
from agencyos_policy.rules import expect, unknown

ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
UPTIME_CHECK = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"
NOTIFICATION_CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"

uptime_policy = partial(resource_policy, resource_types=(UPTIME_CHECK,), tags=("monitoring", "uptime"))


def period_param(description: str) -> Param:
    schema = {"type": "string", "pattern": "^[0-9]+[smh]$", "default": UPTIME_CHECK_PERIOD.value}
    return Param({**schema, "description": description}, UPTIME_CHECK_PERIOD)


def routed(props: Any) -> Any:
    """Whether an AlertPolicy names at least one channel: True, False, or UNKNOWN when the list is computed."""
    channels = items(props, "notificationChannels")
    if channels is UNKNOWN:
        return UNKNOWN
    return isinstance(channels, list) and any(c not in (ABSENT, "") for c in channels)


@resource_policy(
    name="gcp-monitoring-alertpolicy-notification-channels",
    item="6.uptime-monitoring.2.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every Cloud Monitoring alert policy is enabled and notifies at least one channel (email, Slack, "
    "PagerDuty), so an incident reaches someone.",
    remediation="Create monitoring NotificationChannels (email, slack, pagerduty), list their ids in "
    "notificationChannels, and leave enabled unset (true).",
    resource_types=(ALERT_POLICY,),
    tags=("monitoring", "alerting"),
)
def notification_channels(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject, ("enabled",), lambda on: on is not False, "not be false: a disabled policy notifies nobody"
    )
    state = routed(subject.props)
    if state is UNKNOWN:
        yield from unknown(subject, ("notificationChannels",))
    elif not state:
        yield "notificationChannels must name at least one channel; it is empty or not set, so nobody is told."


def health_path_param() -> Param:
    """An uptime policy's ``path``: the liveness endpoint an HTTP uptime check must request."""
    schema = {"type": "string", "pattern": "^/", "default": LIVENESS_PATH.value}
    return Param({**schema, "description": "The path an HTTPS uptime check must request."}, LIVENESS_PATH)


def health_problems(
    props: Any, max_period: float, *, http: bool = True, health_path: str = LIVENESS_PATH.value
) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path, requirement) of each way an uptime check is not an HTTPS ``health_path`` check every ``max_period``.

    With ``http`` false, a check without ``httpCheck`` (a TCP check) is judged on its period only.
    """
    period = lookup(props, "period")
    seconds = duration_seconds(DEFAULT_UPTIME_PERIOD if period is ABSENT else str(period))
    if period is UNKNOWN or seconds is None or seconds > max_period:
        yield ("period",), f"be at most {max_period:g}s"
    if lookup(props, "httpCheck") is ABSENT:
        if http:
            yield ("httpCheck",), f"be set: an HTTPS check of {health_path} (a TCP check cannot see the application)"
        return
    if lookup(props, "httpCheck", "useSsl") is not True:
        yield ("httpCheck", "useSsl"), "be true (HTTPS); absent means plain HTTP"
    path = lookup(props, "httpCheck", "path")
    path = DEFAULT_UPTIME_PATH if path is ABSENT else path
    if path is UNKNOWN or "/" + str(path).lstrip("/") != health_path:
        yield ("httpCheck", "path"), f"be {health_path} (the liveness endpoint); absent means /"


@uptime_policy(
    name="gcp-monitoring-uptimecheck-health",
    item=UPTIME_CHECK_PERIOD.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description=f"Uptime checks probe the liveness endpoint {LIVENESS_PATH.value} over HTTPS at least every "
    f"{UPTIME_CHECK_PERIOD.value} ({UPTIME_CHECK_PERIOD.quote}).",
    remediation=f"Set httpCheck.useSsl true, httpCheck.path {LIVENESS_PATH.value} and period to 60s or "
    f"{UPTIME_CHECK_PERIOD.value} or less.",
    config={"maxPeriod": period_param("Longest period between two checks."), "path": health_path_param()},
)
def uptime_health(subject: Subject) -> Iterator[str]:
    max_period = duration_seconds(subject.config["maxPeriod"]) or 0.0
    health_path = subject.config["path"]
    for path, requirement in health_problems(subject.props, max_period, http=False, health_path=health_path):
        if lookup(subject.props, *path) is UNKNOWN:
            yield from unknown(subject, path)
        else:
            yield f"{'.'.join(path)} must {requirement}."


@uptime_policy(
    name="gcp-monitoring-uptimecheck-validate-ssl",
    item="6.uptime-monitoring.2",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="HTTPS uptime checks validate the certificate, so an expired or wrong certificate fails the check.",
    remediation="Set httpCheck.validateSsl to true.",
)
def validate_ssl(subject: Subject) -> Iterator[str]:
    if lookup(subject.props, "httpCheck") is ABSENT:
        return
    yield from expect(
        subject,
        ("httpCheck", "validateSsl"),
        lambda value: value is True,
        "be true",
        default=False,
        absent_means="the certificate is not checked",
    )
