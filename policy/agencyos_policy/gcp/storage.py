"""Cloud Storage policies: checklist §10 (no public buckets) and §7 (backups kept the checklist's days).

Written from the ``gcp:storage/*`` schemas. Absent ``uniformBucketLevelAccess`` is false (object
ACLs apply); absent ``publicAccessPrevention`` is ``inherited`` (public unless an organization
policy says otherwise), which is not ``enforced``.

Public principals are ``allUsers`` and ``allAuthenticatedUsers`` in IAM members and ACL entities, and
the public predefined ACLs. They are literal names, so a member computed from another resource
(a service account's email, unknown during preview) is judged not public: unlike other mandatory
rules here, an unknown member passes, or every grant to a new identity would fail every preview.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

from agencyos_checklist.numbers import DB_BACKUP_RETENTION_DAYS
from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup
from agencyos_policy.registry import MANDATORY, Subject, bound, resource_policy
from agencyos_policy.rules import expect, number, unknown

BUCKET = "gcp:storage/bucket:Bucket"
PUBLIC_PRINCIPALS = frozenset({"allUsers", "allAuthenticatedUsers"})
PUBLIC_PREDEFINED_ACLS = frozenset({"publicRead", "publicReadWrite", "authenticatedRead"})
SECONDS_PER_DAY = 86400
# Type -> (property, shape): each way a program can grant on a bucket or its objects.
MEMBER_PROPS: dict[str, tuple[str, str]] = {
    "gcp:storage/bucketIAMMember:BucketIAMMember": ("member", "member"),
    "gcp:storage/bucketIAMBinding:BucketIAMBinding": ("members", "members"),
    "gcp:storage/bucketIAMPolicy:BucketIAMPolicy": ("policyData", "policy"),
    "gcp:storage/bucketACL:BucketACL": ("roleEntities", "role-entities"),
    "gcp:storage/defaultObjectACL:DefaultObjectACL": ("roleEntities", "role-entities"),
    "gcp:storage/objectACL:ObjectACL": ("roleEntities", "role-entities"),
    "gcp:storage/bucketAccessControl:BucketAccessControl": ("entity", "member"),
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl": ("entity", "member"),
    "gcp:storage/objectAccessControl:ObjectAccessControl": ("entity", "member"),
}
PREDEFINED_ACL_TYPES = (
    "gcp:storage/bucketACL:BucketACL",
    "gcp:storage/objectACL:ObjectACL",
    "gcp:storage/bucketObject:BucketObject",
)

bucket_policy = partial(resource_policy, resource_types=(BUCKET,), tags=("storage",))


def holds_backups(subject: Subject) -> bool:
    """A bucket whose name (or, auto-named, logical name) or ``purpose`` label says it holds backups.

    A bucket whose name is computed and that has no ``purpose`` label cannot be told apart at preview:
    the rule applies to it (an unknown cannot pass a mandatory rule), and its message says how to decide.
    """
    if _purpose_undecided(subject):
        return True
    name = lookup(subject.props, "name")
    if name is ABSENT:
        name = subject.name
    purpose = lookup(subject.props, "labels", "purpose")
    return any(isinstance(text, str) and "backup" in text.lower() for text in (name, purpose))


def _purpose_undecided(subject: Subject) -> bool:
    return lookup(subject.props, "name") is UNKNOWN and not isinstance(lookup(subject.props, "labels", "purpose"), str)


@bucket_policy(
    name="gcp-storage-bucket-uniform-access",
    item="10.security-verification.3.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Buckets use uniform bucket-level access: IAM only, no object ACL can make a file public.",
    remediation="Set uniformBucketLevelAccess to true.",
)
def uniform_access(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        ("uniformBucketLevelAccess",),
        lambda enabled: enabled is True,
        "be true",
        default=False,
        absent_means="object ACLs apply",
    )


@bucket_policy(
    name="gcp-storage-bucket-public-access-prevention",
    item="10.security-verification.3.3",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="Buckets enforce public access prevention.",
    remediation='Set publicAccessPrevention to "enforced".',
)
def public_access_prevention(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        ("publicAccessPrevention",),
        lambda value: value == "enforced",
        "be enforced",
        default="inherited",
        absent_means="inherited, public unless an organization policy forbids it",
    )


@bucket_policy(
    name="gcp-storage-bucket-backup-retention",
    item=DB_BACKUP_RETENTION_DAYS.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description=f"Buckets holding backups keep every object at least {DB_BACKUP_RETENTION_DAYS.value} days "
    "(a retention policy: no delete or overwrite sooner).",
    remediation=f"Set retentionPolicy.retentionPeriod to {DB_BACKUP_RETENTION_DAYS.value * SECONDS_PER_DAY} "
    "(seconds) or more; leave versioning off (Cloud Storage refuses it with a retention policy).",
    applies=holds_backups,
    config={"minRetentionDays": bound(DB_BACKUP_RETENTION_DAYS, "Minimum retention of backup objects, in days.")},
)
def backup_retention(subject: Subject) -> Iterator[str]:
    days = subject.config["minRetentionDays"]

    def long_enough(period: Any) -> bool:
        seconds = number(period)
        return seconds is not None and seconds >= days * SECONDS_PER_DAY

    findings = list(
        expect(
            subject,
            ("retentionPolicy", "retentionPeriod"),
            long_enough,
            f"be at least {days:g} days in seconds",
            absent_means="objects can be deleted at any time",
        )
    )
    if findings and _purpose_undecided(subject):
        yield (
            "the bucket's name is computed, so whether it holds backups cannot be decided at preview: "
            "label it `purpose: <what it holds>` (e.g. uploads), or give it the backups' retention. "
            + " ".join(findings)
        )
        return
    yield from findings


@resource_policy(
    name="gcp-storage-bucket-no-public-members",
    item="10.security-verification.3.3",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="No IAM binding, member, policy or ACL grants a bucket or its objects to allUsers or "
    "allAuthenticatedUsers.",
    remediation="Remove allUsers/allAuthenticatedUsers and public predefined ACLs; serve files through signed "
    "URLs or a CDN with its own identity.",
    resource_types=(*MEMBER_PROPS, *PREDEFINED_ACL_TYPES),
    tags=("storage",),
)
def no_public_members(subject: Subject) -> Iterator[str]:
    if subject.resource_type in MEMBER_PROPS:
        prop, shape = MEMBER_PROPS[subject.resource_type]
        yield from _public_grants(subject, prop, shape)
    if subject.resource_type in PREDEFINED_ACL_TYPES:
        predefined = lookup(subject.props, "predefinedAcl")
        if predefined is UNKNOWN:
            yield from unknown(subject, ("predefinedAcl",))
        elif predefined in PUBLIC_PREDEFINED_ACLS:
            yield "predefinedAcl must not be a public ACL (publicRead, publicReadWrite, authenticatedRead)."


def _public_grants(subject: Subject, prop: str, shape: str) -> Iterator[str]:
    value = lookup(subject.props, prop)
    if value in (ABSENT, UNKNOWN):
        return  # see the module docstring: a computed principal is a resource's identity
    if shape == "member":
        members = [value]
    elif shape == "policy":
        readable = _policy_members(value)
        if readable is None:
            yield f"{prop} must be a JSON IAM policy whose members can be read."
            return
        members = readable
    else:
        listed = items(subject.props, prop)
        members = [] if listed in (ABSENT, UNKNOWN) else listed
        if shape == "role-entities":
            members = [entry.split(":", 1)[-1] if isinstance(entry, str) else entry for entry in members]
    if any(isinstance(member, str) and member in PUBLIC_PRINCIPALS for member in members):
        yield f"{dotted(prop)} must not grant to allUsers or allAuthenticatedUsers."


def _policy_members(policy: Any) -> list[Any] | None:
    try:
        document = json.loads(policy) if isinstance(policy, str) else policy
        return [member for binding in document.get("bindings", []) for member in binding.get("members", [])]
    except (ValueError, AttributeError, TypeError):
        return None
