"""The household file's change history (变更记录) and its "as of a day" view (issue 16 item 3): labels in the
reader's language, scoping, field groups, the audit of the read, the history page and the PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from fupin.core.models import AuditEntry
from fupin.core.testing import make_household, make_id_number
from fupin.dossier.providers.history import FILE_LIMIT, PAGE_SIZE, source_label
from fupin.registry.editing import Edit, household_update, income_save, member_add, member_remove, member_update
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)
BORN, WATER, LEFT, INCOME, CORRECTED = (TODAY - timedelta(days=d) for d in (90, 60, 30, 20, 10))


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2026, 6, 15, 4, 0, tzinfo=UTC), tick=False):
        yield


def edit(household: Household, actor, day: date, reason: str = "") -> Edit:
    household.refresh_from_db()
    return Edit(actor=actor, version=household.version, valid_from=day, reason=reason)


@pytest.fixture
def home(areas, personas):
    """Household a1 (head 张三, sons 李二 born 1990 and 李三 born 2010) with a year of edits by the village cadre: a
    birth, a water fix, a son who married out, a pupil's schooling, this year's income line and its correction."""
    household = make_household(areas.village_a1, "H-A1-0101", members=3, main_cause="illness", identified_year=2016,
                               safe_water=False)
    cadre = personas.cadre_a1
    member_add(household, {"name": "张小花", "relation": "granddaughter"}, make_id_number(BORN, female=True), "birth",
               edit(household, cadre, BORN, "新生儿落户"))
    household_update(household, {"safe_water": True}, edit(household, cadre, WATER, "自来水入户"))
    member_remove(household.members.get(name="李二"), "married_out", edit(household, cadre, LEFT, "出嫁外村"))
    member_update(household.members.get(name="李三"), {"schooling": "senior"}, edit(household, cadre, LEFT))
    income_save(household, 2026, {"wage_income": Decimal("9000"), "business_income": Decimal("1200"),
                                  "property_income": 0, "transfer_income": Decimal("600"),
                                  "business_expense": Decimal("300")}, edit(household, cadre, INCOME, "年度收入核算"))
    income_save(household, 2026, {"wage_income": Decimal("12345.5")}, edit(household, cadre, CORRECTED, "核实后更正"))
    return household


def page(client, household, **params) -> str:
    response = client.get(f"/registry/households/{household.pk}/", params)
    assert response.status_code == 200
    return str(response.content.decode())


def section(html: str, key: str = "history") -> str:
    return html.split(f'data-section="{key}"')[1].split("</section>")[0]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


class TestSection:
    def test_it_lists_the_changes_newest_first_with_labels_not_codes(self, client, personas, home):
        client.force_login(personas.admin)
        history = section(page(client, home))
        shown = text(history)
        days = re.findall(r'<tr data-event="[a-z_]+"[^>]*>\s*<td class="nowrap">([\d-]+)</td>', history)
        assert days == [d.isoformat() for d in (CORRECTED, INCOME, LEFT, LEFT, WATER, BORN)]
        for expected in ("新增成员 张小花（新生儿）", "饮水安全：否 → 是", "成员减少 李二（婚嫁迁出）",
                         "李三 · 在校生状况：未填 → 高中", "新增 2026 年度收支情况", "2026 年度 · 工资性收入：9,000.00 → 12,345.50",
                         "新生儿落户", "出嫁外村", "核实后更正", "页面录入", "cadre_a1"):
            assert expected in shown, expected
        for code in ("married_out", "senior", "True", "False", "granddaughter"):
            assert code not in shown, code

    def test_it_speaks_english(self, client, personas, home):
        client.force_login(personas.admin)
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        html = page(client, home)
        shown = text(section(html))
        for expected in ("New member 张小花 (Newborn)", "Safe drinking water: No → Yes",
                         "Member left: 李二 (Married out)", "李三 · Schooling: Not filled in → Senior secondary",
                         "Income lines of 2026 added", "Year 2026 · Wage income: 9,000.00 → 12,345.50", "Entered on a page"):
            assert expected in shown, expected
        assert "Change history" in html
        assert not re.search(r"[\u4e00-\u9fff]", shown.replace("张小花", "").replace("李二", "").replace("李三", "")
                             .replace("新生儿落户", "").replace("出嫁外村", "").replace("自来水入户", "")
                             .replace("年度收入核算", "").replace("核实后更正", "")), shown
        then = page(client, home, as_of=WATER.isoformat())
        notice = text(then.split('data-testid="as-of-notice"')[1].split("</p>")[0])
        assert f"As it stood on {WATER.isoformat()}" in notice and not re.search(r"[\u4e00-\u9fff]", notice)
        assert "Back to today" in then and "As it stood on</label>" in then
        listing = client.get(f"/registry/households/{home.pk}/history/").content.decode()
        assert "<h1>Change history" in listing and "Back to the household file" in listing and "7 changes" in listing  # a leaving is two: its day, its reason

    def test_a_department_reads_only_what_its_field_groups_allow(self, client, personas, home):
        """The education office (schooling; school-age members) sees the pupil's schooling, not the water, the
        son who left, nor the income lines; the district office sees them all."""
        client.force_login(personas.department)
        shown = text(section(page(client, home)))
        assert "李三 · 在校生状况：未填 → 高中" in shown
        for hidden in ("饮水安全", "李二", "收支", "工资性收入", "张小花"):
            assert hidden not in shown, hidden

    def test_a_household_without_history_says_so(self, client, personas, households):
        client.force_login(personas.admin)
        assert 'data-testid="history-none"' in section(page(client, households["a1"]))

    def test_a_long_history_is_cut_with_a_link_to_the_history_page(self, client, personas, home):
        for n in range(FILE_LIMIT):
            household_update(home, {"safe_water": n % 2 == 0}, edit(home, personas.cadre_a1, TODAY))
        client.force_login(personas.admin)
        history = section(page(client, home))
        assert history.count("<li class=\"history-changed\">") + history.count("<li class=\"history-created\">") \
            + history.count("<li class=\"history-removed\">") == FILE_LIMIT
        assert f'href="/registry/households/{home.pk}/history/" data-testid="history-more"' in history


    def test_a_phone_number_is_never_shown_in_the_history(self, client, personas, home):
        household_update(home, {"phone": "13912345678"}, edit(home, personas.cadre_a1, TODAY))
        household_update(home, {"phone": "13987654321"}, edit(home, personas.cadre_a1, TODAY))
        client.force_login(personas.admin)
        shown = text(section(page(client, home)))
        assert "联系电话：未填 → （不显示）" in shown and "联系电话：（不显示） → （不显示）" in shown
        assert "1391234" not in shown and "5678" not in shown and "13987654321" not in shown


def test_a_source_names_how_the_change_came_and_links_a_finding():
    assert source_label("page", link=True) == ("页面录入", "")
    assert source_label("import", link=True) == ("模板导入", "")
    assert source_label("finding:12", link=True) == ("部门比对发现 #12", "/crosscheck/findings/12/")
    assert source_label("finding:12", link=False) == ("部门比对发现 #12", "")
    assert source_label("case:7", link=True) == ("监测帮扶案例 #7", "/monitoring/cases/7/")
    assert source_label("measure:3", link=True) == ("帮扶措施 #3", "")
    assert source_label("something:else", link=True) == ("something:else", "")


class TestHistoryPage:
    def test_it_pages_through_every_change_and_audits_the_read(self, client, personas, home):
        for n in range(PAGE_SIZE):
            household_update(home, {"safe_water": n % 2 == 0}, edit(home, personas.cadre_a1, TODAY))
        client.force_login(personas.admin)
        first = client.get(f"/registry/households/{home.pk}/history/")
        assert first.status_code == 200
        html = first.content.decode()
        assert html.count('class="history-changed"') == PAGE_SIZE and "page=2" in html
        second = text(client.get(f"/registry/households/{home.pk}/history/", {"page": 2}).content.decode())
        assert "新增成员 张小花（新生儿）" in second  # the oldest, on the last page
        entry = AuditEntry.objects.filter(action="read", object_id=str(home.pk)).latest("seq")
        assert entry.changes["view"] == "dossier.household_history" and entry.changes["query"] == {"page": 2}
        assert entry.actor_id == personas.admin.pk


class TestAsOf:
    def test_it_shows_members_and_incomes_as_they_stood_labelled_with_the_day(self, client, personas, home):
        client.force_login(personas.admin)
        day = BORN - timedelta(days=1)
        html = page(client, home, as_of=day.isoformat())
        assert f"截至 {day.isoformat()} 的情况" in text(html)
        members = text(section(html, "members"))
        assert "李二" in members and "张小花" not in members  # before the birth, before the son left
        incomes = section(html, "incomes")
        assert "<td>2018</td>" in incomes and "<td>2026</td>" not in incomes
        assert set(re.findall(r'data-section="([a-z_]+)"', html)) == {"facts", "members", "incomes", "history"}
        assert "饮水安全</span><span class=\"check-value\">否" in section(html, "facts")

        later = page(client, home, as_of=(INCOME + timedelta(days=1)).isoformat())
        members = text(section(later, "members"))
        assert "张小花" in members and "李二" not in members
        incomes = section(later, "incomes")
        assert "<td>2026</td><td>9,000.00</td>" in incomes  # before the correction
        assert "12,345.50" not in incomes and "12,345.50" in page(client, home)  # today: corrected

    def test_the_read_is_audited_with_the_day(self, client, personas, home):
        client.force_login(personas.admin)
        page(client, home, as_of=WATER.isoformat())
        entry = AuditEntry.objects.filter(action="read", object_id=str(home.pk)).latest("seq")
        assert entry.changes["view"] == "dossier.household_file"
        assert entry.changes["query"] == {"as_of": WATER.isoformat()}

    @pytest.mark.parametrize(("value", "message"), [("2026-13-01", "YYYY-MM-DD"), ("2026-06-16", "不能晚于今天")])
    def test_a_bad_day_is_refused_with_the_rule_and_the_current_file_is_shown(self, client, personas, home, value,
                                                                             message):
        client.force_login(personas.admin)
        response = client.get(f"/registry/households/{home.pk}/", {"as_of": value})
        html = response.content.decode()
        assert response.status_code == 400
        assert message in html.split('data-testid="as-of-error"')[1].split("</span>")[0]
        assert 'data-testid="as-of-notice"' not in html and 'data-section="assessment"' in html

    def test_an_empty_day_is_todays_file(self, client, personas, home):
        client.force_login(personas.admin)
        html = page(client, home, as_of="")
        assert 'data-testid="as-of-notice"' not in html and 'data-testid="as-of-error"' not in html
        assert "12,345.50" in section(html, "incomes")

    @pytest.mark.parametrize("suffix", ["?as_of=2026-01-01", "history/", "pdf/"])
    def test_another_villages_household_looks_absent(self, client, personas, home, suffix):
        client.force_login(personas.cadre_b1)
        response = client.get(f"/registry/households/{home.pk}/{suffix}")
        assert response.status_code == 404
        assert not AuditEntry.objects.filter(object_id=str(home.pk), action__in=["read", "export"]).exists()


def test_the_pdf_carries_the_history(client, personas, home):
    client.force_login(personas.admin)
    response = client.get(f"/registry/households/{home.pk}/pdf/")
    assert response.status_code == 200
    content = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("变更记录", "新增成员 张小花（新生儿）", "成员减少 李二（婚嫁迁出）", "核实后更正"):
        assert expected.replace(" ", "") in content.replace(" ", ""), expected
