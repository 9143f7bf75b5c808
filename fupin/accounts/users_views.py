"""User administration pages (USERS_MANAGE, within the manager's area: ADR 0022), the user's own password change
and the ending of one of their sessions. Thin: forms check shapes, :mod:`fupin.accounts.user_services` decides
and refuses with a reason, shown in the viewer's language."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fupin.accounts import access, selectors, user_services
from fupin.accounts.filters import UserFilter
from fupin.accounts.models import User
from fupin.accounts.roles import ROLE_LEVELS, Cap, Role
from fupin.accounts.roster import roster_template
from fupin.accounts.uploads import roster_credentials_take, roster_job_get, roster_start
from fupin.accounts.user_sessions import user_session_rekey, user_session_revoke
from fupin.accounts.users_forms import (
    AssignmentEndForm,
    AssignmentForm,
    PasswordChangeForm,
    PasswordResetForm,
    RosterForm,
    UserCreateForm,
    UserEditForm,
)
from fupin.areas.models import Area
from fupin.core.actors import acting_user
from fupin.core.errors import DomainError
from fupin.core.forms import form_errors
from fupin.core.imports.jobs import outcome_context
from fupin.core.imports.report import XLSX_TYPE
from fupin.core.imports.uploads import job_report_response
from fupin.core.jobs import job_sweep_stale

NEW_PASSWORD_KEY = "fupin_handed_password"  # noqa: S105 (a session key name, not a password)


def _said(exc: DomainError) -> str:
    return exc.message_in(get_language() or "zh-hans")


def _act(request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], object], done: str) -> bool:
    """Validate ``form``, run ``action``; flash ``done``, the form's errors or the refusal (which changed nothing),
    in the viewer's language. True when the action ran."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return False
    try:
        action(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _said(exc))
        return False
    messages.success(request, done)
    return True


def _form_refused(form: forms.Form, exc: DomainError) -> None:
    named = [f for f in exc.fields if f in form.fields]
    form.add_error(named[0] if named else None, _said(exc))


def _choices(manager: User) -> dict[str, Any]:
    return {"roles": access.grantable_roles(manager), "areas": selectors.grant_areas(manager),
            "departments": selectors.departments()}


def _hand_over(request: HttpRequest, user: User, password: str) -> None:
    """Show a temporary password once, on the account's page (as a new API token is shown)."""
    request.session[NEW_PASSWORD_KEY] = {"user": user.pk, "password": password}


def _detail(pk: int) -> HttpResponse:
    return redirect("accounts:user-detail", pk=pk)


# --- the list, a new account, one account --------------------------------------------------------------------

MANAGE = access.require_capability(Cap.USERS_MANAGE)


@MANAGE
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    manager = acting_user(request)
    params = request.GET
    users = UserFilter(params, queryset=selectors.user_list(manager)).qs
    return render(request, "accounts/user_list.html", {
        "page": Paginator(users, 25).get_page(params.get("page")), "params": params, "roles": Role.choices,
        "areas": selectors.grant_areas(manager), "tab": "users"})


@MANAGE
def user_create(request: HttpRequest) -> HttpResponse:
    manager = acting_user(request)
    form = UserCreateForm(request.POST or None, **_choices(manager))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = user_services.user_register(
                username=data["username"], name=data["name"], phone=data["phone"], role=data["role"],
                area=data["area"], department=data["department"], valid_from=data["valid_from"],
                password=form.chosen_password(), actor=manager)
        except DomainError as exc:
            _form_refused(form, exc)
        else:
            if form.chosen_password() is None:
                _hand_over(request, user, password)
            messages.success(request, _("已创建账号 %(username)s。") % {"username": user.username})
            return _detail(user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "tab": "create"},
                  status=400 if form.errors else 200)


@MANAGE
@require_GET
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    manager = acting_user(request)
    user = selectors.user_get(manager, pk)
    handed = request.session.pop(NEW_PASSWORD_KEY, None)
    return render(request, "accounts/user_detail.html", {
        "account": user, "assignments": list(user.assignments.all()), "tab": "users",
        "handed_password": handed["password"] if isinstance(handed, dict) and handed.get("user") == user.pk else None,
        "edit_form": UserEditForm(initial={"name": user.name, "phone": user.phone}),
        "assignment_form": AssignmentForm(**_choices(manager)), "end_form": AssignmentEndForm(),
        "reset_form": PasswordResetForm(), "is_self": user.pk == manager.pk})


@MANAGE
@require_POST
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    manager = acting_user(request)
    user = selectors.user_get(manager, pk)
    _act(request, UserEditForm(request.POST),
         lambda d: user_services.user_update(user, actor=manager, name=d["name"], phone=d["phone"]), _("已保存。"))
    return _detail(user.pk)


@MANAGE
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    manager = acting_user(request)
    user = selectors.user_get(manager, pk)
    _act(request, forms.Form(request.POST), lambda d: user_services.user_deactivate(user, actor=manager),
         _("账号已停用，其登录会话已结束。"))
    return _detail(user.pk)


