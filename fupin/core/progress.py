"""Progress for long work: a bar on a terminal (quiet otherwise), and job rows for pages."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm


@contextmanager
def progress_bar(total: int, desc: str, *, unit: str = "行") -> Iterator[Any]:
    """A tqdm bar on stderr when it is a terminal; silent in scripts and CI (RULES.md section 7)."""
    bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty(),
               dynamic_ncols=True)
    try:
        yield bar
    finally:
        bar.close()
