"""Reading in a child process (fupin/core/imports/read.py): what the child reads comes back whole; a parser
that aborts, a read that needs more memory or time than its limits, ends as one located problem while this
process goes on. No database: the child knows none."""

from __future__ import annotations

import pytest

from fupin.core.imports.read import read_inputs
from fupin.core.imports.sheets import Column, Sheet
from fupin.core.tests import hostile

pytestmark = pytest.mark.engine_independent


PEOPLE = Sheet("名单", "people", (Column("身份证号", "id_number", "id_number", required=True),
                                Column("姓名", "name", "text", required=True, values=("张三", "李四"))))
"""``values`` (like ``choices``) never reach the child; the parent gives the sheets back whole."""
ROWS = [["身份证号", "姓名"], ["11010119900101001X", "张三"], ["110101199001010029", " 李四 "]]


@pytest.fixture
def lax(settings):
    """Limits that let the issue's far cell through the look before parsing, so that the parser meets it."""
    settings.FUPIN_IMPORT_MAX_COLUMNS = 20_000
    settings.FUPIN_IMPORT_MAX_CELLS = 10**12
    return settings


def read(path, *, tick=None):
    return read_inputs([path], [path.name], (PEOPLE,), fallback=PEOPLE, tick=tick)


def cells(result):
    [data] = result.sheets
    return data.frame.rows(), data.columns


@pytest.mark.parametrize(("name", "content"), [
    ("名单.xlsx", hostile.workbook(ROWS, sheet_name="人员")),
    ("名单.csv", "\n".join(",".join(r) for r in ROWS).encode("utf-8-sig")),
    ("名单.csv", "\r\n".join(",".join(r) for r in ROWS).encode("gbk")),
], ids=["xlsx", "csv-utf8", "csv-gbk"])
def test_what_the_child_reads_comes_back_whole_with_the_full_sheet_definition(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = read(path)
    assert result.problems == []
    assert result.sheets[0].sheet is PEOPLE and result.sheets[0].label == ("人员" if name.endswith("xlsx") else name)
    assert cells(result) == ([(2, "11010119900101001X", "张三"), (3, "110101199001010029", "李四")],
                             {"id_number": "c0", "name": "c1"})
    assert result.sheets[0].frame.n_chunks() == 1  # one contiguous chunk per column, as the checks want it


def test_the_issue_s_far_cell_aborts_the_parser_in_the_child_and_this_process_goes_on(tmp_path, lax):
    """python-calamine tries to allocate 512 GB and aborts: before, that was the web server or the worker."""
    path = tmp_path / "far.xlsx"
    path.write_bytes(hostile.far_cell_xlsx())
    result = read(path)
    assert [(p.sheet, p.code) for p in result.problems] == [("far.xlsx", "PARSE_MEMORY")]
    assert "内存超过上限 6,144 MB" in result.problems[0].rule_zh and result.sheets == []
    ordinary = tmp_path / "名单.xlsx"
    ordinary.write_bytes(hostile.workbook(ROWS))
    assert read(ordinary).problems == []  # and reading goes on


def test_a_read_over_the_memory_limit_is_stopped(tmp_path, settings):
    settings.FUPIN_IMPORT_PARSE_MEMORY_MB = 64
    path = tmp_path / "名单.csv"
    path.write_bytes("\n".join(",".join(r) for r in ROWS).encode())
    assert [p.code for p in read(path).problems] == ["PARSE_MEMORY"]


def test_a_read_over_the_time_limit_is_stopped_and_the_job_s_heartbeat_beats_meanwhile(tmp_path, settings):
    """Five million cell references to look at closely take the child many seconds; it is stopped at 2.5 s."""
    settings.FUPIN_ZIP_MAX_RATIO = 100_000
    settings.FUPIN_IMPORT_PARSE_SECONDS = 2.5
    slow = hostile.PROLOG + b'<worksheet xmlns="x"><sheetData><row r="1">' + b'<c r="AB1"/>' * 5_000_000 + (
        b"</row></sheetData></worksheet>")
    path = tmp_path / "slow.xlsx"
    path.write_bytes(hostile.workbook((), sheet=hostile.deflated("xl/worksheets/sheet1.xml", slow)))
    ticks: list[int] = []
    result = read(path, tick=lambda: ticks.append(1))
    assert [(p.sheet, p.code) for p in result.problems] == [("slow.xlsx", "PARSE_TIMEOUT")]
    assert "2.5 秒" in result.problems[0].rule_zh and 1 <= len(ticks) <= 3


def test_the_look_before_parsing_runs_in_the_child_too(tmp_path):
    """The command line has no upload check: the child refuses a hostile file before its parser runs."""
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(hostile.zip_bomb_xlsx(lying=True))
    gbk = tmp_path / "名单.csv"
    gbk.write_bytes(hostile.invalid_gbk_csv(ROWS, bad_row=2, bad_column=1))
    result = read_inputs([bomb, gbk], [bomb.name, gbk.name], (PEOPLE,))
    assert [(p.sheet, p.row, p.column, p.code) for p in result.problems] == [
        ("bomb.xlsx", None, "", "ZIP_SIZE_MISMATCH"), ("名单.csv", 3, "姓名", "ENCODING_INVALID")]


def test_a_sheet_over_the_row_limit_is_refused_while_it_is_parsed(tmp_path, settings):
    """An .xls is not measured before parsing (its records are not looked into): its rows are counted as read."""
    import xlwt

    settings.FUPIN_IMPORT_MAX_ROWS = 3
    book = xlwt.Workbook()
    sheet = book.add_sheet("名单")
    for r, row in enumerate([ROWS[0], *[[f"1101011990010100{n:02d}", "王"] for n in range(5)]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "名单.xls"
    book.save(str(path))
    assert [p.code for p in read(path).problems] == ["TOO_MANY_ROWS"]


PLACES = Sheet("地点", "places", (Column("地名", "place", "text", required=True),))


def test_a_file_with_a_header_row_and_no_data_rows_is_refused(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes("身份证号,姓名\r\n,\r\n\r\n".encode("utf-8-sig"))  # a header, then blank lines only
    result = read(path)
    assert [(p.sheet, p.row, p.code) for p in result.problems] == [("名单.csv", None, "NO_DATA_ROWS")]
    assert "没有数据行" in result.problems[0].message() and "no data rows" in result.problems[0].message()


def test_a_workbook_whose_sheets_hold_headers_only_is_refused_at_each_sheet(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(hostile.workbook([ROWS[0]], sheet_name="人员"))
    result = read_inputs([path], [path.name], (PEOPLE,))
    assert [(p.sheet, p.code) for p in result.problems] == [("人员", "NO_DATA_ROWS")]


def test_an_empty_table_beside_one_with_rows_is_no_problem(tmp_path):
    people, places = tmp_path / "people.csv", tmp_path / "places.csv"
    people.write_bytes("身份证号,姓名\r\n".encode())
    places.write_bytes("地名\r\n郾城\r\n".encode())
    result = read_inputs([people, places], [people.name, places.name], (PEOPLE, PLACES))
    assert result.problems == [] and [d.height for d in result.sheets] == [0, 1]
    places.write_bytes("地名\r\n".encode())
    result = read_inputs([people, places], [people.name, places.name], (PEOPLE, PLACES))
    assert [(p.sheet, p.code) for p in result.problems] == [("people.csv", "NO_DATA_ROWS"),
                                                             ("places.csv", "NO_DATA_ROWS")]
