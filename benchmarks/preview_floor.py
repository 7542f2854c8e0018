"""Wall time of the offline preview of prod next to its floor: importing the SDK modules it uses.

Both are measured in fresh processes, alternately, several times, in the same run. The floor is
what any offline preview must pay before it does anything: importing Pulumi, the provider SDK
modules the program touches, pydantic, and the policy SDK. Usage:

    python benchmarks/preview_floor.py [--repeat 5] [--stack prod]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Touch the classes, not just the packages: pulumi-gcp loads its submodules lazily.
FLOOR = (
    "import pulumi, pydantic, grpc, pulumi_policy, pulumi_random, pulumi_gcp as gcp; "
    "gcp.sql.DatabaseInstance, gcp.sql.User, gcp.sql.Database, pulumi_random.RandomPassword"
)


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stack", default="prod")
    args = parser.parse_args()
    floor_cmd = [sys.executable, "-c", FLOOR]
    preview_cmd = [sys.executable, "-m", "agencyos_infra.cli", "preview", "--stack", args.stack]
    _timed(floor_cmd)  # warm the OS file cache once, for both
    floors, previews = [], []
    for _ in range(args.repeat):
        floors.append(_timed(floor_cmd))
        previews.append(_timed(preview_cmd))
    floor, preview = statistics.median(floors), statistics.median(previews)
    print(f"import floor     : median {floor:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in floors)})")
    print(f"offline preview  : median {preview:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in previews)})")
    print(f"preview / floor  : {preview / floor:.2f}x")


if __name__ == "__main__":
    main()
