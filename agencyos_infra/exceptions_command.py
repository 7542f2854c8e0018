"""``agencyos-infra exceptions new``: exception entries for a run's violations, from its JSON report.

One entry per violation (policy and resource URN), each with the reason given, so accepting a finding is
a reviewed change to the policy config file rather than a disabled policy. Written to stdout as a policy
config document, or merged into ``--output FILE`` (its other keys and exceptions kept; ids never reused).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from agencyos_infra.exceptions import EXCEPTIONS_KEY, ExceptionsError, is_urn, parse_exceptions, today_utc

_ID = re.compile(r"^EXC-(\d+)$")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "exceptions",
        help="write policy exceptions (waivers) for a run's violations",
        description="Policy exceptions live in the policy config file under `exceptions`. Exit 0: written; 2: a bad "
        "report, filter or file.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    new = actions.add_parser(
        "new",
        help="exception entries for the violations of a JSON report",
        description="Writes one exception per violation of REPORT.json (from `preview --json` or `analyze --json`) "
        "that is mandatory and not already exempted, filtered by --policy and --target.",
    )
    new.add_argument("--from", dest="source", type=Path, required=True, metavar="REPORT.json")
    new.add_argument("--reason", required=True, help="why these violations are accepted (required, not blank)")
    new.add_argument("--policy", action="append", default=[], help="only this policy's violations (repeatable)")
    new.add_argument("--target", action="append", default=[], metavar="URN", help="only this resource (repeatable)")
    new.add_argument("--expires", default=None, metavar="YYYY-MM-DD", help="the last day the exceptions exempt")
    new.add_argument(
        "--include-advisory", action="store_true", help="also advisory violations (they never block; default: no)"
    )
    new.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="merge into this policy config file (created if missing) instead of printing",
    )
    new.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    new.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from agencyos_infra.cli import UsageError, _check_writable, _write_report

    try:
        _check_output(args.output, args.source)
        _check_writable(args.output)
        document, added, covered = _merged(args)
    except (UsageError, ExceptionsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not added:
        print(f"nothing to add: every violation is already covered by {', '.join(covered)}", file=sys.stderr)
        return 0
    text = json.dumps(document, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0

    try:
        _write_report(args.output, text)
    except OSError as error:
        print(f"error: --output {args.output}: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    already = f" (already covered by {', '.join(covered)})" if covered else ""
    print(f"{args.output}: added {', '.join(added)}{already}", file=sys.stderr)
    return 0


def _check_output(output: Path | None, source: Path) -> None:
    """Merging into the report being read would replace the report by a policy config."""
    if output is None:
        return
    same = output.exists() and source.exists() and os.path.samefile(output, source)  # a hard link too
    if same or output.resolve() == source.resolve():
        raise ExceptionsError(f"--output {output}: must not be the --from report; name the policy config file")


def _merged(args: argparse.Namespace) -> tuple[dict[str, Any], list[str], list[str]]:
    """(the config to write, the ids added, the ids of existing exceptions covering the other violations)."""
    if not args.reason.strip():
        raise ExceptionsError("--reason: blank; say why the violations are accepted")
    expires = None
    if args.expires is not None:
        try:
            expires = datetime.date.fromisoformat(args.expires)
        except ValueError:
            raise ExceptionsError(f"--expires {args.expires!r}: must be a date YYYY-MM-DD") from None
        if expires < today_utc():
            raise ExceptionsError(f"--expires {args.expires}: already past; the exceptions would exempt nothing")
    for target in args.target:
        if not is_urn(target):
            raise ExceptionsError(
                f"--target {target!r}: not a resource URN (urn:pulumi:<stack>::<project>::<type>::<name>)"
            )
    violations = _violations(args.source)
    chosen = sorted(
        {
            (v["policy"], v["urn"])
            for v in violations
            if (args.include_advisory or v.get("enforcementLevel") == "mandatory")
            and not v.get("exception")
            and (not args.policy or v["policy"] in args.policy)
            and (not args.target or v["urn"] in args.target)
            and v.get("urn")
        }
    )
    if not chosen:
        raise ExceptionsError(
            f"--from {args.source}: no violation matches (mandatory, not exempted, the filters given)"
        )
    config = _read_config(args.output)
    exceptions = dict(config.get(EXCEPTIONS_KEY) or {})
    # Running the command again adds nothing: an unexpired exception of the file already exempts the violation.
    today = today_utc()
    existing = [e for e in parse_exceptions(exceptions, f"--output {args.output}") if not e.expired(today)]
    covered = sorted({e.id for policy, urn in chosen for e in existing if e.covers(policy, urn)}, key=_id_order)
    chosen = [(policy, urn) for policy, urn in chosen if not any(e.covers(policy, urn) for e in existing)]
    taken = [int(m[1]) for m in map(_ID.match, exceptions) if m]
    number = max(taken, default=0)
    added: list[str] = []
    for policy, urn in chosen:
        number += 1
        added.append(f"EXC-{number}")
        entry: dict[str, Any] = {"reason": args.reason.strip()}
        if expires is not None:
            entry["expiresAt"] = expires.isoformat()
        entry["match"] = [{"policies": [policy], "targets": [urn]}]
        exceptions[f"EXC-{number}"] = entry
    parse_exceptions(exceptions, str(args.output or "the new exceptions"))  # what is written is what is read
    return {**config, EXCEPTIONS_KEY: exceptions}, added, covered


def _id_order(exception_id: str) -> tuple[int, str]:
    match = _ID.match(exception_id)
    return (int(match[1]) if match else -1, exception_id)


def _violations(path: Path) -> list[dict[str, Any]]:
    from agencyos_infra.cli import _read_json

    document = _read_json(path, "--from")
    violations = document.get("violations") if isinstance(document, dict) else None
    if not isinstance(violations, list) or not all(
        isinstance(v, dict) and isinstance(v.get("policy"), str) and isinstance(v.get("urn"), str) for v in violations
    ):
        raise ExceptionsError(
            f"--from {path}: not an agencyos-infra JSON report (write one with `preview --json FILE`)"
        )
    return violations


def _read_config(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists() or (path.is_file() and not path.read_text(encoding="utf-8").strip()):
        return {}
    if not os.access(path, os.R_OK):
        raise ExceptionsError(f"--output {path}: not readable")
    from agencyos_infra.cli import _read_json

    document = _read_json(path, "--output")
    if not isinstance(document, dict):
        raise ExceptionsError(f"--output {path}: not a JSON object keyed by policy name")
    return document
