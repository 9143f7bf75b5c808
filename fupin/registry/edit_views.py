"""The registry's edit pages (动态管理, ADR 0026): a household's facts, its members, its head, its income lines, and
a new applicant household. Thin: the form parses, :mod:`fupin.registry.editing` checks everything and writes, and a
refusal is shown at the fields it names (the form is drawn again, HTTP 400, nothing changed). An edit made on a
stale page (``ConcurrentChange``) passes on to the platform's refusal page (409, ``RefusalMiddleware``).

A household outside the user's areas answers 404, as one that does not exist; a user who may see it but not edit
the registry gets 403."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fupin.accounts.access import ensure_can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import acting_user
from fupin.core.reads import personal_data_read
from fupin.registry import editing
from fupin.registry.edit_forms import (
    ApplicantForm,
    EditForm,
    HeadChangeForm,
    HouseholdFactsForm,
    IncomeForm,
    MemberAddForm,
    MemberForm,
    MemberRemoveForm,
    show_refusal,
)
from fupin.registry.editing import HEAD, HOUSEHOLD_FIELDS, INCOME_FIELDS, MEMBER_FIELDS, Edit, EditRefused
from fupin.registry.models import Household, IncomeRecord, Member

T = TypeVar("T")
GET_POST = require_http_methods(["GET", "POST"])


def _household(request: HttpRequest, pk: int) -> Household:
    household = get_visible_or_404(Household.objects.select_related("village", "village__parent"), request.user, pk=pk)
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    return household


def _member(request: HttpRequest, pk: int) -> Member:
    member = get_visible_or_404(Member.objects.get_queryset().select_related("household", "household__village__parent"),
                                request.user, pk=pk)
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    return member


def _initial(row: Model, fields: Iterable[str], version: int) -> dict[str, Any]:
    return {"version": version, **{name: getattr(row, name) for name in fields}}


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _save(request: HttpRequest, form: EditForm, write: Callable[[Edit], T]) -> T | None:
    """The service's result, or None with the form's errors (its own, or the service's refusal at the fields)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    edit = Edit(actor=acting_user(request), version=data.get("version"), valid_from=data["valid_from"],
                reason=data["reason"])
    try:
        return write(edit)
    except EditRefused as refused:
        show_refusal(form, refused)
        return None


def _done(request: HttpRequest, household: Household, section: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("registry:household-detail", args=[household.pk]) + f"#sec-{section}")


def _page(request: HttpRequest, form: EditForm, *, title: str, submit: str, household: Household | None = None,
          shown: Model | None = None, view: str, **context: Any) -> HttpResponse:
    """The edit page; what it shows of people (the household, a member) is a read, logged as every read is."""
    if shown is not None:
        personal_data_read(actor=acting_user(request), rows=[shown], view=view)
    head = Member.objects.filter(household=household, relation=HEAD).first() if household is not None else None
    back = (reverse("registry:household-detail", args=[household.pk]) if household is not None
            else reverse("registry:household-list"))
    return render(request, "registry/edit_form.html", {
        "form": form, "title": title, "submit": submit, "household": household, "head": head, "back": back,
        **context}, status=400 if form.errors else 200)


@GET_POST
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = HouseholdFactsForm(_posted(request), initial=_initial(household, HOUSEHOLD_FIELDS, household.version))
    if request.method == "POST" and _save(request, form, lambda edit: editing.household_update(
            household, form.values(), edit)) is not None:
        return _done(request, household, "facts", _("基本情况已保存。"))
    return _page(request, form, title=_("修改基本情况"), submit=_("保存"), household=household, shown=household,
                 view="registry.household_edit")


@GET_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = MemberAddForm(_posted(request), initial={"version": household.version})
    if request.method == "POST":
        added = _save(request, form, lambda edit: editing.member_add(
            household, form.values(), form.cleaned_data["id_number"], form.cleaned_data["event"], edit))
        if added is not None:
            return _done(request, household, "members", _("已增加成员 %(name)s。") % {"name": added.name})
    return _page(request, form, title=_("增加家庭成员"), submit=_("增加"), household=household, shown=household,
                 view="registry.member_add",
                 intro=_("新生儿、婚入或迁入的成员：性别和出生日期取自身份证号。"))


