"""Safe opening: every import file is looked at before any parser runs (ADR 0019).

A spreadsheet parser trusts what a file says about itself: a workbook whose cells span A1 to XFD1048576
makes python-calamine allocate 512 GB and abort the process; a 4 MB zip can unpack to gigabytes of sheet
XML. So before a file reaches a parser, this module checks, with bounded memory and by streaming:

- the type by content, whatever the name says: a zip with a workbook's parts for .xlsx/.xlsm/.ods, an OLE
  compound file for .xls, text for .csv (a PNG named .xlsx, a workbook named .csv, an HTML page named .xls
  are refused, saying what they are);
- a zip's entries: their number, each entry's declared size and compression ratio, their total, and each
  entry's actual size while it is unpacked (a part that unpacks to more than it declared is refused);
  only stored and deflated entries, none encrypted;
- every XML part: its prolog through defusedxml (a DTD or entity declaration is refused: billion laughs),
  no ``<!DOCTYPE``/``<!ENTITY`` anywhere, UTF-8 only; each worksheet's declared ``<dimension ref=...>`` and
  the reference of every cell and row (``<c r=...>``, ``<row r=...>``) against the row, column and cell
  limits;
- a CSV file: its size, its rows and columns (counted over the bytes, quotes respected) and its encoding,
  decoded strictly: UTF-8, or GBK/GB18030; invalid bytes are located problems (row, column), never replaced.

What cannot be checked here (an .xls's internal records, an .ods's repeated rows) is left to the limits
the parse runs under (:mod:`fupin.core.imports.read`). Every limit is a setting (:class:`ImportLimits`).
"""

from __future__ import annotations

import csv
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from fupin.core.imports.problems import Problem, make_problem

MIB = 1024 * 1024
CHUNK = 1 << 20
HEAD = 64 * 1024
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_LOCAL = b"PK\x03\x04"
ZIP_END = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_END = b"PK\x06\x06"
STORED, DEFLATED = 0, 8
RATIO_FLOOR = MIB
"""A part smaller than this is not held to the compression ratio: a few kilobytes of styles compress well."""
PROLOG_MAX = MIB
"""A legitimate XML part starts its root element within its first bytes; a longer prolog is refused."""
MAX_ENCODING_PROBLEMS = 20

WORKBOOK_FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
TEXT_SUFFIXES = frozenset({".csv", ".txt"})
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# What a file turned out to be, for the message that refuses it.
KINDS: dict[str, tuple[str, str]] = {
    "xlsx": ("Excel 工作簿（.xlsx）", "an Excel workbook (.xlsx)"),
    "xls": ("旧版 Office 文件（.xls 或 .doc）", "an older Office file (.xls or .doc)"),
    "ods": ("OpenDocument 表格（.ods）", "an OpenDocument spreadsheet (.ods)"),
    "docx": ("Word 文档", "a Word document"),
    "zip": ("压缩包", "a zip archive"),
    "png": ("PNG 图片", "a PNG image"),
    "jpeg": ("JPEG 图片", "a JPEG image"),
    "gif": ("GIF 图片", "a GIF image"),
    "pdf": ("PDF 文件", "a PDF file"),
    "utf16": ("UTF-16 编码的文本", "text in UTF-16"),
    "html": ("网页（HTML）", "a web page (HTML)"),
    "xml": ("XML 文件", "an XML file"),
    "text": ("文本文件", "a text file"),
    "binary": ("二进制文件", "a binary file"),
}
TEXT_KINDS = frozenset({"text", "html", "xml"})
"""Kinds a .csv may be: an HTML page named .csv is text to the CSV reader, and is refused by its header."""


