"""Profiles one run of the bare SDK (stock mocks) or of the offline preview, all threads included.

    python benchmarks/profile_run.py stock   [--program DIR] [--stack S] [--top 25]
    python benchmarks/profile_run.py preview [--program DIR] [--stack S] [--top 25] [--pack]
    python benchmarks/profile_run.py stock|preview --gc-only

Defaults: the thousand-instances program, stack ``bench``. Prints the top functions by cumulative
and by own time, and the time spent in garbage collection (measured with ``gc.callbacks``). cProfile
sees only the thread that enables it, so each thread gets its own profiler (``threading.setprofile``)
and the results are merged: the SDK calls the mock monitor from executor threads.

``--pack`` also profiles the policy pack's process (the preview spawns it with this environment): a
``sitecustomize`` from ``benchmarks/profiling/`` profiles its threads and dumps every 0.2 s, since the
preview kills the pack when done; the last dump is printed as well.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH / "profiling"))

from thread_profiles import ThreadProfiles  # noqa: E402


def _print(stats: pstats.Stats, title: str, top: int) -> None:
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats(key).print_stats(top)
        body = out.getvalue()
        start = body.find("   ncalls")
        print(f"\n--- {title}: top {top} by {key} ---")
        print(body[start:].rstrip() if start >= 0 else body.rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("side", choices=("stock", "preview"))
    parser.add_argument("--program", type=Path, default=BENCH / "programs" / "thousand-instances")
    parser.add_argument("--stack", default="bench")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pack", action="store_true", help="also profile the policy pack's process")
    parser.add_argument(
        "--gc-only", action="store_true", help="no profiler: only wall time and the time in garbage collection"
    )
    args = parser.parse_args()

    gc_time = [0.0, 0]
    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_time[0] += time.perf_counter() - gc_started[0]
            gc_time[1] += 1

    pack_dump = None
    if args.pack and args.side == "preview":
        pack_dump = Path(tempfile.mkdtemp(prefix="pack-profile-")) / "pack.prof"
        os.environ["BENCH_PROFILE_DUMP"] = str(pack_dump)
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(BENCH / "profiling"), os.environ.get("PYTHONPATH")])
        )

    gc.callbacks.append(on_gc)
    profiles = ThreadProfiles()
    started = time.perf_counter()
    if not args.gc_only:
        profiles.start()
    if args.side == "stock":
        import contextvars

        sys.path.insert(0, str(BENCH))
        import stock_mocks

        code = contextvars.copy_context().run(stock_mocks.run, args.program.resolve(), args.stack)
    else:
        sys.path.insert(0, str(REPO))
        from agencyos_infra import cli

        with open(os.devnull, "w") as devnull:
            saved, sys.stdout = sys.stdout, devnull
            try:
                code = cli.main(["preview", "--program", str(args.program), "--stack", args.stack])
            finally:
                sys.stdout = saved
    stats = None if args.gc_only else profiles.stop()
    wall = time.perf_counter() - started
    gc.callbacks.remove(on_gc)

    print(f"{args.side}: exit {code}, {wall:.2f} s wall" + ("" if args.gc_only else " under the profiler"))
    print(f"garbage collection: {gc_time[0]:.2f} s in {gc_time[1]} collections ({gc_time[0] / wall:.0%} of wall)")
    if stats is not None:
        _print(stats, f"{args.side} process (all threads)", args.top)
    if pack_dump is not None:
        time.sleep(0.3)
        if pack_dump.exists():
            _print(pstats.Stats(str(pack_dump)), "policy pack process (all threads, last dump)", args.top)
        else:
            print("\n(no policy pack profile was written)")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
