"""Editing the registry where the work happens (动态管理, ADR 0026): a household's facts, its members, its income lines,
a new applicant. Pages, the API and the loops of other modules all write through these services.

A write is an import of a few rows: the service renders the rows it changes as the template's sheets (one
household), and :func:`fupin.registry.importing.write_checked` checks them with the template's rules against the
registry, writes them and their history (:class:`~fupin.registry.models.Change`), and raises the household's
version. So a page, the API and a file meet the same rules with the same messages (Chinese and English), and a
refused write changes nothing. What only an edit has (naming a new head, a member leaving, the version the edit
was made on) is checked here, as :class:`~fupin.core.imports.problems.Problem`\\ s with their own codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fupin.accounts.access import ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import scope_of
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, ConcurrentChange
from fupin.core.imports.outcome import Tracker
from fupin.core.imports.problems import Problem, make_problem, problems_message, register_rules
from fupin.core.imports.read import ROW, SheetData
from fupin.core.imports.sheets import Sheet
from fupin.core.years import current_work_year
from fupin.registry import codes, template
from fupin.registry.exporting import template_cells
from fupin.registry.import_checks import Checked
from fupin.registry.import_links import RegistryState
from fupin.registry.import_write import CHANGE_SCHEMA, Stamp, record_changes
from fupin.registry.importing import ImportResult, check_sheets, write_checked
from fupin.registry.models import Change, Household, IncomeRecord, Member

HEAD = codes.Relation.HEAD.value
HOUSEHOLD_FIELDS = ("attribute", "main_cause", "other_causes", "food_secure", "clothing_secure", "housing_grade",
                    "housing_renovated", "relocated", "safe_water", "phone", "address", "bank_name", "bank_account")
"""A household's facts an edit may change (its number, village and workflow state have their own steps)."""
MEMBER_FIELDS = ("name", "relation", "ethnicity", "education", "schooling", "home_schooling", "health",
                 "disability_level", "labour", "work_location", "work_months", "medical_insurance",
                 "serious_illness_insurance", "pension_insurance", "dibao", "extreme_poverty_support")
"""A member's facts an edit may change (the ID number finds the member: a wrong one is a removal and an addition)."""
INCOME_FIELDS = IncomeRecord.AMOUNT_FIELDS
ADDED = (Change.Event.BIRTH, Change.Event.MARRIED_IN, Change.Event.MOVED_IN)
"""How a member joins a household."""
STALE = ("该户已被他人修改，请刷新页面后重试 / the household was changed by someone else meanwhile: reload and try "
         "again")

# code -> (Chinese, English): the rules only an edit has (the template's are in import_checks).
EDIT_RULES: dict[str, tuple[str, str]] = {
    "HEAD_BY_NAMING": ("户主只能通过“变更户主”更换", "the head of household changes only by naming the new head"),
    "HEAD_NOT_REMOVABLE": ("户主不能直接减少：请先变更户主", "the head cannot leave: name a new head first"),
    "LAST_MEMBER": ("不能减少该户最后一名成员：请通过工作流程处理该户",
                    "the last member cannot leave: close the household through its workflow"),
    "REMOVAL_REASON": ("请选择减少原因", "choose why the member left"),
    "EVENT_UNKNOWN": ("请选择成员增加的方式（新生儿、婚入、迁入）", "choose how the member joined (birth, marriage, move)"),
    "DATE_FUTURE_EDIT": ("日期不能晚于今天", "the date must not be later than today"),
    "DATE_BEFORE_BIRTH": ("日期不能早于该成员的出生日期（{birth}）", "the date must not be before the member's birth "
                          "({birth})"),
    "INCOME_YEAR_EDIT": ("只能填报工作年度或上一年度（{years}）的收支", "only the income lines of the work year or the "
                         "year before may be entered ({years})"),
    "NEW_HEAD_SAME": ("所选成员已经是户主", "this member is already the head"),
    "BIRTH_NOT_RECENT": ("新生儿的出生日期（身份证号中的）应在一年之内", "a newborn's birth date (from the ID number) "
                         "is within the last year"),
    "REASON_TOO_LONG": ("变更原因最多 200 个字符", "the reason has at most 200 characters"),
}
register_rules(EDIT_RULES)


