"""Hostile files through every page and command that takes a spreadsheet (issue 15, item 7).

The registry import, the department list load of the cross-check and the measures' delivery list, each as a
page and as a ``fupin`` command, get every generated hostile file (fupin/core/tests/hostile.py): the far
cell that made python-calamine abort the web server, the zip bombs, billion laughs, a CSV file over the row
limit, files named for what they are not, invalid GBK. Each is refused with its reason, nothing is written
(no job, no stored upload, no row), and the page still answers: the test's own process is the server that
survives. A file that passes the look before parsing but kills its parser fails its job with the reason.

Engine-independent (docs/testing.md): the refusals come before any database work, and the jobs and the
writes behind these pages are tested on both engines by the modules' own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from fupin.core.models import AuditEntry, JobRun
from fupin.core.testing import fupin_main
from fupin.core.tests import hostile
from fupin.crosscheck.models import ListLoad, ListRow
from fupin.measures.models import Measure
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.tests.import_files import Registry, write_csv_set

pytestmark = pytest.mark.engine_independent

MAX_ROWS = 1_000
LIST = [["身份证号", "姓名"], ["411103199001010014", "张三"]]
CASES: dict[str, tuple[str, Callable[[Path], bytes], str]] = {
    "far-cell": ("名单.xlsx", lambda _: hostile.far_cell_xlsx(), "工作表单元格 A1048576 超出上限（最多 1,000 行"),
    "zip-bomb": ("名单.xlsx", lambda _: hostile.zip_bomb_xlsx(), "的压缩比超过 100 倍"),
    "lying-zip-bomb": ("名单.xlsx", lambda _: hostile.zip_bomb_xlsx(lying=True), "解压后大于其声明的大小"),
    "billion-laughs": ("名单.xlsx", lambda _: hostile.billion_laughs_xlsx(), "含有 DTD 或实体声明"),
    "oversized-csv": ("名单.csv", lambda tmp: hostile.oversized_csv(tmp / "big.csv", rows=MAX_ROWS + 1).read_bytes(),
                      "行数超过上限 1,000 行"),
    "png-named-xlsx": ("名单.xlsx", lambda _: hostile.png_bytes(), "内容不是 Excel 工作簿（而是PNG 图片）"),
    "xlsx-named-csv": ("名单.csv", lambda _: hostile.workbook(LIST), "不是文本 CSV 文件（内容是Excel 工作簿（.xlsx））"),
    "invalid-gbk": ("名单.csv", lambda _: hostile.invalid_gbk_csv(LIST, bad_row=1, bad_column=1),
                    "「名单.csv」第 2 行「姓名」「C0 FF」：含有不是有效 GBK/GB18030 编码的字节"),
}
PAGES: dict[str, tuple[str, str, Callable[[Any], dict[str, Any]]]] = {
    "registry": ("officer", "/registry/import/", lambda upload: {"upload": [upload]}),
    "crosscheck": ("department", "/crosscheck/upload/", lambda upload: {"dataset": "STUDENTS", "upload": upload}),
    "measures": ("department", "/measures/deliveries/", lambda upload: {"file": upload}),
}
COMMANDS: dict[str, Callable[[Path], tuple[str, ...]]] = {
    "import-registry": lambda path: ("import-registry", str(path)),
    "crosscheck-load": lambda path: ("crosscheck-load", "STUDENTS", str(path)),
    "measures-load": lambda path: ("measures-load", str(path)),
}


def written() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Household, Member, IncomeRecord, ListLoad, ListRow, Measure,
                                                     JobRun, AuditEntry))


def stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FUPIN_IMPORT_MAX_ROWS = MAX_ROWS
    return settings.MEDIA_ROOT


@pytest.fixture
def lax(settings):
    """Limits that let the issue's far cell through every look before parsing, so that its parser meets it."""
    settings.FUPIN_IMPORT_MAX_ROWS = 2_000_000
    settings.FUPIN_IMPORT_MAX_COLUMNS = 20_000
    settings.FUPIN_IMPORT_MAX_CELLS = 10**12
    return settings


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("page", PAGES)
def test_a_hostile_upload_is_refused_with_its_reason_and_nothing_is_stored(client, personas, media, tmp_path,
                                                                           page, case):
    persona, url, form = PAGES[page]
    name, make, message = CASES[case]
    client.force_login(getattr(personas, persona))
    before = written()
    response = client.post(url, form(SimpleUploadedFile(name, make(tmp_path))))
    assert response.status_code == 400 and message in response.content.decode()
    assert written() == before and stored(media) == []
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("case", ["far-cell", "lying-zip-bomb", "invalid-gbk"])
def test_an_upload_streamed_to_a_temporary_file_is_looked_at_the_same_way(client, personas, media, settings,
                                                                          tmp_path, case):
    """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE reach the check as temporary files on disk, not in memory."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    name, make, message = CASES[case]
    client.force_login(personas.officer)
    response = client.post("/registry/import/", {"upload": [SimpleUploadedFile(name, make(tmp_path))]})
    assert response.status_code == 400 and message in response.content.decode() and stored(media) == []


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_hostile_file_is_refused_by_each_command_with_exit_1(personas, media, tmp_path, command, case):
    name, make, message = CASES[case]
    path = tmp_path / "in" / name
    path.parent.mkdir()
    path.write_bytes(make(tmp_path))
    before = written()
    run = fupin_main(*COMMANDS[command](path))
    assert run.returncode == 1 and message in run.stderr and "nothing was written" in run.stderr
    assert written() == before


@pytest.mark.parametrize("page", PAGES)
def test_a_file_that_kills_its_parser_fails_its_job_with_the_reason_and_the_site_answers(
        client, personas, media, lax, page, django_capture_on_commit_callbacks):
    """The far cell passes the (lax) look before parsing; python-calamine aborts on it in the job's child."""
    persona, url, form = PAGES[page]
    client.force_login(getattr(personas, persona))
    before = written()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form(SimpleUploadedFile("名单.xlsx", hostile.far_cell_xlsx())))
    assert response.status_code == 302
    job = JobRun.objects.get()
    assert job.status == JobRun.Status.SUCCEEDED and job.result["refused"] and not job.result["written"]
    assert [p["code"] for p in job.result["problem_list"]] == ["PARSE_MEMORY"]
    detail = client.get(response["Location"]).content.decode()
    assert "读取所需内存超过上限" in detail and "未写入任何数据" in detail
    report = client.get(response["Location"] + "report/")  # the problem list, the file not read again for it
    assert report.status_code == 200 and "PARSE_MEMORY" in str(load_workbook(BytesIO(b"".join(
        report.streaming_content)))["问题清单"]["G2"].value)
    assert written()[:6] == before[:6] and written()[7:] == before[7:]
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_whose_parser_dies_says_why_and_exits_1(personas, media, lax, tmp_path, command):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(hostile.far_cell_xlsx())
    before = written()
    run = fupin_main(*COMMANDS[command](path))
    assert run.returncode == 1 and "reading needed more memory than the limit" in run.stderr
    assert written() == before


