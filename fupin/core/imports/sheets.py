"""An import format as data: its sheets and their columns.

A module that takes files declares each sheet it accepts as a :class:`Sheet` of :class:`Column` s; the
same definition recognises a header row, maps headers to fields, checks every cell and (for the
registry) writes the export and the blank template. A column's ``kind`` says how a cell is read:

- ``text``: a string, trimmed, at most ``max_length`` characters;
- ``code``: one of ``choices`` (a TextChoices class: the cell holds the Chinese label) or of ``values``;
- ``codes``: several labels of ``choices`` separated by 、 , ; (and their full-width forms);
- ``bool``: 是/否 (also Y/N, 1/0); blank means unknown;
- ``year``, ``int``: whole numbers within ``min_value``..``max_value``;
- ``money``: yuan, at least 0, at most two decimals;
- ``id_number``: a resident ID number (GB 11643), kept as text;
- ``division``: a 12-digit village-level division code;
- ``date``: a calendar date, not in the future;
- ``decimal``: a number of at least 0 with at most two decimals (an area).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models

YES_VALUES = frozenset({"是", "Y", "y", "1", "TRUE", "True", "true"})
NO_VALUES = frozenset({"否", "N", "n", "0", "FALSE", "False", "false"})


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str
    required: bool = False
    required_when: str = ""
    """A plain-language condition when the column is required only sometimes (checked by the importer)."""
    choices: type[models.TextChoices] | None = None
    values: tuple[str, ...] = ()
    """Allowed labels for a code column without a TextChoices class."""
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels a clerk may type into this column (drop-down values)."""
        if self.choices is not None:
            return tuple(str(label) for label in self.choices.labels)
        if self.values:
            return self.values
        if self.kind == "bool":
            return ("是", "否")
        return ()


@dataclass(frozen=True)
class Sheet:
    name: str
    """The sheet name in a workbook; problems in a workbook are located by it."""
    key: str
    """A short name of the sheet (households, DEATHS, measures); also a CSV file's stem on export."""
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def sheet_for_headers(headers: list[str], sheets: Sequence[Sheet]) -> Sheet | None:
    """Recognise a CSV file (or an oddly named sheet) by its header row: the sheet of ``sheets`` whose
    required headers are all present, preferring the one that matches the most headers."""
    present = {h.strip() for h in headers if h}
    best: tuple[int, Sheet] | None = None
    for sheet in sheets:
        required = {c.header for c in sheet.columns if c.required}
        if not required <= present:
            continue
        score = len(present & set(sheet.headers))
        if best is None or score > best[0]:
            best = (score, sheet)
    return best[1] if best else None
