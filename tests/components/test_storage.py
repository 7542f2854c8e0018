"""The Storage component (uploads bucket): secure defaults, naming, CORS from settings, rejected args."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.storage import StorageArgs, StorageSpec
from stacks.settings import NAMESPACE
from tests.conftest import run_repo_stack

BUCKET = "gcp:storage/bucket:Bucket"
COMPONENT = "agencyos:storage:Storage"


def _uploads(run: ProgramRun) -> CapturedResource:
    [bucket] = [b for b in run.of_type(BUCKET) if b.name == "storage-uploads"]
    return bucket


def test_uploads_bucket_is_private_versioned_and_protected(prod_run: ProgramRun) -> None:
    bucket = _uploads(prod_run)
    props, urn = bucket.inputs.plain, bucket.urn
    assert props["name"] == "agencyos-prod-uploads", urn
    assert props["uniformBucketLevelAccess"] is True, urn
    assert props["publicAccessPrevention"] == "enforced", urn
    assert props["versioning"] == {"enabled": True}, urn
    assert props["forceDestroy"] is False and bucket.protect, urn
    assert props["labels"]["purpose"] == "uploads" and props["labels"]["managed-by"] == "pulumi", urn
    [component] = prod_run.of_type(COMPONENT)
    assert bucket.parent == component.urn


def test_cors_allows_only_the_configured_frontend(prod_run: ProgramRun) -> None:
    [cors] = _uploads(prod_run).inputs.plain["cors"]
    assert cors["origins"] == ["https://agencyos.example"]
    assert "*" not in str(cors["origins"]) and "DELETE" not in cors["methods"]


def test_no_origins_means_no_cors() -> None:
    run = run_repo_stack("prod", overrides={f"{NAMESPACE}:storage": "{}"})
    assert run.error is None, run.error
    assert "cors" not in _uploads(run).inputs.plain


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"cors_origins": ["*"]}, "cors_origins"),
        ({"cors_origins": ["http://app.example"]}, "cors_origins"),
        ({"cors_origins": ["https://app.example/path"]}, "cors_origins"),
        ({"cors_origins": ["https://*.example"]}, "cors_origins"),
        ({"cors_origins": ["https://a.example", "https://a.example"]}, "cors_origins"),
        ({"noncurrent_version_days": 0}, "noncurrent_version_days"),
        ({"location": "us central"}, "location"),
        ({"public": True}, "public"),
    ],
)
def test_invalid_spec_is_rejected_on_its_field(override: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        StorageSpec(**override)
    assert [e["loc"][0] for e in error.value.errors()] == [field]


def test_invalid_args_are_rejected() -> None:
    with pytest.raises(ValueError, match="region is required"):
        StorageArgs(name_prefix="agencyos-test", region="", labels={})
