"""Chinese by default, English on request: the switch, the English catalogue (complete, compiled) and
the pages that use it."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from fupin.assessment.services import policy_seed_defaults
from fupin.core.models import JobRun
from fupin.core.testing import make_household
from fupin.notices.models import Notice
from fupin.notices.services import notice_publish, objection_raise

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


# --- A minimal reader for the .po file (polib is not a dependency) -------------------------------------
@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def _unquote(token: str, line_no: int) -> str:
    assert token.startswith('"') and token.endswith('"') and len(token) >= 2, f"line {line_no}: {token!r}"
    return re.sub(r"\\(.)", lambda m: ESCAPES[m.group(1)], token[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, obsolete (#~) ones left out; the header is the entry with msgid ''."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:  # a comment starts the next entry
                entries.append(current)
                current = None
            current = current or Entry(no)
            if line.startswith("#,"):
                current.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith('"'):
            assert current is not None, f"line {no}: continuation outside an entry"
            text = _unquote(line, no)
            if target[0] == "msgstr":
                current.msgstr[target[1]] += text
            else:
                setattr(current, target[0], getattr(current, target[0]) + text)
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
            entries.append(current)
            current = None
        current = current or Entry(no)
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if plural or keyword == "msgstr":
            target = ("msgstr", int(plural.group(1)) if plural else 0)
            current.msgstr[target[1]] = _unquote(value, no)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            target = (keyword, 0)
            setattr(current, keyword, _unquote(value, no))
        else:
            raise AssertionError(f"line {no}: unexpected {keyword!r}")
    if current is not None:
        entries.append(current)
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return [e for e in read_po(CATALOGUE / "django.po") if e.msgid]


def _where(e: Entry) -> str:
    return f"django.po line {e.line}: {e.msgid!r}"


def test_every_string_has_english_and_none_is_fuzzy(entries):
    assert len(entries) > 400  # the reader found the catalogue
    untranslated = [_where(e) for e in entries if not e.msgstr or any(not s.strip() for s in e.msgstr.values())]
    fuzzy = [_where(e) for e in entries if "fuzzy" in e.flags]
    assert untranslated == [], "run makemessages and translate these"
    assert fuzzy == [], "check these translations and remove the fuzzy flag"


def test_translations_keep_placeholders_and_plural_forms(entries):
    header = read_po(CATALOGUE / "django.po")[0]
    assert header.msgid == "" and "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    wrong = []
    for e in entries:
        if e.msgid_plural is not None and sorted(e.msgstr) != [0, 1]:
            wrong.append(f"{_where(e)}: needs msgstr[0] and msgstr[1]")
        for n, text in e.msgstr.items():
            source = e.msgid_plural if (e.msgid_plural is not None and n) else e.msgid
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                wrong.append(f"{_where(e)}: msgstr[{n}] {text!r} has other placeholders")
            # Chinese names in English text are fine; punctuation (a list separator) translates to punctuation.
            if text == source or (re.search(r"\w", source) and not re.search(r"[A-Za-z]", text)):
                wrong.append(f"{_where(e)}: msgstr[{n}] {text!r} is not English")
    assert wrong == []


def test_the_committed_mo_is_compiled_from_the_po(entries):
    with (CATALOGUE / "django.mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for e in entries:
        if e.msgid_plural is not None:
            got = [mo.ngettext(e.msgid, e.msgid_plural, 1), mo.ngettext(e.msgid, e.msgid_plural, 2)]
            if e.msgctxt is not None:
                got = [mo.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n) for n in (1, 2)]
            expected = [e.msgstr[0], e.msgstr[1]]
        else:
            got = [mo.pgettext(e.msgctxt, e.msgid) if e.msgctxt is not None else mo.gettext(e.msgid)]
            expected = [e.msgstr[0]]
        if got != expected:
            stale.append(_where(e))
    assert stale == [], "recompile: cd fupin && fupin compilemessages -l en"


# --- The switch -----------------------------------------------------------------------------------------
def test_it_speaks_chinese_by_default(client, personas):
    client.force_login(personas.cadre_a1)
    html = client.get(reverse("site:home")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "建档立卡" in html and "退出" in html


def test_it_switches_to_english_and_back(client, personas):
    client.force_login(personas.cadre_a1)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("site:home")).content.decode()
    assert '<html lang="en">' in html
    assert "Registry" in html and "Sign out" in html and "Village cadre" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "建档立卡" in client.get(reverse("site:home")).content.decode()


def test_the_login_page_is_translated_too(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Targeted Poverty Alleviation Platform" in html


# --- The newer pages, in English ------------------------------------------------------------------------
@pytest.fixture
def english(client, personas):
    policy_seed_defaults()
    client.force_login(personas.admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html: str = response.content.decode()
    assert '<html lang="en">' in html
    return html


def test_the_exit_assessment_pages_speak_english(english):
    html = _page(english, "/assessment/?year=2020")
    assert "<title>Exit assessment" in html and "Poor household exit assessment, 2020" in html
    assert "Run the district-wide assessment for 2020" in html and "Household verdicts" in html
    assert "No district-wide assessment has been run for 2020 yet." in html
    assert "退出评估" not in html and "逐户结论" not in html
    policy = _page(english, "/assessment/policy/")
    assert "Policy parameters" in policy and "Poverty line" in policy and "Whole district" in policy
    assert "扶贫标准" not in policy and "全区" not in policy


def test_the_notice_board_and_a_notice_speak_english(english, areas, personas):
    notice = notice_publish(kind=Notice.Kind.IDENTIFICATION_VILLAGE, area=areas.village_a1, title="H-A1-0001",
                            starts_on=timezone.localdate(), days=7, actor=None)
    objection_raise(notice, text="x", raised_by_name="", contact="", actor=personas.cadre_a1)
    board = _page(english, "/notices/")
    assert "Notices and announcements" in board and "Identification: village public notice" in board
    assert "On display until" in board and "1 notice" in board
    assert "公示公告" not in board and "识别村级公示" not in board
    detail = _page(english, f"/notices/{notice.pk}/")
    assert "Notice period" in detail and "7 days" in detail and "1 (1 pending)" in detail
    assert re.search(r"On display, \d+ days? left", detail) and "Anonymous" in detail
    assert "Record the outcome" in detail and "Upheld" in detail
    assert "公示期" not in detail and "匿名" not in detail


def test_the_household_file_speaks_english(english, areas):
    household = make_household(areas.village_a1, "H-A1-0001", food_secure=True, housing_grade="B")
    html = _page(english, f"/registry/households/{household.pk}/")
    for text in ("Household file", "Basic information", "Two assurances and three guarantees", "Grade B",
                 "Head of household", "Identification and exit procedure", "Assigned helper",
                 "No helper has been assigned yet.", "Net income per person", "Not yet assessed for"):
        assert text in html, text
    for text in ("一户一档", "两不愁三保障", "基本情况", "帮扶责任人", "识别与退出流程"):
        assert text not in html, text


def _import_job(user, *, dry_run: bool, result: dict[str, object]) -> JobRun:
    return JobRun.objects.create(
        kind="registry.import", title="import", created_by=user, status="succeeded", total=1, done=1,
        params={"paths": [], "names": ["a.xlsx"], "dry_run": dry_run, "valid_only": False,
                "scope": {"everything": True, "paths": []}},
        result={"ignored_columns": [], "skipped_rows": {}, "written": False, **result})


def test_the_import_pages_speak_english(english, personas):
    upload = _page(english, "/registry/import/")
    assert "Import registry data" in upload and "Import valid rows only" in upload and "Start import" in upload
    assert "Download blank template" in upload and "导入建档立卡数据" not in upload and "开始导入" not in upload
    checked = _import_job(personas.admin, dry_run=True, result={"counts": {"households_updated": 3}, "problems": 0})
    clean = _page(english, f"/registry/import/{checked.pk}/")
    assert "Import result" in clean and "Check only, write nothing" in clean
    assert "Check passed: no problems found" in clean and "What a real import would write" in clean
    assert "Households" in clean and "Updated <strong>3</strong>" in clean
    assert "校验通过" not in clean and "正式导入时将" not in clean and "更新" not in clean
    problem = {"sheet": "家庭成员", "row": 7, "column": "身份证号", "value": "4.11103E+17", "code": "ID_NUMERIC",
               "rule_zh": "身份证号被 Excel 存成了数字", "rule_en": "the ID number was stored as a number"}
    refused = _import_job(personas.admin, dry_run=False,
                          result={"counts": {}, "problems": 2, "problem_list": [problem, problem]})
    html = _page(english, f"/registry/import/{refused.pk}/")
    assert "2 problems found; no data was written." in html and "<th>Sheet</th><th>Row</th><th>Column</th>" in html
    assert 'data-label="Rule"' in html and "发现 2 个问题" not in html and "工作表" not in html


def test_the_registry_s_code_values_are_shown_in_english_and_exported_as_the_template_s(english, areas, tmp_path):
    """The code labels are the import template's Chinese values (registry/codes.py): shown translated, exported and
    imported as they are."""
    from fupin.registry.exporting import registry_export
    from fupin.registry.models import Household, Member

    household = make_household(areas.village_a1, "H-EN-1", members=2, attribute="tekun_poor", main_cause="illness",
                               other_causes=["no_skills"])
    Member.objects.filter(household=household).exclude(relation="head").update(relation="spouse", education="junior",
                                                                       health="chronic", labour="weak")
    listing = _page(english, "/registry/households/?q=H-EN-1")
    assert "Poor household under extreme-poverty support" in listing and "特困供养贫困户" not in listing
    page = _page(english, f"/registry/households/{household.pk}/")
    for shown in ("Poor household under extreme-poverty support", "Illness", "Lack of skills", "Spouse",
                  "Junior secondary", "Long-term chronic illness", "Weak or partial labour"):
        assert shown in page, shown
    for chinese in ("特困供养贫困户", "因病", "缺技术", "配偶", "初中", "长期慢性病", "弱劳动力或半劳动力"):
        assert chinese not in page, chinese
    from django.utils import translation

    folder = tmp_path / "registry"
    folder.mkdir()
    with translation.override("en"):
        registry_export(Household.objects.filter(pk=household.pk), folder, actor=None)
    text = "".join(p.read_text(encoding="utf-8-sig") for p in sorted(folder.glob("*.csv")))
    assert "特困供养贫困户" in text and "配偶" in text and "Spouse" not in text
