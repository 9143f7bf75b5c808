"""The help programmes of the 2018-2020 action plan and REFERENCE §8, as data.

Each programme names what it answers (causes of poverty, failing exit indicators), who delivers
it (an ``accounts.Department`` code as seeded by ``seed-reference``), whom it targets (a household
or one member), its eligibility rule (a key of :data:`fupin.measures.rules.RULES`), its period
(measures of a per-period programme may not overlap for the same beneficiary) and the policy
parameter that caps its amount (``fupin.assessment.params``). ``entitled`` marks the programmes a
household that meets the rule should receive (应享): those missing are listed as 应享未享.

The list is stored in :class:`fupin.measures.models.Programme` by the app's migrations and by
:func:`fupin.measures.services.programmes_seed`; the rows are the data the app reads.
"""

from __future__ import annotations

from typing import Any

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("education", "教育扶贫"), ("health", "健康扶贫"), ("social", "社会保障兜底"), ("housing", "住房安全"),
    ("jobs", "就业扶贫"), ("industry", "产业与金融扶贫"), ("incentive", "激励扶志"),
)


def _p(code: str, name: str, category: str, department: str, *, target: str = "member", rule: str = "",
       causes: tuple[str, ...] = (), indicators: tuple[str, ...] = (), period: str = "", limit: str = "",
       entitled: bool = False, unit: str = "元") -> dict[str, Any]:
    return {"code": code, "name": name, "category": category, "department_code": department, "target": target,
            "rule": rule, "causes": list(causes), "indicators": list(indicators), "period": period,
            "limit_param": limit, "entitled": entitled, "unit": unit}


