"""The production deployment checklist as data: every item with a stable id, and its numbers named once.

Shipped inside the policy pack's tree so the pack deploys on its own; the Pulumi program installs it
from there (``requirements.txt``), so both read the same names.
"""

from agencyos_checklist.catalogue import CHECKLIST_FILE, Item, catalogue, checklist_text, item, parse
from agencyos_checklist.numbers import Stated, stated_numbers

__all__ = ["CHECKLIST_FILE", "Item", "Stated", "catalogue", "checklist_text", "item", "parse", "stated_numbers"]
