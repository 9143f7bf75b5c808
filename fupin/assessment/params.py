"""Policy parameters (RULES.md §1): their definitions, shipped defaults, and how a value is resolved.

A parameter set is stored per year, optionally per region (a province, city, county or township
that sets its own). The values in force for a village are those of the most specific published
version on the village's path, falling back to the platform-wide version (no region). Amounts are
kept as strings of yuan ("3747" or "3747.00") and read as ``Decimal``: never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from fupin.core.errors import BadInput


@dataclass(frozen=True)
class ParamDef:
    name: str
    label: Any
    """A lazy translation (Chinese source), shown in the viewer's language."""
    kind: str  # "money" | "int" | "ratio" | "date"
    help: str = ""


PARAMS: tuple[ParamDef, ...] = (
    ParamDef("poverty_line", _("扶贫标准(元/人·年)"), "money", "used to certify exits"),
    ParamDef("monitoring_line", _("防返贫监测线(元/人·年)"), "money", "1.5 × poverty line, rounded to the yuan"),
    ParamDef("as_of", _("基准日"), "date", "reference date for ages and memberships"),
    ParamDef("school_age_min", _("义务教育最小年龄"), "int"),
    ParamDef("school_age_max", _("义务教育最大年龄"), "int"),
    ParamDef("income_drop_ratio", _("收入大幅缩减比例"), "ratio"),
    ParamDef("monitoring_min_months", _("风险消除前最短监测月数"), "int", "risk eliminated only after this many months"),
    ParamDef("large_medical_expense_registered", _("大额医疗自付(建档立卡户,元)"), "money"),
    ParamDef("large_medical_expense_candidate", _("大额医疗自付(一般农户,元)"), "money"),
    ParamDef("vehicle_value_limit", _("车辆价值上限(元)"), "money"),
    ParamDef("notice_days", _("公示天数(识别、退出)"), "int"),
    ParamDef("project_notice_days", _("项目公示天数"), "int"),
    ParamDef("project_overspend_ratio", _("项目超计划比例(超过须重新批复)"), "ratio", "投资超计划 10% 须重新报批"),
    ParamDef("project_idle_days", _("资金下达后未支出预警天数(账面滞留)"), "int"),
    ParamDef("project_schedule_grace_days", _("项目进度宽限天数(逾期预警)"), "int"),
    ParamDef("project_deposit_ratio", _("项目质保金比例(占施工合同结算额)"), "ratio", "REFERENCE §7.3: 不超过 10%"),
    ParamDef("project_deposit_months", _("项目质保期(月,自竣工验收起)"), "int", "REFERENCE §7.3: 一年后返还"),
    ParamDef("village_incidence_max", _("贫困村退出：贫困发生率低于"), "ratio", "Henan: 0.02"),
    ParamDef("county_incidence_max", _("贫困县退出：贫困发生率低于"), "ratio", "central region: 0.02"),
    ParamDef("village_collective_income_min", _("贫困村退出：村集体经济收入不低于(元，0 为不考核)"), "money"),
    # Help measures (fupin.measures, REFERENCE §8): amount caps per measure and eligibility limits.
    ParamDef("measure_preschool_aid_max", _("学前教育资助上限(元/学期)"), "money"),
    ParamDef("measure_boarding_subsidy_max", _("寄宿生生活补助上限(元/学期)"), "money"),
    ParamDef("measure_non_boarding_subsidy_max", _("非寄宿生生活补助上限(元/学期)"), "money"),
    ParamDef("measure_high_school_grant_max", _("普通高中国家助学金上限(元/学期)"), "money"),
    ParamDef("measure_yulu_plan_max", _("雨露计划补助(元/学期)"), "money"),
    ParamDef("measure_college_loan_max", _("生源地助学贷款上限(元/年)"), "money"),
    ParamDef("measure_insurance_subsidy_max", _("参保资助上限(元/人·年)"), "money"),
    ParamDef("measure_medical_assistance_max", _("医疗救助上限(元/次)"), "money"),
    ParamDef("measure_dibao_monthly_max", _("低保金上限(元/户·月)"), "money"),
    ParamDef("measure_tekun_monthly_max", _("特困供养金上限(元/户·月)"), "money"),
    ParamDef("measure_temporary_assistance_max", _("临时救助上限(元/次)"), "money"),
    ParamDef("measure_disability_living_max", _("困难残疾人生活补贴(元/月)"), "money"),
    ParamDef("measure_disability_nursing_max", _("重度残疾人护理补贴(元/月)"), "money"),
    ParamDef("measure_housing_renovation_max", _("危房改造补助上限(元/户)"), "money"),
    ParamDef("measure_public_welfare_pay_max", _("公益性岗位工资上限(元/月)"), "money"),
    ParamDef("measure_micro_credit_max", _("扶贫小额信贷额度上限(元)"), "money", "5-3-0: 5 万元以下"),
    ParamDef("measure_preschool_age_min", _("学前教育资助最小年龄"), "int"),
    ParamDef("measure_preschool_age_max", _("学前教育资助最大年龄"), "int"),
    ParamDef("measure_working_age_min", _("公益性岗位等就业帮扶最小年龄"), "int"),
    ParamDef("measure_working_age_max", _("公益性岗位等就业帮扶最大年龄"), "int"),
    ParamDef("measure_high_school_grant_share", _("普通高中助学金资助面不低于(占在校生)"), "ratio", "行动计划：20%"),
    # Micro-credit, credit ratings (fupin.measures.credit, REFERENCE §8.2 "5-3-0" and §8.10).
    ParamDef("credit_term_max_months", _("扶贫小额信贷期限上限(月)"), "int", "5-3-0: 3 年以内"),
    ParamDef("credit_benchmark_rate", _("贷款基准利率(年利率，财政按此贴息)"), "ratio", "1-5 年期 4.75%"),
    ParamDef("credit_day_basis", _("计息天数基数(日利率=年利率÷天数)"), "int"),
    ParamDef("credit_extension_max_months", _("小额信贷展期最长(月)"), "int"),
    ParamDef("credit_borrower_age_min", _("借款人最小年龄"), "int"),
    ParamDef("credit_borrower_age_max", _("借款人最大年龄"), "int"),
    ParamDef("credit_rating_valid_months", _("信用户评级有效期(月)"), "int"),
    ParamDef("credit_village_household_share", _("信用村：信用户占建档立卡户不低于"), "ratio", "50%–70%"),
    ParamDef("credit_village_overdue_share_max", _("信用村：逾期贷款占贷款余额不高于"), "ratio", "不良 3%–5%"),
    ParamDef("credit_township_village_share", _("信用乡镇：信用村占比不低于"), "ratio", "50%"),
)
PARAM_NAMES = tuple(p.name for p in PARAMS)
_DEFS = {p.name: p for p in PARAMS}

