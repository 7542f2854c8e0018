"""The runbooks (docs/runbooks): each names the checklist items it serves, and everything it quotes is this
project's: checklist ids, config keys, stack outputs, `agencyos-infra` and `make` commands, the recovery
objectives, the physical names the stacks create and the Kubernetes objects the commands address.

Commands are read from fenced code blocks and inline code spans only, as an operator copies them.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import shlex
from collections.abc import Iterator
from typing import Any

import pytest
from agencyos_checklist.catalogue import catalogue
from agencyos_checklist.numbers import DR_RPO_HOURS, DR_RTO_HOURS

from agencyos_infra.cli import _parser
from agencyos_infra.engine import ProgramRun
from agencyos_infra.stackconfig import load_stack_config
from components.backups import SCRATCH_SUFFIX
from stacks.settings import known_keys
from tests.conftest import REPO, run_repo_stack

RUNBOOKS = REPO / "docs" / "runbooks"
PROJECT = "agencyos-infra"

# The file names are a contract: the traceability catalogue links checklist items to them. Each file must
# name (at least) these items in its "Checklist items:" header; the go-live and maintenance runbooks serve
# their whole checklist section.
_SECTION = {
    "go-live.md": "final-go-live-checklist.",
    "maintenance.md": "post-launch-maintenance.",
}
SERVES: dict[str, frozenset[str]] = {
    "disaster-recovery.md": frozenset(
        {
            "7.disaster-recovery-plan.1",
            "7.disaster-recovery-plan.2",
            "10.documentation-verification.3",
            "post-launch-maintenance.monthly.5",
            "post-launch-maintenance.quarterly.2",
        }
    ),
    "incident-database-failover.md": frozenset({"7.disaster-recovery-plan.3"}),
    "incident-redis-failover.md": frozenset({"7.disaster-recovery-plan.3"}),
    "incident-certificate-renewal.md": frozenset({"7.disaster-recovery-plan.3"}),
    "incident-payment-gateway-outage.md": frozenset({"7.disaster-recovery-plan.3", "6.alerting-rules.6"}),
    "incident-response.md": frozenset(
        {"10.documentation-verification.2", "10.documentation-verification.5"}
        | {f"6.alerting-rules.{n}" for n in range(1, 7)}
    ),
    "change-management.md": frozenset({"10.documentation-verification.4", "final-go-live-checklist.t-1-day.5"}),
    "secret-rotation.md": frozenset({"8.infrastructure-security.3.3", "post-launch-maintenance.quarterly.1"}),
    "go-live.md": frozenset(i for i in catalogue() if i.startswith(_SECTION["go-live.md"])),
    "maintenance.md": frozenset(i for i in catalogue() if i.startswith(_SECTION["maintenance.md"])),
}
FILES = sorted(SERVES)

# A checklist id: section number or unnumbered section slug, subsection slug, ordinals.
ITEM_ID = re.compile(
    r"(?<![\w.-])(?:[0-9]{1,2}|final-go-live-checklist|post-launch-maintenance)\.[a-z][a-z0-9-]*(?:\.[0-9]+)+(?![\w-])"
)
# Not a type token (gcp:sql/databaseInstance:...) nor a URN part.
CONFIG_KEY = re.compile(r"(?<![\w:-])((?:agencyos-infra|gcp):[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)(?![\w/])")
# Instances the runbooks create by hand are named after the stack's instance they come from.
HAND_MADE_SUFFIXES = ("-pitr", "-drill", SCRATCH_SUFFIX.rstrip("-"))
HAND_MADE_TYPES = ("gcp:sql/databaseInstance:DatabaseInstance", "gcp:redis/instance:Instance")
# Pulumi CLI flags of the subcommands the runbooks use: value-taking, then boolean.
PULUMI_VALUE_FLAGS = {"--stack", "-s", "--cwd", "-C"}
PULUMI_BOOLEAN_FLAGS = {"--json", "--show-secrets", "--shell", "--path", "--secret", "--plaintext", "--yes", "-y"}
KUBECTL_KINDS = {
    "deployment": "kubernetes:apps/v1:Deployment",
    "service": "kubernetes:core/v1:Service",
    "hpa": "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "job": "kubernetes:batch/v1:Job",
}
# Namespaces GKE itself owns.
SYSTEM_NAMESPACES = {"kube-system"}


def _text(name: str) -> str:
    return (RUNBOOKS / name).read_text(encoding="utf-8")


def _code(text: str) -> list[str]:
    """Fenced blocks (continuation lines joined) and inline code spans outside them."""
    snippets: list[str] = []
    outside: list[str] = []
    for index, part in enumerate(re.split(r"^\s*```[^\n]*$", text, flags=re.MULTILINE)):
        if index % 2:
            snippets += re.sub(r"\\\n\s*", " ", part).splitlines()
        else:
            outside.append(part)
    # In tables a pipe inside code is written \|.
    snippets += [span.replace("\\|", "|") for span in re.findall(r"`([^`\n]+)`", "\n".join(outside))]
    return snippets


def _commands(snippet: str, program: str) -> Iterator[list[str]]:
    """Each invocation of `program` in a shell snippet, up to the first unquoted pipe, redirection or subshell end."""
    for match in re.finditer(rf"(?<![\w/.-]){re.escape(program)}(?= )", snippet):
        rest, quote, end = snippet[match.start() :], "", None
        for position, char in enumerate(rest):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char in "|;&)<>`":
                end = position
                break
        yield shlex.split(rest[:end], comments=True)


def _all_commands(name: str, program: str) -> list[list[str]]:
    return [argv for snippet in _code(_text(name)) for argv in _commands(snippet, program)]


def _positionals(argv: list[str]) -> list[str]:
    words: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in PULUMI_VALUE_FLAGS:
            skip = True
        elif word.startswith("-") and "=" not in word:
            assert word in PULUMI_BOOLEAN_FLAGS, f"unexpected pulumi flag {word} in {shlex.join(argv)}"
        elif not word.startswith("-"):
            words.append(word)
    return words


def _stack_of(argv: list[str]) -> str:
    for flag in ("--stack", "-s"):
        if flag in argv:
            return argv[argv.index(flag) + 1]
    return "prod"


def _config_sets() -> dict[str, dict[str, str]]:
    """Stack -> top-level config set by `pulumi config set` in the runbooks (stacks they create)."""
    stacks: dict[str, dict[str, str]] = {}
    for name in FILES:
        for argv in _all_commands(name, "pulumi"):
            if argv[1:3] == ["config", "set"] and "--path" not in argv and "--secret" not in argv:
                key, *value = _positionals(argv[3:])
                if value:
                    stacks.setdefault(_stack_of(argv), {})[key] = value[0]
    return stacks


@functools.cache
def _run(stack: str) -> ProgramRun:
    """The program for a stack file, or for a stack the runbooks make by copying prod's file."""
    if (REPO / f"Pulumi.{stack}.yaml").is_file():
        run = run_repo_stack(stack)
    else:
        run = run_repo_stack("prod", overrides=_config_sets()[stack])
    assert run.error is None, f"{stack}: {run.error}"
    return run