class EditRefused(BadInput):
    """A write the rules refuse: the problems located at their fields (``fields``: field name -> messages)."""

    code = "EDIT_REFUSED"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        fields: dict[str, list[str]] = {}
        for p in self.problems:
            fields.setdefault(field_of(p), []).append(f"{p.rule_zh} / {p.rule_en}")
        super().__init__(problems_message(self.problems), fields=fields)


_HEADER_FIELDS = {c.header: c.key for s in template.SHEETS for c in s.columns} | {"减少原因": "removal_reason",
                                                                                   "生效日期": "valid_from",
                                                                                   "变更原因": "reason"}


def field_of(problem: Problem) -> str:
    """The form field a problem is about (its column header in the template), or "" for the whole form."""
    key = _HEADER_FIELDS.get(problem.column, "")
    return {"head_id_number": "", "household_no": "", "village_code": "village", "poverty_status": ""}.get(key, key)


@dataclass(frozen=True)
class Edit:
    """What every edit carries: who, the household version the edit was made on (None: no check, a loop applying
    its own proposal checks its source instead), since when the new facts hold, why and from where."""

    actor: User | None
    version: int | None
    valid_from: date | None = None
    reason: str = ""
    source: str = "page"

    def stamp(self, event: str) -> Stamp:
        return Stamp(actor_id=self.actor.pk if self.actor is not None else None, event=event, source=self.source,
                     valid_from=self.valid_from or timezone.localdate(), reason=self.reason.strip())


# --- the services --------------------------------------------------------------------------------------

def household_update(household: Household, values: Mapping[str, Any], edit: Edit) -> Household:
    """Change a household's facts (:data:`HOUSEHOLD_FIELDS`)."""
    _allowed(values, HOUSEHOLD_FIELDS)
    row = _household_row(household) | _cells(template.HOUSEHOLDS, values)
    _write(household, edit, Change.Event.EDIT, {"households": [row]})
    return _fresh(household)


def member_add(household: Household, values: Mapping[str, Any], id_number: str, event: str, edit: Edit) -> Member:
    """Add a member who joined the household (``event``: birth, married_in or moved_in)."""
    _allowed(values, MEMBER_FIELDS)
    problems = []
    if event not in ADDED:
        problems.append(_problem(template.MEMBERS, "与户主关系", event, "EVENT_UNKNOWN"))
    if values.get("relation") == HEAD:
        problems.append(_problem(template.MEMBERS, "与户主关系", "户主", "HEAD_BY_NAMING"))
    row = _cells(template.MEMBERS, values) | {"household_no": household.household_no, "id_number": id_number.strip()}

    def joined(checked: Checked, state: RegistryState) -> list[Problem]:
        df = checked.frames["members"]
        birth = df.get_column("_id_number_birth").first() if "_id_number_birth" in df.columns else None
        if event == Change.Event.BIRTH and isinstance(birth, date) and (_day(edit) - birth).days > 366:
            return [_problem(template.MEMBERS, "身份证号", id_number, "BIRTH_NOT_RECENT")]
        return []

    _write(household, edit, event, {"members": [row]}, problems, joined)
    member = Member.objects.filter(household=household).order_by("-pk").first()
    assert member is not None
    return member


def member_update(member: Member, values: Mapping[str, Any], edit: Edit) -> Member:
    """Change a member's facts (:data:`MEMBER_FIELDS`; the head only through :func:`head_change`)."""
    _allowed(values, MEMBER_FIELDS)
    relation = values.get("relation", member.relation)
    if (member.relation == HEAD) != (relation == HEAD):  # the template's rules would only add "two heads"
        raise EditRefused([_problem(template.MEMBERS, "与户主关系", _label(codes.Relation, relation), "HEAD_BY_NAMING")])
    row = _member_row(member) | _cells(template.MEMBERS, values)
    _write(member.household, edit, Change.Event.EDIT, {"members": [row]})
    return Member.objects.get(pk=member.pk)