class TestTheIssuesGbkFile:
    """A GBK file with invalid bytes imported "with no problems", storing U+FFFD in a name."""

    @pytest.fixture
    def files(self, tmp_path) -> list[Path]:
        paths = write_csv_set(tmp_path / "gbk", Registry(3), encoding="gbk")
        members = paths[1]
        members.write_bytes(members.read_bytes().replace("张二".encode("gbk"), "张二".encode("gbk")
                                                         + hostile.INVALID_GBK, 1))
        return paths

    def test_the_upload_is_refused_at_the_bad_cell(self, client, personas, media, files):
        client.force_login(personas.officer)
        before = written()
        response = client.post("/registry/import/", {"upload": [SimpleUploadedFile(p.name, p.read_bytes())
                                                                for p in files]})
        assert response.status_code == 400
        assert "「members.csv」第 2 行「姓名」「C0 FF」" in response.content.decode()
        assert written() == before and stored(media) == []

    def test_the_command_refuses_it_and_writes_nothing(self, personas, files):
        before = written()
        run = fupin_main("import-registry", *map(str, files))
        assert run.returncode == 1
        assert "sheet members.csv, row 2, column 姓名 (C0 FF): holds bytes that are not valid GBK/GB18030" in run.stderr
        assert written() == before and not Member.objects.filter(name__contains="\ufffd").exists()

    def test_without_the_bad_bytes_the_same_file_imports(self, personas, files):
        members = files[1]
        members.write_bytes(members.read_bytes().replace(hostile.INVALID_GBK, b""))
        run = fupin_main("import-registry", *map(str, files))
        assert run.returncode == 0, run.stderr
        assert Member.objects.filter(name="张二").count() == 1
