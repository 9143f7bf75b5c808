"""Pages for editing the plan (PLAN_MANAGE): every plan, a new plan, one plan's head and its measures and tasks.
Thin: the form checks the input's shape, :mod:`fupin.plan.editing` does the rest and refuses with the reason,
which the page shows beside the field it names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.core.actors import acting_user
from fupin.core.errors import DomainError
from fupin.core.forms import submit
from fupin.plan import editing, selectors
from fupin.plan.forms import MeasureForm, MoveForm, PlanForm, RetireForm, TaskForm
from fupin.plan.models import Measure, Plan, ReportLine, Task, Unit

T = TypeVar("T")


def _plan(code: str) -> Plan:
    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        raise Http404("no such plan")
    return plan


def _measure(plan: Plan, code: str) -> Measure:
    measure = Measure.objects.filter(plan=plan, code=code).select_related("parent", "plan").first()
    if measure is None:
        raise Http404("no such measure")
    return measure


def _task(plan: Plan, code: str) -> Task:
    task = Task.objects.filter(plan=plan, code=code).select_related("measure", "lead", "plan").first()
    if task is None:
        raise Http404("no such task")
    return task


def _units() -> Any:
    return Unit.objects.order_by("kind", "code")


def _run(form: forms.Form, action: Callable[[dict[str, Any]], T]) -> T | None:
    """The service's result, or None with the refusal put on the field it names (or on the form)."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except DomainError as exc:
        named = [f for f in exc.fields if f in form.fields]
        form.add_error(named[0] if named else None, exc.message)
        return None


def _page(request: HttpRequest, template: str, context: dict[str, Any], form: forms.Form) -> HttpResponse:
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


@require_capability(Cap.PLAN_VIEW)
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.plan_list().annotate(n_measures=Count("measures", distinct=True),
                                           n_tasks=Count("tasks", distinct=True,
                                                         filter=~Q(tasks__status=Task.Status.RETIRED)))
    current = selectors.plan_current()
    return render(request, "plan/plan_list.html", {
        "plans": plans, "current": current, "plan": current, "tab": "plans",
        "can_manage": can(request.user, Cap.PLAN_MANAGE)})


def _plan_input(data: dict[str, Any], code: str = "") -> editing.PlanInput:
    return editing.PlanInput(code=code or data["code"], title=data["title"], starts_year=data["starts_year"],
                             ends_year=data["ends_year"], issuer=data["issuer"], issued_on=data["issued_on"])


@require_capability(Cap.PLAN_MANAGE)
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method == "POST":
        plan = _run(form, lambda data: editing.plan_create(_plan_input(data), actor=acting_user(request)))
        if plan is not None:
            messages.success(request, _("已建立规划“%(title)s”，请添加举措和任务。") % {"title": plan.title})
            return redirect("plan:plan-manage", code=plan.code)
    return _page(request, "plan/plan_form.html", {"tab": "plans"}, form)


@require_capability(Cap.PLAN_MANAGE)
def plan_manage(request: HttpRequest, code: str) -> HttpResponse:
    """The plan's head (name, period) and its measures and tasks, with what the office can do to each."""
    plan = _plan(code)
    initial = {"title": plan.title, "starts_year": plan.starts_year, "ends_year": plan.ends_year,
               "issuer": plan.issuer, "issued_on": plan.issued_on}
    form = PlanForm(request.POST or None, initial=initial, fixed_code=plan.code)
    if request.method == "POST":
        saved = _run(form, lambda data: editing.plan_update(plan, _plan_input(data, plan.code), actor=acting_user(request)))
        if saved is not None:
            messages.success(request, _("规划已保存。"))
            return redirect("plan:plan-manage", code=plan.code)
    measures = selectors.measures_with_units(plan)
    depth: dict[int, int] = {}
    for m in measures:
        depth[m.pk] = depth[m.parent_id] + 1 if m.parent_id in depth else 0
    siblings: dict[int | None, list[int]] = {}
    for m in measures:
        siblings.setdefault(m.parent_id, []).append(m.pk)
    rows = [{"measure": m, "depth": depth[m.pk], "first": siblings[m.parent_id][0] == m.pk,
             "last": siblings[m.parent_id][-1] == m.pk} for m in measures]
    return _page(request, "plan/plan_manage.html", {
        "plan": plan, "tab": "plans", "rows": rows,
        "loose_tasks": selectors.plan_tasks_without_measure(plan)}, form)


def _measure_input(data: dict[str, Any]) -> editing.MeasureInput:
    return editing.MeasureInput(code=data["code"], title=data["title"], label=data["label"], text=data["text"],
                                leads=list(data["leads"]), cooperating=list(data["cooperating"]))


