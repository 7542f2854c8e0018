"""A small program and policy pack whose results exercise every report's corner cases.

The pack is a real pulumi_policy pack run by the CLI: a mandatory §8 security policy that cannot decide
(``Undetermined: ``), a mandatory §7 policy that fails, an advisory one whose message carries the
characters workflow commands and XML must escape, and a stack policy whose message names a config key the
stack file sets. The program sits in a subdirectory of a git repository, as team repositories hold it.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

PROGRAM = """
import pulumi_gcp as gcp

gcp.sql.DatabaseInstance("orders-db", database_version="POSTGRES_16", settings={"tier": "db-f1-micro"})

gcp.storage.Bucket("assets", location="EU")
"""

STACK_FILE = """\
config:
  gcp:project: probe-project
  gcp:region: europe-west1
  probe:dbTier: db-f1-micro
"""

PACK = """
from pulumi_policy import (
    EnforcementLevel, PolicyComplianceFramework, PolicyPack, ResourceValidationPolicy, Severity,
    StackValidationPolicy,
)

INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"


def item(reference, statement):
    return PolicyComplianceFramework(name="checklist", version="1", reference=reference, specification=statement)


def private_network(args, report_violation):
    if args.resource_type == INSTANCE:
        report_violation(
            "Undetermined: settings.ipConfiguration.privateNetwork is unknown until the network exists; "
            "nothing shows the instance is private."
        )


def backups(args, report_violation):
    if args.resource_type == INSTANCE:
        report_violation("settings.backupConfiguration.enabled must be true.")


def labels(args, report_violation):
    if args.resource_type == "gcp:storage/bucket:Bucket":
        report_violation("labels cover 50% of the keys: app, env\\nadd team: owner, then 100%.\\x07")


def tier(args, report_violation):
    report_violation("the stack config probe:dbTier is a shared-core tier; set a dedicated one.")


PolicyPack(
    name="report-probe",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="probe-sql-private-network",
            description="Cloud SQL instances join a VPC by private IP.",
            validate=private_network,
            severity=Severity.HIGH,
            remediation_steps="set settings.ipConfiguration.privateNetwork to the VPC.",
            framework=item("§8 Security Hardening › Infrastructure Security [8.infrastructure-security.1.1]",
                           "Private subnets for databases"),
        ),
        ResourceValidationPolicy(
            name="probe-sql-backups",
            description="Cloud SQL instances take automated backups.",
            validate=backups,
            severity=Severity.CRITICAL,
            remediation_steps="Set settings.backupConfiguration.enabled to true.",
            framework=item("§7 Backup & Disaster Recovery › Database Backups [7.database-backups.1]",
                           "Automated daily backups"),
        ),
        ResourceValidationPolicy(
            name="probe-bucket-labels",
            description="Buckets carry the shared labels.",
            validate=labels,
            enforcement_level=EnforcementLevel.ADVISORY,
            severity=Severity.LOW,
        ),
        StackValidationPolicy(
            name="probe-stack-db-tier",
            description="The database tier is a dedicated one.",
            validate=tier,
            severity=Severity.MEDIUM,
            framework=item("§2 Database Setup › PostgreSQL Configuration [2.postgresql-configuration.1]",
                           "Dedicated instance tier"),
        ),
        ResourceValidationPolicy(
            name="probe-never-fires",
            description="Nothing breaks it.",
            validate=lambda args, report_violation: None,
            severity=Severity.LOW,
        ),
    ],
)
"""

UNDETERMINED = "probe-sql-private-network"
FAILED = "probe-sql-backups"
ADVISORY = "probe-bucket-labels"
STACK = "probe-stack-db-tier"
QUIET = "probe-never-fires"
INSTANCE_URN = "urn:pulumi:dev::probe::gcp:sql/databaseInstance:DatabaseInstance::orders-db"
BUCKET_URN = "urn:pulumi:dev::probe::gcp:storage/bucket:Bucket::assets"
PROGRAM_DIR = Path("infra") / "probe"
"""The program, relative to the repository's top level."""


def repository(tmp_path: Path, program_dir: Path = PROGRAM_DIR) -> tuple[Path, Path, Path]:
    """(repository root, program directory, pack directory): a git repository with the program in a subfolder."""
    root = tmp_path / "repo"
    program = root / program_dir
    program.mkdir(parents=True)
    (program / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text(STACK_FILE)
    (program / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    git = shutil.which("git")
    if git is not None:
        subprocess.run([git, "init", "-q", str(root)], check=True, timeout=30)
    else:  # the tool finds the top level by its .git without git too
        (root / ".git").mkdir()
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\ndescription: report probe\n")
    (pack / "__main__.py").write_text(PACK)
    return root, program, pack


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` containing ``text``."""
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)