POVERTY_LINES = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}
MONITORING_LINE_OVERRIDES = {2021: 6000}
DEFAULT_YEARS = tuple(range(2014, 2022))


def default_values(year: int) -> dict[str, Any]:
    """The shipped defaults of RULES.md §1 for one year (``poverty_line`` is absent after 2020)."""
    values: dict[str, Any] = {
        "as_of": date(year, 12, 31).isoformat(),
        "school_age_min": 6,
        "school_age_max": 15,
        "income_drop_ratio": "0.5",
        "monitoring_min_months": 6,
        "large_medical_expense_registered": "5000",
        "large_medical_expense_candidate": "20000",
        "vehicle_value_limit": "30000",
        "notice_days": 7,
        "project_notice_days": 10,
        "project_overspend_ratio": "0.1",
        "project_idle_days": 60,
        "project_schedule_grace_days": 0,
        "project_deposit_ratio": "0.05",
        "project_deposit_months": 12,
        "village_incidence_max": "0.02",
        "county_incidence_max": "0.02",
        "village_collective_income_min": "0",
        "measure_preschool_aid_max": "750",
        "measure_boarding_subsidy_max": "625",
        "measure_non_boarding_subsidy_max": "312.50",
        "measure_high_school_grant_max": "1250",
        "measure_yulu_plan_max": "1500",
        "measure_college_loan_max": "8000",
        "measure_insurance_subsidy_max": "250",
        "measure_medical_assistance_max": "30000",
        "measure_dibao_monthly_max": "1500",
        "measure_tekun_monthly_max": "800",
        "measure_temporary_assistance_max": "5000",
        "measure_disability_living_max": "100",
        "measure_disability_nursing_max": "500",
        "measure_housing_renovation_max": "30000",
        "measure_public_welfare_pay_max": "500",
        "measure_micro_credit_max": "50000",
        "measure_preschool_age_min": 3,
        "measure_preschool_age_max": 6,
        "measure_working_age_min": 16,
        "measure_working_age_max": 65,
        "measure_high_school_grant_share": "0.2",
        "credit_term_max_months": 36,
        "credit_benchmark_rate": "0.0475",
        "credit_day_basis": 360,
        "credit_extension_max_months": 12,
        "credit_borrower_age_min": 18,
        "credit_borrower_age_max": 65,
        "credit_rating_valid_months": 12,
        "credit_village_household_share": "0.7",
        "credit_village_overdue_share_max": "0.05",
        "credit_township_village_share": "0.5",
    }
    if year in POVERTY_LINES:
        values["poverty_line"] = str(POVERTY_LINES[year])
        monitoring = (Decimal(POVERTY_LINES[year]) * Decimal("1.5")).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        values["monitoring_line"] = str(monitoring)
    if year in MONITORING_LINE_OVERRIDES:
        values["monitoring_line"] = str(MONITORING_LINE_OVERRIDES[year])
    return values


def clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a parameter mapping; unknown names and bad values are refused, named."""
    unknown = sorted(set(values) - set(PARAM_NAMES))
    if unknown:
        raise BadInput(f"未知的政策参数：{'、'.join(unknown)} / unknown policy parameters: {', '.join(unknown)}",
                       code="POLICY_UNKNOWN_PARAMETER")
    cleaned: dict[str, Any] = {}
    for name, raw in values.items():
        kind = _DEFS[name].kind
        try:
            if raw is None or raw == "":
                continue
            if kind == "money":
                amount = Decimal(str(raw))
                if amount < 0 or amount != amount.quantize(Decimal("0.01")):
                    raise ValueError
                cleaned[name] = str(amount)
            elif kind == "ratio":
                ratio = Decimal(str(raw))
                if not Decimal(0) < ratio <= Decimal(1):
                    raise ValueError
                cleaned[name] = str(ratio)
            elif kind == "int":
                number = int(str(raw))
                if number < 0 or str(number) != str(raw).strip():
                    raise ValueError
                cleaned[name] = number
            else:
                cleaned[name] = date.fromisoformat(str(raw)).isoformat()
        except (ArithmeticError, ValueError):
            raise BadInput(
                f"政策参数 {name}（{_DEFS[name].label}）的值 “{raw}” 无效 / policy parameter {name}: invalid value {raw!r}",
                code="POLICY_BAD_VALUE", fields={name: ["invalid"]},
            ) from None
    if "school_age_min" in cleaned and "school_age_max" in cleaned and cleaned["school_age_min"] > cleaned["school_age_max"]:
        raise BadInput("义务教育最小年龄不能大于最大年龄 / school_age_min must not exceed school_age_max",
                       code="POLICY_BAD_VALUE", fields={"school_age_min": ["invalid"]})
    return cleaned


@dataclass(frozen=True)
class Params:
    """The parameter values in force for one year and place, typed."""

    year: int
    values: dict[str, Any]

    def money(self, name: str) -> Decimal | None:
        raw = self.values.get(name)
        return Decimal(str(raw)) if raw not in (None, "") else None

    def integer(self, name: str) -> int:
        return int(self.values[name])

    @property
    def as_of(self) -> date:
        return date.fromisoformat(self.values["as_of"])

    @property
    def poverty_line(self) -> Decimal | None:
        return self.money("poverty_line")
