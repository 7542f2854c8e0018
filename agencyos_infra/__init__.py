"""Offline tooling for the AgencyOS platform: mock engine, policy analyzer driver, preview command."""

import os as _os

# The engine forks the program and the pack while its own gRPC threads run; gRPC's fork handlers would
# only log that they skip themselves. The children are fresh interpreters (exec), so they need none.
_os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
