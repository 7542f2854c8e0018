"""``agencyos-infra preview``: the offline ``pulumi preview --policy-pack``.

Exit codes: 0 no mandatory violation; 1 mandatory violation(s); 2 configuration or program error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from agencyos_infra.stackconfig import StackConfigError, load_stack_config

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


def _default_program() -> Path:
    """The nearest Pulumi project at or above the working directory, else this repository."""
    for directory in (Path.cwd(), *Path.cwd().parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    return Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agencyos-infra", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the program offline and check it with the policy pack")
    preview.add_argument("--stack", default="prod", help="stack name; reads Pulumi.<stack>.yaml (default: prod)")
    preview.add_argument(
        "--program", type=Path, default=None, help="Pulumi Python project directory (default: this repository)"
    )
    preview.add_argument(
        "--policy-pack", type=Path, default=None, help="policy pack directory (default: <program>/policy)"
    )
    preview.add_argument(
        "--policy-config",
        type=Path,
        default=None,
        help="policy config JSON, as for `pulumi preview --policy-pack-config`",
    )
    preview.add_argument(
        "--preview-mode", action="store_true", help="computed outputs unknown, as in a first `pulumi preview`"
    )
    preview.add_argument(
        "--json", type=Path, default=None, help="write resources (secrets redacted) and violations to this file"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return preview(args)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_ERROR


def preview(args: argparse.Namespace) -> int:
    repository = _default_program()
    program = (args.program or repository).resolve()
    pack_dir = (args.policy_pack or repository / "policy").resolve()
    try:
        stack = load_stack_config(program, args.stack)
        policy_config = json.loads(args.policy_config.read_text()) if args.policy_config else None
    except StackConfigError as error:
        return _fail(str(error))
    except (OSError, ValueError) as error:
        return _fail(f"--policy-config {args.policy_config}: {error}")

    from agencyos_infra.analyzer import PolicyPackError, PolicyPackProcess

    try:
        # Spawned before the Pulumi SDK is imported here: the pack boots while this process loads.
        pack = PolicyPackProcess(
            pack_dir, project=stack.project, stack=stack.stack, config=stack.config, dry_run=args.preview_mode
        )
    except PolicyPackError as error:
        return _fail(str(error))
    with pack:
        from agencyos_infra.engine import run_program
        from agencyos_infra.report import render_json, render_text

        run = run_program(
            stack.program_dir,
            project=stack.project,
            stack=stack.stack,
            config=stack.config,
            secret_keys=stack.secret_keys,
            preview=args.preview_mode,
        )
        if run.error is not None:
            return _fail(f"the program failed, no resources were analysed:\n{run.error}")
        try:
            report = pack.analyze(run, policy_config, stack.secret_keys)
        except PolicyPackError as error:
            return _fail(str(error))

    for key in stack.undecrypted_keys:
        print(
            f"warning: {key} is encrypted and PULUMI_CONFIG_PASSPHRASE is not set; "
            "the program saw a secret placeholder",
            file=sys.stderr,
        )
    print(render_text(run, report))
    if args.json:
        args.json.write_text(json.dumps(render_json(run, report), indent=2, sort_keys=True) + "\n")
    if report.mandatory:
        print(f"\nerror: {len(report.mandatory)} mandatory policy violation(s)", file=sys.stderr)
        return EXIT_VIOLATIONS
    return EXIT_OK


def run() -> None:
    """Console entry point: ``main``, then exit without tearing the interpreter down.

    A finished preview holds nothing that needs cleaning up (the pack is killed, files are closed),
    and finalizing the provider SDKs' large modules costs a fifth of a second at exit.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
