"""The ``fupin`` command: Django's management commands, with the hyphenated names of RULES.md §7.

``fupin seed-reference`` runs the ``seed_reference`` command; Django's own commands work as they
are (``fupin runserver``, ``fupin createsuperuser --noinput``). Exit status: 0 done, 1 refused
(bad input, nothing changed), 2 wrong usage, 3 an import not run because another one was running
(nothing changed; run it again).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None, *, prog: str = "fupin") -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.config.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line([prog, *args])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
