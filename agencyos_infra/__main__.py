"""``python -m agencyos_infra``: the same CLI as the ``agencyos-infra`` command."""

from agencyos_infra.cli import run

run()
