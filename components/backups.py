"""Database exports, their verification and their alert: checklist §7 (Database Backups, Disaster Recovery Plan).

- A backups bucket in a dual- or multi-region location (so a regional disaster leaves a copy), uniform
  access, public access prevention enforced, a retention policy of the checklist's retention days (objects
  cannot be deleted or overwritten sooner) and a lifecycle rule deleting them after it, labelled
  ``purpose=backups``, protected. No object versioning: Cloud Storage refuses versioning on a bucket
  with a retention policy, and the retention policy is the stronger guarantee.
- A daily export of the database into the bucket at the low-traffic hour: Cloud Scheduler starts a
  Cloud Workflows workflow that calls the Cloud SQL Admin export API with a timestamped object name
  (a fixed name could not be overwritten under the retention policy) and logs the result.
- A weekly verification (checklist 7.database-backups.2): a workflow restores the newest automated
  backup into a scratch instance, checks it is RUNNABLE within the RTO budget, logs the result as a
  structured entry and deletes the scratch instance whatever happened.
- A failed export, a failed verification or a failed trigger raises an alert (a log-based metric, an
  alert policy, an email channel when an address is configured).

Each job runs as its own service account with a custom role holding exactly the Cloud SQL permissions
it needs; the verifier may create, restore into and delete only instances named as scratch instances.
The Cloud SQL instance's own service account may only create objects in this bucket.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from enum import IntEnum

import pulumi
import pulumi_gcp as gcp
from agencyos_checklist.numbers import DB_BACKUP_RETENTION_DAYS, DR_RTO_HOURS
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from components.database import DEFAULT_TIER
from components.labels import Labels
from components.naming import check_name_prefix
from components.patterns import EMAIL

TYPE = "agencyos:backups:Backups"
SECONDS_PER_DAY = 86400
PUBLIC_ACCESS_PREVENTION = "enforced"
# Exports are read only to restore; NEARLINE's minimum storage duration is within the retention anyway.
STORAGE_CLASS = "NEARLINE"
PURPOSE_LABEL = {"purpose": "backups"}
# Predefined multi-regions and dual-regions (https://cloud.google.com/storage/docs/locations).
MULTI_REGIONS = frozenset({"US", "EU", "ASIA"})
DUAL_REGIONS = frozenset({"NAM4", "EUR4", "EUR5", "EUR7", "EUR8", "ASIA1"})
_CONTINENT_MULTI_REGION = {"us": "US", "northamerica": "US", "europe": "EU", "asia": "ASIA"}
SCRATCH_SUFFIX = "-verify-"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
LOG_EVENT_PREFIX = "agencyos.backup."
_SA_SUFFIXES = {"export": "bkp-export", "verify": "bkp-verify"}
# Service account ids: 6 to 30 lowercase letters, digits and hyphens; the prefix plus a suffix must fit.
_ACCOUNT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", re.ASCII)
_EMAIL = re.compile(EMAIL, re.ASCII)

EXPORT_PERMISSIONS = ("cloudsql.instances.export", "cloudsql.instances.get")
VERIFY_SOURCE_PERMISSIONS = ("cloudsql.backupRuns.get", "cloudsql.backupRuns.list", "cloudsql.instances.get")
VERIFY_SCRATCH_PERMISSIONS = (
    "cloudsql.instances.create",
    "cloudsql.instances.delete",
    "cloudsql.instances.get",
    "cloudsql.instances.restoreBackup",
)


class CronWeekday(IntEnum):
    """Days as cron numbers them (Cloud Scheduler's unix-cron)."""

    SUNDAY = 0
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6


class BackupsSpec(BaseModel):
    """Exports, verification and alerting; this is the stack config object ``agencyos-infra:backups``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    location: str | None = Field(
        None,
        description="Dual- or multi-region of the backups bucket (e.g. US, EU, NAM4); unset means the "
        "multi-region of the database's continent.",
    )
    retention_days: int = Field(
        DB_BACKUP_RETENTION_DAYS.value,
        ge=DB_BACKUP_RETENTION_DAYS.value,
        le=3650,
        description=f"Days each export is kept, then deleted (checklist {DB_BACKUP_RETENTION_DAYS.item}).",
    )
    export_hour: int = Field(
        3,
        ge=0,
        le=23,
        description="Daily export hour, UTC: low traffic, after the automated backup and away from maintenance "
        "(checklist 7.database-backups.1).",
    )
    verification_day: str = Field(
        CronWeekday.SATURDAY.name,
        description="Weekly restore test day, e.g. SATURDAY (checklist 7.database-backups.2).",
    )
    verification_hour: int = Field(5, ge=0, le=23, description="Weekly restore test hour, UTC.")
    verification_budget_hours: int = Field(
        DR_RTO_HOURS.value,
        ge=1,
        le=DR_RTO_HOURS.value,
        description="A restore test slower than this fails and alerts; at most the RTO "
        f"(checklist {DR_RTO_HOURS.item}).",
    )
    scratch_tier: str = Field(
        DEFAULT_TIER, pattern=r"^db-[a-z0-9-]+$", description="Cloud SQL tier of the scratch restore instance."
    )
    alert_email: str | None = Field(
        None, description="Address alerted when an export or a restore test fails; unset: console incidents only."
    )

    @field_validator("location")
    @classmethod
    def _spans_regions(cls, location: str | None) -> str | None:
        if location is not None and location.upper() not in MULTI_REGIONS | DUAL_REGIONS:
            choices = ", ".join(sorted(MULTI_REGIONS | DUAL_REGIONS))
            raise ValueError(f"must be a dual- or multi-region, away from a single region's failure: one of {choices}")
        return location.upper() if location else None

    @field_validator("verification_day")
    @classmethod
    def _is_weekday(cls, day: str) -> str:
        if day.upper() not in CronWeekday.__members__:
            raise ValueError("must be a weekday name, e.g. SATURDAY")
        return day.upper()

    @field_validator("alert_email")
    @classmethod
    def _is_email(cls, email: str | None) -> str | None:
        if email is not None and not _EMAIL.match(email):
            raise ValueError("must be an email address")
        return email


def backups_location(spec: BackupsSpec, database_region: str) -> str:
    """The bucket's location: the spec's, or the multi-region of the database's continent."""
    if spec.location:
        return spec.location
    continent = database_region.split("-", 1)[0]
    if continent not in _CONTINENT_MULTI_REGION:
        raise ValueError("backups location must be set: the database region has no default multi-region")
    return _CONTINENT_MULTI_REGION[continent]


@dataclass(frozen=True, kw_only=True)
class BackupsArgs:
    """What the Backups component needs from the stack and the database. Ordering goes in ``opts``."""

    name_prefix: str
    """Physical names start with this, e.g. agencyos-prod."""
    project: str
    """GCP project id (IAM bindings, API paths)."""
    region: str
    """Region of the database, the workflows and the scheduler jobs."""
    network: pulumi.Input[str]
    """VPC id the scratch restore instance joins by private IP, like the database."""
    database_instance: pulumi.Input[str]
    """Cloud SQL name of the primary instance to export and restore."""
    database_name: pulumi.Input[str]
    """Database to export."""
    database_version: pulumi.Input[str]
    """Cloud SQL version of the primary (the scratch instance must match it to restore)."""
    database_service_account: pulumi.Input[str]
    """Email of the Cloud SQL instance's service account: it writes the export files."""
    labels: Labels
    """Labels for everything that takes labels."""
    spec: BackupsSpec = field(default_factory=lambda: BackupsSpec.model_validate({}))
    """Location, retention, schedules and alerting."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.project or not self.region:
            raise ValueError("project and region are required")
        if not all(_ACCOUNT_ID.match(f"{self.name_prefix}-{suffix}") for suffix in _SA_SUFFIXES.values()):
            raise ValueError("name_prefix is too long for the backup jobs' service account ids")
        backups_location(self.spec, self.region)
        for name in ("network", "database_instance", "database_name", "database_version", "database_service_account"):
            value = getattr(self, name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise ValueError(f"{name} is required")


class Backups(pulumi.ComponentResource):
    """The backups bucket, the daily export, the weekly restore test and their alert."""

    bucket_name: pulumi.Output[str]
    """Name of the backups bucket."""
    export_workflow: pulumi.Output[str]
    """Id of the daily export workflow."""
    verification_workflow: pulumi.Output[str]
    """Id of the weekly restore-test workflow."""
    alert_policy: pulumi.Output[str]
    """Id of the alert policy on failed exports and restore tests."""

    def __init__(self, name: str, args: BackupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec, prefix = args.spec, args.name_prefix
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        labels = dict(args.labels)

        bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            name=f"{prefix}-backups",
            location=backups_location(spec, args.region),
            storage_class=STORAGE_CLASS,
            uniform_bucket_level_access=True,
            public_access_prevention=PUBLIC_ACCESS_PREVENTION,
            # Not locked: locking is irreversible and belongs to a reviewed, manual step.
            retention_policy=gcp.storage.BucketRetentionPolicyArgs(
                retention_period=str(spec.retention_days * SECONDS_PER_DAY)
            ),
            # Cloud Storage refuses object versioning together with a retention policy.
            versioning=gcp.storage.BucketVersioningArgs(enabled=False),
            lifecycle_rules=[
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=spec.retention_days),
                )
            ],
            force_destroy=False,
            labels={**labels, **PURPOSE_LABEL},
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True)),
        )
        # The instance's service agent writes the export files; it may create objects here and nothing else.
        gcp.storage.BucketIAMMember(
            f"{name}-sql-writer",
            bucket=bucket.name,
            role="roles/storage.objectCreator",
            member=pulumi.Output.concat("serviceAccount:", args.database_service_account),
            opts=child,
        )

        exporter = self._job_identity(name, "export", args, child)
        verifier = self._job_identity(name, "verify", args, child)
        scratch_prefix = pulumi.Output.concat(args.database_instance, SCRATCH_SUFFIX)
        self._custom_role(name, "export", args, EXPORT_PERMISSIONS, exporter, child, condition_prefix=None)
        self._custom_role(
            name, "verify-source", args, VERIFY_SOURCE_PERMISSIONS, verifier, child, condition_prefix=None
        )
        self._custom_role(
            name, "verify-scratch", args, VERIFY_SCRATCH_PERMISSIONS, verifier, child, condition_prefix=scratch_prefix
        )

        env = {
            "DB_INSTANCE": args.database_instance,
            "DB_NAME": args.database_name,
            "BACKUP_BUCKET": bucket.name,
        }
        export = gcp.workflows.Workflow(
            f"{name}-export",
            name=f"{prefix}-db-export",
            region=args.region,
            description="Daily export of the database to the backups bucket (checklist 7.database-backups.1).",
            service_account=exporter.email,
            source_contents=EXPORT_WORKFLOW,
            user_env_vars=env,
            call_log_level="LOG_ERRORS_ONLY",
            deletion_protection=False,
            labels=labels,
            opts=child,
        )
        verify = gcp.workflows.Workflow(
            f"{name}-verify",
            name=f"{prefix}-db-restore-test",
            region=args.region,
            description="Weekly restore of the newest backup into a scratch instance (checklist 7.database-backups.2).",
            service_account=verifier.email,
            source_contents=VERIFY_WORKFLOW,
            user_env_vars={
                "DB_INSTANCE": args.database_instance,
                "DB_VERSION": args.database_version,
                "DB_REGION": args.region,
                "NETWORK": args.network,
                "SCRATCH_TIER": spec.scratch_tier,
                "SCRATCH_SUFFIX": SCRATCH_SUFFIX,
                "BUDGET_SECONDS": str(spec.verification_budget_hours * 3600),
            },
            call_log_level="LOG_ERRORS_ONLY",
            deletion_protection=False,
            labels=labels,
            opts=child,
        )
        self._trigger(name, "export", export, exporter, f"0 {spec.export_hour} * * *", args, child)
        weekday = CronWeekday[spec.verification_day].value
        self._trigger(name, "verify", verify, verifier, f"0 {spec.verification_hour} * * {weekday}", args, child)

        failures = gcp.logging.Metric(
            f"{name}-failures",
            name=f"{prefix}-backup-failures",
            description="Failed database exports, restore tests and their triggers.",
            filter=_failure_filter(prefix),
            metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(metric_kind="DELTA", value_type="INT64"),
            opts=child,
        )
        channels: list[pulumi.Input[str]] = []
        if spec.alert_email:
            channel = gcp.monitoring.NotificationChannel(
                f"{name}-email",
                display_name=f"{prefix} backup alerts",
                type="email",
                labels={"email_address": spec.alert_email},
                user_labels=labels,
                opts=child,
            )
            channels.append(channel.id)
        policy = gcp.monitoring.AlertPolicy(
            f"{name}-alert",
            display_name=f"{prefix}: database backup or restore test failed",
            combiner="OR",
            severity="CRITICAL",
            conditions=[
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name="a backup job failed",
                    condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                        filter=failures.name.apply(
                            lambda metric: f'metric.type="logging.googleapis.com/user/{metric}"'
                        ),
                        comparison="COMPARISON_GT",
                        threshold_value=0,
                        duration="0s",
                        aggregations=[
                            gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                                alignment_period="300s", per_series_aligner="ALIGN_SUM"
                            )
                        ],
                    ),
                )
            ],
            documentation=gcp.monitoring.AlertPolicyDocumentationArgs(
                content="A database export or the weekly restore test failed. Check the workflow's executions "
                "and its `agencyos.backup.*` log entries; rerun the job once fixed (checklist 7.database-backups.2).",
                mime_type="text/markdown",
            ),
            notification_channels=channels,
            user_labels=labels,
            opts=child,
        )

        self.bucket_name = bucket.name
        self.export_workflow = export.id
        self.verification_workflow = verify.id
        self.alert_policy = policy.id
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "export_workflow": self.export_workflow,
                "verification_workflow": self.verification_workflow,
                "alert_policy": self.alert_policy,
            }
        )

    def _job_identity(
        self, name: str, role: str, args: BackupsArgs, child: pulumi.ResourceOptions
    ) -> gcp.serviceaccount.Account:
        """A service account for one job: it runs the workflow and is the scheduler's caller identity."""
        account = gcp.serviceaccount.Account(
            f"{name}-{role}-sa",
            account_id=f"{args.name_prefix}-{_SA_SUFFIXES[role]}",
            display_name=f"{args.name_prefix} database {role} job",
            project=args.project,
            opts=child,
        )
        member = pulumi.Output.concat("serviceAccount:", account.email)
        # Workflows has no per-workflow IAM resource in the provider: invoker and log writer are project-level.
        for binding, project_role in (("invoker", "roles/workflows.invoker"), ("logs", "roles/logging.logWriter")):
            gcp.projects.IAMMember(
                f"{name}-{role}-{binding}", project=args.project, role=project_role, member=member, opts=child
            )
        return account

    def _custom_role(
        self,
        name: str,
        role: str,
        args: BackupsArgs,
        permissions: tuple[str, ...],
        account: gcp.serviceaccount.Account,
        child: pulumi.ResourceOptions,
        *,
        condition_prefix: pulumi.Output[str] | None,
    ) -> None:
        """Exactly these permissions (Cloud SQL has no instance-level IAM), optionally only on scratch instances."""
        role_id = f"{args.name_prefix.replace('-', '_')}_db_{role.replace('-', '_')}"
        custom = gcp.projects.IAMCustomRole(
            f"{name}-{role}-role",
            project=args.project,
            role_id=role_id,
            title=f"{args.name_prefix} database {role} job",
            permissions=list(permissions),
            opts=child,
        )
        condition = (
            gcp.projects.IAMMemberConditionArgs(
                title="scratch instances only",
                expression=condition_prefix.apply(
                    lambda scratch: f'resource.name.startsWith("projects/{args.project}/instances/{scratch}")'
                ),
            )
            if condition_prefix is not None
            else None
        )
        # The role's name is written out, not taken from the role's output: a reviewer (and the
        # no-basic-roles policy) can see at preview exactly which role is granted.
        gcp.projects.IAMMember(
            f"{name}-{role}-grant",
            project=args.project,
            role=f"projects/{args.project}/roles/{role_id}",
            member=pulumi.Output.concat("serviceAccount:", account.email),
            condition=condition,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[custom])),
        )

    def _trigger(
        self,
        name: str,
        role: str,
        workflow: gcp.workflows.Workflow,
        account: gcp.serviceaccount.Account,
        schedule: str,
        args: BackupsArgs,
        child: pulumi.ResourceOptions,
    ) -> None:
        gcp.cloudscheduler.Job(
            f"{name}-{role}-schedule",
            name=f"{args.name_prefix}-backup-{role}",
            region=args.region,
            schedule=schedule,
            time_zone="Etc/UTC",
            description=f"Starts the database {role} workflow.",
            http_target=gcp.cloudscheduler.JobHttpTargetArgs(
                uri=pulumi.Output.concat("https://workflowexecutions.googleapis.com/v1/", workflow.id, "/executions"),
                http_method="POST",
                body=base64.b64encode(json.dumps({"argument": "{}"}).encode()).decode(),
                headers={"Content-Type": "application/json"},
                oauth_token=gcp.cloudscheduler.JobHttpTargetOauthTokenArgs(
                    service_account_email=account.email, scope=CLOUD_PLATFORM_SCOPE
                ),
            ),
            retry_config=gcp.cloudscheduler.JobRetryConfigArgs(retry_count=2),
            opts=child,
        )