@dataclass(frozen=True)
class ImportLimits:
    """The limits every import file is held to (the FUPIN_IMPORT_* and FUPIN_ZIP_* settings)."""

    max_file_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int
    zip_max_entries: int
    zip_max_uncompressed: int
    zip_max_ratio: int
    parse_memory_bytes: int
    parse_seconds: float

    @classmethod
    def from_settings(cls) -> ImportLimits:
        from django.conf import settings

        return cls(
            max_file_bytes=settings.FUPIN_IMPORT_MAX_FILE_MB * MIB, max_rows=settings.FUPIN_IMPORT_MAX_ROWS,
            max_columns=settings.FUPIN_IMPORT_MAX_COLUMNS, max_cells=settings.FUPIN_IMPORT_MAX_CELLS,
            zip_max_entries=settings.FUPIN_ZIP_MAX_ENTRIES,
            zip_max_uncompressed=settings.FUPIN_ZIP_MAX_UNCOMPRESSED_MB * MIB,
            zip_max_ratio=settings.FUPIN_ZIP_MAX_RATIO, parse_memory_bytes=settings.FUPIN_IMPORT_PARSE_MEMORY_MB * MIB,
            parse_seconds=float(settings.FUPIN_IMPORT_PARSE_SECONDS))


class Unsafe(Exception):
    """A file refused before any parser runs: a rule code of the import catalogue and its parameters."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code, self.params = code, params

    def problem(self, label: str) -> Problem:
        return make_problem(label, None, "", "", self.code, **self.params)


@dataclass
class Inspection:
    """What the look at a file found: its problems (none: it may be parsed) and a CSV file's encoding."""

    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""
    """A CSV file's encoding: ``utf-8`` (a BOM allowed) or ``gb18030`` (which contains GBK)."""


def inspect(source: IO[bytes], name: str, limits: ImportLimits, *, suffix: str | None = None,
            transcode_to: IO[bytes] | None = None) -> Inspection:
    """Look at ``source`` (seekable, binary), named ``name`` as the user knows it (problems are located there);
    its extension (or ``suffix``) says what it should be. A CSV file in GB18030 is written to ``transcode_to``
    as UTF-8 on the way, when given."""
    suffix = (suffix or PurePath(name).suffix).lower()
    label = name
    try:
        size = source.seek(0, 2)
        if size > limits.max_file_bytes:
            raise Unsafe("FILE_TOO_LARGE", size=_mb(size), limit=_mb(limits.max_file_bytes))
        source.seek(0)
        kind = sniff(source.read(HEAD))
        if kind == "zip" and suffix not in (".xlsx", ".xlsm", ".ods"):
            kind = _zip_content(source, size, limits)
        if suffix in TEXT_SUFFIXES:
            if kind not in TEXT_KINDS:
                raise Unsafe("NOT_TEXT", **_kind(kind))
            return _inspect_csv(source, label, limits, transcode_to)
        expected = WORKBOOK_FORMATS.get(suffix)
        if expected is None:
            raise Unsafe("FILE_TYPE")
        if expected == "xls":
            if kind != "ole":
                raise Unsafe("NOT_A_WORKBOOK", **_kind(kind))
        elif kind != "zip":
            raise Unsafe("NOT_A_WORKBOOK", **_kind(kind))
        else:
            _inspect_zip(source, size, expected, limits)
    except Unsafe as refusal:
        return Inspection([refusal.problem(label)])
    finally:
        source.seek(0)
    return Inspection()


def sniff(head: bytes) -> str:
    """What the first bytes of a file say it is (a key of :data:`KINDS`; ``zip`` and ``ole`` are refined later)."""
    if head.startswith((ZIP_LOCAL, ZIP_END)):
        return "zip"
    if head.startswith(OLE):
        return "ole"
    for magic, kind in ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"),
                        (b"%PDF", "pdf"), (b"\xff\xfe", "utf16"), (b"\xfe\xff", "utf16")):
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return "binary"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")):
        return "html"
    if text.startswith(b"<?xml"):
        return "xml"
    return "text"


def _kind(kind: str) -> dict[str, str]:
    zh, en = KINDS.get(kind, KINDS["binary"] if kind != "ole" else KINDS["xls"])
    return {"kind_zh": zh, "kind_en": en}


