"""Profiles the policy pack's process for ``benchmarks/profile_run.py --pack``; inert otherwise.

Active only when ``BENCH_PROFILE_DUMP`` is set and this process is ``python -m pulumi.policy``. The
preview kills the pack when it is done, so the merged profile is dumped every 0.2 s.
"""

import os
import sys

if os.environ.get("BENCH_PROFILE_DUMP") and "pulumi.policy" in " ".join(sys.orig_argv):
    import threading
    import time

    from thread_profiles import ThreadProfiles

    _profiles = ThreadProfiles()
    _profiles.start()
    _dump = os.environ["BENCH_PROFILE_DUMP"]

    def _dump_forever() -> None:
        while True:
            time.sleep(0.2)
            try:
                _profiles.snapshot().dump_stats(_dump + ".tmp")
                os.replace(_dump + ".tmp", _dump)
            except Exception as error:  # a snapshot racing a running thread: try again next time
                print(f"sitecustomize: profile dump failed: {error}", file=sys.stderr)

    threading.Thread(target=_dump_forever, daemon=True).start()
