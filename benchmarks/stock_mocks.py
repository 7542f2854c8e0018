"""Runs a Pulumi Python program under the SDK's stock mocks, with its stack config and no policy pack.

The baseline of ``benchmarks/run.py``: the bare SDK doing the same program work as the offline
preview, nothing more. Usage:

    python benchmarks/stock_mocks.py PROGRAM_DIR STACK

- Config: ``Pulumi.<STACK>.yaml`` (plus the project's declared defaults) as ``namespace:key`` strings,
  encoded as the CLI hands them to a program (objects and arrays as JSON, booleans ``true``/``false``,
  numbers with ``json.dumps``); ``secure:`` values become a placeholder marked secret.
- Engine: ``pulumi.runtime.set_mocks`` with a ``Mocks`` that echoes each resource's inputs with an id,
  preview (dry run) on, and the SDK's stock ``MockMonitor`` (a subclass that only counts the calls).
- Run: as the language host runs a program, ``runpy.run_path`` on the directory inside
  ``run_in_stack`` on a fresh event loop, which returns once every RegisterResource call has finished
  and every output has resolved (``wait_for_rpcs``), then the stack's outputs are registered.
- Exit: like ``agencyos-infra preview`` (``agencyos_infra.cli.run``): flush stdout and stderr, then
  ``os._exit``, so neither side pays interpreter teardown.

The registration counts go to stderr. ``BENCH_GC=off`` runs with ``gc.disable()``, to measure the
collector's share; it is never the default, since the baseline is the stock SDK as it is.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import os
import runpy
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "[secret]"


def config_string(value: Any) -> str:
    """A stack file value as the CLI passes it to a program."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def load_config(program_dir: Path, stack: str) -> tuple[str, Path, dict[str, str], list[str]]:
    """Project name, main directory, ``namespace:key`` -> string config, and the secret keys."""
    project_doc = yaml.safe_load((program_dir / "Pulumi.yaml").read_text()) or {}
    project = project_doc["name"]
    main_dir = (program_dir / str(project_doc.get("main") or ".")).resolve()
    stack_dir = program_dir / str(project_doc.get("stackConfigDir") or ".")
    stack_doc = yaml.safe_load((stack_dir / f"Pulumi.{stack}.yaml").read_text()) or {}

    def full_key(key: str) -> str:
        return key if ":" in key else f"{project}:{key}"

    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, declaration in (project_doc.get("config") or {}).items():
        if isinstance(declaration, dict) and "default" in declaration:
            config[full_key(key)] = config_string(declaration["default"])
        elif not isinstance(declaration, dict):
            config[full_key(key)] = config_string(declaration)
    for key, value in (stack_doc.get("config") or {}).items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret_keys.append(full_key(key))
            config[full_key(key)] = SECRET_PLACEHOLDER
        else:
            config[full_key(key)] = config_string(value)
    return project, main_dir, config, secret_keys


def run(program_dir: Path, stack: str) -> int:
    import pulumi.runtime
    from pulumi.runtime import settings
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.stack import run_in_stack

    class EchoMocks(pulumi.runtime.Mocks):
        """Outputs are the inputs; the id is the resource's name."""

        def __init__(self) -> None:
            self.created: Counter[str] = Counter()

        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
            self.created[args.typ] += 1
            return f"{args.name}-id", args.inputs

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
            return {}, []

    class CountingMonitor(MockMonitor):
        """The stock mock monitor; counts RegisterResource calls, the stack's included."""

        def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
            super().__init__(mocks)
            self.registered: Counter[str] = Counter()

        def RegisterResource(self, request: Any) -> Any:
            self.registered[request.type] += 1
            return super().RegisterResource(request)

    project, main_dir, config, secret_keys = load_config(program_dir, stack)
    mocks = EchoMocks()
    monitor = CountingMonitor(mocks)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_all_config(config, secret_keys)
    # set_mocks makes (and registers) a root stack of its own when none is active, for unit tests that
    # construct resources directly. A program gets its stack from run_in_stack, as under the language
    # host, so mark a root active for the duration of set_mocks only: one stack, as in the preview.
    token = settings.ROOT.set(monitor)  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=True, monitor=monitor)
    settings.ROOT.reset(token)

    os.chdir(main_dir)
    started = time.perf_counter()
    error = None
    try:
        loop.run_until_complete(run_in_stack(lambda: runpy.run_path(str(main_dir), run_name="__main__")))
    except Exception as exc:  # reported below, with the counts so far
        error = f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started

    total = sum(monitor.registered.values())
    by_type = ", ".join(f"{count} {type_}" for type_, count in sorted(monitor.registered.items()))
    print(
        f"stock mocks: {total} RegisterResource calls ({by_type}); "
        f"{sum(mocks.created.values())} reached Mocks.new_resource; program ran {elapsed:.2f} s"
        + (" with gc disabled" if not gc.isenabled() else ""),
        file=sys.stderr,
    )
    if error is not None:
        print(f"error: the program failed: {error}", file=sys.stderr)
        return 2
    return 0


def main() -> None:
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} PROGRAM_DIR STACK", file=sys.stderr)
        os._exit(2)
    if os.environ.get("BENCH_GC", "").lower() == "off":
        gc.disable()
    program_dir, stack = Path(sys.argv[1]).resolve(), sys.argv[2]
    code = contextvars.copy_context().run(run, program_dir, stack)
    # The same process exit as `agencyos-infra preview` (agencyos_infra.cli.run).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
