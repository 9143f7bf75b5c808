"""Navigation for every page: the modules, shown by capability, with the ones still to come."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (label, url name or None for a module not yet built, capability or None)
MODULES: list[tuple[Any, str | None, str | None]] = [
    (_("首页"), "site:home", None),
    (_("建档立卡"), "registry:household-list", "registry.view"),
    (_("公示公告"), "notices:notice-list", "notices.view"),
    (_("驻村工作队"), "registry:work-team-list", "registry.view"),
    (_("退出评估"), "assessment:overview", "registry.view"),
    (_("防返贫监测"), "monitoring:overview", "registry.view"),
    (_("数据比对"), "crosscheck:overview", "registry.view"),
    (_("帮扶措施"), "measures:measure-list", "measures.view"),
    (_("项目资金"), "projects:project-list", "projects.view"),
    (_("规划任务"), "plan:overview", "plan.view"),
    (_("热线诉求"), "hotline:ticket-list", "hotline.view"),
    (_("行政区划"), "areas:area-tree", None),
    (_("后台任务"), "core:job-list", None),
    (_("审计日志"), "core:audit-log", "audit.view"),
    (_("用户管理"), "accounts:user-list", "accounts.manage"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for label, url_name, capability in MODULES:
        if capability and not user.can(capability):
            continue
        url = reverse(url_name) if url_name else None
        active = bool(url and (request.path == url or (url != "/" and request.path.startswith(url))))
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items, "nav_assignment": user.primary_assignment}
