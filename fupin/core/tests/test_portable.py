"""The checkout runs from any folder: no file of the project names a path of one machine.

Tests find the checkout from their own location and the interpreter from ``sys.executable``;
programs on PATH are found with ``shutil.which``. This test reads every text file of the project
(tests included) and fails naming the file, line and path it finds.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# A home, work, temporary or system folder of some machine, or a Windows drive.
MACHINE_PATH = re.compile(
    r"(?<![\w.:/-])/(?:work|home|root|tmp|Users|mnt|opt|usr|private|var/folders)/[\w.-]+"
    r"|\b[A-Za-z]:\\\\?[\w.-]+\\")
SCANNED = ("fupin", "scripts", ".ci", "Makefile", "pyproject.toml", ".env.example", "frontend/package.json")
SKIPPED_PARTS = {"__pycache__", "node_modules", "vendor", "migrations"}
TEXT_SUFFIXES = {".py", ".html", ".js", ".css", ".txt", ".md", ".yaml", ".yml", ".json", ".toml", ".cfg", ".sh",
                 ".po", ".csv", ".svg", ".example", ""}


def project_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [f for f in candidates if f.is_file() and f.suffix in TEXT_SUFFIXES
                  and not SKIPPED_PARTS & set(f.relative_to(ROOT).parts)]
    return files


def machine_paths(text: str) -> list[tuple[int, str]]:
    return [(number, match.group(0)) for number, line in enumerate(text.splitlines(), 1)
            if not (number == 1 and line.startswith("#!"))  # a shebang names the program loader, not a checkout
            for match in MACHINE_PATH.finditer(line)]


def test_the_pattern_finds_machine_paths_and_leaves_routes_alone():
    slash = "/"  # the samples are built here so that this file does not name them itself
    sample = (f"#!{slash}usr/bin/env bash\n"
              f'ROOT = Path("{slash}work/main")\nx = "{slash}home/li/fupin"\nC:\\\\Users\\\\li\\\\x\n'
              f'PYTHON = "{slash}usr/bin/python3"\nurl = "/registry/work-teams/"\n"https://a.b/tmp/x"')
    assert [path for _line, path in machine_paths(sample)] == [
        f"{slash}work/main", f"{slash}home/li", "C:\\\\Users\\", f"{slash}usr/bin"]


def test_no_project_file_names_a_path_of_a_machine():
    files = project_files()
    assert len(files) > 500  # the scan reaches the whole tree, tests included
    assert any(f.name == "test_cli.py" for f in files)
    offenders = [f"{f.relative_to(ROOT)}:{line}: {path}" for f in files
                 for line, path in machine_paths(f.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == [], "machine paths in the project:\n" + "\n".join(offenders)
