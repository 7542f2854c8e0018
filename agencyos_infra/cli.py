"""``agencyos-infra preview``: the offline ``pulumi preview --policy-pack``.

Exit codes: 0 no mandatory violation; 1 mandatory violation(s); 2 configuration, program or policy
pack error (one message naming the file, key, policy or exit code; ``--debug`` adds the traceback);
130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import stat
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
_EXIT_BROKEN_PIPE = 128 + 13  # as a tool killed by SIGPIPE when its reader goes away
GC_THRESHOLD = 200_000


FORMATS = ("text", "json", "markdown", "sarif", "junit", "github")
REPORT_EXTENSIONS = {"text": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "junit": "xml", "github": "txt"}


class UsageError(Exception):
    """A problem with what the user gave (a file, a flag); the message says which and why."""


REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_PACK = REPOSITORY / "policy"


def _default_program() -> Path:
    """The nearest Pulumi project at or above the working directory, as the CLI finds it."""
    for directory in (Path.cwd(), *Path.cwd().parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    raise UsageError(f"no Pulumi.yaml in {Path.cwd()} or above: run from a Pulumi project or pass --program DIR")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agencyos-infra",
        description="The production checklist as code: preview a Pulumi program offline against the policy "
        "pack, verify the live platform, trace the checklist's coverage. Exit codes: 0: all good; 1: "
        "mandatory violations or failed checks; 2: a usage, config, program or policy pack error; 130: "
        "interrupted.",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser(
        "preview",
        help="run the program offline and check it with the policy pack",
        description="Runs the Pulumi program under a mock engine, offline, and checks every resource with the "
        "policy pack as `pulumi preview --policy-pack` does. Exit 0: no mandatory violation; 1: mandatory "
        "violations; 2: a stack file, program, policy config or pack error; 130: interrupted.",
    )
    preview.add_argument("--stack", default="prod", help="stack name; reads Pulumi.<stack>.yaml (default: prod)")
    preview.add_argument(
        "--program",
        type=Path,
        default=None,
        help="Pulumi Python project directory (default: the nearest Pulumi.yaml at or above the working directory)",
    )
    preview.add_argument(
        "--policy-pack",
        type=Path,
        default=None,
        help="policy pack directory (default: this repository's checklist pack)",
    )
    preview.add_argument(
        "--policy-config",
        type=Path,
        default=None,
        help="policy config JSON, as for `pulumi preview --policy-pack-config`",
    )
    preview.add_argument(
        "--mode",
        choices=("preview", "up"),
        default="preview",
        help="preview (default, as `pulumi preview`: computed outputs unknown) or up (outputs known)",
    )
    preview.add_argument(
        "--kubernetes-version",
        default=None,
        help="Kubernetes minor version objects are validated against "
        "(default: the program's GKE cluster minMasterVersion, else the newest covered)",
    )
    preview.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="report format: text (default), json, markdown (a pull-request comment), sarif (SARIF 2.1.0 "
        "for code scanning), junit (JUnit XML for GitLab, Jenkins, Azure DevOps, CircleCI) or github (GitHub "
        "Actions workflow commands: annotations on the changed lines); to stdout, or to --output FILE",
    )
    preview.add_argument(
        "--output",
        action=_OutputPathAction,
        default=None,
        metavar="FILE",
        help="write the --format report to this file (DIR/ : into that directory, named after the stack); "
        "stdout keeps the text report",
    )
    preview.add_argument(
        "--source-root",
        type=Path,
        default=None,
        metavar="DIR",
        help="directory the reports' source paths are relative to; it must contain the program (default: the "
        "git top level of the program directory, else the program directory)",
    )
    preview.add_argument(
        "--json",
        action=_OutputPathAction,
        default=None,
        metavar="FILE",
        help="same as --format json --output FILE: resources (secrets redacted) and violations",
    )
    preview.add_argument(
        "--stack-outputs",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="another stack's outputs for the program's StackReference(NAME), from `pulumi stack output --json` "
        "(repeatable; without it that stack's outputs are unknown)",
    )
    preview.add_argument(
        "--program-dry-run",
        choices=("true", "false"),
        default="true",
        help="what the program's pulumi.runtime.is_dry_run() says (default true, in both modes, so code a "
        "program runs only in a real update never runs offline; false in --mode up runs it, with your "
        "credentials)",
    )
    _add_baseline_option(preview)
    # Also accepted after the command; SUPPRESS keeps the subcommand from resetting the flag.
    preview.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    _add_analyze_parser(commands)
    # [analyze] subcommand parser above this line
    _add_exceptions_parser(commands)
    # [exceptions] subcommand parser above this line
    from agencyos_infra.verify.command import add_parser as add_verify_parser

    add_verify_parser(commands)  # its handler is the parser's `run` default
    # [verify] subcommand parser above this line
    from agencyos_infra.checklist_command import add_parser as add_checklist_parser

    add_checklist_parser(commands)  # its handler is the parser's `run` default
    # [checklist] subcommand parser above this line
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # One short-lived command: the collector's default thresholds would walk the SDKs' large
    # module graphs over and over while they import; collect rarely instead (never switched off).
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    args = _parser().parse_args(argv)
    handlers = {
        "preview": preview,
        "analyze": analyze,
        "exceptions": lambda args: args.run(args),
        "verify": lambda args: args.run(args),
        # [verify] handler above this line
        "checklist": lambda args: args.run(args),
        # [checklist] handler above this line
    }
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # the reader went away: ``run`` ends quietly
    except Exception as error:  # the one guard: anything unexpected is one line, not a traceback
        if args.debug:
            traceback.print_exc()
        return _fail(f"unexpected {type(error).__name__}: {_one_line(error)} (run with --debug for the traceback)")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _read_policy_config(path: Path | None) -> Any:
    return None if path is None else _read_json(path, "--policy-config")


JSON_MAX_DEPTH = 128  # objects and arrays inside each other: far beyond any real config, below what breaks


def _read_json(path: Path, flag: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{flag} {path}: cannot be read ({_one_line(error)})") from None
    if not text.strip():
        return None  # the CLI accepts an empty file as no config
    too_deep = f"{flag} {path}: nested more than {JSON_MAX_DEPTH} levels deep; flatten it"
    try:
        document = json.loads(text)
    except ValueError as error:
        raise UsageError(f"{flag} {path}: not valid JSON ({error})") from None
    except RecursionError:
        raise UsageError(too_deep) from None
    # Read whole, a document a few hundred levels deep still exhausts the recursion of what handles it next
    # (the policy pack's Configure, the protobuf conversion): refused here, naming the file.
    levels = [(document, 1)]
    while levels:
        value, depth = levels.pop()
        if isinstance(value, dict | list) and depth > JSON_MAX_DEPTH:
            raise UsageError(too_deep)
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        levels.extend((child, depth + 1) for child in children)
    return document


def _project_file(program: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.yml"):
        if (program / name).is_file():
            return program / name
    return program / "Pulumi.yaml"


def _read_stack_outputs(entries: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``NAME=FILE`` pairs: each FILE a JSON object of a stack's outputs (``pulumi stack output --json``)."""
    outputs: dict[str, dict[str, Any]] = {}
    for entry in entries:
        name, separator, file = entry.partition("=")
        if not separator or not name or not file:
            raise UsageError(f"--stack-outputs {entry!r}: give NAME=FILE, e.g. acme/network/prod=network-outputs.json")
        if name.count("/") > 2:
            raise UsageError(f"--stack-outputs {entry!r}: a stack name is STACK, PROJECT/STACK or ORG/PROJECT/STACK")
        document = _read_json(Path(file), f"--stack-outputs {name}")
        if not isinstance(document, dict):
            raise UsageError(
                f"--stack-outputs {name}: {file} must hold a JSON object of outputs (`pulumi stack output --json`)"
            )
        outputs[name] = document
    return outputs


