"""The forms of the registry's edit pages (ADR 0026). They parse what a clerk typed and nothing more: every rule
(codes, ranges, ID numbers, amounts, heads, dates) is the editing service's, which checks the values as the import
checks a file's cells and refuses with located problems; :func:`show_refusal` puts each at its field.

So a coded field offers the code list but passes any value on (the service names the allowed values), and a number
is passed as typed (the service reads it as the import reads a cell: "1,200.50", "13", "-5" meet the same rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.core.imports.problems import Problem
from fupin.registry import codes, template
from fupin.registry.editing import (
    ADDED,
    EDIT_RULES,
    HOUSEHOLD_FIELDS,
    INCOME_FIELDS,
    MEMBER_FIELDS,
    EditRefused,
    field_of,
    income_years,
)
from fupin.registry.helper_forms import VillageField
from fupin.registry.models import VERSION_MAX, Household, IncomeRecord, Member

BLANK = ("", "—")


class OpenChoiceField(forms.ChoiceField):
    """A select of a code list that passes any value on: the service's rule names the allowed values."""

    def valid_value(self, value: Any) -> bool:
        return True


class OpenMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes of a code list that pass any value on (see :class:`OpenChoiceField`). The page posts an empty
    value beside them, so "none ticked" is told from "not on the page"; it is dropped here."""

    def valid_value(self, value: Any) -> bool:
        return True

    def to_python(self, value: Any) -> list[str]:
        return [v for v in super().to_python(value) if v]


class TypedNumberField(forms.CharField):
    """A number as typed: the service checks it as the import checks the cell (blank is no value)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs)

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return text or None


class YesNoUnknown(forms.NullBooleanSelect):
    """是 / 否 / 未知: a fact the household file may not know yet."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("true", _("是")), ("false", _("否")), ("unknown", _("未知"))]


def _choices(choices: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [BLANK, *codes.shown(choices)]


def model_field(model: type[models.Model], name: str) -> forms.Field:
    """The form field that edits ``model.name``: its code list as a select (labels in the viewer's language), a
    yes/no/unknown select for a fact that may be unknown, a number as typed, text as it is."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    label = field.verbose_name
    if name == "other_causes":
        return OpenMultipleChoiceField(label=label, required=False, choices=codes.shown(codes.Cause.choices),
                                       widget=forms.CheckboxSelectMultiple)
    if name == "ethnicity":
        return OpenChoiceField(label=label, required=False, choices=[BLANK, *((e, e) for e in codes.ETHNICITIES)])
    if isinstance(field, models.BooleanField):
        return forms.NullBooleanField(label=label, required=False, widget=YesNoUnknown)
    if isinstance(field, (models.IntegerField, models.DecimalField)):
        return TypedNumberField(label=label)
    if field.choices:
        return OpenChoiceField(label=label, required=False, choices=_choices(field.choices))
    return forms.CharField(label=label, required=False)


class EditForm(forms.Form):
    """What every edit carries: the household's version when the page was drawn, since when the new facts hold,
    and why. The fields of the edit are added by each form (``values`` gives them to the service)."""

    version = forms.IntegerField(label=_("版本"), widget=forms.HiddenInput, min_value=0, max_value=VERSION_MAX)
    edit_fields: Sequence[str] = ()
    aliases: Mapping[str, str] = {}
    """A problem's field (the model's) -> this form's field, where the form names it otherwise."""
    valid_from_label: Any = _("生效日期")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_from"] = forms.DateField(label=self.valid_from_label, required=False,
                                                    initial=timezone.localdate,
                                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        self.fields["reason"] = forms.CharField(label=_("变更原因"), required=False,
                                                widget=forms.Textarea(attrs={"rows": 2}))

    def field_for(self, problem: Problem) -> str:
        """The field of this form a problem is about ("" for the whole form)."""
        name = field_of(problem)
        return self.aliases.get(name, name)

    def values(self) -> dict[str, Any]:
        """The edited fields as the service takes them (model field names and values): those the page posted, so a
        field a page leaves out stays as it is."""
        return self.posted_values(self.edit_fields)

    def posted_values(self, names: Iterable[str]) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in names if name in self.data}

    def edit_fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The form's visible fields under headings, for the template (one group unless a form says more)."""
        return [("", [self[name] for name in self.fields if not self.fields[name].widget.is_hidden])]


def _member_fields(relation_choices: Iterable[tuple[str, Any]] | None = None) -> dict[str, forms.Field]:
    made = {name: model_field(Member, name) for name in MEMBER_FIELDS}
    if relation_choices is not None:
        made["relation"] = OpenChoiceField(label=Member._meta.get_field("relation").verbose_name, required=False,
                                           choices=_choices(relation_choices))
    return made


def _not_head() -> list[tuple[str, str]]:
    return [c for c in codes.Relation.choices if c[0] != codes.Relation.HEAD]


class HouseholdFactsForm(EditForm):
    edit_fields = HOUSEHOLD_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in HOUSEHOLD_FIELDS:
            self.fields[name] = model_field(Household, name)
        self.order_fields([*HOUSEHOLD_FIELDS, "valid_from", "reason"])