def head_change(household: Household, new_head: Member, old_head_relation: str, edit: Edit) -> Household:
    """Name a new head: the head changes, and the former head takes ``old_head_relation`` (to the new head)."""
    old = Member.objects.filter(household=household, relation=HEAD).first()
    problems = []
    if old is None or new_head.pk == old.pk:
        problems.append(_problem(template.MEMBERS, "与户主关系", new_head.name, "NEW_HEAD_SAME"))
    if old_head_relation == HEAD:
        problems.append(_problem(template.MEMBERS, "与户主关系", "户主", "HEAD_BY_NAMING"))
    rows = [_member_row(new_head) | {"relation": "户主"}]
    if old is not None and new_head.pk != old.pk:
        rows.append(_member_row(old) | _cells(template.MEMBERS, {"relation": old_head_relation}))
    house = _household_row(household) | {"head_id_number": new_head.id_number}
    _write(household, edit, Change.Event.HEAD_CHANGE, {"households": [house], "members": rows}, problems)
    return _fresh(household)


def income_years() -> tuple[int, int]:
    """The years whose income lines may be entered or corrected: the work year and the one before
    (:func:`fupin.core.years.current_work_year`)."""
    year = current_work_year()
    return year, year - 1


def income_save(household: Household, year: int, values: Mapping[str, Any], edit: Edit) -> IncomeRecord:
    """Enter or correct the income line (收支情况) of ``year``: the work year's or the year before's."""
    _allowed(values, INCOME_FIELDS)
    this, last = income_years()
    problems = []
    if year not in (this, last):
        problems.append(_problem(template.INCOMES, "年度", str(year), "INCOME_YEAR_EDIT", years=f"{last}、{this}"))
    stored = IncomeRecord.objects.filter(household=household, year=year).first()
    row = (_income_row(stored) if stored is not None else {"household_no": household.household_no, "year": str(year)})
    row |= _cells(template.INCOMES, values)
    _write(household, edit, Change.Event.INCOME, {"incomes": [row]}, problems)
    return IncomeRecord.objects.get(household=household, year=year)


def member_remove(member: Member, reason_code: str, edit: Edit) -> Member:
    """A member left the household (died, married out, moved out...) on ``edit.valid_from``: the row stays, with
    ``removed_on`` and ``removal_reason``; the household's size and rules count them no more."""
    household = member.household
    day = _day(edit)
    sheet = template.MEMBERS
    problems = _common_problems(edit)
    if reason_code not in Member.Removal.values:
        problems.append(make_problem(sheet.name, 2, "减少原因", reason_code, "REMOVAL_REASON"))
    if not Member.objects.filter(household=household).exclude(pk=member.pk).exists():
        problems.append(make_problem(sheet.name, 2, "姓名", member.name, "LAST_MEMBER"))
    elif member.relation == HEAD:
        problems.append(make_problem(sheet.name, 2, "与户主关系", "户主", "HEAD_NOT_REMOVABLE"))
    if day < member.birth_date:
        problems.append(make_problem(sheet.name, 2, "生效日期", day.isoformat(), "DATE_BEFORE_BIRTH",
                                     birth=member.birth_date.isoformat()))
    _ensure_may_edit(edit.actor, household)
    if problems:
        raise EditRefused(problems)
    stamp = edit.stamp(Change.Event.REMOVED)
    with transaction.atomic():
        _claim(household, edit.version)
        if Member.objects.filter(pk=member.pk).update(removed_on=day, removal_reason=reason_code) != 1:
            raise ConcurrentChange(STALE)
        record_changes(pl.DataFrame({
            "household_id": [household.pk] * 2, "member_id": [member.pk] * 2, "year": [None, None],
            "field": ["removed_on", "removal_reason"], "old": [None, None],
            "new": [f'"{day.isoformat()}"', f'"{reason_code}"']}, schema=CHANGE_SCHEMA), stamp)
        _audit(edit, household, stamp, {"removed": member.pk, "reason": reason_code})
    return Member.everyone.get(pk=member.pk)


ApplicantStart = Callable[[Household, "User | None"], None]
_applicant_starts: list[ApplicantStart] = []