def _failure_filter(prefix: str) -> str:
    """Log entries that mean a backup job failed: our workflows' FAILURE records, or their scheduler failing."""
    return (
        f'(resource.type="workflows.googleapis.com/Workflow" AND jsonPayload.event=~"^{re.escape(LOG_EVENT_PREFIX)}" '
        'AND jsonPayload.status="FAILURE") OR '
        f'(resource.type="cloud_scheduler_job" AND resource.labels.job_id=~"^{prefix}-backup-" AND severity>=ERROR)'
    )


# The daily export. The object name carries the time: under the retention policy an object cannot be
# overwritten, so a fixed name would fail from the second day. The connector waits for the operation.
EXPORT_WORKFLOW = """\
main:
  steps:
    - init:
        assign:
          - project: ${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}
          - instance: ${sys.get_env("DB_INSTANCE")}
          - stamp: ${text.replace_all(time.format(sys.now()), ":", "-")}
          - uri: ${"gs://" + sys.get_env("BACKUP_BUCKET") + "/exports/" + instance + "/" + stamp + ".sql.gz"}
    - export:
        try:
          call: googleapis.sqladmin.v1beta4.instances.export
          args:
            project: ${project}
            instance: ${instance}
            body:
              exportContext:
                fileType: SQL
                uri: ${uri}
                databases:
                  - ${sys.get_env("DB_NAME")}
                offload: true
        except:
          as: error
          steps:
            - report_failure:
                call: sys.log
                args:
                  severity: ERROR
                  json:
                    event: agencyos.backup.export
                    status: FAILURE
                    instance: ${instance}
                    error: ${error}
            - fail:
                raise: ${error}
    - report_success:
        call: sys.log
        args:
          severity: INFO
          json:
            event: agencyos.backup.export
            status: SUCCESS
            instance: ${instance}
            uri: ${uri}
"""