class MemberForm(EditForm):
    """A member's facts (:data:`~fupin.registry.editing.MEMBER_FIELDS`). The head keeps the relation 户主 (a new head
    is named on its own page); others choose among the other relations."""

    edit_fields = MEMBER_FIELDS

    def __init__(self, *args: Any, is_head: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        relations = [c for c in codes.Relation.choices if c[0] == codes.Relation.HEAD] if is_head else _not_head()
        self.fields.update(_member_fields(relations))
        self.order_fields([*MEMBER_FIELDS, "valid_from", "reason"])


class MemberAddForm(MemberForm):
    """A member who joined: how (birth, marriage, move), the ID number (it gives the birth date and sex) and the
    facts. The date is the day they joined."""

    valid_from_label = _("加入日期")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        joined = [(e.value, e.label) for e in ADDED]
        self.fields["event"] = OpenChoiceField(label=_("增加方式"), required=False, choices=[BLANK, *joined])
        self.fields["id_number"] = forms.CharField(label=_("身份证号"), required=False)
        self.order_fields(["event", "id_number", *MEMBER_FIELDS, "valid_from", "reason"])


class MemberRemoveForm(EditForm):
    valid_from_label = _("减少日期")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["removal_reason"] = OpenChoiceField(label=Member._meta.get_field("removal_reason").verbose_name,
                                                        required=False, choices=[BLANK, *Member.Removal.choices])
        self.order_fields(["removal_reason", "valid_from", "reason"])


class MemberChoiceField(forms.ModelChoiceField[Member]):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}（{obj.get_relation_display()}，{obj.masked_id}）"


class HeadChangeForm(EditForm):
    """Name the new head among the other current members, and the former head's relation to them."""

    aliases = {"relation": "old_head_relation"}

    def __init__(self, *args: Any, members: models.QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_head"] = MemberChoiceField(label=_("新户主"), queryset=members, empty_label="—")
        self.fields["old_head_relation"] = OpenChoiceField(label=_("原户主与新户主的关系"), required=False,
                                                           choices=_choices(_not_head()))
        self.order_fields(["new_head", "old_head_relation", "valid_from", "reason"])


class IncomeForm(EditForm):
    """One year's income line: this year's or last year's (the service says which years it takes)."""

    edit_fields = INCOME_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this, last = income_years()
        # A year is four digits (parsing); which years may be entered is the service's rule.
        self.fields["year"] = forms.IntegerField(label=IncomeRecord._meta.get_field("year").verbose_name,
                                                 min_value=1000, max_value=9999,
                                                 widget=forms.Select(choices=[(y, y) for y in (this, last)]))
        for name in INCOME_FIELDS:
            self.fields[name] = model_field(IncomeRecord, name)
        self.order_fields(["year", *INCOME_FIELDS, "valid_from", "reason"])


HEAD_ID_HEADER = template.HOUSEHOLDS.column("head_id_number").header
APPLICANT_HOUSEHOLD = tuple(f for f in HOUSEHOLD_FIELDS if f != "attribute")  # 一般农户, set by the service
APPLICANT_HEAD = tuple(f for f in MEMBER_FIELDS if f != "relation")  # 户主


class ApplicantForm(EditForm):
    """A household that asks to be identified, in one of the user's villages, with its head."""

    version = None  # type: ignore[assignment]  # a new household has no version yet

    def __init__(self, *args: Any, villages: models.QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"] = VillageField(label=_("行政村"), queryset=villages, empty_label="—")
        for name in APPLICANT_HOUSEHOLD:
            self.fields[name] = model_field(Household, name)
        self.fields["id_number"] = forms.CharField(label=_("户主身份证号"), required=False)
        self.fields.update({k: v for k, v in _member_fields().items() if k in APPLICANT_HEAD})
        self.fields["name"].label = _("户主姓名")
        self.order_fields(["village", *APPLICANT_HOUSEHOLD, "id_number", *APPLICANT_HEAD, "valid_from", "reason"])

    def field_for(self, problem: Problem) -> str:
        """The head's ID number is the household row's 户主身份证号 and the head's 身份证号: one field here."""
        return "id_number" if problem.column == HEAD_ID_HEADER else super().field_for(problem)

    def household_values(self) -> dict[str, Any]:
        return self.posted_values(APPLICANT_HOUSEHOLD)

    def head_values(self) -> dict[str, Any]:
        return self.posted_values(APPLICANT_HEAD)

    def edit_fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        head = ["id_number", *APPLICANT_HEAD]
        return [(_("户基本情况"), [self[n] for n in ("village", *APPLICANT_HOUSEHOLD)]),
                (_("户主"), [self[n] for n in head]),
                (_("申请说明"), [self["valid_from"], self["reason"]])]


# --- a refusal on the form --------------------------------------------------------------------------------

def _english() -> bool:
    return not (get_language() or "zh-hans").lower().startswith("zh")


def show_refusal(form: EditForm, refused: EditRefused) -> None:
    """Each problem at its field, in the viewer's language (the rule's sentence, its code kept on the error); a
    problem of a field the form does not show is told above the form, naming its column."""
    english = _english()
    shown: set[tuple[str, str, str]] = set()
    for problem in refused.problems:
        rule = problem.rule_en if english else problem.rule_zh
        name = form.field_for(problem)
        if not (name and name in form.fields):
            name = ""
            if problem.column and problem.code not in EDIT_RULES:
                rule = gettext("%(column)s：%(rule)s") % {"column": gettext(problem.column), "rule": rule}
        if (name, problem.code, rule) in shown:  # the same value met the same rule in two rows (head and household)
            continue
        shown.add((name, problem.code, rule))
        form.add_error(name or None, forms.ValidationError(rule, code=problem.code))
