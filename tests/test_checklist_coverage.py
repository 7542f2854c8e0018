"""Checklist traceability stays honest: one record per checkbox, and every reference in it real.

References are checked without running anything: components and test functions by parsing their
modules (AST), resource type tokens in the installed SDKs' sources, documents and their headings on
disk, policies in the pack's registry.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from agencyos_checklist import catalogue, parse
from agencyos_checklist.deviations import DEVIATIONS

from agencyos_infra import coverage as cov
from agencyos_infra.checklist_command import checklist
from agencyos_infra.coverage import COVERAGE_FILE, CoverageError, Record, is_required, load_records
from tests.conftest import REPO, run_cli

SDKS = {
    "gcp": "pulumi_gcp",
    "kubernetes": "pulumi_kubernetes",
    "cloudflare": "pulumi_cloudflare",
    "random": "pulumi_random",
}


@cache
def sdk_dir(vendor: str) -> Path:
    """Where an SDK is installed, found without importing it."""
    spec = importlib.util.find_spec(SDKS[vendor])
    assert spec is not None and spec.submodule_search_locations, SDKS[vendor]
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def records() -> dict[str, Record]:
    return load_records()


def all_records() -> Iterator[tuple[str, Record]]:
    yield from records().items()


# --- the mechanics ----------------------------------------------------------------------------


def test_a_record_without_status_or_reason_is_refused_naming_item_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "coverage.yaml"
    bad.write_text(
        "1.core-application-settings.1: {}\n"
        "1.core-application-settings.2:\n  documented: {docs: [README.md]}\n"
        "1.core-application-settings.3:\n  enforced: {why: short, policies: [x]}\n"
        "1.core-application-settings.4:\n  out-of-scope: {reason: the application's own choice}\n  typo: {}\n"
        "1.core-application-settings.5:\n  verified: {why: a reason long enough, tests: [test_x]}\n"
    )
    with pytest.raises(CoverageError) as raised:
        load_records(bad)
    message = str(raised.value)
    assert "1.core-application-settings.1: Value error, no status" in message
    assert "1.core-application-settings.2.documented.why: Field required" in message
    assert "1.core-application-settings.3.enforced.why: String should have at least 10 characters" in message
    assert "1.core-application-settings.4.typo: Extra inputs are not permitted" in message
    assert "1.core-application-settings.5.verified.tests.0: String should match pattern" in message


def test_required_unless_the_item_or_its_heading_is_qualified_optional_recommended_alternative_or_if() -> None:
    items = catalogue()
    assert is_required(items["2.postgresql-configuration.1"])
    assert is_required(items["5.let-s-encrypt-free-option.2"])  # "Free Option" is no "optional"
    assert not is_required(items["2.postgresql-configuration.5"])  # (optional but recommended for scale)
    assert not is_required(items["3.analytics-optional.1"])  # #### Analytics (Optional)
    assert not is_required(items["4.cdn-configuration-recommended.2"])  # ### CDN Configuration (Recommended)
    assert not is_required(items["5.alternative-managed-ssl.2"])  # ### Alternative: Managed SSL
    assert not is_required(items["8.compliance-auditing.2"])  # (if handling credit cards directly)
    assert not is_required(items["3.ai-services-if-using-agencyos-ai-features.1"])
    # A qualifier of a detail leaves the item required.
    assert is_required(items["2.redis-configuration.1"])  # (managed service recommended)
    assert is_required(items["final-go-live-checklist.t-1-day.2"])  # (for quick rollback if needed)
    assert is_required(items["final-go-live-checklist.t-1-day.4"])  # (downtime notice if applicable)
    assert sorted(i for i, item in items.items() if not is_required(item)) == sorted(
        [
            "1.additional-production-variables.3",
            "2.postgresql-configuration.5",
            *(f"3.analytics-optional.{n}" for n in (1, 2, 3)),
            *(f"3.ai-services-if-using-agencyos-ai-features.{n}" for n in (1, 2, 3)),
            *(f"4.cdn-configuration-recommended.{n}" for n in (1, 2, 3, 4)),
            "5.alternative-managed-ssl.1",
            "5.alternative-managed-ssl.2",
            "8.compliance-auditing.2",
        ]
    )


def _entry(item_id: str, record: dict[str, object], mandatory: tuple[str, ...] = (), advisory: tuple[str, ...] = ()):
    return cov.ItemCoverage(catalogue()[item_id], Record.model_validate(record), mandatory, advisory)


def test_summary_counts_statuses_automatable_items_and_open_ones() -> None:
    why = "a reason long enough"
    entries = (
        _entry("7.database-backups.1", {"enforced": {"why": why, "policies": ["gcp-x-y-p"]}}, mandatory=("gcp-x-y-p",)),
        _entry("7.database-backups.2", {"enforced": {"why": why, "policies": ["gcp-x-y-q"]}}, advisory=("gcp-x-y-q",)),
        _entry("7.database-backups.3", {"documented": {"why": why, "docs": ["README.md"]}}),
        _entry("8.application-security.4", {"application": {"must": why, "provides": why}}),
        _entry(
            "4.cdn-configuration-recommended.2",
            {"enforced": {"why": why, "policies": ["gcp-x-y-r"]}},
            advisory=("gcp-x-y-r",),
        ),
    )
    report = cov.summary(cov.Coverage(entries, {"7": "§7", "8": "§8", "4": "§4"}))
    overall = report["overall"]
    assert overall["items"] == 5
    assert overall["statuses"]["enforced"] == 3 and overall["statuses"]["application"] == 1
    # An advisory policy enforces the optional CDN item, never the required backup verification.
    assert overall["policyEnforced"] == 2
    assert (overall["automatable"], overall["automatableEnforcedByMandatory"]) == (4, 1)
    assert overall["automatableEnforcedPercent"] == 25.0
    assert [entry["id"] for entry in report["open"]] == ["7.database-backups.2", "8.application-security.4"]
    assert [s["section"] for s in report["sections"]] == ["7", "8", "4"]
    markdown = cov.render_markdown(report)
    assert "| Overall | 5 |" in markdown and "`8.application-security.4` Input validation" in markdown
    table = cov.render_table(report)
    assert "1 of 4 (25.0 %)" in table and "7.database-backups.2" in table


def test_bad_section_is_exit_2_naming_the_valid_sections(capsys: pytest.CaptureFixture[str]) -> None:
    assert checklist(argparse.Namespace(section="11", format="table")) == 2
    error = capsys.readouterr().err
    assert "--section 11: no such section" in error
    assert "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, final-go-live-checklist, post-launch-maintenance" in error


def test_the_command_prints_each_format_and_a_single_section() -> None:
    result = run_cli("checklist", "--format", "json", "--section", "7")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [s["section"] for s in report["sections"]] == ["7"]
    pitr = next(item for item in report["items"] if item["id"] == "7.database-backups.3")
    assert pitr["componentTypes"] == {"Database": "agencyos:database:Database"}
    assert pitr["mandatoryPolicies"] == ["gcp-cloudsql-instance-point-in-time-recovery"]
    assert {item["id"] for item in report["items"]} == {i for i in catalogue() if i.startswith("7.")}
    assert report["overall"]["items"] == 8
    table = run_cli("checklist")
    assert table.returncode == 0 and "Overall" in table.stdout and "Neither enforced nor documented" in table.stdout
    bad = run_cli("checklist", "--section", "nope")
    assert bad.returncode == 2 and "valid sections: 1, 2," in bad.stderr


# --- one record per checkbox ------------------------------------------------------------------


def test_every_checkbox_has_exactly_one_record_and_no_record_names_a_non_item() -> None:
    checklist_items = parse((REPO / "docs" / "production-checklist.md").read_text(encoding="utf-8"))
    boxes = len(re.findall(r"^ *- \[ \] ", (REPO / "docs" / "production-checklist.md").read_text(), re.MULTILINE))
    assert len(checklist_items) == boxes == len(catalogue())
    # A YAML mapping keeps the last of duplicate keys silently: count the keys in the text too.
    keys = re.findall(r"^([^\s#][^:\s]*):(?:\s|$)", COVERAGE_FILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert sorted(set(keys)) == sorted(keys), [k for k in keys if keys.count(k) > 1]
    assert set(records()) - set(catalogue()) == set(), "records for no checklist item"
    assert [i for i in catalogue() if i not in records()] == [], "checklist items without a record"


def test_records_follow_the_checklist_order() -> None:
    assert list(records()) == list(catalogue())


# Issue 12's "done when": provisioned and verified say what exists, not how the item stands as a whole.
CLASSIFYING = ("enforced", "documented", "application", "deviation", "out-of-scope")


def test_every_item_is_enforced_documented_application_deviation_or_out_of_scope() -> None:
    unclassified = [item_id for item_id, record in all_records() if not set(record.statuses) & set(CLASSIFYING)]
    assert unclassified == [], f"items with none of {', '.join(CLASSIFYING)}"


# --- policies ---------------------------------------------------------------------------------


def test_every_policy_names_an_item_and_its_items_record_names_the_policy() -> None:
    registry = cov.registry()
    unrecorded = []
    for name, spec in registry.items():
        assert spec.item.id in catalogue(), name
        enforced = records()[spec.item.id].enforced
        if enforced is None or name not in enforced.policies:
            unrecorded.append(f"{spec.item.id}: {name}")
    assert unrecorded == [], "policies registered for an item whose record does not name them"


def test_every_enforced_record_names_existing_policies() -> None:
    registry = cov.registry()
    unknown = [
        f"{item_id}: {name}"
        for item_id, record in all_records()
        if record.enforced
        for name in record.enforced.policies
        if name not in registry
    ]
    assert unknown == []


def test_no_required_item_counts_as_enforced_by_advisory_policies_alone() -> None:
    registry = cov.registry()
    wrong = []
    for item_id, record in all_records():
        if record.enforced is None or not is_required(catalogue()[item_id]):
            continue
        levels = {registry[n].level.value for n in record.enforced.policies if n in registry}
        covered_otherwise = record.documented or record.deviation or record.application or record.out_of_scope
        if levels == {"advisory"} and not covered_otherwise:
            wrong.append(item_id)
    assert wrong == [], "required items whose only policies are advisory and that nothing else covers"


# --- components, resource types, tests, documents ------------------------------------------------


@cache
def component_modules() -> dict[str, Path]:
    """ComponentResource class name -> its module."""
    found = {}
    for path in sorted((REPO / "components").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and any("ComponentResource" in ast.unparse(b) for b in node.bases):
                found[node.name] = path
    return found


@cache
def _module_sources(directory: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.py")))


def _sdk_has(token: str) -> bool:
    """Whether the installed SDK declares this type token (in the module directory it belongs to)."""
    vendor, module, _cls = token.split(":")
    package = sdk_dir(vendor)
    group, _, rest = module.partition("/")
    if vendor == "kubernetes":  # kubernetes:networking.k8s.io/v1:Ingress -> pulumi_kubernetes/networking/v1
        directory = package / group.split(".")[0] / rest
    else:  # gcp:sql/databaseInstance:X -> pulumi_gcp/sql; cloudflare:index/dnsRecord:X -> pulumi_cloudflare
        directory = package if group == "index" else package / group
    sources = _module_sources(directory) if directory.is_dir() else ""
    return f"'{token}'" in sources or f'"{token}"' in sources


def _created_by(token: str, source: str) -> bool:
    """Whether a component's source creates a resource of this type."""
    vendor, module, cls = token.split(":")
    group, _, version = module.partition("/")
    if vendor == "kubernetes":  # k8s.core.v1.ConfigMap(, k8s.networking.v1.Ingress(, k8s.helm.v3.Release(
        python = rf"\.{group.split('.')[0]}\.{version}\.{cls}\("
    elif group == "index":  # random.RandomBytes(, cloudflare.DnsRecord(
        python = rf"\b{vendor}\.{cls}\("
    else:  # gcp.sql.DatabaseInstance(
        python = rf"\b{vendor}\.{group}\.{cls}\("
    if re.search(python, source):
        return True
    # A custom resource: kubernetes:<group>/<version>:<Kind> through apiextensions.CustomResource.
    return "CustomResource(" in source and f'"{cls}"' in source and f"{module.split('/')[0]}/" in source