@require_capability(Cap.PLAN_MANAGE)
def measure_create(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    parent = _measure(plan, request.GET["parent"]) if request.GET.get("parent") else None
    form = MeasureForm(request.POST or None, units=_units(), initial={"code": f"{parent.code}." if parent else ""})
    if request.method == "POST":
        measure = _run(form, lambda data: editing.measure_create(plan, _measure_input(data), parent=parent,
                                                                 actor=acting_user(request)))
        if measure is not None:
            messages.success(request, _("已添加举措“%(title)s”。") % {"title": measure.title})
            return redirect("plan:plan-manage", code=plan.code)
    return _page(request, "plan/measure_form.html", {"plan": plan, "tab": "plans", "parent": parent}, form)


@require_capability(Cap.PLAN_MANAGE)
def measure_edit(request: HttpRequest, code: str, measure: str) -> HttpResponse:
    plan = _plan(code)
    item = _measure(plan, measure)
    units = list(item.responsibilities.order_by("order"))
    initial = {"code": item.code, "label": item.label, "title": item.title, "text": item.text,
               "leads": [r.unit_id for r in units if r.role == "lead"],
               "cooperating": [r.unit_id for r in units if r.role == "cooperating"]}
    form = MeasureForm(request.POST or None, units=_units(), initial=initial)
    if request.method == "POST":
        saved = _run(form, lambda data: editing.measure_update(item, _measure_input(data), actor=acting_user(request)))
        if saved is not None:
            messages.success(request, _("举措“%(title)s”已保存。") % {"title": saved.title})
            return redirect("plan:plan-manage", code=plan.code)
    return _page(request, "plan/measure_form.html", {
        "plan": plan, "tab": "plans", "parent": item.parent, "measure": item,
        "deletable": item.source == Measure.Source.MANUAL and not item.children.exists() and not item.tasks.exists(),
    }, form)


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def measure_move(request: HttpRequest, code: str, measure: str) -> HttpResponse:
    plan = _plan(code)
    item = _measure(plan, measure)

    def move(data: dict[str, Any]) -> str:
        editing.measure_move(item, up=data["direction"] == "up", actor=acting_user(request))
        return _("已调整“%(title)s”的顺序。") % {"title": item.title}

    submit(request, MoveForm(request.POST), move)
    return redirect("plan:plan-manage", code=plan.code)


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def measure_delete(request: HttpRequest, code: str, measure: str) -> HttpResponse:
    plan = _plan(code)
    item = _measure(plan, measure)

    def delete(data: dict[str, Any]) -> str:
        editing.measure_delete(item, actor=acting_user(request))
        return _("已删除举措“%(title)s”。") % {"title": item.title}

    if not submit(request, forms.Form(request.POST), delete):
        return redirect("plan:measure-edit", code=plan.code, measure=item.code)
    return redirect("plan:plan-manage", code=plan.code)


def _task_input(data: dict[str, Any]) -> editing.TaskInput:
    return editing.TaskInput(code=data["code"], title=data["title"], deadline=data["deadline"], lead=data["lead"],
                             cooperating=list(data["cooperating"]), target=data["target"])


def _next_task_code(plan: Plan, measure: Measure | None) -> str:
    prefix = measure.code if measure else "T"
    taken = set(Task.objects.filter(plan=plan).values_list("code", flat=True))
    return next(f"{prefix}-{n}" for n in range(1, len(taken) + 2) if f"{prefix}-{n}" not in taken)


@require_capability(Cap.PLAN_MANAGE)
def task_create(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    measure = _measure(plan, request.GET["measure"]) if request.GET.get("measure") else None
    lead = measure.responsibilities.filter(role="lead", unit__kind__in=("department", "township")).first() \
        if measure else None
    form = TaskForm(request.POST or None, units=_units(), initial={
        "code": _next_task_code(plan, measure), "lead": lead.unit_id if lead else None})
    if request.method == "POST":
        task = _run(form, lambda data: editing.task_create(plan, _task_input(data), measure=measure,
                                                           actor=acting_user(request)))
        if task is not None:
            messages.success(request, _("已添加任务“%(title)s”。") % {"title": task.title})
            return redirect("plan:plan-manage", code=plan.code)
    return _page(request, "plan/task_form.html", {"plan": plan, "tab": "plans", "measure": measure}, form)


@require_capability(Cap.PLAN_MANAGE)
def task_edit(request: HttpRequest, code: str, task: str) -> HttpResponse:
    plan = _plan(code)
    item = _task(plan, task)
    initial = {"code": item.code, "title": item.title, "target": item.target, "deadline": item.deadline,
               "lead": item.lead_id, "cooperating": list(item.cooperating.values_list("pk", flat=True))}
    form = TaskForm(request.POST or None, units=_units(), initial=initial)
    if request.method == "POST":
        saved = _run(form, lambda data: editing.task_update(item, _task_input(data), actor=acting_user(request)))
        if saved is not None:
            messages.success(request, _("任务“%(title)s”已保存。") % {"title": saved.title})
            return redirect("plan:plan-manage", code=plan.code)
    reports = ReportLine.objects.filter(task=item).count()
    return _page(request, "plan/task_form.html", {
        "plan": plan, "tab": "plans", "measure": item.measure, "task": item, "reports": reports,
        "retire_form": RetireForm(), "deletable": item.source == Task.Source.MANUAL and not reports}, form)


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def task_retire(request: HttpRequest, code: str, task: str) -> HttpResponse:
    plan = _plan(code)
    item = _task(plan, task)

    def retire(data: dict[str, Any]) -> str:
        editing.task_retire(item, reason=data["reason"], actor=acting_user(request))
        return _("任务“%(title)s”已撤销。") % {"title": item.title}

    if not submit(request, RetireForm(request.POST), retire):
        return redirect("plan:task-edit", code=plan.code, task=item.code)
    return redirect("plan:plan-manage", code=plan.code)


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def task_delete(request: HttpRequest, code: str, task: str) -> HttpResponse:
    plan = _plan(code)
    item = _task(plan, task)

    def delete(data: dict[str, Any]) -> str:
        editing.task_delete(item, actor=acting_user(request))
        return _("已删除任务“%(title)s”。") % {"title": item.title}

    if not submit(request, forms.Form(request.POST), delete):
        return redirect("plan:task-edit", code=plan.code, task=item.code)
    return redirect("plan:plan-manage", code=plan.code)
