"""Cloud Logging stack policies: retention by what each bucket receives, Data Access audit logs, the locked audit
trail; sinks resolved through their destination string or the bucket resource it is computed from."""

from __future__ import annotations

import pytest
from agencyos_policy.observability.logs import APPLICATION, AUDIT, SECURITY, log_class
from agencyos_policy.props import UNKNOWN as COMPUTED

from agencyos_infra.wire import UNKNOWN
from tests.policy.observability.logs_cases import APP, FAILING, PASSING, SINK, bucket
from tests.policy.observability.logs_cases import AUDIT as AUDIT_ROUTE
from tests.policy.observability.test_alert_policies import _run
from tests.policy.runners import StackCaseSuite
from tests.policy.stack_cases import stack_resources

RETENTION = "gcp-logging-stack-log-retention"
LOCKED = "gcp-logging-bucket-audit-locked"


class TestLoggingStackCases(StackCaseSuite):
    STACK_FAILING = FAILING
    STACK_PASSING = PASSING


@pytest.mark.parametrize(
    ("filter_", "kind"),
    [
        ('logName:"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access"', AUDIT),
        ('log_id("cloudaudit.googleapis.com/activity") OR severity>=ERROR', AUDIT),
        ('jsonPayload.category="audit"', AUDIT),
        ('NOT logName:"cloudaudit.googleapis.com" AND resource.type="k8s_container"', APPLICATION),
        ('resource.type="k8s_container" AND NOT (logName:"cloudaudit" OR log_id("firewall"))', APPLICATION),
        ('protoPayload.@type!="type.googleapis.com/google.cloud.audit.AuditLog"', APPLICATION),
        ('log_id("compute.googleapis.com/firewall")', SECURITY),
        ('jsonPayload.event="authentication_failed"', SECURITY),
        ('resource.type="gce_instance"', APPLICATION),
        ("", AUDIT),
        (COMPUTED, AUDIT),
    ],
)
def test_what_a_filter_routes(filter_: str, kind: str) -> None:
    assert log_class(filter_) == kind


def test_a_destination_computed_from_a_bucket_resource_is_that_bucket() -> None:
    computed = (SINK, {**AUDIT_ROUTE[1][1], "destination": UNKNOWN})
    short = bucket("audit", 7, locked=False)
    resources = stack_resources([*APP, short, computed], depends={3: {"destination": [2]}})
    messages = _run(RETENTION, resources)
    assert messages == [
        "retentionDays must be at least 365: a sink routes audit logs into this bucket "
        "(policy config `auditDays`; absent means 30 days)."
    ]
    assert _run(LOCKED, resources) == ["locked must be true: this bucket receives audit logs; absent means unlocked."]
    # Without the dependency the bucket cannot be told: unknown, which a mandatory rule cannot pass.
    assert "cannot be proven" in _run(RETENTION, stack_resources([*APP, short, computed], depends={}))[0]