@MANAGE
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    manager = acting_user(request)
    user = selectors.user_get(manager, pk)
    _act(request, forms.Form(request.POST), lambda d: user_services.user_reactivate(user, actor=manager),
         _("账号已恢复使用。"))
    return _detail(user.pk)


@MANAGE
@require_POST
def password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    manager = acting_user(request)
    user = selectors.user_get(manager, pk)
    form = PasswordResetForm(request.POST)

    def reset(data: dict[str, Any]) -> None:
        password = user_services.password_reset(user, actor=manager, password=form.chosen_password())
        if form.chosen_password() is None:
            _hand_over(request, user, password)

    _act(request, form, reset, _("密码已重置，用户下次登录时须修改密码。"))
    return _detail(user.pk)


@MANAGE
@require_POST
def assignment_add(request: HttpRequest, pk: int) -> HttpResponse:
    manager = acting_user(request)
    user = selectors.user_get(manager, pk)
    _act(request, AssignmentForm(request.POST, **_choices(manager)),
         lambda d: user_services.assignment_create(user=user, role=d["role"], area=d["area"],
                                                   department=d["department"], valid_from=d["valid_from"],
                                                   actor=manager), _("已分配角色。"))
    return _detail(user.pk)


@MANAGE
@require_POST
def assignment_end(request: HttpRequest, pk: int, assignment: int) -> HttpResponse:
    manager = acting_user(request)
    user = selectors.user_get(manager, pk)
    held = selectors.assignment_get(user, assignment)
    _act(request, AssignmentEndForm(request.POST),
         lambda d: user_services.assignment_end(held, actor=manager, last_day=d["last_day"]), _("角色已结束。"))
    return _detail(user.pk)


# --- the roster ------------------------------------------------------------------------------------------------

def _role_rows() -> list[tuple[str, str, list[str]]]:
    """Each role as the roster's 角色 column takes it (its Chinese name), as the viewer reads it, and its levels."""
    with translation.override("zh-hans"):
        typed = {value: str(label) for value, label in Role.choices}
    return [(typed[value], str(label), [str(Area.Level(level).label) for level in ROLE_LEVELS[value]])
            for value, label in Role.choices]


@MANAGE
def roster_upload(request: HttpRequest) -> HttpResponse:
    """The roster is checked and its accounts created by a job (:mod:`fupin.accounts.job_handlers`)."""
    form = RosterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = roster_start(upload=form.cleaned_data["file"], actor=acting_user(request))
        except DomainError as exc:
            _form_refused(form, exc)
        else:
            return redirect("accounts:roster-detail", pk=job.pk)
    return render(request, "accounts/roster.html", {
        "form": form, "tab": "roster", "role_rows": _role_rows(), "departments": selectors.departments()},
        status=400 if form.errors else 200)


@MANAGE
@require_GET
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the roster job runs (htmx polls this page), then the outcome and the problems."""
    job_sweep_stale()
    context = {**outcome_context(roster_job_get(request.user, pk)), "tab": "roster"}
    template = "accounts/_roster_status.html" if request.headers.get("HX-Request") else "accounts/roster_detail.html"
    return render(request, template, context)


@MANAGE
@require_GET
def roster_report(request: HttpRequest, pk: int) -> FileResponse:
    return job_report_response(roster_job_get(request.user, pk), f"花名册问题报告-{pk}.xlsx")


@MANAGE
@require_GET
def roster_passwords(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster's temporary passwords, once."""
    content = roster_credentials_take(roster_job_get(request.user, pk), actor=acting_user(request))
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="roster-{pk}-passwords.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@MANAGE
@require_GET
def roster_blank(request: HttpRequest) -> HttpResponse:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.xlsx"
        roster_template(path)
        content = path.read_bytes()
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


# --- the user's own password and sessions ------------------------------------------------------------------------

def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "/"


def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the page every other page leads to while a chosen password must be changed."""
    user = acting_user(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        old_key = request.session.session_key
        try:
            user_services.password_change(user, old_password=form.cleaned_data["old_password"],
                                          new_password=form.cleaned_data["new_password1"], keep_session=old_key)
        except DomainError as exc:
            _form_refused(form, exc)
        else:
            update_session_auth_hash(request, user)
            user_session_rekey(old_key, request.session.session_key)
            messages.success(request, _("密码已修改。"))
            return redirect(_next(request))
    return render(request, "accounts/password_change.html", {
        "form": form, "forced": user.must_change_password, "next": _next(request),
        "rules": password_validators_help_texts()}, status=400 if form.errors else 200)


@require_POST
def session_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """End one of one's own sessions; ending the current one signs out."""
    ended = user_session_revoke(acting_user(request), session_id=pk)
    if ended == request.session.session_key:
        logout(request)
        return redirect("accounts:login")
    messages.success(request, _("已结束该登录会话。"))
    return redirect("accounts:profile")
