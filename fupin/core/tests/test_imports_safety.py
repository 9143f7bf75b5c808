"""The look at an import file before any parser runs (fupin/core/imports/safety.py): hostile files are refused
with their reason, ordinary files of every kind a county office sends pass, and a CSV file's invalid bytes
are located by row and column. No database: the look is the same on either engine."""

from __future__ import annotations

import io
import zlib
from dataclasses import replace

import openpyxl
import pytest
import xlsxwriter
import xlwt

from fupin.core.imports.safety import ImportLimits, inspect
from fupin.core.tests import hostile

pytestmark = pytest.mark.engine_independent

LIMITS = ImportLimits(max_file_bytes=200 << 20, max_rows=2_000_000, max_columns=200, max_cells=50_000_000,
                      zip_max_entries=1000, zip_max_uncompressed=2048 << 20, zip_max_ratio=100,
                      parse_memory_bytes=6 << 30, parse_seconds=600)
"""The defaults of the settings (fupin/config/settings.py)."""


def looked_at(data: bytes, name: str, limits: ImportLimits = LIMITS) -> list[str]:
    return [p.code for p in inspect(io.BytesIO(data), name, limits).problems]


def openpyxl_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsxwriter_bytes(rows: list[list[object]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("家庭成员")
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return out.getvalue()


def xls_bytes(rows: list[list[object]]) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS: list[list[object]] = [["身份证号", "姓名", "金额"], ["11010119900101001X", "张三", 12.5], ["110101199001010029", "李四", 3]]


class TestOrdinaryFilesPass:
    @pytest.mark.parametrize(("name", "data"), [
        ("openpyxl.xlsx", openpyxl_bytes(ROWS)),
        ("xlsxwriter.xlsx", xlsxwriter_bytes(ROWS)),
        ("hand.xlsx", hostile.workbook([["身份证号", "姓名"], ["1", "张三"]])),
        ("old.xls", xls_bytes(ROWS)),
        ("utf8.csv", "身份证号,姓名\n1,张三\n".encode()),
        ("utf8-bom.csv", "身份证号,姓名\r\n1,\"张\n三\"\r\n".encode("utf-8-sig")),
        ("gbk.csv", "身份证号,姓名\r\n1,张三\r\n".encode("gbk")),
        ("no-newline.csv", b"a,b"),
    ], ids=lambda value: value if isinstance(value, str) else "")
    def test_it_finds_nothing_wrong(self, name, data):
        assert looked_at(data, name) == []

    def test_it_says_which_encoding_a_csv_file_is_in(self):
        assert inspect(io.BytesIO("姓名\n张三\n".encode()), "a.csv", LIMITS).encoding == "utf-8"
        assert inspect(io.BytesIO("姓名\n张三\n".encode("gbk")), "a.csv", LIMITS).encoding == "gb18030"

    def test_it_writes_a_gbk_file_as_utf8_on_the_way(self):
        sink = io.BytesIO()
        inspect(io.BytesIO("姓名,村\n张三,甲村\n".encode("gbk")), "a.csv", LIMITS, transcode_to=sink)
        assert sink.getvalue().decode("utf-8") == "姓名,村\n张三,甲村\n"

    def test_a_sheet_of_a_million_rows_and_twenty_columns_is_within_the_limits(self):
        xml = hostile.sheet_xml([["x"] * 20], dimension="A1:T1000000")
        assert looked_at(hostile.workbook((), sheet=hostile.deflated("xl/worksheets/sheet1.xml", xml)), "a.xlsx") == []


class TestRenamedFiles:
    @pytest.mark.parametrize(("name", "data", "code", "said"), [
        ("名单.xlsx", hostile.png_bytes(), "NOT_A_WORKBOOK", "PNG 图片"),
        ("名单.xlsx", b"%PDF-1.4\n", "NOT_A_WORKBOOK", "PDF"),
        ("名单.xlsx", xls_bytes(ROWS), "NOT_A_WORKBOOK", "旧版 Office 文件"),
        ("名单.xls", b"<html><table><tr><td>1</td></tr></table></html>", "NOT_A_WORKBOOK", "网页"),
        ("名单.xls", openpyxl_bytes(ROWS), "NOT_A_WORKBOOK", "Excel 工作簿（.xlsx）"),
        ("名单.csv", openpyxl_bytes(ROWS), "NOT_TEXT", "Excel 工作簿（.xlsx）"),
        ("名单.csv", hostile.png_bytes(), "NOT_TEXT", "PNG 图片"),
        ("名单.csv", "姓名\n".encode("utf-16"), "NOT_TEXT", "UTF-16"),
        ("名单.xlsx", hostile.zip_archive([hostile.deflated("word/document.xml", b"<w/>"),
                                          hostile.deflated("[Content_Types].xml", b"<Types/>")]),
         "NOT_A_WORKBOOK", "Word 文档"),
    ], ids=["png-as-xlsx", "pdf-as-xlsx", "xls-as-xlsx", "html-as-xls", "xlsx-as-xls", "xlsx-as-csv", "png-as-csv",
            "utf16-csv", "docx-as-xlsx"])
    def test_a_file_whose_content_is_not_what_its_name_says_is_refused_saying_what_it_is(self, name, data, code,
                                                                                          said):
        found = inspect(io.BytesIO(data), name, LIMITS).problems
        assert [p.code for p in found] == [code] and said in found[0].rule_zh and found[0].sheet == name


class TestWorkbooks:
    def test_the_issue_s_far_cell_is_refused_before_any_parser_sees_it(self):
        data = hostile.far_cell_xlsx()
        assert len(data) < 2000
        found = inspect(io.BytesIO(data), "far.xlsx", LIMITS).problems
        assert [p.code for p in found] == ["SHEET_TOO_LARGE"] and "XFD1048576" in found[0].rule_zh

    @pytest.mark.parametrize("ref", ["A1:XFD1", "A1:A2000001", "A1:GZ300000"])
    def test_a_declared_dimension_beyond_the_rows_columns_or_cells_is_refused(self, ref):
        xml = hostile.sheet_xml([["身份证号"]], dimension=ref)
        data = hostile.workbook((), sheet=hostile.deflated("xl/worksheets/sheet1.xml", xml))
        assert looked_at(data, "a.xlsx") == ["SHEET_TOO_LARGE"]

    @pytest.mark.parametrize("cell", [
        '<row r="3000000"><c r="A3000000"><v>1</v></c></row>',
        "<row r='2'><c t='n' r='HZ2'><v>1</v></c></row>",  # single quotes, r not the first attribute
        '<row r="2"><x:c xmlns:x="urn:x" r="ZZZ2"/></row>',
    ])
    def test_a_cell_or_row_beyond_the_limits_is_refused_however_its_tag_is_written(self, cell):
        xml = hostile.sheet_xml([["身份证号"]], extra_cells=cell)
        assert looked_at(hostile.workbook((), sheet=hostile.deflated("xl/worksheets/sheet1.xml", xml)),
                         "a.xlsx") == ["SHEET_TOO_LARGE"]

    def test_a_far_reference_in_a_cell_s_text_is_only_text(self):
        rows = [["身份证号"], ['see r="XFD1048576" and r="A99999999"']]
        assert looked_at(hostile.workbook(rows), "a.xlsx") == []

    def test_a_reference_written_with_character_references_is_refused(self):
        xml = hostile.sheet_xml([["身份证号"]], extra_cells='<row r="2"><c r="&#88;FD2"><v>1</v></c></row>')
        data = hostile.workbook((), sheet=hostile.deflated("xl/worksheets/sheet1.xml", xml))
        assert looked_at(data, "a.xlsx") == ["XML_INVALID"]

    def test_the_issue_s_zip_bomb_is_refused_by_its_compression_ratio(self):
        data = hostile.zip_bomb_xlsx()
        assert len(data) < 2 << 20
        assert looked_at(data, "bomb.xlsx") == ["ZIP_RATIO"]

    def test_a_zip_bomb_that_lies_about_its_size_is_refused_as_soon_as_it_unpacks_to_more(self):
        assert looked_at(hostile.zip_bomb_xlsx(lying=True), "bomb.xlsx") == ["ZIP_SIZE_MISMATCH"]

    def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused(self):
        limits = replace(LIMITS, zip_max_uncompressed=1 << 20, zip_max_ratio=10_000)
        assert looked_at(hostile.zip_bomb_xlsx(size=4 << 20), "big.xlsx", limits) == ["ZIP_TOO_LARGE"]

    def test_too_many_entries_are_refused_before_the_central_directory_is_read(self):
        parts = [hostile.deflated(f"xl/media/{i}.xml", b"<a/>") for i in range(30)]
        data = hostile.workbook([["a"]], extra=parts)
        assert looked_at(data, "a.xlsx", replace(LIMITS, zip_max_entries=20)) == ["ZIP_ENTRIES"]
        assert looked_at(data, "a.xlsx") == []

    @pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
    def test_billion_laughs_are_refused_in_any_part(self, part):
        assert looked_at(hostile.billion_laughs_xlsx(part), "laughs.xlsx") == ["XML_DTD"]

    def test_a_dtd_after_a_long_prolog_or_in_lower_case_is_refused(self):
        late = hostile.PROLOG + b"<!--" + b" " * 200_000 + b"-->" + b'<!doctype x [<!entity a "b">]><worksheet/>'
        data = hostile.workbook((), sheet=hostile.deflated("xl/worksheets/sheet1.xml", late))
        assert looked_at(data, "a.xlsx") in (["XML_DTD"], ["XML_INVALID"])

    def test_an_xml_part_in_utf16_is_refused(self):
        xml = '<?xml version="1.0" encoding="UTF-16"?><worksheet/>'.encode("utf-16")
        data = hostile.workbook((), sheet=hostile.deflated("xl/worksheets/sheet1.xml", xml))
        assert looked_at(data, "a.xlsx") == ["XML_INVALID"]

    def test_an_encrypted_or_oddly_compressed_part_is_refused(self):
        book = hostile.workbook([["a"]])
        sheet = hostile.deflated("xl/worksheets/sheet1.xml", hostile.sheet_xml([["a"]]))
        odd = hostile.workbook((), sheet=replace(sheet, method=12))  # bzip2
        assert looked_at(odd, "a.xlsx") == ["ZIP_METHOD"]
        flagged = bytearray(book)
        at = flagged.rfind(b"PK\x01\x02")  # the last central directory entry: set its encryption bit
        flagged[at + 8] |= 1
        assert looked_at(bytes(flagged), "a.xlsx") == ["ZIP_ENCRYPTED"]

    @pytest.mark.parametrize("data", [b"PK\x03\x04" + b"\x00" * 64, hostile.workbook([["a"]])[:-30]],
                             ids=["zeros", "cut"])
    def test_a_damaged_zip_is_refused(self, data):
        assert looked_at(data, "a.xlsx") == ["ZIP_DAMAGED"]

    def test_a_file_over_the_size_limit_is_refused_before_it_is_read(self):
        assert looked_at(b"x" * 2048, "a.csv", replace(LIMITS, max_file_bytes=1024)) == ["FILE_TOO_LARGE"]

    def test_an_ods_spreadsheet_is_recognised(self):
        ods = hostile.zip_archive([hostile.Entry("mimetype", b"application/vnd.oasis.opendocument.spreadsheet",
                                                 zlib.crc32(b"application/vnd.oasis.opendocument.spreadsheet"),
                                                 46, method=0),
                                   hostile.deflated("content.xml", hostile.PROLOG + b"<office:document-content/>")])
        assert looked_at(ods, "a.ods") == []
        assert [p.rule_en for p in inspect(io.BytesIO(ods), "a.xlsx", LIMITS).problems] == [
            "not an Excel workbook (it is an OpenDocument spreadsheet (.ods)): save it again as .xlsx in Excel"]


class TestCsvFiles:
    def test_a_file_over_the_row_limit_is_refused_while_it_is_counted(self, tmp_path):
        path = hostile.oversized_csv(tmp_path / "big.csv", rows=5_001)
        with path.open("rb") as source:
            assert [p.code for p in inspect(source, "big.csv", replace(LIMITS, max_rows=5_000)).problems] == [
                "TOO_MANY_ROWS"]
            assert inspect(source, "big.csv", replace(LIMITS, max_rows=5_001)).problems == []

    def test_quoted_newlines_are_not_rows(self):
        data = b'a,b\n1,"x\ny\nz"\n2,"q"\n'
        assert looked_at(data, "a.csv", replace(LIMITS, max_rows=2)) == []
        assert looked_at(data, "a.csv", replace(LIMITS, max_rows=1)) == ["TOO_MANY_ROWS"]

    def test_a_header_over_the_column_limit_is_refused(self):
        assert looked_at(b"," * 300 + b"\n1\n", "a.csv") == ["TOO_MANY_COLUMNS"]
        assert looked_at(b'"a,b,c",' * 100 + b"x\n", "a.csv") == []  # commas inside quotes are text

    def test_rows_times_columns_over_the_cell_limit_is_refused(self):
        data = b"a,b,c,d\n" + b",,,\n" * 300
        assert looked_at(data, "a.csv", replace(LIMITS, max_cells=1000)) == ["TOO_MANY_CELLS"]

    def test_invalid_gbk_bytes_are_a_problem_at_their_row_and_column_never_replaced(self):
        rows = [["身份证号", "姓名", "村"], ["1", "张三", "甲村"], ["2", "李四", "乙村"]]
        data = hostile.invalid_gbk_csv(rows, bad_row=2, bad_column=1)
        found = inspect(io.BytesIO(data), "名单.csv", LIMITS)
        assert found.encoding == "gb18030"
        assert [(p.sheet, p.row, p.column, p.value, p.code) for p in found.problems] == [
            ("名单.csv", 3, "姓名", "C0 FF", "ENCODING_INVALID")]
        assert "GBK/GB18030" in found.problems[0].rule_zh and "not valid GBK/GB18030" in found.problems[0].rule_en

    def test_invalid_bytes_in_a_utf8_file_are_reported_as_utf8_and_every_one_is_listed(self):
        data = "身份证号,姓名\n".encode("utf-8-sig") + b'1,"\xe5\xbc\xa0\n\xff"\n2,ok,\xe4\xb8\n'
        found = inspect(io.BytesIO(data), "a.csv", LIMITS).problems
        assert [(p.row, p.column, p.value) for p in found] == [(2, "姓名", "FF"), (3, "C", "E4 B8")]
        assert all("UTF-8" in p.rule_zh for p in found)

    def test_a_header_cell_with_invalid_bytes_is_located_by_its_column_letter(self):
        data = "身份证号,".encode("gbk") + b"\x81\x20\n1,2\n"
        found = inspect(io.BytesIO(data), "a.csv", LIMITS).problems
        assert [(p.row, p.column, p.code) for p in found] == [(1, "B", "ENCODING_INVALID")]

    def test_a_gbk_file_whose_first_character_is_also_utf8_is_still_gbk(self):
        # 茅 is C3 A9 in GBK: valid UTF-8 (é) on its own; the file is still GBK, and valid.
        assert inspect(io.BytesIO("姓名\n茅盾\n".encode("gbk")), "a.csv", LIMITS).encoding == "gb18030"


def test_the_limits_come_from_the_settings(settings):
    settings.FUPIN_IMPORT_MAX_ROWS = 7
    settings.FUPIN_ZIP_MAX_UNCOMPRESSED_MB = 3
    limits = ImportLimits.from_settings()
    assert limits.max_rows == 7 and limits.zip_max_uncompressed == 3 << 20
    assert looked_at(b"a\n" + b"1\n" * 8, "a.csv", limits) == ["TOO_MANY_ROWS"]