def _check_writable(path: Path | None, flag: str = "--output") -> None:
    """Fail before any work, so an I/O problem is never mistaken for a violation run."""
    if path is None:
        return
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a directory")
    if _written_in_place(path):
        if not os.access(path, os.W_OK):
            raise UsageError(f"{flag} {path}: not writable")
        return
    if not directory.is_dir():
        raise UsageError(f"{flag} {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{flag} {path}: not writable")
    try:  # os.access says yes to root everywhere: only creating a file shows /proc or a read-only mount
        descriptor, probe = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    except OSError as error:
        raise UsageError(f"{flag} {path}: not writable ({_one_line(error)})") from None
    os.close(descriptor)
    os.unlink(probe)


def _written_in_place(path: Path) -> bool:
    """A pipe, a terminal, ``/dev/stdout``, a process substitution ``>(jq .)``: opened and written, as ``>`` does.

    Replacing them by a renamed temporary file would put a regular file where the reader waits (or fail).
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) or str(path).startswith(("/dev/", "/proc/"))


def _is_stdout(path: Path) -> bool:
    """Whether the path is this process's standard output (``/dev/stdout``, ``/dev/fd/1``, its pipe or file)."""
    if not str(path).startswith(("/dev/", "/proc/")):
        return False
    try:
        return os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError):
        return False


