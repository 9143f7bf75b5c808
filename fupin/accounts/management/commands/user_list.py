"""``fupin user-list [--role ROLE] [--area CODE] [--active|--inactive] [--search TEXT]``: the accounts, one a line
(username, name, state, roles not ended)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Prefetch

from fupin.accounts import cli
from fupin.accounts.access import open_assignments
from fupin.accounts.filters import UserFilter
from fupin.accounts.models import Assignment, User


class Command(BaseCommand):
    help = "List the accounts with their roles; filter by role, division (and below), state or text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", help="role code or Chinese name")
        parser.add_argument("--area", metavar="CODE", help="holds a role in this division or below it")
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--active", action="store_true", help="active accounts only")
        state.add_argument("--inactive", action="store_true", help="deactivated accounts only")
        parser.add_argument("--search", default="", help="start of the username, part of the name, start of the phone")

    def handle(self, *args: Any, **options: Any) -> None:
        data = {"q": options["search"], "active": "1" if options["active"] else "0" if options["inactive"] else ""}
        if options["role"]:
            data["role"] = cli.role_named(options["role"])
        if options["area"]:
            data["area"] = str(cli.area_coded(options["area"]).pk)
        held = Assignment.objects.filter(open_assignments()).select_related("area", "department").order_by("pk")
        users = UserFilter(data, queryset=User.objects.prefetch_related(Prefetch("assignments", queryset=held))
                           .order_by("username")).qs
        count = 0
        for user in users:
            roles = "; ".join(f"{a.get_role_display()} @ {a.area.code} {a.area.name}"
                              + (f" ({a.department.code})" if a.department else "") for a in user.assignments.all())
            state = "使用中/active" if user.is_active else "已停用/inactive"
            self.stdout.write(f"{user.username}\t{user.name}\t{state}\t{roles or '—'}")
            count += 1
        self.stdout.write(f"共 {count} 个账号 / {count} accounts")
