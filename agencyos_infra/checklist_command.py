"""``agencyos-infra checklist``: the checklist's coverage by section and overall.

Reads docs/checklist-coverage.yaml, the checklist catalogue and the pack's registry; starts neither
Pulumi nor the pack. Exit codes: 0 the report; 2 a bad ``--section`` (the message lists the valid
ones) or a coverage file that does not validate.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

FORMATS = ("table", "markdown", "json")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("checklist", help="coverage of the production checklist, by section and overall")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table (default), markdown or json")
    parser.add_argument("--section", default=None, help="one section: its number (7) or slug (post-launch-maintenance)")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.set_defaults(run=checklist)


def checklist(args: argparse.Namespace) -> int:
    from agencyos_infra.coverage import (
        CoverageError,
        coverage,
        items_json,
        render_markdown,
        render_table,
        section_titles,
        summary,
    )

    if args.section is not None and args.section not in section_titles():
        valid = ", ".join(section_titles())
        print(f"error: --section {args.section}: no such section; valid sections: {valid}", file=sys.stderr)
        return 2
    try:
        cov = coverage()
    except CoverageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.section is not None:
        cov = cov.section(args.section)
    report = summary(cov)
    if args.format == "json":
        text = json.dumps({**report, "items": items_json(cov)}, indent=2)
    elif args.format == "markdown":
        text = render_markdown(report)
    else:
        text = render_table(report)
    with contextlib.suppress(BrokenPipeError):  # piped into head: the reader has what it wanted
        print(text, flush=True)
    return 0