def _mb(size: int) -> str:
    return f"{size / MIB:.1f}"


# --- zip containers: .xlsx, .xlsm, .ods --------------------------------------------------------------

def _inspect_zip(source: IO[bytes], size: int, expected: str, limits: ImportLimits) -> None:
    entries = _declared_entry_count(source, size)
    if entries > limits.zip_max_entries:
        raise Unsafe("ZIP_ENTRIES", count=f"{entries:,}", limit=f"{limits.zip_max_entries:,}")
    try:
        source.seek(0)
        archive = zipfile.ZipFile(source)  # reads the central directory only, whose size was bounded above
        infos = archive.infolist()
        kind = _zip_kind(archive, infos)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, struct.error) as exc:
        raise Unsafe("ZIP_DAMAGED") from exc
    if kind != expected:
        raise Unsafe("NOT_A_WORKBOOK", **_kind(kind))
    _check_declared(infos, limits)
    total = 0
    for info in infos:
        scanner = _XmlScanner(info.filename, limits) if _is_xml(info.filename) else None
        actual = 0
        for chunk in _unpacked(source, info, size):
            actual += len(chunk)
            total += len(chunk)
            if actual > info.file_size:
                raise Unsafe("ZIP_SIZE_MISMATCH", part=info.filename)
            if total > limits.zip_max_uncompressed:
                raise Unsafe("ZIP_TOO_LARGE", limit=_mb(limits.zip_max_uncompressed))
            if scanner is not None:
                scanner.feed(chunk)
        if scanner is not None:
            scanner.close()


def _zip_content(source: IO[bytes], size: int, limits: ImportLimits) -> str:
    """What a zip holds (a workbook, a Word document, something else), for the message that refuses it."""
    try:
        if _declared_entry_count(source, size) > limits.zip_max_entries:
            return "zip"
        source.seek(0)
        archive = zipfile.ZipFile(source)
        return _zip_kind(archive, archive.infolist())
    except (Unsafe, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, struct.error):
        return "zip"


def _declared_entry_count(source: IO[bytes], size: int) -> int:
    """The number of entries the end-of-central-directory record declares (zip64 included), read before
    ``zipfile`` builds an object per entry."""
    tail_length = min(size, 22 + 65535)
    source.seek(size - tail_length)
    tail = source.read(tail_length)
    at = tail.rfind(ZIP_END)
    if at < 0 or len(tail) < at + 22:
        raise Unsafe("ZIP_DAMAGED")
    count: int = struct.unpack_from("<H", tail, at + 10)[0]
    if count == 0xFFFF and at >= 20 and tail[at - 20:at - 16] == ZIP64_LOCATOR:
        offset: int = struct.unpack_from("<Q", tail, at - 20 + 8)[0]
        if offset + 56 > size:
            raise Unsafe("ZIP_DAMAGED")
        source.seek(offset)
        record = source.read(56)
        if record[:4] != ZIP64_END:
            raise Unsafe("ZIP_DAMAGED")
        count = struct.unpack_from("<Q", record, 32)[0]
    return count


