"""`make verify-demo` interrupted (Ctrl-C) while it starts: exit 130 and one line, never a traceback.

The demo loads the stack's settings (the program's models, the provider SDK) before the verifier's own
interrupt handling would run; Ctrl-C there must end it as cleanly as anywhere else.
"""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.conftest import REPO


def test_ctrl_c_while_the_demo_loads_the_stack_exits_130_without_a_traceback() -> None:
    # -X importtime reports each module as its import completes: once the fixtures module is in, the
    # demo is loading the stack's settings (hundreds of milliseconds), which is when Ctrl-C arrives.
    demo = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "agencyos_infra.verify.demo"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        restore_signals=True,
    )
    assert demo.stderr is not None
    seen = []
    for line in demo.stderr:
        seen.append(line)
        if line.rstrip().endswith("agencyos_infra.verify.fixtures"):
            demo.send_signal(signal.SIGINT)
            break
    out, err = demo.communicate(timeout=60)
    assert demo.returncode == 130, (out, "".join(seen)[-2000:], err[-3000:])
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    assert err.strip().splitlines()[-1] == "interrupted", err[-500:]
