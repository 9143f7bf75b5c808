"""Reading an import: the files are parsed in a child process with a memory and a time limit (ADR 0019).

A parser crash, abort or blow-up (python-calamine aborts the whole process when a sheet's cells would need
more memory than there is) must not take the web server or the worker with it. So :func:`read_inputs`
never parses here: it starts a child (multiprocessing's ``forkserver``: a clean process that has imported
polars and python-calamine once, forks a child per read in milliseconds, and holds no database connection
or thread of the server), which limits its own address space, CPU time and written files, looks at each file
before parsing it (:mod:`fupin.core.imports.safety`) and leaves its frames as Arrow IPC files in a private
temporary folder (:mod:`fupin.core.imports.parse`). The parent waits, beating the job's heartbeat through
``tick``, kills the child at the time limit, and turns a child that did not finish into one located
problem with the file itself: too slow, too much memory, or stopped abnormally. Nothing is written then.
"""

from __future__ import annotations

import io
import json
import logging
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Callable, Sequence
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from pathlib import Path
from typing import Any

import polars as pl

from fupin.core.imports.parse import (
    CSV_SUFFIXES,
    CURRENT,
    EXIT_FAILED,
    EXIT_MEMORY,
    LOG,
    MANIFEST,
    ROW,
    WORKBOOK_SUFFIXES,
    ParseJob,
    ReadResult,
    SheetData,
    bare_sheet,
    child_main,
)
from fupin.core.imports.problems import Problem, make_problem
from fupin.core.imports.safety import MIB, ImportLimits
from fupin.core.imports.sheets import Sheet

__all__ = ["CSV_SUFFIXES", "PARSE_STOPS", "ROW", "WORKBOOK_SUFFIXES", "ReadResult", "SheetData", "child_peak_mib",
           "read_inputs"]

logger = logging.getLogger(__name__)

multiprocessing.get_context("forkserver").set_forkserver_preload(["fupin.core.imports.parse"])
MEMORY_WORDS = ("memory allocation of", "MemoryError", "could not spawn threads", "Cannot allocate memory",
                "cannot allocate memory", "out of memory", "File too large")
"""What a child's log says when it ran out of memory (or of room for its output, bounded by the same limit)."""
PARSE_STOPS = frozenset({"PARSE_TIMEOUT", "PARSE_MEMORY", "PARSE_CRASHED"})
"""The problems of a child that did not finish: reading the files again would only stop again."""
_child_peak_kib = 0


def read_inputs(paths: Sequence[Path], names: Sequence[str], sheets: Sequence[Sheet], *,
                fallback: Sheet | None = None, tick: Callable[[], None] | None = None) -> ReadResult:
    """Read every file in a child process; file-level problems (unsafe, unreadable, unrecognised, duplicated,
    a child that did not finish) are collected, not raised. ``tick`` is called about once a second while the
    child runs (a job's heartbeat).

    ``sheets`` are the sheet definitions a header row is recognised by (the registry template's three,
    or a department list's one). With ``fallback`` (a one-sheet format such as a
    department list), a file whose header row matches no definition is read as ``fallback`` anyway:
    a CSV file by its first row, a workbook by its first non-empty sheet, and each missing required
    column is reported (COLUMN_MISSING) rather than the file being "unrecognised"."""
    limits = ImportLimits.from_settings()
    known = {s.key: s for s in (*sheets, *([fallback] if fallback is not None else []))}
    with tempfile.TemporaryDirectory(prefix="fupin-read-") as folder:
        job = ParseJob(tuple(str(p) for p in paths), tuple(names), tuple(bare_sheet(s) for s in sheets),
                       bare_sheet(fallback) if fallback is not None else None, limits, folder)
        stopped = _run(job, tick)
        if stopped is not None:
            return ReadResult(problems=[stopped])
        return _load(Path(folder), known)


def child_peak_mib() -> float:
    """The largest peak memory of a parsing child of this process so far (the benchmarks report it)."""
    return _child_peak_kib / 1024