def _zip_kind(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str:
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
        return "docx"
    mimetype = next((i for i in infos if i.filename == "mimetype"), None)
    if mimetype is not None and mimetype.file_size < 200 and "content.xml" in names:
        with archive.open(mimetype) as handle:
            if handle.read(200).strip() == ODS_MIMETYPE:
                return "ods"
    return "zip"


def _check_declared(infos: list[zipfile.ZipInfo], limits: ImportLimits) -> None:
    declared = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Unsafe("ZIP_ENCRYPTED")
        if info.compress_type not in (STORED, DEFLATED):
            raise Unsafe("ZIP_METHOD")
        declared += info.file_size
        if declared > limits.zip_max_uncompressed:
            raise Unsafe("ZIP_TOO_LARGE", limit=_mb(limits.zip_max_uncompressed))
        if info.file_size >= RATIO_FLOOR and info.file_size > limits.zip_max_ratio * max(info.compress_size, 1):
            raise Unsafe("ZIP_RATIO", part=info.filename, limit=limits.zip_max_ratio)


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _unpacked(source: IO[bytes], info: zipfile.ZipInfo, size: int) -> Iterator[bytes]:
    """The entry's data as a parser would unpack it (from its local header, ``compress_size`` bytes), at most
    :data:`CHUNK` bytes at a time: the caller stops as soon as it has seen too much."""
    source.seek(info.header_offset)
    header = source.read(30)
    if len(header) < 30 or header[:4] != ZIP_LOCAL:
        raise Unsafe("ZIP_DAMAGED")
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    start = info.header_offset + 30 + name_length + extra_length
    if start + info.compress_size > size:
        raise Unsafe("ZIP_DAMAGED")
    source.seek(start)
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == DEFLATED else None
    while left > 0:
        raw = source.read(min(CHUNK, left))
        if not raw:
            raise Unsafe("ZIP_DAMAGED")
        left -= len(raw)
        if inflater is None:
            yield raw
            continue
        try:
            yield inflater.decompress(raw, CHUNK)
            while inflater.unconsumed_tail:
                yield inflater.decompress(inflater.unconsumed_tail, CHUNK)
        except zlib.error as exc:
            raise Unsafe("ZIP_DAMAGED") from exc
        if inflater.eof:
            return


# --- XML parts -----------------------------------------------------------------------------------------

class _RootReached(Exception):
    """The prolog is over: the first element has started."""


class _StopAtRoot(ContentHandler):
    def startElement(self, name: str, attrs: Any) -> None:  # the SAX interface's name
        raise _RootReached


DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\sref=["\']([A-Za-z]*)([0-9]*)'
                       rb'(?::([A-Za-z]*)([0-9]*))?["\']')
DECLARATION = re.compile(rb"<!(?i:doctype|entity)")
ESCAPED_REFERENCE = re.compile(rb'r=["\'][^"\'<>]*&')
TAG_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")
OVERLAP = 256
"""Bytes of one chunk carried into the next, so that a marker or a reference cut by the chunk boundary is seen."""


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + (letter - 64)
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _XmlScanner:
    """One XML part, fed as it is unpacked: its prolog through defusedxml (no DTD, no entities), no declaration
    markers anywhere, UTF-8 only; a worksheet's declared dimension and its cell and row references."""

    def __init__(self, part: str, limits: ImportLimits) -> None:
        self.part, self.limits = part, limits
        self.parser: DefusedExpatParser | None = DefusedExpatParser(forbid_dtd=True, forbid_entities=True,
                                                                    forbid_external=True)
        self.parser.setContentHandler(_StopAtRoot())
        self.fed = 0
        self.head = b""
        self.tail = b""
        # A reference is looked at closely only when it may be beyond the limits: its column has as many letters
        # as the largest column allowed, or its row as many digits as the largest row allowed.
        letters = len(column_letters(limits.max_columns))
        digits = len(str(limits.max_rows))
        self.candidate = re.compile(rb'r=["\'](?:([A-Za-z]{%d,})([0-9]*)|([A-Za-z]*)([0-9]{%d,}))' % (letters, digits))

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.fed == 0 and chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"<\x00")):
            raise Unsafe("XML_INVALID", part=self.part)
        self.fed += len(chunk)
        self._prolog(chunk)
        window = self.tail + chunk
        if b"!" in window and DECLARATION.search(window):
            raise Unsafe("XML_DTD", part=self.part)
        if len(self.head) < HEAD:
            self.head += chunk[:HEAD - len(self.head)]
            if len(self.head) >= HEAD:
                self._dimension()
        self._references(window)
        self.tail = window[-OVERLAP:]

    def close(self) -> None:
        if self.parser is not None and self.fed:
            raise Unsafe("XML_INVALID", part=self.part)  # no root element at all
        if len(self.head) < HEAD:
            self._dimension()

    def _prolog(self, chunk: bytes) -> None:
        if self.parser is None:
            return
        try:
            self.parser.feed(chunk)
        except _RootReached:
            self.parser = None
            return
        except DefusedXmlException as exc:
            raise Unsafe("XML_DTD", part=self.part) from exc
        except SAXException as exc:
            raise Unsafe("XML_INVALID", part=self.part) from exc
        if self.fed > PROLOG_MAX:
            raise Unsafe("XML_INVALID", part=self.part)

    def _dimension(self) -> None:
        found = DIMENSION.search(self.head)
        if found is None:
            return
        first_col, first_row, last_col, last_row = found.groups()
        columns = column_number(last_col or first_col or b"A")
        rows = int(last_row or first_row or b"1")
        ref = (first_col + first_row + (b":" + last_col + last_row if last_col or last_row else b"")).decode("ascii")
        self._within(ref, rows, columns, cells=rows * columns)

    def _references(self, window: bytes) -> None:
        """The references that may be beyond the limits, of ``<c>`` and ``<row>`` tags. The scan knows the forms
        writers use (``r="A1"``, ``r='A1'``); a reference spelt with character references is refused, and any other
        spelling meets the parse's memory limit."""
        if b"&" in window:
            for found in ESCAPED_REFERENCE.finditer(window):
                if self._is_reference(window, found.start()):
                    raise Unsafe("XML_INVALID", part=self.part)
        for found in self.candidate.finditer(window):
            if not self._is_reference(window, found.start()):
                continue
            letters = found.group(1) or found.group(3) or b""
            digits = found.group(2) or found.group(4) or b""
            columns = column_number(letters) if letters else 1
            rows = int(digits) if digits else 1
            self._within((letters or b"A").decode("ascii") + str(rows), rows, columns, cells=0)

    @staticmethod
    def _is_reference(window: bytes, at: int) -> bool:
        """Is the attribute ``r`` at ``at`` one of a ``<c>`` or ``<row>`` tag? Unsure (the tag began before the
        window): yes, so that the reference is checked."""
        if at == 0 or window[at - 1] not in b" \t\r\n":
            return False
        opened = window.rfind(b"<", 0, at)
        if opened < 0:
            return True
        if window.rfind(b">", opened, at) >= 0:
            return False  # in text between tags
        tag = TAG_NAME.match(window, opened)
        return tag is None or tag.group(1).rsplit(b":", 1)[-1] in (b"c", b"row")

    def _within(self, ref: str, rows: int, columns: int, *, cells: int) -> None:
        limits = self.limits
        if rows > limits.max_rows or columns > limits.max_columns or cells > limits.max_cells:
            raise Unsafe("SHEET_TOO_LARGE", ref=ref[:40], max_rows=f"{limits.max_rows:,}",
                         max_columns=f"{limits.max_columns:,}", max_cells=f"{limits.max_cells:,}")


