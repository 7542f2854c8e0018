"""Offline preview with the full policy pack next to the bare SDK under stock mocks, in one run.

Two benchmarks, measured side by side in fresh processes, alternating, ``--repeat`` times each:

- thousand-instances: ``agencyos-infra preview`` of ``benchmarks/programs/thousand-instances``
  (1,000 compliant Cloud SQL instances) against ``benchmarks/stock_mocks.py`` on the same program;
- prod: ``agencyos-infra preview --stack prod`` of this repository against ``stock_mocks.py`` on it.

Both sides end their process the same way (flush, then ``os._exit``). Prints each run's wall time,
the medians, the ratios (preview / bare SDK) and the goals: <= 1.0x at 1,000 resources, <= 1.2x for
prod. Missing a goal is reported, not an error; the exit status is 1 only when a command fails (its
stderr is printed). Usage:

    python benchmarks/run.py [--repeat 5] [--instances 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Commands run in the repository, with paths relative to it (the preview resolves them there).
STOCK_MOCKS = "benchmarks/stock_mocks.py"
THOUSAND = "benchmarks/programs/thousand-instances"


@dataclass
class Side:
    label: str
    command: list[str]
    times: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class Benchmark:
    name: str
    goal: float
    preview: Side
    stock: Side
    failed: bool = False

    def sides(self, round_: int) -> tuple[Side, Side]:
        # Alternate which side goes first, so drift (thermal, cache, other load) hits both equally.
        return (self.preview, self.stock) if round_ % 2 == 0 else (self.stock, self.preview)


def _benchmarks(instances: int) -> list[Benchmark]:
    python = sys.executable
    preview = [python, "-m", "agencyos_infra.cli", "preview"]
    stock = [python, STOCK_MOCKS]
    return [
        Benchmark(
            name=f"thousand-instances ({instances} Cloud SQL instances)",
            goal=1.0,
            preview=Side("offline preview", [*preview, "--program", THOUSAND, "--stack", "bench"]),
            stock=Side("bare SDK, stock mocks", [*stock, THOUSAND, "bench"]),
        ),
        Benchmark(
            name="prod stack (this repository)",
            goal=1.2,
            preview=Side("offline preview", [*preview, "--stack", "prod"]),
            stock=Side("bare SDK, stock mocks", [*stock, ".", "prod"]),
        ),
    ]


def _run(side: Side, env: dict[str, str]) -> float | None:
    """Wall time of one fresh process, or None (with its output printed) when it fails."""
    start = time.perf_counter()
    result = subprocess.run(side.command, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(f"\nFAILED (exit {result.returncode}): {' '.join(side.command)}", file=sys.stderr)
        print(result.stderr.rstrip() or result.stdout[-4000:].rstrip(), file=sys.stderr)
        return None
    if not side.note:
        # stock_mocks.py reports what the program registered; keep it to show the work was done.
        side.note = next((line for line in result.stderr.splitlines() if line.startswith("stock mocks:")), "")
    return elapsed


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per command (default 5)")
    parser.add_argument(
        "--instances", type=int, default=1000, help="instances in the thousand-instances program (default 1000)"
    )
    args = parser.parse_args()
    env = dict(os.environ, BENCH_INSTANCES=str(args.instances))
    env.pop("BENCH_GC", None)  # the baseline is the stock SDK as it is
    benchmarks = _benchmarks(args.instances)

    # Warm the OS file cache (and the bytecode caches) once, and check every command works.
    print(f"warming up ({sys.executable}) ...", flush=True)
    for benchmark in benchmarks:
        for side in (benchmark.preview, benchmark.stock):
            if _run(side, env) is None:
                benchmark.failed = True

    for round_ in range(args.repeat):
        print(f"round {round_ + 1}/{args.repeat}", flush=True)
        for benchmark in benchmarks:
            for side in benchmark.sides(round_):
                if benchmark.failed:
                    break
                elapsed = _run(side, env)
                if elapsed is None:
                    benchmark.failed = True
                else:
                    side.times.append(elapsed)

    print()
    for benchmark in benchmarks:
        print(f"== {benchmark.name}")
        for side in (benchmark.preview, benchmark.stock):
            print(f"   {' '.join(['python', *side.command[1:]])}")
            if side.note:
                print(f"   ({side.note})")
        if benchmark.failed:
            print("   FAILED: see the command output above\n")
            continue
        preview = statistics.median(benchmark.preview.times)
        stock = statistics.median(benchmark.stock.times)
        ratio = preview / stock
        print(f"   {benchmark.preview.label:<22}: median {preview:6.2f} s  (runs: {_runs(benchmark.preview.times)})")
        print(f"   {benchmark.stock.label:<22}: median {stock:6.2f} s  (runs: {_runs(benchmark.stock.times)})")
        verdict = "met" if ratio <= benchmark.goal else "NOT met"
        print(f"   preview / bare SDK    : {ratio:.2f}x  (goal <= {benchmark.goal:.1f}x: {verdict})\n")
    return 1 if any(benchmark.failed for benchmark in benchmarks) else 0


if __name__ == "__main__":
    sys.exit(main())