def register_applicant_start(start: ApplicantStart) -> None:
    """What starts an applicant's identification once it is registered: the workflow module's 农户申请, which sits on
    a floor above the registry, registers it when it starts (as the assessment registers its work year)."""
    if start not in _applicant_starts:
        _applicant_starts.append(start)


def applicant_create(village: Area, household_values: Mapping[str, Any], head_values: Mapping[str, Any],
                     head_id_number: str, edit: Edit) -> Household:
    """A household that asks to be identified (一般农户, no workflow state yet), with its head; in the same transaction
    its identification starts (:func:`register_applicant_start`: 农户申请, when the actor may take that step)."""
    _allowed(household_values, HOUSEHOLD_FIELDS)
    _allowed(head_values, MEMBER_FIELDS)
    if edit.actor is not None:
        ensure_can(edit.actor, Cap.REGISTRY_EDIT)
        if not scope_of(edit.actor).covers(village):
            raise PermissionDenied("village outside the actor's areas")
    number = _next_household_no(village)
    house = {"household_no": number, "village_code": village.code, "head_id_number": head_id_number.strip(),
             "poverty_status": "非贫困户"} | _cells(template.HOUSEHOLDS, household_values)
    house["attribute"] = _label(codes.Attribute, codes.Attribute.ORDINARY)
    head = (_cells(template.MEMBERS, head_values)
            | {"household_no": number, "id_number": head_id_number.strip(), "relation": "户主"})
    with transaction.atomic():
        _run(None, edit, Change.Event.APPLICANT, {"households": [house], "members": [head]}, _common_problems(edit))
        household = Household.objects.select_related("village").get(household_no=number)
        for start in _applicant_starts:
            start(household, edit.actor)
    return Household.objects.select_related("village").get(pk=household.pk)


def masked_account(account: str) -> str:
    """A bank account as it is shown: its last four digits."""
    return f"****{account[-4:]}" if account else ""


# --- rows as the template's cells --------------------------------------------------------------------------

def _cells(sheet: Sheet, values: Mapping[str, Any]) -> dict[str, str | None]:
    return template_cells(sheet, values)


def _household_row(household: Household) -> dict[str, str | None]:
    head = Member.objects.filter(household=household, relation=HEAD).first()
    values = {f: getattr(household, f) for f in HOUSEHOLD_FIELDS} | {
        "identified_year": household.identified_year, "exit_year": household.exit_year}
    return template_cells(template.HOUSEHOLDS, values) | {
        "household_no": household.household_no, "village_code": household.village.code,
        "head_id_number": head.id_number if head is not None else None,
        "poverty_status": household.poverty_status_label}


def _member_row(member: Member) -> dict[str, str | None]:
    values = {f: getattr(member, f) for f in MEMBER_FIELDS}
    return template_cells(template.MEMBERS, values) | {"household_no": member.household.household_no,
                                                        "id_number": member.id_number}


def _income_row(income: IncomeRecord) -> dict[str, str | None]:
    values = {f: getattr(income, f) for f in INCOME_FIELDS}
    return template_cells(template.INCOMES, values) | {"household_no": income.household.household_no,
                                                        "year": str(income.year)}


def _sheet(sheet: Sheet, rows: Sequence[Mapping[str, str | None]]) -> SheetData:
    """Rows (template key -> cell text) as a sheet the import reads: its header is row 1, rows from row 2."""
    keys = [c.key for c in sheet.columns]
    frame = pl.DataFrame({ROW: pl.Series(ROW, range(2, 2 + len(rows)), dtype=pl.Int64),
                          **{f"c{i}": pl.Series(f"c{i}", [r.get(k) for r in rows], dtype=pl.String)
                             for i, k in enumerate(keys)}})
    return SheetData(sheet=sheet, label=sheet.name, source=sheet.name, headers=[c.header for c in sheet.columns],
                     header_row=1, frame=frame, columns={k: f"c{i}" for i, k in enumerate(keys)})


# --- one write ---------------------------------------------------------------------------------------------

