"""Shared fixtures: the repository's program under a fresh mock engine, and policy runners.

Policies are exercised two ways: in-process through the SDK's own unknown-checking proxy (fast, one
property changed per case), and over gRPC through a real pack process started as the CLI starts it.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

from agencyos_infra.analyzer import PolicyPackProcess, PolicyReport
from agencyos_infra.engine import CapturedResource, ProgramRun, run_program
from agencyos_infra.stackconfig import load_stack_config
from agencyos_infra.wire import read_properties

# The shared test scaffolding asserts too: pytest explains its failures as it does the test modules'.
pytest.register_assert_rewrite("tests.example_runs", "tests.policy.runners")

REPO = Path(__file__).resolve().parent.parent
POLICY_DIR = REPO / "policy"
EXAMPLES = REPO / "examples"


def run_repo_stack(
    stack: str = "prod", *, preview: bool = False, overrides: Mapping[str, str] | None = None
) -> ProgramRun:
    """Run this repository's program for a stack file, with config keys overridden if asked."""
    loaded = load_stack_config(REPO, stack)
    config = {**loaded.config, **(overrides or {})}
    return run_program(
        isolated=False,
        program_dir=loaded.program_dir,
        project=loaded.project,
        stack=stack,
        config=config,
        secret_keys=loaded.secret_keys,
        preview=preview,
    )


@pytest.fixture
def prod_run() -> ProgramRun:
    run = run_repo_stack("prod")
    assert run.error is None, run.error
    return run


def run_cli(*args: str, cwd: Path = REPO, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point, in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "agencyos_infra.cli", *args],
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def validate_in_process(
    policy: Any,
    props: Mapping[str, Any],
    *,
    resource_type: str,
    protect: bool = True,
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """Run one policy on raw properties, wrapped in the SDK's unknown-checking proxy as in Analyze."""
    messages: list[str] = []
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(copy.deepcopy(dict(props))),
        f"urn:pulumi:test::test::{resource_type}::subject",
        "subject",
        PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None),
        None,
        config,
    )
    policy.validate(args, lambda message, urn=None: messages.append(message))
    return messages


def single_resource_run(resource_type: str, wire_props: Mapping[str, Any], *, protect: bool = True) -> ProgramRun:
    """A one-resource ProgramRun from wire-form properties (unknown sentinels, secret signatures)."""
    props = read_properties(json.loads(json.dumps(wire_props)))
    urn = f"urn:pulumi:test::test::{resource_type}::subject"
    resource = CapturedResource(resource_type, "subject", urn, True, "", props, props, protect=protect)
    return ProgramRun("test", "test", True, [resource], read_properties({}))


@pytest.fixture(scope="session")
def pack_analyze() -> Iterator[Callable[..., PolicyReport]]:
    """Analyze runs through one real pack process (started once, like the CLI starts it).

    No policy config is ever sent to this shared process: the pack keeps Configure's config for
    its lifetime, so tests of policy config start their own process (see test_preview_cli.py).
    """
    pack = PolicyPackProcess(POLICY_DIR, project="test", stack="test", config={}, dry_run=True)
    try:
        yield pack.analyze
    finally:
        pack.close()


REPORTED_VIOLATION = re.compile(r"^\s+\[(?P<policy>[a-z0-9-]+)\] \(\w+\) (?P<urn>urn:pulumi:\S+)$", re.MULTILINE)
"""A violation line of the text report: ``[policy] (severity) urn``."""


def report_sections(stdout: str) -> tuple[str, str]:
    """The mandatory and the advisory parts of a preview's text report."""
    head, separator, advisory = stdout.partition("Advisory violations")
    assert separator, stdout
    return head.partition("Mandatory violations")[2], advisory


def mandatory_violations(stdout: str) -> set[tuple[str, str, str]]:
    """(policy, type, name) of each mandatory violation a preview's text report lists."""
    found = set()
    for match in REPORTED_VIOLATION.finditer(report_sections(stdout)[0]):
        resource_type, name = match["urn"].split("::")[-2:]
        found.add((match["policy"], resource_type, name))
    return found
