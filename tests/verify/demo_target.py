"""The demo stack (examples/verify-demo) as the verifier reads it: the Target every verify test starts from."""

from __future__ import annotations

from agencyos_infra.verify.demo import DEMO, OUTPUTS
from agencyos_infra.verify.target import load_target

DEMO_TARGET = load_target(DEMO, "demo", OUTPUTS)