# --- CSV -----------------------------------------------------------------------------------------------

ENCODING_NAMES = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030"}


class CsvCounter:
    """Rows counted over the raw bytes with quotes respected (a doubled quote toggles twice; a newline inside
    quotes is text), and the header row's fields. Newline, comma and quote are never part of a multi-byte
    character in UTF-8 or GB18030, so the count is right before the bytes are decoded. Row by row (a line's
    quotes toggle or not), which is fast when every cell is quoted; field by field only for the header."""

    def __init__(self) -> None:
        self.rows = 0
        """Rows ended so far (newlines outside quotes)."""
        self.quoted = False
        self.offset = 0
        self.row_start = 0
        """Where the row in progress starts."""
        self.header_fields: int | None = None
        self.header_end: int | None = None
        self.fields = 0
        """Commas outside quotes in the header row, while it is in progress."""

    def feed(self, data: bytes) -> None:
        if self.header_fields is None:
            data = self._header(data)
        if not self.quoted and b'"' not in data:
            ends = data.count(b"\n")
            if ends:
                self.rows += ends
                self.row_start = self.offset + data.rfind(b"\n") + 1
        else:
            at = self.offset
            for line in data.split(b"\n")[:-1]:
                if line.count(b'"') & 1:
                    self.quoted = not self.quoted
                at += len(line) + 1
                if not self.quoted:
                    self.rows += 1
                    self.row_start = at
            if data.rsplit(b"\n", 1)[-1].count(b'"') & 1:
                self.quoted = not self.quoted
        self.offset += len(data)

    def _header(self, data: bytes) -> bytes:
        """Count the header row's fields (commas outside quotes) up to its end; the rest of ``data`` is returned."""
        at = 0
        for index, part in enumerate(data.split(b'"')):
            if index:
                self.quoted = not self.quoted
                at += 1
            end = -1 if self.quoted else part.find(b"\n")
            if end >= 0:
                self.header_fields = self.fields + part.count(b",", 0, end) + 1
                self.header_end = self.offset + at + end
                self.rows, self.row_start = 1, self.header_end + 1
                self.offset = self.header_end + 1
                return data[at + end + 1:]
            if not self.quoted:
                self.fields += part.count(b",")
            at += len(part)
        self.offset += len(data)
        return b""

    def columns_so_far(self) -> int:
        return self.header_fields if self.header_fields is not None else self.fields + 1

    def total_rows(self, ended_with_newline: bool) -> int:
        return self.rows + (0 if ended_with_newline or self.offset == 0 else 1)


