"""Unknowns that carry their origin: pass, fail or undetermined, decided through the pack's real protocol.

Each origin case is a small stack judged by the pack over gRPC as a preview judges it: Analyze (no
dependencies) defers an unknown the origin may decide, AnalyzeStack answers it from the property
dependencies. Then the one prefix every undetermined result carries, and the ``undeterminedAtPreview``
switch, which only a preview honours.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from agencyos_policy import REGISTRY
from agencyos_policy.props import UNDETERMINED_PREFIX, is_undetermined
from agencyos_policy.registry import MANDATORY, UNDETERMINED_AT_PREVIEW

from agencyos_infra.analyzer import PolicyPackProcess, Violation
from agencyos_infra.review import UNDETERMINED_PREFIX as REPORTED_PREFIX
from agencyos_infra.review import is_undetermined as reported_undetermined
from agencyos_infra.wire import UNKNOWN
from tests.conftest import POLICY_DIR, single_resource_run, validate_in_process
from tests.policy.cases import mutate
from tests.policy.gcp import container_cases, iam_cases
from tests.policy.gcp.container_cases import ACCOUNT, NODE_POOL, NODE_POOL_BASELINE
from tests.policy.origin_cases import FAIL, PASS, SUBJECT, UNDETERMINED, OriginCase, case_id, origin_run, urn
from tests.policy.runners import BY_NAME, PackAnalyze

ORIGIN_CASES = [*container_cases.ORIGIN_CASES, *iam_cases.ORIGIN_CASES]


def _findings(violations: list[Violation], case: OriginCase) -> list[Violation]:
    return [v for v in violations if v.policy == case.policy and v.urn == urn(case.resource_type, SUBJECT)]


@pytest.mark.parametrize("case", ORIGIN_CASES, ids=case_id)
def test_the_origin_decides_through_the_pack(case: OriginCase, pack_analyze: PackAnalyze) -> None:
    found = _findings(pack_analyze(origin_run(case)).violations, case)
    if case.outcome == PASS:
        assert found == [], case.note
        return
    assert found, case.note
    assert {v.enforcement_level for v in found} == {"mandatory"}, case.note
    undetermined = [v for v in found if reported_undetermined(v.message)]
    if case.outcome == UNDETERMINED:
        assert undetermined == found, (case.note, found)
        # It names the value that was unknown.
        assert all("unknown during preview" in v.message for v in found), found
    else:
        assert case.outcome == FAIL and undetermined == [], (case.note, found)


def test_an_undetermined_result_names_the_value_and_its_origin(pack_analyze: PackAnalyze) -> None:
    [case] = [c for c in container_cases.ORIGIN_CASES if c.note == "computed from a project (its number)"]
    [finding] = _findings(pack_analyze(origin_run(case)).violations, case)
    reason = finding.message.splitlines()[1]
    assert reason.startswith(f"{UNDETERMINED_PREFIX}nodeConfig.serviceAccount is computed from "), reason
    assert "gcp:organizations/project:Project 'host'" in reason


def test_without_the_stack_an_unknown_is_undetermined_at_once() -> None:
    # A policy run outside the pack's analyzer (no AnalyzeStack to follow) never defers: it reports.
    [message] = validate_in_process(
        BY_NAME[ACCOUNT], mutate(NODE_POOL_BASELINE, {"nodeConfig.serviceAccount": UNKNOWN}), resource_type=NODE_POOL
    )
    assert message.startswith(f"{UNDETERMINED_PREFIX}nodeConfig.serviceAccount is computed and unknown"), message


def test_the_pack_and_the_report_read_one_prefix() -> None:
    assert UNDETERMINED_PREFIX == REPORTED_PREFIX
    assert is_undetermined("Description.\nUndetermined: x is unknown") and not is_undetermined("x must be set.")


def test_every_mandatory_policy_takes_the_preview_switch_and_no_advisory_one_does() -> None:
    for spec in REGISTRY.values():
        has = UNDETERMINED_AT_PREVIEW in spec.config
        assert has is (spec.level is MANDATORY), spec.name
        if has:
            assert spec.defaults[UNDETERMINED_AT_PREVIEW] == "mandatory", spec.name


# --- the undeterminedAtPreview switch: only a preview honours it ------------------------------------------

ADVISORY_AT_PREVIEW = {ACCOUNT: {UNDETERMINED_AT_PREVIEW: "advisory"}}
UNKNOWN_POOL = mutate(NODE_POOL_BASELINE, {"nodeConfig.serviceAccount": UNKNOWN})
DEFAULT_POOL = mutate(NODE_POOL_BASELINE, {"nodeConfig.serviceAccount": container_cases.DEFAULT_ACCOUNT})


@pytest.fixture(scope="module")
def packs() -> Iterator[dict[bool, PolicyPackProcess]]:
    """One pack for a preview (dry run) and one for an update, as the CLI starts them."""
    started = {
        dry_run: PolicyPackProcess(POLICY_DIR, project="test", stack="test", config={}, dry_run=dry_run)
        for dry_run in (True, False)
    }
    try:
        yield started
    finally:
        for pack in started.values():
            pack.close()


def _levels(pack: PolicyPackProcess, props: dict[str, object], config: dict[str, object] | None) -> set[str]:
    report = pack.analyze(single_resource_run(NODE_POOL, props), config)
    return {v.enforcement_level for v in report.violations if v.policy == ACCOUNT}


def test_undetermined_blocks_by_default(packs: dict[bool, PolicyPackProcess]) -> None:
    assert _levels(packs[True], UNKNOWN_POOL, None) == {"mandatory"}


def test_a_team_may_make_undetermined_advisory_at_preview(packs: dict[bool, PolicyPackProcess]) -> None:
    assert _levels(packs[True], UNKNOWN_POOL, ADVISORY_AT_PREVIEW) == {"advisory"}
    # A failure stays a failure.
    assert _levels(packs[True], DEFAULT_POOL, ADVISORY_AT_PREVIEW) == {"mandatory"}


def test_outside_a_preview_the_switch_changes_nothing(packs: dict[bool, PolicyPackProcess]) -> None:
    assert _levels(packs[False], UNKNOWN_POOL, ADVISORY_AT_PREVIEW) == {"mandatory"}


def test_the_switch_takes_only_its_two_values(packs: dict[bool, PolicyPackProcess]) -> None:
    from agencyos_infra.analyzer import PolicyPackError

    with pytest.raises(PolicyPackError, match=UNDETERMINED_AT_PREVIEW):
        _levels(packs[True], UNKNOWN_POOL, {ACCOUNT: {UNDETERMINED_AT_PREVIEW: "ignore"}})


def test_a_stack_policy_takes_the_switch_too(packs: dict[bool, PolicyPackProcess]) -> None:
    # One record whose type is unknown: only it could be the zone's MX.
    record = {"zoneId": "z", "name": "mail", "type": UNKNOWN, "content": "mx.example", "ttl": 300}
    mx = "cloudflare-dns-zone-mx"

    def levels(dry_run: bool, config: dict[str, object] | None) -> set[str]:
        report = packs[dry_run].analyze(single_resource_run("cloudflare:index/dnsRecord:DnsRecord", record), config)
        found = [v for v in report.violations if v.policy == mx]
        assert found and all(reported_undetermined(v.message) for v in found), found
        return {v.enforcement_level for v in found}

    switch = {mx: {UNDETERMINED_AT_PREVIEW: "advisory"}}
    assert levels(True, None) == {"mandatory"}
    assert levels(True, switch) == {"advisory"}
    assert levels(False, switch) == {"mandatory"}
