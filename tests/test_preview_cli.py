"""End to end: `agencyos-infra preview` runs a program and the pack as a user would, in a subprocess."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO, run_cli

MODES = [["--mode", "up"], []]


@pytest.mark.parametrize("stack", ["prod", "staging"])
@pytest.mark.parametrize("mode", MODES, ids=["up", "preview"])
def test_repository_stacks_pass_the_pack(stack: str, mode: list[str], tmp_path: Path) -> None:
    report = tmp_path / "preview.json"
    result = run_cli("preview", "--stack", stack, "--json", str(report), *mode)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mandatory violations: 0" in result.stdout
    assert re.search(r"gcp:sql/databaseInstance:DatabaseInstance +database-instance \[protected\]", result.stdout)
    document = json.loads(report.read_text())
    assert not [v for v in document["violations"] if v["enforcementLevel"] == "mandatory"]
    types = {r["type"] for r in document["resources"]}
    assert {"gcp:sql/databaseInstance:DatabaseInstance", "gcp:sql/user:User", "gcp:sql/database:Database"} <= types
    # The whole platform is in the tree: data, runtime and their network.
    assert {
        "agencyos:network:Network",
        "agencyos:cache:Cache",
        "agencyos:backups:Backups",
        "agencyos:cluster:Cluster",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "gcp:secretmanager/secret:Secret",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        # Observability: metrics and alert rules, uptime checks, log buckets.
        "agencyos:observability:Monitoring",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        "agencyos:observability:Uptime",
        "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
        "gcp:monitoring/notificationChannel:NotificationChannel",
        "agencyos:observability:Logs",
        "gcp:logging/projectBucketConfig:ProjectBucketConfig",
    } <= types, sorted(types)


def test_the_verifier_demo_stack_passes_the_pack() -> None:
    # The stack `make verify-demo` checks the loopback fixtures against is a whole platform too.
    result = run_cli("preview", "--program", str(EXAMPLES / "verify-demo"), "--stack", "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mandatory violations: 0" in result.stdout


def test_json_redacts_secrets_and_lists_their_paths(tmp_path: Path) -> None:
    report = tmp_path / "preview.json"
    assert run_cli("preview", "--json", str(report)).returncode == 0
    document = json.loads(report.read_text())
    [user] = [r for r in document["resources"] if r["type"] == "gcp:sql/user:User"]
    assert user["inputs"]["password"] == "[secret]" and "password" in user["secretPaths"]
    assert document["outputs"]["databaseUrl"] == "[secret]" and "databaseUrl" in document["outputSecretPaths"]
    assert "postgresql://" not in report.read_text()
    [instance] = [r for r in document["resources"] if r["name"] == "database-replica-1"]
    assert any(dep.endswith("::database-instance") for dep in instance["dependencies"])


@pytest.mark.parametrize("mode", MODES, ids=["up", "preview"])
def test_a_noncompliant_program_is_rejected(mode: list[str]) -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "noncompliant"), *mode)
    assert result.returncode == 1, result.stdout + result.stderr
    for policy in (
        "gcp-cloudsql-instance-no-public-ip",
        "gcp-cloudsql-instance-automated-backups",
        "gcp-cloudsql-instance-private-network",
    ):
        assert f"[{policy}]" in result.stdout.split("Advisory violations")[0], policy
    # No checklist line demands the protect option: reported, as advice. Pulumi's own deletionProtection
    # (true when absent) already guards the instance, so that policy has nothing to say.
    advice = result.stdout.split("Advisory violations")[1]
    assert "[gcp-cloudsql-instance-pulumi-protect]" in advice
    assert "[gcp-cloudsql-instance-deletion-protection]" not in result.stdout
    assert "checklist: §8 Security Hardening" in result.stdout
    assert "mandatory policy violation(s)" in result.stderr


@pytest.mark.parametrize("mode", MODES, ids=["up", "preview"])
def test_someone_elses_compliant_program_passes(mode: list[str]) -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "compliant-plain"), "--stack", "dev", *mode)
    assert result.returncode == 0, result.stdout + result.stderr


def _copy_of_repository(tmp_path: Path, stack_yaml: str) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, tmp_path / name)
    for package in ("stacks", "components"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "Pulumi.bad.yaml").write_text(stack_yaml)
    return tmp_path


def test_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    prod = (REPO / "Pulumi.prod.yaml").read_text()
    stack = prod.replace("    diskSizeGb: 100\n", "    diskSizeGb: 20\n") + "  agencyos-infra:debug: true\n"
    program = _copy_of_repository(tmp_path, stack)
    result = run_cli("preview", "--program", str(program), "--stack", "bad", "--policy-pack", str(REPO / "policy"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "agencyos-infra:database.diskSizeGb (integer): Input should be greater than or equal to 50" in result.stderr
    assert "agencyos-infra:debug (boolean): must be false when environment is production" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_stack_exits_2() -> None:
    result = run_cli("preview", "--stack", "nope")
    assert result.returncode == 2 and "Pulumi.nope.yaml" in result.stderr


def test_policy_config_is_sent_to_the_pack(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(
        json.dumps(
            {
                "gcp-cloudsql-instance-backup-retention": {"minRetainedBackups": 60},
                "gcp-cloudsql-instance-no-public-ip": "disabled",
            }
        )
    )
    result = run_cli("preview", "--policy-config", str(config))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[gcp-cloudsql-instance-backup-retention]" in result.stdout
    noncompliant = run_cli(
        "preview",
        "--program",
        str(EXAMPLES / "noncompliant"),
        "--policy-pack",
        str(REPO / "policy"),
        "--policy-config",
        str(config),
    )
    assert "[gcp-cloudsql-instance-no-public-ip]" not in noncompliant.stdout


def test_policy_config_violating_a_schema_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"gcp-cloudsql-instance-backup-retention": {"minRetainedBackups": -1}}))
    result = run_cli("preview", "--policy-config", str(config))
    assert result.returncode == 2, result.stdout + result.stderr
    expected = "gcp-cloudsql-instance-backup-retention.minRetainedBackups: -1 is less than the minimum of 0"
    assert expected in result.stderr


def test_policy_config_for_a_policy_the_pack_lacks_is_passed_on_with_a_warning(tmp_path: Path) -> None:
    # The CLI adds such entries to the merged config (applyConfig) and the pack ignores them.
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"no-such-policy": "mandatory"}))
    result = run_cli("preview", "--policy-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning: policy config names 'no-such-policy'" in result.stderr


def test_bad_settings_stop_the_program_before_any_resource_with_one_message(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text(stack_file.read_text().replace("diskSizeGb: 100", "diskSizeGb: 10"))
    (tmp_path / "__main__.py").write_text(
        f"import runpy, sys\nsys.path.insert(0, {str(REPO)!r})\nrunpy.run_path({str(REPO / '__main__.py')!r})\n"
    )
    result = run_cli("preview", "--program", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""  # nothing was registered: no tree, no report
    assert "agencyos-infra:database.diskSizeGb (integer)" in result.stderr and "Traceback" not in result.stderr
