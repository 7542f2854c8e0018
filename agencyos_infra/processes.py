"""The processes the tool starts (the program, the policy pack) never outlive it.

Each child starts in a process group of its own, so ending it ends whatever it started too (a pack that
spawns a helper, a program that forks), and the terminal's Ctrl-C reaches only the tool, which decides.
Every exit path of the tool ends every live group (``end_all``). A tool that is SIGKILLed cannot clean
up, so each child also asks the kernel to kill it when the tool dies (Linux ``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

_PR_SET_PDEATHSIG = 1
_LIVE: dict[int, subprocess.Popen[bytes]] = {}
_LOCK = threading.Lock()


def _resolve_prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Resolved here, not in the forked child: between fork and exec only already-loaded code may run.
_PRCTL = _resolve_prctl()


def _die_with_parent(parent: int) -> Any:
    def before_exec() -> None:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the tool died between fork and prctl: nobody will read this child
            os._exit(1)

    return before_exec


def spawn(argv: Sequence[str], *, die_with_parent: bool = True, **popen_arguments: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen`` in a new process group that dies with this process.

    The kernel's parent-death signal fires when the *thread* that forked the child ends, not the process:
    a child started from a worker thread that may end before it (a gRPC handler's) passes
    ``die_with_parent=False`` and relies on ``end``/``end_all`` and on its own bounded life instead.
    """
    process = subprocess.Popen(  # argv is built by the tool, never by a shell
        list(argv),
        process_group=0,
        preexec_fn=_die_with_parent(os.getpid()) if die_with_parent else None,  # only prctl and getppid run there
        **popen_arguments,
    )
    with _LOCK:
        _LIVE[process.pid] = process
    return process


def end(process: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (it is the group's leader) and reap the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    process.wait()
    with _LOCK:
        _LIVE.pop(process.pid, None)


def end_all() -> None:
    """Every child group still alive: on every exit path of the tool, signals included."""
    with _LOCK:
        live = list(_LIVE.values())
    for process in live:
        end(process)


def env_seconds(name: str, default: float, error: type[Exception] = ValueError) -> float:
    """A timeout from the environment; a value that is not a positive number of seconds is refused, not ignored."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise error(f"{name}={raw!r}: must be a positive number of seconds, e.g. {name}={default:g}")
    return value


def describe_exit(returncode: int) -> str:
    """``exited with code 7`` or ``was killed by signal 9 (SIGKILL)``, as a reader wants to see it."""
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "an unknown signal"
    return f"was killed by signal {-returncode} ({name})"