@GET_POST
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    household = member.household
    form = MemberForm(_posted(request), is_head=member.relation == HEAD,
                      initial=_initial(member, MEMBER_FIELDS, household.version))
    if request.method == "POST" and _save(request, form, lambda edit: editing.member_update(
            member, form.values(), edit)) is not None:
        return _done(request, household, "members", _("%(name)s 的信息已保存。") % {"name": member.name})
    return _page(request, form, title=_("修改成员信息"), submit=_("保存"), household=household, shown=member,
                 view="registry.member_edit", member=member,
                 intro=_("户主通过“变更户主”更换；身份证号有误的成员，请减少后重新增加。"))


@GET_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    household = member.household
    form = MemberRemoveForm(_posted(request), initial={"version": household.version})
    if request.method == "POST" and _save(request, form, lambda edit: editing.member_remove(
            member, form.cleaned_data["removal_reason"], edit)) is not None:
        return _done(request, household, "members", _("已减少成员 %(name)s。") % {"name": member.name})
    return _page(request, form, title=_("减少家庭成员"), submit=_("减少"), household=household, shown=member,
                 view="registry.member_remove", member=member,
                 intro=_("死亡、婚嫁迁出、户籍迁出等：该成员的记录保留，不再计入家庭人口。"))


@GET_POST
def head_change(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    others = Member.objects.filter(household=household).exclude(relation=HEAD).order_by("pk")
    form = HeadChangeForm(_posted(request), members=others, initial={"version": household.version})
    if request.method == "POST" and _save(request, form, lambda edit: editing.head_change(
            household, form.cleaned_data["new_head"], form.cleaned_data["old_head_relation"], edit)) is not None:
        return _done(request, household, "members", _("户主已变更。"))
    return _page(request, form, title=_("变更户主"), submit=_("变更户主"), household=household, shown=household,
                 view="registry.head_change",
                 intro=_("选择新户主，并说明原户主与新户主的关系；其他成员与户主的关系请在“修改成员信息”中更新。"))


def _income_year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdecimal() and len(text) == 4 else editing.income_years()[0]


@GET_POST
def income_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    year = _income_year(request)
    stored = IncomeRecord.objects.filter(household=household, year=year).first()
    initial = (_initial(stored, INCOME_FIELDS, household.version) if stored is not None
               else {"version": household.version})
    form = IncomeForm(_posted(request), initial={**initial, "year": year})
    if request.method == "POST":
        saved = _save(request, form, lambda edit: editing.income_save(
            household, form.cleaned_data["year"], form.values(), edit))
        if saved is not None:
            return _done(request, household, "incomes", _("%(year)s 年度收支已保存。") % {"year": saved.year})
    return _page(request, form, title=_("填报收支情况"), submit=_("保存"), household=household, shown=household,
                 view="registry.income_edit", years=list(editing.income_years()), year=year,
                 intro=_("可填报工作年度或上一年度的收支；已有的年度会被更正。"))


@require_capability(Cap.REGISTRY_EDIT)
@GET_POST
def applicant_create(request: HttpRequest) -> HttpResponse:
    villages = (Area.objects.visible_to(request.user).filter(level=Area.Level.VILLAGE, valid_to__isnull=True)
                .select_related("parent").order_by("code"))
    chosen = request.GET.get("village", "")
    form = ApplicantForm(_posted(request), villages=villages,
                         initial={"village": int(chosen) if chosen.isdecimal() and len(chosen) < 10 else None})
    if request.method == "POST":
        created = _save(request, form, lambda edit: editing.applicant_create(
            form.cleaned_data["village"], form.household_values(), form.head_values(), form.cleaned_data["id_number"],
            edit))
        if created is not None:
            if created.status:  # its 农户申请 was taken with it: identification has started
                return _done(request, created, "workflow", _(
                    "已新增申请户 %(no)s，并已办理“农户申请”，识别程序已启动。") % {"no": created.household_no})
            return _done(request, created, "workflow", _(
                "已新增申请户 %(no)s。请在“识别与退出流程”中办理“农户申请”，启动识别程序。") % {"no": created.household_no})
    return _page(request, form, title=_("新增申请户"), submit=_("新增申请户"), view="registry.applicant_create",
                 intro=_("申请识别为贫困户的一般农户：登记户信息和户主，即办理“农户申请”，启动识别程序。"))
