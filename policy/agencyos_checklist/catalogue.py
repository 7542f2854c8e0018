"""Every checkbox of the production deployment checklist, with a stable id.

Id scheme: ``<section>.<subsection>.<ordinal>``.

- ``section`` is the section's number (``## 2. Database Setup`` gives ``2``), or the slug of an
  unnumbered section's title (``## Post-Launch Maintenance`` gives ``post-launch-maintenance``).
- ``subsection`` is the slug of the nearest ``###`` or ``####`` heading above the item
  (``### PostgreSQL Configuration`` gives ``postgresql-configuration``).
- ``ordinal`` counts the top-level checkboxes of that subsection from 1; a nested checkbox appends
  its own count under its parent (``2.postgresql-configuration.4.2`` is the second index of
  "Create database indexes").

Plain bullets under a checkbox (``- Retention: 7 days``) are that item's details: they state its
numbers. Fenced code blocks are no items: their lines are kept as the open item's ``code`` (some
numbers are stated there). Stdlib only: the policy pack deploys with this package and nothing else
of the repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

CHECKLIST_FILE = "production-checklist.md"

_HEADING = re.compile(r"^(#{2,4}) +(.+?) *$")
_NUMBERED_SECTION = re.compile(r"^([0-9]+)\. +(.+)$")
_BULLET = re.compile(r"^( *)- +(\[ \] +)?(.+?) *$")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Item:
    """One checkbox of the checklist."""

    id: str
    """Stable id, e.g. ``7.database-backups.3``."""
    path: str
    """Where it sits, e.g. ``§7 Backup & Disaster Recovery › Database Backups``."""
    text: str
    """The checkbox's own words, e.g. ``Point-in-time recovery (PITR) enabled``."""
    details: tuple[str, ...]
    """Plain bullets under it, e.g. ``("WAL archiving configured", "Retention: 7 days")``."""
    line: int
    """1-based line number in the checklist file."""
    code: tuple[str, ...] = ()
    """Lines of the fenced code blocks under it, stripped: where the checklist states some numbers
    (e.g. the resource requests and limits of ``9.kubernetes-optimization.2``)."""

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def statement(self) -> str:
        """The item with its details, as one line: what a policy's framework specification quotes."""
        return self.text + (": " + "; ".join(self.details) if self.details else "")


def _slug(title: str) -> str:
    return _SLUG_DROP.sub("-", title.lower()).strip("-")


def _plain(text: str) -> str:
    return text.replace("`", "").replace("**", "")


def parse(markdown: str) -> tuple[Item, ...]:
    """The checklist's items in document order."""
    items: list[Item] = []
    section = section_title = ""
    headings: dict[int, str] = {}
    ordinals: dict[tuple[str, ...], int] = {}
    # Open checkboxes as (indent, ordinal path), innermost last; details go to the innermost.
    open_items: list[tuple[int, tuple[str, ...]]] = []
    details: dict[tuple[str, ...], list[str]] = {}
    texts: dict[tuple[str, ...], str] = {}
    code: dict[tuple[str, ...], list[str]] = {}
    in_code = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            if open_items and line.strip():
                code.setdefault(open_items[-1][1], []).append(line.strip())
            continue
        if heading := _HEADING.match(line):
            level, title = len(heading[1]), _plain(heading[2])
            if level == 2:
                numbered = _NUMBERED_SECTION.match(title)
                section = numbered[1] if numbered else _slug(title)
                section_title = f"§{numbered[1]} {numbered[2]}" if numbered else title
                headings = {}
            else:
                headings = {lvl: text for lvl, text in headings.items() if lvl < level} | {level: title}
            open_items = []
            continue
        bullet = _BULLET.match(line)
        if bullet is None:
            continue
        indent, is_checkbox, text = len(bullet[1]), bool(bullet[2]), _plain(bullet[3])
        while open_items and open_items[-1][0] >= indent:
            open_items.pop()
        if not is_checkbox:
            if open_items:
                details[open_items[-1][1]].append(text)
            continue
        subsection = _slug(headings[max(headings)]) if headings else "general"
        parent = open_items[-1][1] if open_items else (section, subsection)
        ordinals[parent] = ordinals.get(parent, 0) + 1
        key = (*parent, str(ordinals[parent]))
        details[key], texts[key] = [], text
        parents = [texts[open_key] for _indent, open_key in open_items]
        open_items.append((indent, key))
        path = " › ".join([section_title, *(headings[lvl] for lvl in sorted(headings)), *parents])
        items.append(Item(".".join(key), path, text, (), number))
    return tuple(
        Item(
            item.id,
            item.path,
            item.text,
            tuple(details[tuple(item.id.split("."))]),
            item.line,
            tuple(code.get(tuple(item.id.split(".")), ())),
        )
        for item in items
    )


def checklist_text() -> str:
    """The checklist this package ships (a copy of the repository's docs/production-checklist.md)."""
    return resources.files(__package__).joinpath(CHECKLIST_FILE).read_text(encoding="utf-8")


@cache
def catalogue() -> dict[str, Item]:
    """Every item of the shipped checklist, by id."""
    return {item.id: item for item in parse(checklist_text())}


def item(item_id: str) -> Item:
    """The item with this id; KeyError names the id when the checklist has no such item."""
    try:
        return catalogue()[item_id]
    except KeyError:
        raise KeyError(f"no checklist item {item_id!r}") from None
