"""The household file as PDF: real WeasyPrint, real CJK glyphs (checked by extracting the text and by
the embedded font), masked ID numbers, the export audited."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from pypdf import PdfReader

from fupin.core.models import AuditEntry

MASKED = re.compile(r"4111\*{10}[0-9X]{4}")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def pdf(client, personas, rich_household):
    client.force_login(personas.admin)
    response = client.get(f"/registry/households/{rich_household.pk}/pdf/", {"reveal": "1"})
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "household-file.pdf").write_bytes(response.content)
    return response


def text_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def font_names(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        resources: Any = page["/Resources"].get_object()
        fonts: Any = resources.get("/Font", {})
        names |= {str(font.get_object()["/BaseFont"]) for font in fonts.get_object().values()}
    return names


def test_it_answers_a_pdf_download(pdf, rich_household):
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert "H-A1-0001.pdf" in pdf["Content-Disposition"]


def test_its_text_is_chinese_in_a_cjk_font(pdf, rich_household):
    text = "\n".join(text_of(pdf.content))
    assert "H-A1-0001" in text
    for member in rich_household.members.all():
        assert member.name in text  # 张三, 李二 ... extracted as Chinese characters
    for title in ("一户一档", "基本情况", "家庭成员", "收入情况", "两不愁三保障", "甲村民委员会", "因病"):
        assert title in text, title
    # The glyphs are drawn from a CJK font, not .notdef boxes of a Latin fallback.
    assert any(re.search(r"Noto-?(Sans|Serif)-?(Mono-)?CJK", name) for name in font_names(pdf.content)), font_names(pdf.content)


def test_it_masks_id_numbers_even_when_revealing_was_asked(pdf, rich_household):
    text = "\n".join(text_of(pdf.content)).replace(" ", "")
    assert len(MASKED.findall(text)) == 4
    for member in rich_household.members.all():
        assert member.id_number not in text


def test_it_draws_the_income_chart_and_table(pdf):
    text = "\n".join(text_of(pdf.content))
    for year in range(2014, 2020):
        assert str(year) in text
    assert "800.13" in text  # 2014 per-capita net income in the table
    assert "人均纯收入(元)" in text  # the SVG chart's axis caption


def test_every_page_has_the_household_number_and_a_page_number(pdf):
    pages = text_of(pdf.content)
    for number, page in enumerate(pages, start=1):
        assert "H-A1-0001" in page
        assert f"{number} / {len(pages)}" in page
        assert "打印日期" in page


def test_it_shows_every_module_section_and_no_placeholder(pdf):
    text = "\n".join(text_of(pdf.content))
    assert "本模块建设中" not in text
    assert "防返贫监测" in text and "未纳入防返贫监测案例" in text and "帮扶措施" in text


def test_it_audits_the_export(pdf, personas, rich_household):
    entry = AuditEntry.objects.filter(action="export", object_id=str(rich_household.pk)).get()
    assert entry.actor_id == personas.admin.pk
    assert entry.changes["format"] == "pdf" and entry.changes["full_id_numbers"] is False