# The weekly restore test: newest successful automated backup -> scratch instance (private IP only,
# zonal, no backups of its own) -> RUNNABLE within the budget -> result logged -> scratch deleted.
VERIFY_WORKFLOW = """\
main:
  steps:
    - init:
        assign:
          - project: ${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}
          - source: ${sys.get_env("DB_INSTANCE")}
          - scratch: ${source + sys.get_env("SCRATCH_SUFFIX") + string(int(sys.now()))}
          - budget: ${int(sys.get_env("BUDGET_SECONDS"))}
          - started: ${sys.now()}
          - status: FAILURE
          - detail: ""
    - restore_and_check:
        try:
          steps:
            - latest_backup:
                call: googleapis.sqladmin.v1beta4.backupRuns.list
                args:
                  project: ${project}
                  instance: ${source}
                  maxResults: 1
                result: runs
            - create_scratch:
                call: googleapis.sqladmin.v1beta4.instances.insert
                args:
                  project: ${project}
                  body:
                    name: ${scratch}
                    databaseVersion: ${sys.get_env("DB_VERSION")}
                    region: ${sys.get_env("DB_REGION")}
                    settings:
                      tier: ${sys.get_env("SCRATCH_TIER")}
                      availabilityType: ZONAL
                      ipConfiguration:
                        ipv4Enabled: false
                        privateNetwork: ${sys.get_env("NETWORK")}
                      backupConfiguration:
                        enabled: false
                      userLabels:
                        purpose: backup-verification
            - restore:
                call: googleapis.sqladmin.v1beta4.instances.restoreBackup
                args:
                  project: ${project}
                  instance: ${scratch}
                  body:
                    restoreBackupContext:
                      backupRunId: ${runs.items[0].id}
                      instanceId: ${source}
                      project: ${project}
            - check:
                call: googleapis.sqladmin.v1beta4.instances.get
                args:
                  project: ${project}
                  instance: ${scratch}
                result: restored
            - judge:
                switch:
                  - condition: ${restored.state != "RUNNABLE"}
                    assign:
                      - detail: scratch instance is not RUNNABLE after the restore
                  - condition: ${sys.now() - started > budget}
                    assign:
                      - detail: restore took longer than the RTO budget
                  - condition: true
                    assign:
                      - status: SUCCESS
        except:
          as: error
          steps:
            - record_error:
                assign:
                  - detail: ${error}
    - cleanup:
        try:
          call: googleapis.sqladmin.v1beta4.instances.delete
          args:
            project: ${project}
            instance: ${scratch}
        retry: ${http.default_retry}
        except:
          as: error
          steps:
            - note_cleanup:
                assign:
                  - detail: ${"scratch instance not deleted; " + json.encode_to_string(error)}
                  - status: FAILURE
    - report:
        call: sys.log
        args:
          severity: ${if(status == "SUCCESS", "INFO", "ERROR")}
          json:
            event: agencyos.backup.verification
            status: ${status}
            source: ${source}
            scratch: ${scratch}
            elapsedSeconds: ${sys.now() - started}
            budgetSeconds: ${budget}
            detail: ${detail}
    - outcome:
        switch:
          - condition: ${status != "SUCCESS"}
            raise: ${detail}
"""
