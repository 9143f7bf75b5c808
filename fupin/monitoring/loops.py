"""The registry change a case's risk elimination implies (ADR 0026 §4: loops offer, and never apply silently).

A case's measures are a kind and a free text (``CaseMeasure``), so only a kind that names one registry fact implies
it: a 住房保障 (``housing``) measure carried out means the house was made safe, so when the case's risk is marked
eliminated its household's 危房改造 becomes yes and its 住房安全等级 A, offered on its file with source
``case:<id>`` and the measure's completion day, for the village to apply (as a 危房改造 help measure carried out
offers, ``fupin.measures.loops``). The other kinds (industry, employment, education, health, 兜底保障, other) name no
one fact: an employment or a medical aid changes incomes and expenses, which the year's income line records.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from fupin.accounts.models import User
from fupin.monitoring.models import CaseMeasure, MonitoringCase
from fupin.registry.models import ProposedChange
from fupin.registry.proposals import proposal_create

HOUSE_MADE_SAFE = {"housing_renovated": True, "housing_grade": "A"}
HOUSE_MADE_SAFE_LABEL = gettext_noop("监测对象住房保障措施已落实，风险消除")


def case_proposals(case: MonitoringCase, *, actor: User | None) -> list[ProposedChange]:
    """The proposals of a case whose risk is being marked eliminated."""
    housing = (CaseMeasure.objects.filter(case=case, kind=CaseMeasure.Kind.HOUSING, done=True)
               .order_by("-ends_on", "-pk").first())
    if housing is None:
        return []
    proposal = proposal_create(case.household, ProposedChange.Kind.HOUSEHOLD_UPDATE, HOUSE_MADE_SAFE,
                               valid_from=housing.ends_on or housing.starts_on, source=f"case:{case.pk}",
                               label=HOUSE_MADE_SAFE_LABEL, actor=actor)
    return [proposal] if proposal is not None else []
