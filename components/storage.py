"""The uploads bucket: checklist §3 (Cloud Storage for file uploads) and §10 (no public buckets).

Uniform bucket-level access (IAM only, no object ACLs that could make one file public), public
access prevention enforced, object versioning so an overwrite or delete can be undone (old versions
expire after a set number of days), and CORS for the frontend's origins only, so browsers upload
with signed URLs from the application's pages and from nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.naming import check_name_prefix

TYPE = "agencyos:storage:Storage"
PUBLIC_ACCESS_PREVENTION = "enforced"
# Browsers upload and read through signed URLs: these methods and headers, nothing else.
CORS_METHODS = ("GET", "HEAD", "PUT", "POST")
CORS_RESPONSE_HEADERS = ("Content-Type", "Content-MD5", "x-goog-resumable")
CORS_MAX_AGE_SECONDS = 1800
# An origin is scheme://host[:port]: no path, no wildcard (checklist 1.additional-production-variables.1).
_ORIGIN = re.compile(
    r"^https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?$", re.ASCII
)


class StorageSpec(BaseModel):
    """The uploads bucket's settings; this is the stack config object ``agencyos-infra:storage``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    location: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Bucket location; unset means the stack's region (uploads sit next to the cluster).",
    )
    cors_origins: tuple[str, ...] = Field(
        (),
        max_length=10,
        description="Frontend origins (https://host[:port]) allowed to upload from browsers; no wildcard "
        "(checklist 1.additional-production-variables.1).",
    )
    noncurrent_version_days: int = Field(
        14, ge=1, le=365, description="Days an overwritten or deleted upload stays recoverable as an old version."
    )

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_exact(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        if any(not _ORIGIN.match(origin) for origin in origins):
            raise ValueError("each origin must be https://host[:port] in lowercase, without path or wildcard")
        if len(set(origins)) != len(origins):
            raise ValueError("origins must not repeat")
        return origins


@dataclass(frozen=True, kw_only=True)
class StorageArgs:
    """Everything the Storage component needs."""

    name_prefix: str
    """Physical names start with this, e.g. agencyos-prod (bucket names are global: the prefix makes them ours)."""
    region: str
    """Default location of the bucket."""
    labels: Labels
    """Labels for the bucket (see ``components.labels.shared_labels``)."""
    spec: StorageSpec = field(default_factory=lambda: StorageSpec.model_validate({}))
    """Location, CORS origins and version expiry."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.region:
            raise ValueError("region is required")


class Storage(pulumi.ComponentResource):
    """The uploads bucket."""

    uploads_bucket: pulumi.Output[str]
    """Name of the uploads bucket."""
    uploads_url: pulumi.Output[str]
    """gs:// URL of the uploads bucket."""

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        # Users' files: never destroyed by a stack operation.
        stateful = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True))
        bucket = gcp.storage.Bucket(
            f"{name}-uploads",
            name=f"{args.name_prefix}-uploads",
            location=(spec.location or args.region).upper(),
            uniform_bucket_level_access=True,
            public_access_prevention=PUBLIC_ACCESS_PREVENTION,
            versioning=gcp.storage.BucketVersioningArgs(enabled=True),
            lifecycle_rules=[
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                        days_since_noncurrent_time=spec.noncurrent_version_days, with_state="ARCHIVED"
                    ),
                )
            ],
            cors=[
                gcp.storage.BucketCorArgs(
                    origins=list(spec.cors_origins),
                    methods=list(CORS_METHODS),
                    response_headers=list(CORS_RESPONSE_HEADERS),
                    max_age_seconds=CORS_MAX_AGE_SECONDS,
                )
            ]
            if spec.cors_origins
            else None,
            force_destroy=False,
            labels={**args.labels, "purpose": "uploads"},
            opts=stateful,
        )
        self.uploads_bucket = bucket.name
        self.uploads_url = bucket.url
        self.register_outputs({"uploads_bucket": self.uploads_bucket, "uploads_url": self.uploads_url})