def _write_report(path: Path, document: str) -> None:
    """The whole report or none: a failed write (a full disk) leaves no partial file and keeps the old one."""
    if _written_in_place(path):
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(document)
        return
    path = path.resolve()  # through a symlink, as `>` writes: the link stays, its target gets the report
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(document, encoding="utf-8")  # created with the umask's mode, as `path` would be
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _stdout_to_stderr(active: bool) -> Iterator[None]:
    """While the program runs, its output (print, a write to fd 1, a child process's) goes to stderr.

    A --format report without --output is stdout's alone; the program's own output would corrupt it.
    """
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _report_target(args: argparse.Namespace) -> tuple[str, Path | None, str]:
    """(format, output file or None for stdout, the flag that named the file); ``--json FILE`` is an alias.

    ``DIR/`` (a trailing slash) names a directory: the report goes into it as ``<command>-<stack>.<ext>``.
    """
    if args.json is None:
        report_format, output, flag = args.format or "text", args.output, "--output"
    elif args.output is not None or args.format not in (None, "json"):
        raise UsageError("--json FILE is short for --format json --output FILE: give one or the other")
    else:
        report_format, output, flag = "json", args.json, "--json"
    if output is not None and getattr(args, "output_is_directory", False):
        if not output.is_dir():
            raise UsageError(f"{flag} {output}/: directory {output} does not exist")
        stack = getattr(args, "stack", None) or Path(getattr(args, "state", "report")).stem
        output = output / f"{args.command}-{stack}.{REPORT_EXTENSIONS[report_format]}"
    if output is not None and _is_stdout(output):
        output = None  # `--output /dev/stdout`: the report alone on stdout, as without --output
    return report_format, output, flag