PROGRAMMES: tuple[dict[str, Any], ...] = (
    # Education (REFERENCE §8.1, §8.6).
    _p("preschool_aid", "学前教育资助", "education", "education", rule="preschool", causes=("schooling",),
       period="semester", limit="measure_preschool_aid_max", entitled=True),
    _p("boarding_subsidy", "义务教育寄宿生生活补助", "education", "education", rule="compulsory_school",
       causes=("schooling",), indicators=("EDUCATION",), period="semester", limit="measure_boarding_subsidy_max"),
    _p("non_boarding_subsidy", "义务教育非寄宿生生活补助", "education", "education", rule="compulsory_school",
       causes=("schooling",), indicators=("EDUCATION",), period="semester", limit="measure_non_boarding_subsidy_max"),
    _p("high_school_grant", "普通高中国家助学金", "education", "education", rule="high_school", causes=("schooling",),
       period="semester", limit="measure_high_school_grant_max", entitled=True),
    _p("yulu_plan", "雨露计划(职业教育补助)", "education", "fupin-office", rule="vocational",
       causes=("schooling", "no_skills"), period="semester", limit="measure_yulu_plan_max", entitled=True),
    _p("college_loan", "生源地信用助学贷款", "education", "education", rule="college", causes=("schooling",),
       period="year", limit="measure_college_loan_max"),
    _p("dropout_followup", "控辍保学劝返", "education", "education", rule="dropout", indicators=("EDUCATION",),
       entitled=True, unit="次"),
    # Health (§8.5).
    _p("insurance_subsidy", "参保资助(城乡居民医保个人缴费)", "health", "medical-insurance", causes=("illness",),
       indicators=("MEDICAL",), period="year", limit="measure_insurance_subsidy_max"),
    _p("serious_illness_treatment", "大病专项救治", "health", "health", rule="serious_illness",
       causes=("illness",), entitled=True, unit="次"),
    _p("chronic_disease_card", "慢性病卡", "health", "health", rule="chronic_illness", causes=("illness",),
       entitled=True, unit="张"),
    _p("family_doctor", "家庭医生签约", "health", "health", causes=("illness", "disability"),
       indicators=("MEDICAL",), period="year", unit="人"),
    _p("medical_assistance", "医疗救助", "health", "civil-affairs", causes=("illness",), indicators=("MEDICAL",),
       limit="measure_medical_assistance_max"),
    # Social assistance (§8.7, §8.8).
    _p("dibao", "农村低保", "social", "civil-affairs", target="household", rule="dibao_household",
       causes=("no_labour", "illness", "disability"), period="month", limit="measure_dibao_monthly_max",
       entitled=True),
    _p("tekun_support", "特困人员救助供养", "social", "civil-affairs", target="household", rule="tekun_household",
       causes=("no_labour",), period="month", limit="measure_tekun_monthly_max", entitled=True),
    _p("temporary_assistance", "临时救助", "social", "civil-affairs", target="household", causes=("disaster",),
       limit="measure_temporary_assistance_max"),
    _p("disability_living_subsidy", "困难残疾人生活补贴", "social", "disabled-persons", rule="disabled_dibao",
       causes=("disability",), period="month", limit="measure_disability_living_max", entitled=True),
    _p("disability_nursing_subsidy", "重度残疾人护理补贴", "social", "disabled-persons", rule="severe_disability",
       causes=("disability",), period="month", limit="measure_disability_nursing_max", entitled=True),
    _p("left_behind_care", "三留守人员关爱", "social", "civil-affairs", causes=("no_labour",), unit="次"),
    _p("disabled_care", "残疾人关爱服务", "social", "disabled-persons", rule="disabled", causes=("disability",),
       unit="次"),
    # Housing (§8.4).
    _p("housing_renovation", "农村危房改造", "housing", "housing", target="household", rule="housing_cd",
       indicators=("HOUSING",), limit="measure_housing_renovation_max", entitled=True),
    # Jobs and training (§8.3).
    _p("public_welfare_post", "公益性岗位", "jobs", "hr-social-security", rule="working_age",
       causes=("no_labour", "no_skills"), period="month", limit="measure_public_welfare_pay_max"),
    _p("transfer_employment", "转移就业", "jobs", "hr-social-security", rule="working_age",
       causes=("no_skills", "no_capital", "no_land"), unit="人"),
    _p("skills_training", "技能培训", "jobs", "hr-social-security", rule="working_age",
       causes=("no_skills", "low_motivation"), unit="人次"),
    # Industry and finance (§8.2, §8.10).
    _p("industry_linkage", "带贫主体利益联结(分红)", "industry", "agriculture", target="household",
       causes=("no_capital", "no_land", "poor_transport", "no_skills"), period="year"),
    _p("ecommerce", "电商扶贫", "industry", "commerce", target="household", causes=("poor_transport",)),
    _p("micro_credit", "扶贫小额信贷", "industry", "finance-office", target="household",
       causes=("no_capital",), limit="measure_micro_credit_max"),
    # Incentives (§8.9).
    _p("self_reliance_star", "自立自强之星", "incentive", "fupin-office", target="household",
       causes=("low_motivation",), period="year", unit="次"),
)

POINT_RULES: tuple[tuple[str, str, str, int], ...] = (
    # (code, name, category, points) — REFERENCE §8.9: monthly scoring by the village committee.
    ("industry", "发展产业", "产业发展", 10),
    ("work", "外出务工", "务工", 10),
    ("tidy", "院落整洁", "环境卫生", 5),
    ("filial", "孝老爱亲", "孝老爱亲", 5),
    ("customs", "移风易俗", "移风易俗", 5),
    ("volunteer", "义务劳动", "义务劳动", 3),
    ("meeting", "参加集体活动", "集体活动", 2),
)

AWARD_POINT_RULES: tuple[tuple[str, str, str, int], ...] = (
    # Earned only through an award of the category that names the rule (fupin.measures.awards), never by hand.
    ("award_self_reliance", "获评自强之星", "激励扶志", 20),
    ("award_star_household", "获评星级户", "激励扶志", 10),
)

AWARD_CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    # (code, name, kind: title | stars, points rule code or "") — yearly, once per household and category.
    ("self_reliance_star", "自强之星", "title", "award_self_reliance"),
    ("star_household", "星级户评定", "stars", "award_star_household"),
    ("honour_exit", "光荣脱贫户", "title", ""),
)