class _Popen(popen_forkserver.Popen):
    """The forkserver's ``Popen`` (CPython 3.11), except that the child does not import the parent's main module.

    multiprocessing prepares a forkserver child like a spawned one: it imports the parent's ``__main__`` again
    (the forkserver's own preload of ``__main__`` never receives its path). The child needs only
    :mod:`fupin.core.imports.parse`, preloaded in the server; the main script of a server (gunicorn's, the
    ``fupin`` console script's, pytest's) and everything it imports would cost every child its time, and
    run that script's top level once more."""

    def _launch(self, process_obj: Any) -> None:
        prepared = {key: value for key, value in spawn.get_preparation_data(process_obj._name).items()
                    if key not in ("init_main_from_path", "init_main_from_name")}
        buffer = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prepared, buffer)
            reduction.dump(process_obj, buffer)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, writer = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        parent_writer = os.dup(writer)  # the child's sentinel of its parent, as the original keeps it
        self.finalizer = util.Finalize(self, util.close_fds, (parent_writer, self.sentinel))  # type: ignore[attr-defined]
        with open(writer, "wb", closefd=True) as stream:
            stream.write(buffer.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _ReaderProcess(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Popen:
        return _Popen(process_obj)


def _run(job: ParseJob, tick: Callable[[], None] | None) -> Problem | None:
    """Run the child to its end or its time limit; None when it left its result, else the problem to report."""
    child = _ReaderProcess(target=child_main, args=(job,), name="fupin-import-read", daemon=True)
    child.start()
    deadline = time.monotonic() + job.limits.parse_seconds
    timed_out = False
    while child.exitcode is None:
        child.join(max(0.0, min(1.0, deadline - time.monotonic())))
        if child.exitcode is not None:
            break
        if time.monotonic() >= deadline:
            child.kill()
            child.join()
            timed_out = True
            break
        if tick is not None:
            tick()
    exitcode = child.exitcode
    child.close()
    folder = Path(job.workdir)
    if not timed_out and exitcode == 0 and (folder / MANIFEST).is_file():
        return None
    return _stopped(job, folder, exitcode, timed_out=timed_out)


def _stopped(job: ParseJob, folder: Path, exitcode: int | None, *, timed_out: bool) -> Problem:
    """The problem for a child that did not finish, located at the file it was reading."""
    current = _read_text(folder / CURRENT)
    index = int(current) if current.isdigit() and int(current) < len(job.names) else 0
    name = job.names[index] if job.names else ""
    log = _log_ends(folder / LOG)
    first_line = next((line for line in log.splitlines() if line.strip()), "")[:300]
    logger.warning("import read of %s stopped: exit code %s%s; %s", name, exitcode,
                   " (time limit)" if timed_out else "", first_line)
    if timed_out or exitcode == -signal.SIGXCPU:
        return make_problem(name, None, "", "", "PARSE_TIMEOUT", seconds=f"{job.limits.parse_seconds:g}")
    if exitcode in (EXIT_MEMORY, -signal.SIGKILL, -signal.SIGXFSZ) or any(w in log for w in MEMORY_WORDS):
        return make_problem(name, None, "", "", "PARSE_MEMORY", limit=f"{job.limits.parse_memory_bytes // MIB:,}")
    if exitcode == EXIT_FAILED:
        logger.error("import read of %s failed in the child:\n%s", name, log[-4000:])
    return make_problem(name, None, "", "", "PARSE_CRASHED")


def _log_ends(path: Path, size: int = 16_384) -> str:
    """The first and the last bytes of the child's log: a native abort says why at the top of its backtrace."""
    try:
        with path.open("rb") as log:
            head = log.read(size)
            length = log.seek(0, 2)
            log.seek(max(len(head), length - size))
            tail = log.read(size)
    except OSError:
        return ""
    return (head + (b"\n...\n" if tail else b"") + tail).decode("utf-8", errors="replace")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _load(folder: Path, known: dict[str, Sheet]) -> ReadResult:
    """The child's result, its sheets given back their full definitions (with choices) by key."""
    global _child_peak_kib
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    _child_peak_kib = max(_child_peak_kib, int(manifest.get("peak_kib") or 0))
    result = ReadResult(problems=[Problem(**p) for p in manifest["problems"]],
                        ignored_columns=[(str(a), str(b)) for a, b in manifest["ignored_columns"]],
                        ignored_sheets=list(manifest["ignored_sheets"]))
    for entry in manifest["sheets"]:
        frame = pl.read_ipc(folder / entry["file"])
        result.sheets.append(SheetData(known[entry["key"]], entry["label"], entry["source"], list(entry["headers"]),
                                       int(entry["header_row"]), frame, dict(entry["columns"])))
    return result