def _stacks() -> list[str]:
    files = sorted(path.name.split(".")[1] for path in REPO.glob("Pulumi.*.yaml"))
    made = sorted(s for s, config in _config_sets().items() if f"{PROJECT}:namePrefix" in config)
    return files + [s for s in made if s not in files]


def _prefix(stack: str) -> str:
    return str(_config(stack)[f"{PROJECT}:namePrefix"])


def _config(stack: str) -> dict[str, str]:
    if (REPO / f"Pulumi.{stack}.yaml").is_file():
        return dict(load_stack_config(REPO, stack).config)
    return {**load_stack_config(REPO, "prod").config, **_config_sets()[stack]}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _name_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.-]){re.escape(prefix)}(?:-[a-z0-9]+)+(?![\w])")


@functools.cache
def _physical_names(stack: str) -> frozenset[str]:
    """Every prefixed name in the inputs of the stack's resources, and the hand-made instances' names."""
    run, pattern = _run(stack), _name_pattern(_prefix(stack))
    names = {m for r in run.resources for s in _strings(r.inputs.plain) for m in pattern.findall(s)}
    names |= {
        r.inputs.plain["name"] + suffix
        for r in run.resources
        if r.type in HAND_MADE_TYPES
        for suffix in HAND_MADE_SUFFIXES
    }
    return frozenset(names)


