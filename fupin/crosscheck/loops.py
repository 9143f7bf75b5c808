"""The registry changes a confirmed finding implies (ADR 0026 §4: loops offer, and never apply silently).

When the village closes a finding as confirmed (属实), the registry fact the department's list contradicts is offered
as a change on the household's file (:func:`fupin.registry.proposals.proposal_create`, source ``finding:<id>``); a
person who may edit the household applies or dismisses it there. What each finding code implies:

| code | proposal |
|---|---|
| DECEASED_ACTIVE 已死亡未减员 | the member leaves the household (reason death) on the list's date of death |
| NOT_INSURED 未参加基本医保 | the member's 参加基本医保 becomes no |
| NOT_ENROLLED 义务教育阶段未在学籍 | the member's 在校生状况 becomes 辍学 |
| DIBAO_MISMATCH 低保特困属性不符 | the household's 户属性 becomes the one the 低保/特困 list gives its members |
| NAME_MISMATCH 姓名不一致 | the member's name becomes the list's |

Codes that imply no registry fact, so no proposal:

- PUBLIC_EMPLOYEE, VEHICLE_OWNER, PROPERTY_OWNER, BUSINESS_OWNER (exclusions): the registry records no employment,
  vehicle, property or business; a confirmed one means the household does not qualify, which is the workflow's
  removal (剔除), a decision of its own, not an edit of a fact;
- LARGE_MEDICAL_EXPENSE, DISASTER_HIT (signals): risks for monitoring (DEPT_SIGNAL), not facts of the registry;
- DIBAO_NOT_REGISTERED (candidates): it names no registry household; taking the person in is the identification
  workflow.

The 低保 finding compares the household's 户属性 with the list (RULES.md §5), so its proposal corrects that
attribute; only for a household in the register (a candidate, 一般农户, is identified through the workflow).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db.models import Min
from django.utils import translation

from fupin.accounts.models import User
from fupin.crosscheck.datasets import FINDING_LABELS
from fupin.crosscheck.models import Finding, ListRow
from fupin.registry import codes
from fupin.registry.models import Household, Member, ProposedChange
from fupin.registry.proposals import proposal_create

Kind = ProposedChange.Kind
Maker = Callable[[Finding, Household, User | None], ProposedChange | None]


def finding_proposals(finding: Finding, *, actor: User | None) -> list[ProposedChange]:
    """The proposals a confirmed finding makes (none for a code that implies no registry fact, a finding that names
    no household, or a change the registry already holds)."""
    maker = IMPLIED.get(finding.code)
    if maker is None or finding.household_id is None:
        return []
    household = Household.objects.select_related("village").get(pk=finding.household_id)
    proposal = maker(finding, household, actor)
    return [proposal] if proposal is not None else []


def _label(finding: Finding) -> str:
    """The finding's label as the catalogue's message (Chinese), shown translated on the pages."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(FINDING_LABELS.get(finding.code, finding.code))


def _member(finding: Finding) -> Member | None:
    return Member.objects.filter(household_id=finding.household_id or 0, id_index=finding.id_index).first()


def _member_values(values: dict[str, object]) -> Maker:
    def make(finding: Finding, household: Household, actor: User | None) -> ProposedChange | None:
        member = _member(finding)
        if member is None:
            return None
        return proposal_create(household, Kind.MEMBER_UPDATE, values, member=member, source=f"finding:{finding.pk}",
                               label=_label(finding), actor=actor)
    return make


def _deceased(finding: Finding, household: Household, actor: User | None) -> ProposedChange | None:
    member = _member(finding)
    died: date | None = (ListRow.objects.filter(load_id=finding.load_id, id_index=finding.id_index)
                         .aggregate(day=Min("event_date"))["day"]) if finding.load_id else None
    if member is None or died is None:
        return None
    return proposal_create(household, Kind.MEMBER_REMOVE, {"reason_code": Member.Removal.DEATH}, member=member,
                           valid_from=died, source=f"finding:{finding.pk}", label=_label(finding), actor=actor)


def _renamed(finding: Finding, household: Household, actor: User | None) -> ProposedChange | None:
    name = finding.list_name.strip()
    return _member_values({"name": name})(finding, household, actor) if name else None


def attribute_from_list(dibao: bool, tekun: bool) -> str:
    """The 户属性 of a household in the register whose members the 低保/特困 list names so."""
    A = codes.Attribute
    if dibao and tekun:
        return A.DIBAO_TEKUN_POOR.value
    return A.DIBAO_POOR.value if dibao else A.TEKUN_POOR.value if tekun else A.GENERAL_POOR.value


def _dibao(finding: Finding, household: Household, actor: User | None) -> ProposedChange | None:
    if household.attribute == codes.Attribute.ORDINARY or finding.load_id is None:
        return None
    indexes = Member.objects.filter(household=household).values("id_index")
    listed = set(ListRow.objects.filter(load_id=finding.load_id, id_index__in=indexes).values_list("text_b", flat=True))
    attribute = attribute_from_list("低保" in listed, "特困" in listed)
    return proposal_create(household, Kind.HOUSEHOLD_UPDATE, {"attribute": attribute},
                           source=f"finding:{finding.pk}", label=_label(finding), actor=actor)


IMPLIED: dict[str, Maker] = {
    "DECEASED_ACTIVE": _deceased,
    "NOT_INSURED": _member_values({"medical_insurance": False}),
    "NOT_ENROLLED": _member_values({"schooling": codes.Schooling.DROPPED_OUT.value}),
    "DIBAO_MISMATCH": _dibao,
    "NAME_MISMATCH": _renamed,
}
"""Finding code -> the proposal it makes; the codes not here imply none (see the module's docstring)."""