def fields_before(row: bytes) -> int:
    """The index of the field at the end of ``row`` (the start of a row up to a point): commas outside quotes."""
    quoted, commas = False, 0
    for index, part in enumerate(row.split(b'"')):
        quoted = quoted != bool(index)
        if not quoted:
            commas += part.count(b",")
    return commas


@dataclass
class _ScanResult:
    counter: CsvCounter
    errors: list[tuple[int, bytes, int, int]] = field(default_factory=list)
    """(offset, bad bytes, row, where that row starts) of each invalid byte sequence."""

    @property
    def first_error(self) -> int:
        return self.errors[0][0] if self.errors else -1


def _safe_cut(data: bytes, encoding: str) -> int:
    """Where ``data`` may be cut without splitting a character: after its last byte that is never inside one
    (ASCII in UTF-8; below 0x30, which no GB18030 trailing byte is); in UTF-8 also before a leading byte.
    0 when there is none."""
    limit = 0x80 if encoding == "utf-8" else 0x30
    for index in range(len(data) - 1, max(len(data) - 4096, -1), -1):
        if data[index] < limit:
            return index + 1
    if encoding == "utf-8":
        for index in range(len(data) - 1, max(len(data) - 4, -1), -1):
            if data[index] >= 0xC0:
                return index
    return 0


def _scan(source: IO[bytes], encoding: str, limits: ImportLimits, *, max_errors: int,
          sink: IO[bytes] | None = None) -> _ScanResult:
    """Decode ``source`` strictly in ``encoding``, counting rows and columns against the limits; collect up to
    ``max_errors`` invalid sequences with their row."""
    result = _ScanResult(CsvCounter())
    source.seek(0)
    pending = b""
    last = b""
    while True:
        chunk = source.read(CHUNK)
        data = pending + chunk
        if not data:
            break
        cut = len(data) if not chunk else _safe_cut(data, encoding)
        if cut == 0 and len(data) < 64 * CHUNK:
            pending = data  # a long run without a safe byte (a huge cell): gather a little more
            continue
        cut = cut or len(data)
        piece, pending = data[:cut], data[cut:]
        _decode(piece, encoding, result, max_errors, sink)
        result.counter.feed(piece)
        _check_counts(result.counter, limits)
        last = piece[-1:]
        if len(result.errors) >= max_errors or not chunk:
            break
    counter = result.counter
    if counter.header_fields is None:
        counter.header_fields = counter.fields + 1
    _check_counts(counter, limits, rows=counter.total_rows(last == b"\n") - 1)
    return result


