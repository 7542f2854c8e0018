"""One cProfile profiler per thread, merged: cProfile alone sees only the thread that enables it."""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading


class ThreadProfiles:
    """Profiles the calling thread and every thread started after ``start``."""

    def __init__(self) -> None:
        self._profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _begin_thread(self, *_: object) -> None:
        # Installed by threading.setprofile: runs at a new thread's first call, swaps itself for a profiler.
        sys.setprofile(None)
        profile = cProfile.Profile()
        with self._lock:
            self._profiles.append(profile)
        profile.enable()

    def start(self) -> None:
        threading.setprofile(self._begin_thread)
        main = cProfile.Profile()
        self._profiles.append(main)
        main.enable()

    def snapshot(self) -> pstats.Stats:
        """Merged statistics so far; profiling goes on."""
        with self._lock:
            profiles = list(self._profiles)
        stats = None
        for profile in profiles:
            profile.snapshot_stats()
            if not profile.stats:  # type: ignore[attr-defined]
                continue
            if stats is None:
                stats = pstats.Stats(profile)
            else:
                stats.add(profile)
        return stats if stats is not None else pstats.Stats()

    def stop(self) -> pstats.Stats:
        threading.setprofile(None)  # type: ignore[arg-type]
        self._profiles[0].disable()
        return self.snapshot()