def test_provisioned_components_exist_and_create_the_resource_types_named() -> None:
    problems = []
    for item_id, record in all_records():
        if record.provisioned is None:
            continue
        sources = []
        for component in record.provisioned.components:
            if component not in component_modules():
                problems.append(f"{item_id}: no component {component} in components/")
            elif not re.match(r"^agencyos:[a-z]+:[A-Z][A-Za-z]+$", cov.component_types().get(component, "")):
                problems.append(f"{item_id}: {component} has no agencyos:<area>:<Noun> type token")
            else:
                sources.append(component_modules()[component].read_text(encoding="utf-8"))
        for token in record.provisioned.resources:
            vendor, module = token.split(":")[:2]
            # A custom resource's group (cert-manager.io) has no module in the Kubernetes SDK.
            custom = vendor == "kubernetes" and not (sdk_dir(vendor) / module.split("/")[0].split(".")[0]).is_dir()
            if vendor not in SDKS or (not custom and not _sdk_has(token)):
                problems.append(f"{item_id}: {token} is no resource type of the installed SDKs")
            elif not any(_created_by(token, source) for source in sources):
                problems.append(f"{item_id}: none of {record.provisioned.components} creates {token}")
    assert problems == []


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """'function' and 'Class::method' names of a test module."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names |= {f"{node.name}::{sub.name}" for sub in node.body if isinstance(sub, ast.FunctionDef)}
    return frozenset(names)


def test_verified_test_ids_name_existing_test_functions() -> None:
    problems = []
    for item_id, record in all_records():
        for node_id in record.verified.tests if record.verified else ():
            file, _, name = node_id.partition("::")
            name = name.split("[")[0]
            path = REPO / file
            if not re.match(r"^tests/[\w/]+\.py$", file) or not path.is_file():
                problems.append(f"{item_id}: no test file {file}")
            elif name not in defined_tests(path) or not name.split("::")[-1].startswith("test"):
                problems.append(f"{item_id}: no test {name} in {file}")
    assert problems == []


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return frozenset(github_anchor(h) for h in re.findall(r"^#{1,6} +(.+?) *#*$", text, re.MULTILINE))


def test_github_anchor() -> None:
    assert github_anchor("Running it for real") == "running-it-for-real"
    assert github_anchor("Step 3: `pulumi up` (T-0)") == "step-3-pulumi-up-t-0"


def test_documented_paths_and_anchors_exist() -> None:
    problems = []
    for item_id, record in all_records():
        for doc in record.documented.docs if record.documented else ():
            file, _, anchor = doc.partition("#")
            path = REPO / file
            if not path.is_file():
                problems.append(f"{item_id}: no document {file}")
            elif anchor and anchor not in anchors(path):
                problems.append(f"{item_id}: {file} has no heading #{anchor}")
    assert problems == []


def test_each_documented_deviation_has_its_deviation_record() -> None:
    for deviation in DEVIATIONS:
        record = records()[deviation.item]
        assert record.deviation is not None, deviation.item


def test_reference_checks_reject_what_does_not_exist() -> None:
    assert _sdk_has("gcp:sql/databaseInstance:DatabaseInstance")
    assert _sdk_has("kubernetes:networking.k8s.io/v1:Ingress") and _sdk_has("random:index/randomBytes:RandomBytes")
    assert not _sdk_has("gcp:sql/databaseInstance:Database") and not _sdk_has("kubernetes:core/v1:Ingress")
    database = component_modules()["Database"].read_text(encoding="utf-8")
    assert _created_by("gcp:sql/databaseInstance:DatabaseInstance", database)
    assert not _created_by("gcp:redis/instance:Instance", database)
    certificates = component_modules()["Certificates"].read_text(encoding="utf-8")
    assert _created_by("kubernetes:cert-manager.io/v1:ClusterIssuer", certificates)
    assert not _created_by("kubernetes:cert-manager.io/v1:Certificate", certificates)
    assert "test_github_anchor" in defined_tests(Path(__file__))
    assert "running-it-for-real" in anchors(REPO / "README.md")


def test_every_item_a_runbook_lists_documents_that_runbook() -> None:
    """A runbook's "Checklist items:" line and the items' records say the same thing."""
    missing = []
    for runbook in sorted([*(REPO / "docs").glob("*.md"), *(REPO / "docs" / "runbooks").glob("*.md")]):
        listed = re.search(
            r"^Checklist items: (.*?)\n\n", runbook.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL
        )
        for item_id in re.findall(r"`([^`]+)`", listed[1]) if listed else ():
            record = records().get(item_id)
            documented = record.documented.docs if record and record.documented else ()
            if str(runbook.relative_to(REPO)) not in {doc.partition("#")[0] for doc in documented}:
                missing.append(f"{item_id}: {runbook.name}")
    assert missing == [], "items a runbook lists whose record does not document that runbook"


def test_the_operations_guide_names_only_real_config_keys_and_every_item_it_serves() -> None:
    """docs/operations.md quotes stack settings an operator will type: each must be a key of the settings."""
    from stacks.settings import known_keys

    text = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    quoted = set(re.findall(r"(?<![\w:-])(agencyos-infra:[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)", text))
    assert quoted and quoted - set(known_keys()) == set()
    listed = re.search(r"^Checklist items: (.*?)\n\n", text, re.MULTILINE | re.DOTALL)
    assert listed is not None, "docs/operations.md has no 'Checklist items:' line"
    documenting = {
        item_id
        for item_id, record in all_records()
        if record.documented and any(d.startswith("docs/operations.md") for d in record.documented.docs)
    }
    assert set(re.findall(r"`([^`]+)`", listed[1])) == documenting


def test_the_readme_shows_the_summary_the_command_prints() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- checklist-coverage:start -->\n(.*?)<!-- checklist-coverage:end -->", readme, re.DOTALL)
    assert block is not None, "README.md has no checklist-coverage markers"
    result = run_cli("checklist", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert block[1] == result.stdout, "README's checklist coverage is stale: run `python -m agencyos_infra.docs`"


def test_the_readme_lists_every_deviation_record_with_what_instead_and_why() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- deviations:start -->\n(.*?)<!-- deviations:end -->", readme, re.DOTALL)
    assert block is not None, "README.md has no deviations markers"
    entries = dict(re.findall(r"^- `([^`]+)` (.*)$", block[1], re.MULTILINE))
    deviations = {item_id: record.deviation for item_id, record in all_records() if record.deviation}
    assert len(deviations) >= 6 and set(entries) == set(deviations)
    for item_id, deviation in deviations.items():
        assert deviation.instead in entries[item_id] and deviation.reason in entries[item_id], item_id