def preview(args: argparse.Namespace) -> int:
    from agencyos_infra.analyzer import PolicyPackError, PolicyPackProcess, parse_policy_config
    from agencyos_infra.engine import program_timeout
    from agencyos_infra.interpreter import InterpreterError, program_python
    from agencyos_infra.stackconfig import StackConfigError, load_stack_config

    dry_run = args.mode == "preview"
    try:
        program = (args.program or _default_program()).resolve()
        pack_dir = (args.policy_pack or DEFAULT_PACK).resolve()
        report_format, output, output_flag = _report_target(args)
        _check_writable(output, output_flag)
        if args.source_root is not None and not args.source_root.is_dir():
            raise UsageError(f"--source-root {args.source_root}: not a directory")
        if args.kubernetes_version is not None:
            from agencyos_infra.kubernetes_check import KubernetesCheckError, covered

            try:
                covered(args.kubernetes_version)
            except KubernetesCheckError as error:
                raise UsageError(str(error)) from None
        stack = load_stack_config(program, args.stack)
        python, interpreter_warning = program_python(_project_file(program), stack.program_dir)
        timeout = program_timeout()
        stack_outputs = _read_stack_outputs(args.stack_outputs)
        program_dry_run = args.program_dry_run == "true"
        if not program_dry_run and dry_run:
            raise UsageError("--program-dry-run false needs --mode up (a preview's program always sees a dry run)")
        _refuse_inputs(output, output_flag, _program_inputs(stack), args.policy_config, args.baseline)
        source_root = _source_root(args.source_root, stack.program_dir, "the program directory")
        policy_config, exceptions = _read_exceptions(args.policy_config, _read_policy_config(args.policy_config))
        if policy_config is not None:
            parse_policy_config(policy_config)  # its shape, before anything starts
        baseline = _read_baseline(args.baseline, stack.project, stack.stack)
        # Spawned before the Pulumi SDK is imported here: the pack boots while this process loads.
        pack = PolicyPackProcess(
            pack_dir, project=stack.project, stack=stack.stack, config=stack.config, dry_run=dry_run
        )
    except (UsageError, StackConfigError, PolicyPackError, InterpreterError, ValueError) as error:
        return _fail(str(error))
    if not program_dry_run:
        print(
            "warning: --program-dry-run false: the program sees a real update (is_dry_run() is false), so "
            "whatever it does only on `pulumi up` runs now, with this machine's credentials",
            file=sys.stderr,
        )

    with pack:
        from agencyos_infra.engine import run_program
        from agencyos_infra.report import render_text, shown_resources, unknown_policy_warnings

        try:
            session = pack.session(policy_config, stack.secret_keys, stack.tags)
            with _stdout_to_stderr(output is None and report_format != "text"):
                run = run_program(
                    stack.program_dir,
                    project=stack.project,
                    stack=stack.stack,
                    config=stack.config,
                    secret_keys=stack.secret_keys,
                    preview=dry_run,
                    sink=session,
                    kubernetes_version=args.kubernetes_version,
                    main=stack.main,
                    python=python,
                    timeout=timeout,
                    stack_outputs=stack_outputs,
                    program_dry_run=program_dry_run,
                )
            # Every resource registered before a failure or an exit is judged, as by the engine.
            report = session.finish(run)
        except PolicyPackError as error:
            return _fail(str(error))
        if run.error is not None:
            # What was registered before the failure, where the reader looks; no report file for a failed run.
            # A program stopped before its first resource (bad settings, say) has nothing to show but the error.
            if any(resource.type != "pulumi:pulumi:Stack" for resource in shown_resources(run)):
                print(
                    render_text(run, report, source_root),
                    file=sys.stdout if output or report_format == "text" else sys.stderr,
                )
            return _fail(f"the program failed:\n{run.error}")
        levels = {name: entry.enforcement_level for name, entry in session.config.items()}

    for warning in [*stack.warnings, *([interpreter_warning] if interpreter_warning else []), *run.warnings]:
        print(f"warning: {warning}", file=sys.stderr)
    for key in stack.undecrypted_keys:
        print(
            f"warning: {key} is encrypted and PULUMI_CONFIG_PASSPHRASE is not set; "
            "the program saw a secret placeholder",
            file=sys.stderr,
        )
    for warning in [*report.warnings, *unknown_policy_warnings(policy_config, report)]:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        review = _review(exceptions, baseline, report, args.policy_config)
    except ValueError as error:
        return _fail(str(error))
    return _deliver(Delivery(run, report, levels, report_format, output, output_flag, source_root), review)


# -- the pipeline: exceptions, baseline, deployed state, and every report (issue 19) ---------------------


