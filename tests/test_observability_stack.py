"""Issue 10's done-when on our own platform: the prod program, tampered with after the fact, is rejected.

Each case runs the repository's prod stack through a wrapper program that registers a stack transform
before running ``__main__.py``: what a later edit (or another team's transform) could do to the
observability tier the settings would refuse. The pack must reject each with exit 1, naming the policy.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

WRAPPER = """
import runpy
import sys

import pulumi

sys.path.insert(0, {repo!r})
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"


def tamper(args):
    props = args.props
    if {case!r} == "drop-memory-rule" and args.type_ == PROMETHEUS_RULE:
        for group in props["spec"]["groups"]:
            group["rules"] = [rule for rule in group["rules"] if rule["alert"] != "HighMemoryUsage"]
    elif {case!r} == "loosen-cpu-threshold" and args.type_ == PROMETHEUS_RULE:
        for group in props["spec"]["groups"]:
            for rule in group["rules"]:
                if rule["alert"] == "HighCpuUsage":
                    rule["expr"] = rule["expr"].replace("> 0.8", "> 0.95")
    elif {case!r} == "audit-retention-7-days" and args.type_ == LOG_BUCKET and "audit" in props["bucketId"]:
        props["retentionDays"] = 7
    else:
        return None
    return pulumi.ResourceTransformResult(props=props, opts=args.opts)


pulumi.runtime.register_resource_transform(tamper)
runpy.run_path({main!r}, run_name="__main__")
"""


def _wrapped_prod(tmp_path: Path, case: str) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    text = WRAPPER.format(repo=str(REPO), main=str(REPO / "__main__.py"), case=case)
    (tmp_path / "__main__.py").write_text(text)
    return tmp_path


def test_the_untouched_wrapper_passes(tmp_path: Path) -> None:
    # The wrapper itself changes nothing: the cases below fail for their tampering alone.
    result = run_cli("preview", "--program", str(_wrapped_prod(tmp_path, "none")))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("case", "policy"),
    [
        ("drop-memory-rule", "observability-stack-alert-memory-usage"),
        ("loosen-cpu-threshold", "observability-stack-alert-cpu-usage"),
        ("audit-retention-7-days", "gcp-logging-stack-log-retention"),
    ],
)
def test_tampering_with_the_observability_tier_is_rejected(tmp_path: Path, case: str, policy: str) -> None:
    result = run_cli("preview", "--program", str(_wrapped_prod(tmp_path, case)))
    assert result.returncode == 1, result.stdout + result.stderr
    mandatory = result.stdout.split("Mandatory violations:", 1)[1].split("Advisory violations:", 1)[0]
    assert f"[{policy}]" in mandatory, result.stdout
    # Only what was tampered with is reported.
    assert set(re.findall(r"\[([a-z]+(?:-[a-z0-9]+)+)\]", mandatory)) == {policy}, mandatory