def _write(household: Household, edit: Edit, event: str, rows: Mapping[str, Sequence[Mapping[str, str | None]]],
           problems: Sequence[Problem] = (),
           more: Callable[[Checked, RegistryState], list[Problem]] | None = None) -> None:
    _ensure_may_edit(edit.actor, household)
    _run(household, edit, event, rows, [*_common_problems(edit), *problems], more)


def _run(household: Household | None, edit: Edit, event: str,
         rows: Mapping[str, Sequence[Mapping[str, str | None]]], problems: Sequence[Problem],
         more: Callable[[Checked, RegistryState], list[Problem]] | None = None) -> None:
    """Check ``rows`` as an import of them would, plus ``problems`` found by the caller and ``more`` rules; refuse
    with all of them, or write them (with their history) on the version the edit was made on."""
    sheets = [_sheet(s, rows[s.key]) for s in template.SHEETS if s.key in rows]
    checked = check_sheets(sheets, Tracker(None))
    result = ImportResult()
    stamp = edit.stamp(event)

    def rules(checked: Checked, state: RegistryState) -> list[Problem]:
        return [*problems, *(more(checked, state) if more is not None else [])]

    def audit(counts: dict[str, int]) -> None:
        written = Household.objects.get(household_no=rows["households"][0]["household_no"]) if household is None \
            else household
        _audit(edit, written, stamp, {k: v for k, v in counts.items() if v and not k.endswith("_unchanged")})

    with transaction.atomic():
        if household is not None:
            _claim(household, edit.version)
        write_checked(checked, result, actor=edit.actor, stamp=stamp, tracker=Tracker(None), audit=audit,
                      refuse_removed=False, more_rules=rules, narrow=True)
    if result.problems:
        raise EditRefused(result.problems)


def _claim(household: Household, version: int | None) -> None:
    """Lock the household's row for this transaction, and refuse when it is no longer at ``version``: an UPDATE
    first, so SQLite takes its write lock here and PostgreSQL makes a concurrent edit of the row wait, then fail."""
    rows = Household.objects.filter(pk=household.pk)
    if version is not None:
        rows = rows.filter(version=version)
    if rows.update(version=F("version")) != 1:
        raise ConcurrentChange(STALE)


def _audit(edit: Edit, household: Household, stamp: Stamp, changes: Mapping[str, Any]) -> None:
    audit_record(actor=edit.actor, action=Action.UPDATE, obj=household, changes={
        "event": stamp.event, "source": stamp.source, "batch": str(stamp.batch), **changes})


def _ensure_may_edit(actor: User | None, household: Household) -> None:
    if actor is None:
        return
    ensure_can(actor, Cap.REGISTRY_EDIT)
    if not Household.objects.visible_to(actor).filter(pk=household.pk).exists():
        raise PermissionDenied("household outside the actor's areas")


def _common_problems(edit: Edit) -> list[Problem]:
    problems = []
    if edit.valid_from is not None and edit.valid_from > timezone.localdate():
        problems.append(make_problem(template.HOUSEHOLDS.name, 2, "生效日期", edit.valid_from.isoformat(),
                                     "DATE_FUTURE_EDIT"))
    if len(edit.reason.strip()) > 200:
        problems.append(make_problem(template.HOUSEHOLDS.name, 2, "变更原因", "", "REASON_TOO_LONG"))
    return problems


def _problem(sheet: Sheet, header: str, value: str, code: str, **params: Any) -> Problem:
    return make_problem(sheet.name, 2, header, value, code, **params)


def _allowed(values: Mapping[str, Any], fields: Sequence[str]) -> None:
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def _day(edit: Edit) -> date:
    return edit.valid_from or timezone.localdate()


def _fresh(household: Household) -> Household:
    return Household.objects.select_related("village").get(pk=household.pk)


def _next_household_no(village: Area) -> str:
    """The village's next household number: its 12-digit code and a 4-digit sequence."""
    numbers = Household.objects.filter(household_no__startswith=village.code).values_list("household_no", flat=True)
    tails = [int(n[len(village.code):]) for n in numbers if n[len(village.code):].isdigit()]
    return f"{village.code}{max(tails, default=0) + 1:04d}"