class _OutputPathAction(argparse.Action):
    """A report path; a trailing slash (``reports/``) says it is a directory, which ``Path`` alone forgets."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any, _: Any = None
    ) -> None:
        setattr(namespace, self.dest, Path(value))
        namespace.output_is_directory = str(value).endswith(("/", os.sep))


def _add_baseline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="FILE",
        help="an earlier JSON report or SARIF log of the same stack: its findings (same policy and URN) are "
        "existing and do not fail the run; only new ones do; ones gone are reported fixed",
    )


def _add_analyze_parser(commands: Any) -> None:
    analyze_parser = commands.add_parser(
        "analyze",
        help="check a deployed stack (a `pulumi stack export` file) with the policy pack",
        description="Judges the resources of a `pulumi stack export` (deployment version 3) with the policy pack, "
        "as `pulumi policy analyze` judges a live stack: same policy config, exceptions, baseline, formats and "
        "exit codes as `preview`. Exit 0: no blocking violation; 1: blocking violations; 2: a bad file or pack "
        "error; 130: interrupted.",
    )
    analyze_parser.add_argument(
        "--state", type=Path, required=True, metavar="FILE", help="a `pulumi stack export` file"
    )
    analyze_parser.add_argument(
        "--program",
        type=Path,
        default=None,
        metavar="DIR",
        help="the stack's Pulumi project: its stack file's config and tags go to the pack, and the export's "
        "source positions resolve against it (default: none)",
    )
    analyze_parser.add_argument(
        "--stack", default=None, help="stack name for --program's Pulumi.<stack>.yaml (default: the export's stack)"
    )
    analyze_parser.add_argument("--policy-pack", type=Path, default=None, help="policy pack directory")
    analyze_parser.add_argument("--policy-config", type=Path, default=None, help="policy config JSON (with exceptions)")
    analyze_parser.add_argument("--format", choices=FORMATS, default=None, help="report format, as for preview")
    analyze_parser.add_argument("--output", action=_OutputPathAction, default=None, metavar="FILE")
    analyze_parser.add_argument("--source-root", type=Path, default=None, metavar="DIR")
    analyze_parser.add_argument("--json", action=_OutputPathAction, default=None, metavar="FILE")
    _add_baseline_option(analyze_parser)
    analyze_parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _add_exceptions_parser(commands: Any) -> None:
    from agencyos_infra.exceptions_command import add_parser

    add_parser(commands)


def _program_inputs(stack: Any) -> list[Path]:
    """The files a report must never overwrite: the stack file, Pulumi.yaml, the program's entry point."""
    files = [stack.stack_file, stack.project_file, stack.program_dir / "__main__.py"]
    if stack.main is not None:
        files.append(stack.main if stack.main.suffix == ".py" else stack.main / "__main__.py")
    return [path for path in files if path is not None]


def _refuse_inputs(output: Path | None, flag: str, *inputs: Any) -> None:
    """``--output`` naming one of the run's inputs is refused before anything runs: the report would replace it."""
    if output is None:
        return
    candidates: list[Path] = []
    for given in inputs:
        candidates += given if isinstance(given, list) else ([given] if given is not None else [])
    for path in candidates:
        try:
            same = output.exists() and path.exists() and os.path.samefile(output, path)
        except OSError:
            same = False
        if same or output.resolve() == path.resolve():
            raise UsageError(f"{flag} {output}: is {path.name}, an input of this run; write the report elsewhere")


def _source_root(given: Path | None, judged: Path, what: str) -> Path:
    """``--source-root`` or the git top level of ``judged``; it must contain ``judged`` (code scanning and
    annotations take paths inside the repository, so one outside it would be a machine path)."""
    from agencyos_infra.anchors import default_source_root

    root = given.resolve() if given is not None else default_source_root(judged)
    if not judged.resolve().is_relative_to(root):
        raise UsageError(f"--source-root {given}: does not contain {what} {judged}; give the repository's root")
    return root


