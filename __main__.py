"""AgencyOS production platform: load the stack's settings, build the stack, export its outputs."""

import pulumi

from stacks.platform import build_platform
from stacks.settings import load_settings

for output_name, value in build_platform(load_settings()).items():
    pulumi.export(output_name, value)
