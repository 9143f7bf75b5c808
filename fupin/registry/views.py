from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.core.actors import acting_user
from fupin.core.errors import DomainError
from fupin.core.filters import parsed
from fupin.core.imports.jobs import outcome_context
from fupin.core.imports.report import XLSX_TYPE
from fupin.core.imports.uploads import job_report_response, upload_limit
from fupin.core.jobs import job_sweep_stale
from fupin.core.reads import personal_data_read
from fupin.core.request_limits import body_limit, too_large_message, upload_form_limit
from fupin.registry import codes, exporting, selectors
from fupin.registry.blank_template import TEMPLATE_FILENAME, registry_template_bytes
from fupin.registry.filters import HouseholdFilter
from fupin.registry.forms import ImportForm
from fupin.registry.models import Household
from fupin.registry.uploads import import_job_get, registry_import_start


@require_capability(Cap.REGISTRY_VIEW)
def household_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    filters = _filters(params)
    households = selectors.household_list(request.user, **filters)
    page = Paginator(households, 25).get_page(params.get("page"))
    personal_data_read(actor=acting_user(request), rows=list(page.object_list), view="registry.household_list",
                       query={**filters, "page": page.number})
    townships = Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True)
    villages = Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True)
    if filters["township"]:
        villages = villages.filter(parent_id=filters["township"])
    context = {
        "page": page, "rows": selectors.household_rows(page.object_list), "params": params, "townships": townships, "villages": villages.order_by("code"),
        "statuses": Household.Status.choices, "attributes": codes.shown(codes.Attribute.choices),
        "can_export": can(request.user, Cap.REGISTRY_EXPORT), "can_import": can(request.user, Cap.REGISTRY_IMPORT),
        "full_ids": can(request.user, Cap.REGISTRY_FULL_ID), "can_add": can(request.user, Cap.REGISTRY_EDIT),
    }
    return render(request, "registry/household_list.html", context)


# --- export, blank template ------------------------------------------------------------------------


def _filters(params: QueryDict) -> dict[str, Any]:
    """The household list's filters as its selector and the export take them (and as a job stores them)."""
    return parsed(HouseholdFilter(params))


@require_capability(Cap.REGISTRY_EXPORT)
@require_POST
def household_export(request: HttpRequest) -> HttpResponseBase:
    """What the user may see, filtered as the list is: at once when small, as a background job when large."""
    filters = _filters(request.POST)
    households = exporting.export_households(request.user, filters)
    if households.count() > settings.REGISTRY_EXPORT_DIRECT_MAX:
        job = exporting.registry_export_start(actor=acting_user(request), filters=filters)
        return redirect("registry:export-detail", pk=job.pk)
    return exporting.export_response(households, actor=acting_user(request), filters=filters)


@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = exporting.export_job_get(request.user, pk)
    template = "registry/_export_status.html" if request.headers.get("HX-Request") else "registry/export_detail.html"
    return render(request, template, {"job": job})


@require_GET
def export_file(request: HttpRequest, pk: int) -> FileResponse:
    path = exporting.export_file_path(exporting.export_job_get(request.user, pk))
    return FileResponse(path.open("rb"), as_attachment=True, filename=exporting.export_filename(),
                        content_type=XLSX_TYPE)


@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(registry_template_bytes(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILENAME)
    return response


# --- import ------------------------------------------------------------------------------------------


def _import_too_large(request: HttpRequest, size: int, limit: int) -> HttpResponse:
    return render(request, "registry/import.html", {"form": ImportForm(), "limit_mb": upload_limit() // 1048576,
                                                    "error": too_large_message(size, upload_limit())}, status=413)


@body_limit(lambda: upload_form_limit(upload_limit()), refuse=_import_too_large)
@require_capability(Cap.REGISTRY_IMPORT)
def registry_import(request: HttpRequest) -> HttpResponse:
    """The upload page. An upload over the limit is refused from its Content-Length, before it is stored."""
    return _import_form(request)


@require_http_methods(["GET", "POST"])
def _import_form(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        try:
            job = registry_import_start(files=form.cleaned_data["upload"], actor=acting_user(request),
                                        dry_run=form.cleaned_data["dry_run"], valid_only=form.cleaned_data["valid_only"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("registry:import-detail", pk=job.pk)
    return render(request, "registry/import.html", {"form": form, "limit_mb": upload_limit() // 1048576},
                  status=400 if form.errors else 200)


COUNT_LABELS = {
    "households": _("户信息"), "members": _("家庭成员"), "incomes": _("收支情况"),
    "created": _("新增"), "updated": _("更新"), "unchanged": _("未变"), "skipped": _("跳过"), "kept": _("保留"),
    "rows": _("行数"), "valid": _("有效"), "invalid": _("有问题"), "deleted": _("删除"),
}
LISTED_ROWS = 50


def _label(key: str) -> str:
    return str(COUNT_LABELS.get(key, key))


def _counts(counts: Any) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The import's counts as rows of (what, [(label, number)]): nested ({"households": {"created": 3}}) or
    flat with the noun first ({"households_created": 3})."""
    if not isinstance(counts, dict):
        return []
    rows: dict[str, list[tuple[str, Any]]] = {}
    for key, value in counts.items():
        if isinstance(value, dict):
            rows.setdefault(_label(key), []).extend((_label(k), v) for k, v in value.items())
            continue
        noun, _sep, verb = str(key).partition("_")
        rows.setdefault(_label(noun), []).append((_label(verb), value))
    return list(rows.items())


def _rows_text(rows: Any) -> str:
    if not isinstance(rows, list | tuple):
        return str(rows)
    shown = "、".join(map(str, rows[:LISTED_ROWS]))
    return shown if len(rows) <= LISTED_ROWS else f"{shown}…（{len(rows)}）"


def _listing(value: Any) -> list[str]:
    """Ignored columns ([sheet, column] pairs) or skipped rows ({sheet: [row, ...]}) as short lines; a list,
    a mapping or a number, whichever the engine gives."""
    if not value:
        return []
    if isinstance(value, dict):
        return [f"{key}：{_rows_text(rows)}" for key, rows in value.items()]
    if isinstance(value, list | tuple):
        return ["：".join(map(str, v.values() if isinstance(v, dict) else v)) if isinstance(v, dict | list | tuple)
                else str(v) for v in value]
    return [str(value)]


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the job runs (htmx polls this page every second), then the outcome."""
    job_sweep_stale()
    job = import_job_get(request.user, pk)
    context = outcome_context(job)
    result, problems = context["result"], context["problems"]
    context.update({
        "counts": _counts(result.get("counts")),
        # refused whole (or, in a dry run, would be): its counts are no news
        "refused": result.get("refused", bool(problems) and not result.get("written")),
        "ignored_columns": _listing(result.get("ignored_columns")), "skipped_rows": _listing(result.get("skipped_rows")),
        "dry_run": job.params.get("dry_run", False), "valid_only": job.params.get("valid_only", False),
    })
    template = "registry/_import_status.html" if request.headers.get("HX-Request") else "registry/import_detail.html"
    return render(request, template, context)


@require_GET
def import_report(request: HttpRequest, pk: int) -> FileResponse:
    return job_report_response(import_job_get(request.user, pk), f"导入问题报告-{pk}.xlsx")