def _decode(piece: bytes, encoding: str, result: _ScanResult, max_errors: int, sink: IO[bytes] | None) -> None:
    start = 0
    while start < len(piece):
        try:
            text = piece[start:].decode(encoding)
        except UnicodeDecodeError as exc:
            bad_at, bad_end = start + exc.start, start + exc.end
            offset = result.counter.offset + bad_at
            last = result.errors[-1] if result.errors else None
            if last is not None and last[0] + len(last[1]) == offset:  # one run of bad bytes, one problem
                result.errors[-1] = (last[0], last[1] + piece[bad_at:bad_end], last[2], last[3])
            else:
                if len(result.errors) >= max_errors:
                    return
                where = copy(result.counter)
                where.feed(piece[:bad_at])
                result.errors.append((offset, piece[bad_at:bad_end], where.rows + 1, where.row_start))
            start = bad_end
            continue
        if sink is not None:
            sink.write(text.encode("utf-8"))
        return


def _check_counts(counter: CsvCounter, limits: ImportLimits, rows: int | None = None) -> None:
    """Rows, columns and cells (rows × columns: every cell costs the CSV reader memory, empty or not)."""
    rows = counter.rows - 1 if rows is None else rows
    if rows > limits.max_rows:
        raise Unsafe("TOO_MANY_ROWS", limit=f"{limits.max_rows:,}")
    if counter.columns_so_far() > limits.max_columns:
        raise Unsafe("TOO_MANY_COLUMNS", limit=f"{limits.max_columns:,}")
    if rows * counter.columns_so_far() > limits.max_cells:
        raise Unsafe("TOO_MANY_CELLS", limit=f"{limits.max_cells:,}")


def _inspect_csv(source: IO[bytes], label: str, limits: ImportLimits, sink: IO[bytes] | None) -> Inspection:
    """UTF-8 when the file says so (a BOM) or decodes as UTF-8; else GB18030. When neither decodes, the encoding
    the file got further in is the one it was meant to be, and its invalid bytes are the problems."""
    source.seek(0)
    if source.read(3) != b"\xef\xbb\xbf":
        utf8 = _scan(source, "utf-8", limits, max_errors=1)
        if not utf8.errors:
            return Inspection(encoding="utf-8")
        if sink is not None:
            sink.seek(0)
            sink.truncate()
        gb = _scan(source, "gb18030", limits, max_errors=1, sink=sink)
        if not gb.errors:
            return Inspection(encoding="gb18030")
        encoding = "utf-8" if utf8.first_error >= gb.first_error else "gb18030"
    else:
        encoding = "utf-8"
    found = _scan(source, encoding, limits, max_errors=MAX_ENCODING_PROBLEMS)
    if not found.errors:
        return Inspection(encoding=encoding)
    headers = _header_cells(source, found.counter, encoding)
    return Inspection([_encoding_problem(source, label, encoding, error, headers) for error in found.errors],
                      encoding)


def _header_cells(source: IO[bytes], counter: CsvCounter, encoding: str) -> list[str]:
    end = counter.header_end if counter.header_end is not None else counter.offset
    source.seek(0)
    raw = source.read(min(end, MIB))
    text = raw.decode(encoding, errors="replace").lstrip("\ufeff")
    return next(csv.reader([text]), [])


def _encoding_problem(source: IO[bytes], label: str, encoding: str, error: tuple[int, bytes, int, int],
                      headers: list[str]) -> Problem:
    offset, bad, row, row_start = error
    source.seek(row_start)
    index = fields_before(source.read(offset - row_start))
    header = headers[index].strip() if index < len(headers) and row > 1 else ""
    column = header or column_letters(index + 1)  # the column's letter, as Excel shows a CSV file
    return make_problem(label, row, column, " ".join(f"{b:02X}" for b in bad[:8]), "ENCODING_INVALID",
                        encoding=ENCODING_NAMES[encoding])