def _read_exceptions(path: Path | None, policy_config: Any) -> tuple[Any, list[Any]]:
    """The policy config without ``exceptions`` (the pack validates config per policy), and the exceptions."""
    from agencyos_infra.exceptions import parse_exceptions, split_exceptions

    config, document = split_exceptions(policy_config)
    return config, parse_exceptions(document, f"--policy-config {path}")


def _read_baseline(path: Path | None, project: str, stack: str) -> Any:
    if path is None:
        return None
    from agencyos_infra.baseline import check_same_stack, load_baseline

    baseline = load_baseline(path, _read_json(path, "--baseline"))
    check_same_stack(baseline, project, stack)
    return baseline


def _review(exceptions: list[Any], baseline: Any, report: Any, config_path: Path | None) -> Any:
    """The judgement every report renders; an exception naming a policy the pack lacks is exit 2."""
    from agencyos_infra.exceptions import check_policy_names
    from agencyos_infra.review import Review

    check_policy_names(exceptions, report.policies, f"--policy-config {config_path}")
    return Review(tuple(exceptions), baseline)


@dataclass(frozen=True)
class Delivery:
    """A finished run and where its report goes."""

    run: Any
    report: Any
    levels: dict[str, str]
    report_format: str
    output: Path | None
    output_flag: str
    source_root: Path | None


def _deliver(delivery: Delivery, review: Any) -> int:
    """Prints the text report, writes the --format report, and gives the exit code: 1 only for blocking findings."""
    from agencyos_infra.report import counts, findings, render_text, summary_sentence

    run, report, output = delivery.run, delivery.report, delivery.output
    for note in review.advisories(report.violations):
        print(f"warning: {note}", file=sys.stderr)
    if output is not None or delivery.report_format == "text":
        print(render_text(run, report, delivery.source_root, review))
    if delivery.report_format != "text" or output is not None:
        document = _render(delivery.report_format, run, report, delivery.source_root, delivery.levels, review)
        if output is None:
            sys.stdout.write(document)
        else:
            try:
                _write_report(output, document)
            except (OSError, ValueError) as error:
                return _fail(f"{delivery.output_flag} {output}: {_one_line(error)}")
    total = counts(findings(run, report, delivery.source_root, review), review, report)
    if total.blocking:
        print(
            f"\nerror: {total.blocking} mandatory policy violation(s): {summary_sentence(total, review)}",
            file=sys.stderr,
        )
        return EXIT_VIOLATIONS
    return EXIT_OK