def test_the_runbooks_are_exactly_the_linked_files() -> None:
    assert sorted(p.name for p in RUNBOOKS.glob("*.md")) == FILES


@pytest.mark.parametrize("name", FILES)
def test_header_names_the_items_the_runbook_serves(name: str) -> None:
    lines = _text(name).splitlines()
    assert lines[0].startswith("# "), f"{name}: starts with its title"
    header = next((n for n, line in enumerate(lines[:4]) if line.startswith("Checklist items: ")), None)
    assert header is not None, f"{name}: a 'Checklist items: ' line right under the title"
    paragraph = " ".join(lines[header : lines.index("", header)])
    named = set(ITEM_ID.findall(paragraph))
    assert SERVES[name] <= named, f"{name}: the header misses {sorted(SERVES[name] - named)}"


@pytest.mark.parametrize("name", FILES)
def test_every_checklist_id_quoted_exists(name: str) -> None:
    quoted = set(ITEM_ID.findall(_text(name)))
    assert quoted, name
    assert sorted(quoted - set(catalogue())) == [], f"{name}: ids not in the catalogue"


@pytest.mark.parametrize("name", FILES)
def test_every_config_key_is_a_setting(name: str) -> None:
    keys = set(known_keys())
    quoted = set(CONFIG_KEY.findall(_text(name)))
    for argv in _all_commands(name, "pulumi"):
        if argv[1:3] == ["config", "set"]:
            key = re.sub(r"\[[0-9]+\]", "", _positionals(argv[3:])[0])
            quoted.add(key if ":" in key else f"{PROJECT}:{key}")
    assert sorted(quoted - keys) == [], f"{name}: not config keys of stacks/settings.py"


@pytest.mark.parametrize("name", FILES)
def test_every_stack_output_named_is_exported(name: str) -> None:
    for argv in _all_commands(name, "pulumi"):
        if argv[1:3] != ["stack", "output"]:
            continue
        outputs = set(_run(_stack_of(argv)).stack_outputs.plain)
        for output in _positionals(argv[3:]):
            assert output in outputs, f"{name}: {shlex.join(argv)}: the stack exports no {output}"


@pytest.mark.parametrize("name", FILES)
def test_every_agencyos_infra_command_parses(name: str) -> None:
    for argv in _all_commands(name, PROJECT):
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr):
                _parser().parse_args(argv[1:])
        except SystemExit:
            pytest.fail(f"{name}: `{shlex.join(argv)}` is refused by the CLI: {stderr.getvalue().strip()}")


@pytest.mark.parametrize("name", FILES)
def test_every_make_target_exists(name: str) -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", (REPO / "Makefile").read_text(), re.MULTILINE))
    for argv in _all_commands(name, "make"):
        assert argv[1] in targets, f"{name}: no make target {argv[1]}"


def test_objectives_are_the_checklists() -> None:
    stated = {"RTO": DR_RTO_HOURS.value, "RPO": DR_RPO_HOURS.value}
    seen: dict[str, set[int]] = {"RTO": set(), "RPO": set()}
    for name in FILES:
        for line in _text(name).splitlines():
            for objective, hours in re.findall(r"\b(RTO|RPO)\b.*?\b([0-9]+) ?(?:h|hours?)\b", line):
                seen[objective].add(int(hours))
    recovery = _text("disaster-recovery.md")
    assert f"| RTO (Recovery Time Objective) | {stated['RTO']} hours |" in recovery
    assert f"| RPO (Recovery Point Objective) | {stated['RPO']} hour |" in recovery
    assert seen == {objective: {hours} for objective, hours in stated.items()}


