"""Helpers of the cross-check tests: registry members with chosen birth dates and ID numbers, and
department lists written as real CSV / Excel files and loaded through the loader."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from fupin.areas.models import Area
from fupin.assessment.services import policy_seed_defaults
from fupin.core import idnumber
from fupin.crosscheck.datasets import SHEETS
from fupin.crosscheck.loading import LoadResult, list_load
from fupin.registry.models import Household, Member

YEAR = 2018
_seq = itertools.count(100)
_households = itertools.count(1)


def id_for(birth: date, *, check: str | None = None, address: str = "411103") -> str:
    """A valid 18-character ID number for ``birth``; with ``check``, one whose check character is that."""
    while True:
        first17 = f"{address}{birth:%Y%m%d}{next(_seq) % 1000:03d}"
        value = first17 + idnumber.check_character(first17)
        if check is None or value.endswith(check):
            return value


def household(village: Area, *, status: str | None = "registered", attribute: str = "general_poor",
              no: str | None = None) -> Household:
    return Household.objects.create(household_no=no or f"H-X-{next(_households):04d}", village=village,
                                    status=status, attribute=attribute if status else "ordinary")


def member(hh: Household, name: str, birth: date, *, id_number: str | None = None, relation: str | None = None,
           **fields: Any) -> Member:
    if relation is None:
        relation = "son" if hh.members.filter(relation="head").exists() else "head"
    return Member.objects.create(household=hh, name=name, id_number=id_number or id_for(birth), birth_date=birth,
                                 sex="M", relation=relation, **fields)


def write_list(path: Path, dataset: str, rows: Sequence[Sequence[Any]], *, headers: Sequence[str] | None = None,
               encoding: str = "utf-8-sig") -> Path:
    """The list as a file: CSV (in ``encoding``) or, for a .xlsx path, a workbook with text cells."""
    header = list(headers or [c.header for c in SHEETS[dataset].columns])
    if path.suffix == ".xlsx":
        workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
        sheet = workbook.add_worksheet(str(SHEETS[dataset].name))
        sheet.write_row(0, 0, header)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                if isinstance(value, (int, float)):
                    sheet.write_number(i, j, value)
                elif value is not None:
                    sheet.write_string(i, j, str(value))
        workbook.close()
        return path
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def load(tmp_path: Path, dataset: str, rows: Sequence[Sequence[Any]], **kwargs: Any) -> LoadResult:
    path = write_list(tmp_path / f"{dataset.lower()}-{next(_seq)}.csv", dataset, rows)
    result = list_load(dataset, path, actor=None, **kwargs)
    assert not result.refused, [p.message() for p in result.problems]
    return result


@pytest.fixture
def policy(db):
    policy_seed_defaults()