def _render(
    report_format: str,
    run: Any,
    report: Any,
    source_root: Path | None,
    levels: dict[str, str],
    review: Any = None,
) -> str:
    """The report in a --format other than the console's: json and sarif sorted, so reruns give equal files."""
    if report_format == "markdown":
        from agencyos_infra.report_markdown import render_markdown

        return render_markdown(run, report, source_root=source_root, review=review)
    if report_format == "junit":
        from agencyos_infra.report_junit import render_junit

        return render_junit(run, report, source_root=source_root, levels=levels, review=review)
    if report_format == "github":
        from agencyos_infra.report_github import render_github

        return render_github(run, report, source_root=source_root, review=review)
    if report_format == "sarif":
        from agencyos_infra.report_sarif import render_sarif

        document = render_sarif(run, report, source_root=source_root, levels=levels, review=review)
    elif report_format == "json":
        from agencyos_infra.report import render_json

        document = render_json(run, report, source_root, review)
    else:
        from agencyos_infra.report import render_text

        return render_text(run, report, source_root, review) + "\n"
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def analyze(args: argparse.Namespace) -> int:
    """``analyze --state FILE``: the deployed resources of a stack export, judged as preview judges a program's."""
    from agencyos_infra.analyzer import PolicyPackError, PolicyPackProcess, parse_policy_config
    from agencyos_infra.stackconfig import StackConfigError, load_stack_config
    from agencyos_infra.state import load_state

    try:
        pack_dir = (args.policy_pack or DEFAULT_PACK).resolve()
        report_format, output, output_flag = _report_target(args)
        _check_writable(output, output_flag)
        if args.source_root is not None and not args.source_root.is_dir():
            raise UsageError(f"--source-root {args.source_root}: not a directory")
        _refuse_inputs(output, output_flag, args.state, args.policy_config, args.baseline)
        program = args.program.resolve() if args.program else None
        state = load_state(args.state, _read_json(args.state, "--state"), program)
        run = state.run
        stack = None
        if program is not None:
            stack = load_stack_config(program, args.stack or run.stack)
            _refuse_inputs(output, output_flag, _program_inputs(stack))
            if (stack.project, stack.stack) != (run.project, run.stack):
                raise UsageError(
                    f"--state {args.state}: the export is stack {run.stack!r} of project {run.project!r}, but "
                    f"--program/--stack name stack {stack.stack!r} of project {stack.project!r}"
                )
        judged = program if program is not None else args.state.resolve().parent
        source_root = _source_root(
            args.source_root, judged, "the program directory" if program else "the stack export's directory"
        )
        policy_config, exceptions = _read_exceptions(args.policy_config, _read_policy_config(args.policy_config))
        if policy_config is not None:
            parse_policy_config(policy_config)
        baseline = _read_baseline(args.baseline, run.project, run.stack)
        pack = PolicyPackProcess(
            pack_dir,
            project=run.project,
            stack=run.stack,
            config=stack.config if stack else {},
            dry_run=False,  # a deployed state: every value is known
        )
    except (UsageError, StackConfigError, PolicyPackError, ValueError) as error:
        return _fail(str(error))
    for warning in state.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    with pack:
        from agencyos_infra.report import unknown_policy_warnings

        try:
            session = pack.session(policy_config, stack.secret_keys if stack else [], stack.tags if stack else {})
            for resource in run.resources:
                session.submit(resource)
            report = session.finish(run)
        except PolicyPackError as error:
            return _fail(str(error))
        levels = {name: entry.enforcement_level for name, entry in session.config.items()}
    for warning in [*report.warnings, *unknown_policy_warnings(policy_config, report)]:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        review = _review(exceptions, baseline, report, args.policy_config)
    except ValueError as error:
        return _fail(str(error))
    from dataclasses import replace

    review = replace(review, state_file=args.state.resolve())
    return _deliver(Delivery(run, report, levels, report_format, output, output_flag, source_root), review)


# Signals that end a process by default: each ends this one only after its children (program, pack).
_ENDING_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM")


def _stop(signum: int, _frame: object) -> None:
    """Ctrl-C or a termination request: stop now, whatever thread is working, children first.

    The program and the pack run in process groups of their own (``agencyos_infra.processes``), which
    the terminal's Ctrl-C does not reach: they end here, with whatever they started.
    """
    from agencyos_infra import processes

    processes.end_all()
    with contextlib.suppress(OSError, ValueError):
        print("\ninterrupted", file=sys.stderr)
        sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED if signum == signal.SIGINT else 128 + signum)


def handle_interrupts() -> None:
    """From now on Ctrl-C or a termination request ends the process at once (``_stop``), 130 for Ctrl-C."""
    for name in _ENDING_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop)


def run() -> None:
    """Console entry point: ``main``, then exit without tearing the interpreter down.

    A finished preview holds nothing that needs cleaning up (the pack is killed, files are closed),
    and finalizing the provider SDKs' large modules costs a fifth of a second at exit. A reader that
    stops reading (``| head``) ends the run quietly, as other command-line tools end.
    """
    from agencyos_infra import processes

    handle_interrupts()
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        code = _EXIT_BROKEN_PIPE
    finally:
        processes.end_all()
    if code == _EXIT_BROKEN_PIPE:
        # Python would complain again flushing stdout at exit: point it at nothing first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