@pytest.mark.parametrize("name", FILES)
def test_resource_names_are_the_stacks(name: str) -> None:
    text = _text(name)
    projects = {_config(stack)["gcp:project"] for stack in _stacks()}
    for stack in _stacks():
        quoted = set(_name_pattern(_prefix(stack)).findall(text)) - projects
        unknown = quoted - _physical_names(stack)
        assert sorted(unknown) == [], f"{name}: not names the {stack} stack creates"


@pytest.mark.parametrize("name", FILES)
def test_projects_and_regions_are_the_stacks(name: str) -> None:
    configs = [_config(stack) for stack in _stacks()]
    projects = {config["gcp:project"] for config in configs}
    regions = {config["gcp:region"] for config in configs}
    for snippet in _code(_text(name)):
        for flag, value in re.findall(r"--(project|region|location)[ =]([a-z][a-z0-9-]+)", snippet):
            allowed = projects if flag == "project" else regions
            assert value in allowed, f"{name}: --{flag} {value} is no stack's"


def _kubernetes_objects(run: ProgramRun) -> dict[tuple[str, str], set[str]]:
    """(type, namespace) -> names; Helm releases under their own key, their charts name objects after them."""
    objects: dict[tuple[str, str], set[str]] = {}
    for resource in run.resources:
        props = resource.inputs.plain
        if resource.type == "kubernetes:helm.sh/v3:Release":
            objects.setdefault(("release", props.get("namespace", "")), set()).add(props["name"])
        elif resource.type.startswith("kubernetes:") and isinstance(props.get("metadata"), dict):
            meta = props["metadata"]
            objects.setdefault((resource.type, meta.get("namespace", "")), set()).add(meta.get("name", ""))
            for tls in props.get("spec", {}).get("tls", []) if resource.type.endswith(":Ingress") else []:
                # cert-manager's ingress-shim names each Certificate after its TLS secret.
                objects.setdefault(("certificate", meta["namespace"]), set()).add(tls["secretName"])
    return objects


@pytest.mark.parametrize("name", FILES)
def test_kubectl_addresses_the_stacks_objects(name: str) -> None:
    objects = _kubernetes_objects(_run("prod"))
    namespaces = {ns for _, ns in objects} | objects.get(("kubernetes:core/v1:Namespace", ""), set())
    text = _text(name)
    made_here = set(re.findall(r"(?:name|secretName): ([a-z0-9-]+)", text))
    for argv in _all_commands(name, "kubectl"):
        namespace = next((argv[i + 1] for i, w in enumerate(argv) if w in ("-n", "--namespace")), None)
        if namespace is None:
            continue
        assert namespace in (namespaces | SYSTEM_NAMESPACES) - {""}, f"{name}: {shlex.join(argv)}: no such namespace"
        refs = [tuple(w.split("/", 1)) for w in argv if re.fullmatch(r"[a-z]+/[a-z0-9-]+", w)]
        verb_refs = re.findall(r"(?:get|describe|renew) (certificate|hpa) ([a-z][a-z0-9-]*)", shlex.join(argv))
        for kind, ref in [*refs, *verb_refs]:
            if ref in made_here or kind not in (*KUBECTL_KINDS, "certificate"):
                continue
            known = objects.get((KUBECTL_KINDS.get(kind, kind), namespace), set())
            charts = objects.get(("release", namespace), set())
            assert ref in known or any(ref.startswith(release) for release in charts), (
                f"{name}: {shlex.join(argv)}: no {kind} {ref} in {namespace}"
            )


def test_alert_rules_have_a_runbook_entry() -> None:
    """The on-call map lists every Prometheus alert the stack defines, by name."""
    alerts = list(_run("prod").stack_outputs.plain.get("alertRules", []))
    assert alerts, "the prod stack exports its alert rules' names"
    text = _text("incident-response.md")
    assert [alert for alert in alerts if f"`{alert}`" not in text] == []


def test_links_between_runbooks_resolve() -> None:
    for name in FILES:
        for target in re.findall(r"\]\(([^)#]+\.md)(?:#[^)]*)?\)", _text(name)):
            assert (RUNBOOKS / target).is_file(), f"{name}: broken link {target}"
